"""Health content blocks (``!!! kind``) and wide tables: their exact HTML, heading levels,
wording, errors, and that nothing an editor types can forge them."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from b12site import blocks
from b12site.cli import main
from b12site.config import load_config
from b12site.keys import content_key
from b12site.markup import ALLOWED_ATTRIBUTES, GUARDED_ATTRIBUTES, Converter, Where
from b12site.models import CareCardSettings

from .conftest import SiteMaker, article_text, front_matter
from .fuzz.html_checks import allow_list_problems, fragment_problems

FIXTURE = Path(__file__).parent / "fixtures" / "blocks"
HERE = Where("content/x.md", "body", 10)


def html(text: str, level: int = 1, care_cards: CareCardSettings | None = None) -> str:
    """A body's HTML, converted with citations a and b known."""
    return str(Converter(["a", "b"], care_cards).block(text, level=level))


# --- each kind, exactly -----------------------------------------------------------------------

CARE = [
    ("non-urgent", "Non-urgent advice: ", "See a GP if:"),
    ("urgent", "Urgent advice: ", "Ask for an urgent GP appointment or call 111 if:"),
    ("emergency", "Immediate action required: ", "Call 999 or go to A&amp;E if:"),
]


@pytest.mark.parametrize(("kind", "hidden", "title"), CARE)
def test_care_cards_have_a_hidden_prefix_and_their_wording(
    kind: str, hidden: str, title: str
) -> None:
    assert html(f"!!! {kind}\n    - one\n    - two") == (
        f'<div class="care-card care-card--{kind}">\n'
        f'<h2 class="care-card__heading"><span class="visually-hidden">{hidden}</span>'
        f"{title}</h2>\n"
        '<div class="care-card__content">\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n</div>\n'
        "</div>"
    )


def test_warning_callout() -> None:
    assert html("!!! warning\n    Do not stop it.") == (
        '<div class="callout callout--warning">\n'
        '<h2 class="callout__heading"><span class="visually-hidden">Important: </span>'
        "Important</h2>\n<p>Do not stop it.</p>\n</div>"
    )


def test_a_do_and_a_dont_in_a_row_share_a_wrapper() -> None:
    text = "!!! do\n    - eat well\n\n!!! dont\n    - skip meals"
    assert html(text) == (
        '<div class="do-dont">\n'
        '<div class="do-dont__list do-dont__list--do">\n'
        '<h2 class="do-dont__heading">Do</h2>\n'
        '<ul class="do-dont__items">\n<li>eat well</li>\n</ul>\n</div>\n'
        '<div class="do-dont__list do-dont__list--dont">\n'
        '<h2 class="do-dont__heading">Don\u2019t</h2>\n'
        '<ul class="do-dont__items">\n<li>skip meals</li>\n</ul>\n</div>\n'
        "</div>"
    )


def test_a_lone_do_list_or_a_pair_split_by_text_is_not_wrapped() -> None:
    lone = html("!!! do\n    - eat well")
    assert lone.startswith('<div class="do-dont__list do-dont__list--do">')
    split = html("!!! do\n    - a\n\nBetween.\n\n!!! dont\n    - b")
    assert 'class="do-dont"' not in split
    assert split.count("do-dont__list ") == 2


# --- titles and wording ------------------------------------------------------------------------


def test_a_quoted_title_replaces_the_heading_but_keeps_the_hidden_prefix() -> None:
    out = html('!!! urgent "Get an urgent appointment if:"\n    - numb feet')
    assert (
        '<span class="visually-hidden">Urgent advice: </span>Get an urgent appointment if:</h2>'
    ) in out
    assert html('!!! do "Do this"\n    - x').count(">Do this</h2>") == 1
    assert html('!!! warning "Take care"\n    x').count("</span>Take care</h2>") == 1


def test_a_title_is_plain_text_never_markup_or_a_citation() -> None:
    convert = Converter(["a"])
    out = str(convert.block('!!! warning "*Not* <b>bold</b> [@a]"\n    Text.'))
    assert "</span>*Not* &lt;b&gt;bold&lt;/b&gt; [@a]</h2>" in out
    assert convert.citations.emitted == {}


def test_the_care_card_wording_comes_from_the_settings() -> None:
    wording = CareCardSettings("Talk to a doctor if:", "Get help today if:", "Call 112 if:")
    assert "</span>Talk to a doctor if:</h2>" in html("!!! non-urgent\n    x", 1, wording)
    assert "</span>Get help today if:</h2>" in html("!!! urgent\n    x", 1, wording)
    assert "</span>Call 112 if:</h2>" in html("!!! emergency\n    x", 1, wording)
    assert "</span>Mine</h2>" in html('!!! emergency "Mine"\n    x', 1, wording)


def test_care_cards_in_site_yaml(make_site: SiteMaker) -> None:
    root = make_site(care_cards={"urgent": "Phone the surgery today if:"})
    config = load_config(root / "site.yaml")
    assert config.care_cards == CareCardSettings(urgent="Phone the surgery today if:")
    assert content_key(config) != content_key(
        dataclasses.replace(config, care_cards=CareCardSettings())
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"urgnt": "x"}, "care_cards.urgnt: unknown field (did you mean 'urgent'?)"),
        ({"urgent": "  "}, "care_cards.urgent: must not be empty"),
        ({"emergency": "x" * 151}, "care_cards.emergency: is longer than 150 characters"),
        ("Call 999", "care_cards: expected a mapping of 'field: value' lines, got text"),
    ],
)
def test_bad_care_card_settings_are_named(
    make_site: SiteMaker, capsys: pytest.CaptureFixture[str], value: object, message: str
) -> None:
    root = make_site(care_cards=value)
    assert main(["build", "--config", str(root / "site.yaml"), "--output", str(root / "o")]) == 1
    assert message in capsys.readouterr().err


def test_the_site_schema_documents_care_cards(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "site"]) == 0
    schema = json.loads(capsys.readouterr().out)
    cards = schema["$defs"][schema["properties"]["care_cards"]["$ref"].rsplit("/", 1)[-1]]
    assert cards["additionalProperties"] is False
    assert cards["properties"]["emergency"]["default"] == "Call 999 or go to A&E if:"
    assert "!!! urgent" in cards["description"]


def test_the_article_schema_documents_the_blocks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "article"]) == 0
    schema = json.loads(capsys.readouterr().out)
    answer = schema["$defs"]["FAQModel"]["properties"]["answer"]["description"]
    for described in (schema["description"], answer):
        assert "'!!! kind \"Title\"'" in described
        assert "non-urgent, urgent, emergency, warning, do, dont" in described
        assert "'Table: caption'" in described


# --- heading levels ----------------------------------------------------------------------------


def levels(out: str, css: str) -> list[int]:
    """The levels of the headings with the given class, in order."""
    return [int(n) for n in re.findall(rf'<h([2-6]) class="{css}"', out)]


def test_a_block_heading_is_one_below_the_heading_before_it() -> None:
    text = "\n\n".join(
        [
            "!!! warning\n    a",
            "## Section",
            "!!! warning\n    b",
            "!!! warning\n    c",  # a sibling, not under the one before
            "### Sub",
            "!!! warning\n    d",
            "###### Deep",
            "!!! warning\n    e",  # no h7
        ]
    )
    assert levels(html(text), "callout__heading") == [2, 3, 3, 4, 6]


def test_nested_blocks_go_one_level_deeper() -> None:
    text = "## S\n\n!!! urgent\n    Intro.\n\n    !!! warning\n        inner\n\n!!! warning\n    x"
    out = html(text)
    assert levels(out, "care-card__heading") == [3]
    assert levels(out, "callout__heading") == [4, 3]


def test_block_headings_are_not_sections_of_the_contents() -> None:
    convert = Converter()
    out = str(convert.block("!!! urgent\n    x\n\n## Real\n\ntext", collect_toc=True))
    assert [entry.title for entry in convert.toc] == ["Real"]
    assert '<h2 class="care-card__heading">' in out  # no id given


def test_faq_answers_hold_blocks_under_their_h3_question(make_site: SiteMaker) -> None:
    answer = "It can be [@jones2019].\n\n!!! urgent\n    - numb feet [@smith2020]\n"
    meta = front_matter(faq=[{"question": "Is it serious?", "answer": answer}])
    root = make_site({"x.md": article_text(meta)})
    out = root / "out"
    assert main(["build", "-q", "--config", str(root / "site.yaml"), "--output", str(out)]) == 0
    page = (out / "x" / "index.html").read_text("utf-8")
    assert '<h4 class="care-card__heading"><span class="visually-hidden">Urgent advice: ' in page
    assert "numb feet <sup" in page


# --- Markdown inside ---------------------------------------------------------------------------


def test_blocks_hold_any_markdown_and_their_citations_count() -> None:
    convert = Converter(["a", "b"])
    text = (
        "Intro [@a].\n\n!!! emergency\n    You have **numb** legs and [a link](https://x.org) "
        "[@b].\n\n    | A | B |\n    |---|---|\n    | 1 | 2 |\n"
    )
    out = str(convert.block(text))
    assert "<p>You have <strong>numb</strong> legs and " in out
    assert '<a href="https://x.org">a link</a>' in out
    assert 'aria-label="Reference 2"' in out
    assert '<div aria-label="A, B" class="table-wrap" role="region" tabindex="0">' in out
    assert convert.citations.emitted == {"a": ["cite-a-1"], "b": ["cite-b-1"]}


# --- errors ------------------------------------------------------------------------------------


def test_an_unknown_kind_is_a_content_error_at_its_line() -> None:
    convert = Converter()
    convert.block("Intro.\n\n!!! caution\n    Careful.\n\n!!! caution\n    Again.", where=HERE)
    (problem,) = convert.problems
    assert (problem.path, problem.line, problem.field, problem.rule) == (
        "content/x.md",
        12,
        "body",
        "content-block",
    )
    assert problem.message == (
        "unknown block '!!! caution': use one of non-urgent, urgent, emergency, warning, do, dont"
    )


def test_a_do_block_without_a_list_is_a_content_error() -> None:
    convert = Converter()
    convert.block("!!! dont\n    Just a sentence.", where=HERE)
    assert [(p.line, p.message, p.rule) for p in convert.problems] == [
        (10, "a '!!! dont' block holds a bulleted list: write each point as '- …'", "content-block")
    ]


def test_a_build_names_the_file_line_and_rule(
    make_site: SiteMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "Intro [@smith2020].\n\n## Help\n\n!!! urgnt\n    - numb feet\n"
    root = make_site({"bad.md": article_text(front_matter(), body)})
    assert main(["build", "--config", str(root / "site.yaml"), "--output", str(root / "o")]) == 1
    text = article_text(front_matter(), body)
    line = text.split("\n").index("!!! urgnt") + 1
    err = capsys.readouterr().err
    assert f"content/bad.md:{line}: body: unknown block '!!! urgnt': use one of" in err
    assert main(["check", "--config", str(root / "site.yaml"), "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert "content-block" in json.dumps(found)


def test_content_block_is_a_rule_of_valid_content() -> None:
    from b12site.findings import VALIDITY_RULES
    from b12site.rules import BY_ID

    assert BY_ID["content-block"].fixed
    assert "content-block" in VALIDITY_RULES


# --- nothing an editor types can forge a block -------------------------------------------------

FORGED = [
    '<div class="care-card care-card--urgent" role="region" tabindex="0">x</div>',
    '<div class="table-wrap" role="region" tabindex="0" aria-labelledby="table-caption-1">x</div>',
    '<div aria-label="Table">x</div>',
    '<span class="visually-hidden">hidden</span>',
    '<h2 class="care-card__heading">h</h2>',
    '<ul class="do-dont__items"><li>x</li></ul>',
    '<table><caption id="table-caption-9">c</caption><tr><td>1</td></tr></table>',
    f'<div class="{blocks.MARK.strip()}">x</div>',
]


@pytest.mark.parametrize("raw", FORGED)
def test_raw_html_cannot_forge_block_classes_roles_or_ids(raw: str) -> None:
    out = html(raw)
    for name in ("class=", "role=", "tabindex=", "aria-", "caption id="):
        assert name not in out, out


def test_attribute_lists_cannot_forge_them_either() -> None:
    out = html(
        "A para {: .care-card role=region tabindex=0 }\n\n## Head {: .care-card__heading }\n\n"
        "- item {: .do-dont__items }"
    )
    assert not re.search(r"<[^>]*\s(class|role|tabindex)=", out), out


def test_the_filter_keeps_only_marked_values_it_writes() -> None:
    mark = blocks.MARK
    check = blocks.attribute_filter
    assert check("div", "class", mark + "table-wrap") == "table-wrap"
    assert check("div", "class", "table-wrap") is None
    assert check("div", "class", mark + "table-wrap evil") is None
    assert check("div", "role", mark + "button") is None
    assert check("div", "tabindex", mark + "-1") is None
    assert check("caption", "id", mark + "table-caption-3") == "table-caption-3"
    assert check("caption", "id", mark + "main") is None
    assert check("a", "class", "citation-link") == "citation-link"  # not guarded
    assert check("h2", "id", "dose") == "dose"


def test_the_guarded_attributes_are_in_the_allow_list() -> None:
    assert blocks.guarded_attributes() == {k: set(v) for k, v in GUARDED_ATTRIBUTES.items()}
    for tag, names in GUARDED_ATTRIBUTES.items():
        assert names <= ALLOWED_ATTRIBUTES[tag]


HOSTILE_PARTS = [
    "!!! urgent",
    '!!! warning "<script>alert(1)</script>"',
    '!!! do "x\\" onmouseover=\\"alert(1)"',
    "    - item",
    "    <img src=x onerror=alert(1)>",
    '    <div class="care-card" role="region">',
    "Table: <script>alert(1)</script> [@a]",
    "| <b onclick=x>A</b> | B \\| C |",
    "|---|---|",
    "| 1 | 2 |",
    '<span class="visually-hidden">',
    "{: .table-wrap role=region }",
    "",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(HOSTILE_PARTS), max_size=12).map("\n".join))
def test_blocks_and_tables_never_let_script_in(text: str) -> None:
    out = html(text)
    assert fragment_problems(out) == []
    assert allow_list_problems(out) == []
    assert blocks.MARK.strip() not in out


# --- tables ------------------------------------------------------------------------------------

TABLE = "| Form | Dose |\n|---|---|\n| Tablet | 1 mg |"


def test_a_table_with_a_caption_paragraph() -> None:
    assert html(f"Table: Doses *compared*\n\n{TABLE}") == (
        '<div aria-labelledby="table-caption-1" class="table-wrap" role="region" tabindex="0">\n'
        "<table>\n"
        '<caption id="table-caption-1">Doses <em>compared</em></caption>\n'
        "<thead>\n<tr>\n"
        '<th scope="col">Form</th>\n<th scope="col">Dose</th>\n'
        "</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td>Tablet</td>\n<td>1 mg</td>\n</tr>\n</tbody>\n"
        "</table>\n</div>"
    )


def test_a_table_without_a_caption_is_named_by_its_header_row() -> None:
    out = html(f"Some text.\n\n{TABLE.replace('Form', 'Form [@a] &amp; `type`')}")
    assert out.startswith("<p>Some text.</p>\n")
    assert '<div aria-label="Form &amp; type, Dose" class="table-wrap"' in out
    assert "<caption" not in out


def test_only_a_table_paragraph_just_before_a_table_is_a_caption() -> None:
    out = html(f"Table: not a caption\n\nBetween.\n\n{TABLE}\n\nTable: after")
    assert "<caption" not in out
    assert "<p>Table: not a caption</p>" in out and "<p>Table: after</p>" in out


def test_citations_in_captions_number_in_page_order() -> None:
    convert = Converter(["a", "b"])
    out = str(convert.block(f"Intro [@b].\n\nTable: Doses [@a]\n\n{TABLE}\n\nAfter [@a]."))
    caption = re.search(r"<caption.*?</caption>", out, re.DOTALL)
    assert caption and 'aria-label="Reference 2"' in caption.group(0)
    assert convert.citations.emitted == {"b": ["cite-b-1"], "a": ["cite-a-1", "cite-a-2"]}


def test_caption_ids_are_unique_across_the_page_and_reserved() -> None:
    convert = Converter(["a"])
    body = str(convert.block(f"Table: One\n\n{TABLE}\n\nTable: Two\n\n{TABLE}", where=HERE))
    answer = str(convert.block(f"Table: Three\n\n{TABLE}", where=HERE, level=3))
    ids = re.findall(r'<caption id="([^"]+)"', body + answer)
    assert ids == ["table-caption-1", "table-caption-2", "table-caption-3"]
    assert convert.problems == []
    heading = str(Converter().block("## Table caption 1", collect_toc=True))
    assert 'id="table-caption-1-section"' in heading


def test_an_editor_cannot_take_a_caption_id() -> None:
    convert = Converter()
    convert.block(f"## Doses {{#table-caption-1}}\n\nTable: One\n\n{TABLE}", where=HERE)
    assert [p.message for p in convert.problems] == [
        "the id 'table-caption-1' is one the page gives its own parts"
    ]


# --- the fixture site --------------------------------------------------------------------------


def test_the_fixture_article_uses_every_block(tmp_path: Path) -> None:
    out = tmp_path / "out"
    config = str(FIXTURE / "site.yaml")
    assert main(["check", "--config", config, "--strict"]) == 0
    assert main(["build", "-q", "--no-cache", "--config", config, "--output", str(out)]) == 0
    page = (out / "every-block" / "index.html").read_text("utf-8")
    for css in (
        "care-card care-card--non-urgent",
        "care-card care-card--urgent",
        "care-card care-card--emergency",
        "callout callout--warning",
        "do-dont",
        "do-dont__list do-dont__list--do",
        "do-dont__list do-dont__list--dont",
        "table-wrap",
    ):
        assert f'class="{css}"' in page, css
    assert '<caption id="table-caption-1">' in page
    assert '<h4 class="care-card__heading">' in page  # in an FAQ answer
    assert "care_cards" not in yaml.safe_load((FIXTURE / "site.yaml").read_text("utf-8"))
