"""Structure and accessibility rules over rendered articles and pages (structure.py)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from b12site.config import load_config
from b12site.content import read_source
from b12site.errors import ERROR, WARNING, Problem
from b12site.models import RenderedArticle, RenderedPage
from b12site.stage import render_source
from b12site.structure import (
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    STRUCTURE_RULES,
    FieldFacts,
    LinkTag,
    read_field,
    structure_findings,
    vague,
    vague_links,
)
from tests.conftest import BODY, TODAY, SiteMaker, article_text, front_matter

REPO = Path(__file__).resolve().parent.parent
POINTS = ["B12 helps make red blood cells [@smith2020].", "Low B12 is common.", "It is treatable."]
LONG = "Why low vitamin B12 can make you tired, and what to do about it. " * 3  # 195 characters
ALT_HELP = "describe what it shows (decorative images are rare in health articles)"
TABLE_MESSAGE = (
    "a table has no header cells (<th>): mark its header row or column so screen readers can "
    "say which heading each cell belongs to"
)
EMPTY_ANSWER = (
    "the answer has no text once rendered (only citations, images, markup or white space): "
    "write the answer out"
)


def render_article(
    make_site: SiteMaker, body: str = BODY, **changes: object
) -> tuple[RenderedArticle, str]:
    """An article rendered as a build renders it (three key points unless changed), and the
    text of its file."""
    text = article_text(front_matter(**{"key_points": POINTS, **changes}), body)
    root = make_site({"a.md": text})
    config = load_config(root / "site.yaml")
    document = render_source(
        read_source(root / "content/a.md", "article", config.root), config, TODAY
    )
    assert isinstance(document, RenderedArticle)
    return document, text


def render_page(make_site: SiteMaker, description: str, body: str) -> tuple[RenderedPage, str]:
    """A plain page under content/pages, rendered, and the text of its file."""
    meta = {"title": "About us", "description": description}
    text = f"---\n{yaml.safe_dump(meta, sort_keys=False)}---\n\n{body}"
    root = make_site({"pages/x.md": text})
    config = load_config(root / "site.yaml")
    source = read_source(root / "content/pages/x.md", "page", config.root)
    document = render_source(source, config, TODAY)
    assert isinstance(document, RenderedPage)
    return document, text


def place(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """The line and column (from 1) of the ``nth`` (from 0) ``needle`` in a file's text."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1


def line(text: str, needle: str) -> int:
    """The line (from 1) where ``needle`` first stands in a file's text."""
    return place(text, needle)[0]


def only(found: list[Problem], rule: str) -> list[Problem]:
    """The findings of one rule."""
    return [p for p in found if p.rule == rule]


# --- the rules as values ---------------------------------------------------------------


def test_rules_have_stable_ids_severities_and_one_line_descriptions() -> None:
    ids = [rule.id for rule in STRUCTURE_RULES]
    assert ids == [
        "heading-skip",
        "image-alt",
        "table-header",
        "vague-link-text",
        "description-length",
        "key-points-count",
        "faq-empty-answer",
        "no-sections",
    ]
    errors = {rule.id for rule in STRUCTURE_RULES if rule.severity == ERROR}
    assert errors == {"image-alt", "table-header", "faq-empty-answer"}
    for rule in STRUCTURE_RULES:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.id)
        assert rule.severity in {ERROR, WARNING}
        assert rule.description and "\n" not in rule.description
        assert not rule.description.endswith(".")
        assert rule.category in {"content", "links", "structure"}


def test_a_well_made_article_gives_no_finding(make_site: SiteMaker) -> None:
    document, _ = render_article(make_site)
    assert structure_findings(document) == []


# --- heading-skip ----------------------------------------------------------------------


def test_heading_skip_names_the_heading_and_its_place(make_site: SiteMaker) -> None:
    body = "Dosage matters.\n\n## How much to take\n\nText.\n\n#### Dosage\n\nMore text.\n"
    document, text = render_article(make_site, body)
    (problem,) = structure_findings(document)
    assert problem.rule == "heading-skip"
    assert problem.severity == WARNING
    assert problem.field == "body"
    assert problem.message == "'Dosage' is an h4 after an h2: don't skip heading levels"
    assert (problem.line, problem.column) == place(text, "#### Dosage")


def test_the_first_heading_of_the_body_is_an_h2(make_site: SiteMaker) -> None:
    body = "Intro.\n\n### Background\n\n## What it is\n\nText [@smith2020].\n"
    document, text = render_article(make_site, body)
    (problem,) = structure_findings(document)
    assert problem.rule == "heading-skip"
    assert problem.message == (
        "'Background' is an h3 after an h1 (the page title): don't skip heading levels"
    )
    assert (problem.line, problem.column) == place(text, "### Background")


def test_heading_levels_one_step_down_or_any_step_up_are_fine(make_site: SiteMaker) -> None:
    body = (
        "Intro [@smith2020].\n\n## One\n\n### Two\n\n#### Three\n\n## Four\n\n### Five\n\n"
        "<h4>Six</h4>\n"
    )
    document, _ = render_article(make_site, body)
    assert structure_findings(document) == []


def test_heading_skip_in_raw_html_with_a_citation_and_twice(make_site: SiteMaker) -> None:
    body = (
        "Intro [@smith2020].\n\n## Tablets\n\n#### Dose [@jones2019]\n\n## Injections\n\n"
        "#### Dose\n\n## Raw\n\n<h5>Raw <em>one</em></h5>\n"
    )
    document, text = render_article(make_site, body)
    found = structure_findings(document)
    assert [p.message for p in found] == [
        "'Dose' is an h4 after an h2: don't skip heading levels",
        "'Dose' is an h4 after an h2: don't skip heading levels",
        "'Raw one' is an h5 after an h2: don't skip heading levels",
    ]
    assert [(p.line, p.column) for p in found] == [
        place(text, "#### Dose"),
        place(text, "#### Dose", 1),
        place(text, "<h5>"),  # its text is not written as such in the Markdown
    ]


def test_headings_of_faq_answers_are_not_judged(make_site: SiteMaker) -> None:
    faq = [{"question": "Is it serious?", "answer": "#### Sometimes\n\nIt can be [@jones2019]."}]
    document, _ = render_article(make_site, faq=faq)
    assert only(structure_findings(document), "heading-skip") == []


# --- image-alt -------------------------------------------------------------------------


def test_an_image_without_alt_text_is_an_error(make_site: SiteMaker) -> None:
    body = BODY + "\nSee the chart: ![](charts/levels.png)\n"
    document, text = render_article(make_site, body)
    (problem,) = structure_findings(document)
    assert problem.rule == "image-alt"
    assert problem.severity == ERROR
    assert problem.field == "body"
    assert problem.message == f"the image 'charts/levels.png' has no alt text: {ALT_HELP}"
    assert (problem.line, problem.column) == place(text, "charts/levels.png")


def test_a_raw_html_image_without_alt_is_an_error(make_site: SiteMaker) -> None:
    body = BODY + '\n<img src="x.png">\n'
    document, text = render_article(make_site, body)
    (problem,) = structure_findings(document)
    assert (problem.rule, problem.field) == ("image-alt", "body")
    assert problem.message == f"the image 'x.png' has no alt text: {ALT_HELP}"
    assert (problem.line, problem.column) == place(text, "x.png")


@pytest.mark.parametrize(
    ("alt", "src"),
    [("IMG_0042.jpg", "photos/IMG_0042.jpg"), ("IMG_0042", "IMG_0042.jpg"), ("scan.PNG", "a.png")],
)
def test_a_file_name_is_no_alt_text(make_site: SiteMaker, alt: str, src: str) -> None:
    document, text = render_article(make_site, BODY + f"\n![{alt}]({src})\n")
    (problem,) = structure_findings(document)
    assert problem.rule == "image-alt"
    assert problem.message == (
        f"the image '{src}' has a file name as its alt text ('{alt}'): {ALT_HELP}"
    )
    at_line, at_column = place(text, f"]({src})")
    assert (problem.line, problem.column) == (at_line, at_column + 2)


def test_the_same_image_twice_is_found_at_both_places(make_site: SiteMaker) -> None:
    body = BODY + "\n![](dot.png)\n\nText.\n\n![A dot](dot.png)\n\n![](dot.png)\n"
    document, text = render_article(make_site, body)
    found = structure_findings(document)
    assert [(p.line, p.column) for p in found] == [
        place(text, "dot.png"),
        place(text, "dot.png", 2),
    ]


def test_images_with_alt_text_are_fine(make_site: SiteMaker) -> None:
    body = (
        BODY + '\n![Bar chart of B12 levels by age](chart.png)\n\n<img src="a.png" alt="A ward">\n'
    )
    document, _ = render_article(make_site, body)
    assert structure_findings(document) == []


def test_an_image_in_a_key_point_is_found_on_its_line(make_site: SiteMaker) -> None:
    points = [*POINTS, "![](kp.png) A picture"]
    document, text = render_article(make_site, key_points=points)
    (problem,) = structure_findings(document)
    assert (problem.rule, problem.field) == ("image-alt", "key_points[3]")
    assert (problem.line, problem.column) == (line(text, "kp.png"), None)


# --- table-header ----------------------------------------------------------------------


def test_a_raw_html_table_without_header_cells_is_an_error(make_site: SiteMaker) -> None:
    body = BODY + "\n<table>\n<tr><td>Dose</td><td>1 mg</td></tr>\n</table>\n"
    document, text = render_article(make_site, body)
    (problem,) = structure_findings(document)
    assert problem.rule == "table-header"
    assert problem.severity == ERROR
    assert problem.field == "body"
    assert problem.message == TABLE_MESSAGE
    assert (problem.line, problem.column) == place(text, "<table>")


def test_two_headerless_tables_are_found_at_their_own_places(make_site: SiteMaker) -> None:
    table = "<TABLE><tr><td>x</td></tr></TABLE>"
    document, text = render_article(make_site, BODY + f"\n{table}\n\nText.\n\n{table}\n")
    found = structure_findings(document)
    assert [(p.rule, p.line, p.column) for p in found] == [
        ("table-header", *place(text, "<TABLE>")),
        ("table-header", *place(text, "<TABLE>", 1)),
    ]


def test_tables_with_header_cells_are_fine(make_site: SiteMaker) -> None:
    body = BODY + (
        "\n| Form | Dose |\n| --- | --- |\n| Tablet | 1 mg |\n\n"
        '<table><tr><th scope="row">Dose</th><td>1 mg</td></tr></table>\n'
    )
    document, _ = render_article(make_site, body)
    assert structure_findings(document) == []


# --- vague-link-text -------------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    ["click here", "Here", "READ MORE", "more…", "this link", "link", "This page!", "Learn more."],
)
def test_vague_link_text_is_a_warning(make_site: SiteMaker, words: str) -> None:
    body = BODY + f"\nFor dosing, [{words}](https://www.nhs.uk/b12/).\n"
    document, text = render_article(make_site, body)
    (problem,) = structure_findings(document)
    assert problem.rule == "vague-link-text"
    assert problem.severity == WARNING
    assert problem.field == "body"
    assert problem.message == (
        f"the link text '{words}' does not say where it goes: name the page or source "
        "(screen reader users often hear links on their own)"
    )
    assert (problem.line, problem.column) == place(text, f"[{words}]")


def test_vague_link_text_is_found_in_front_matter_and_twice_in_the_body(
    make_site: SiteMaker,
) -> None:
    body = BODY + "\n[Here](https://a.org/) and [here](https://a.org/) and [here](https://a.org/)\n"
    summary = "Low B12 can cause tiredness [@smith2020]; read [more](https://a.org/)."
    document, text = render_article(make_site, body, summary=summary)
    found = only(structure_findings(document), "vague-link-text")
    assert [(p.field, p.line, p.column) for p in found] == [
        ("summary", line(text, "summary:"), None),
        ("body", *place(text, "[Here]")),
        ("body", *place(text, "[here]")),
        ("body", *place(text, "[here]", 1)),
    ]


def test_links_that_name_their_destination_are_fine(make_site: SiteMaker) -> None:
    body = BODY + (
        "\nSee [the NHS page on vitamin B12](https://www.nhs.uk/b12/) or "
        "[read more about B12 tests](https://a.org/) or <https://example.org/here>.\n"
    )
    document, _ = render_article(make_site, body)
    assert structure_findings(document) == []


def test_citation_links_are_exempt_from_vague_link_text(make_site: SiteMaker) -> None:
    document, _ = render_article(make_site, BODY + "\nMore [@smith2020; @jones2019].\n")
    assert len(read_field(document.body_html).links) == 0  # citation marks are not read
    facts = read_field('<a class="citation-link" href="#ref-a">here</a>')
    assert facts.links == [LinkTag("here", "#ref-a", "", True)]
    assert vague_links(document.article.source, "body", facts) == []
    assert only(structure_findings(document), "vague-link-text") == []


def test_an_aria_label_names_a_link() -> None:
    facts = read_field('<a aria-label="NHS advice on B12" href="https://nhs.uk/">here</a>')
    assert not vague(facts.links[0].label)
    assert vague("  Click   here! ")
    assert not vague("here is the NHS advice")


# --- description-length ----------------------------------------------------------------


def test_a_long_description_keeps_the_old_message(make_site: SiteMaker) -> None:
    document, text = render_article(make_site, description=LONG.strip())
    (problem,) = structure_findings(document)
    assert problem.rule == "description-length"
    assert problem.severity == WARNING
    assert problem.field == "description"
    assert problem.message == f"{len(LONG.strip())} characters; search results show about 160"
    assert (problem.line, problem.column) == (line(text, "description:"), None)


def test_a_short_description_is_a_warning(make_site: SiteMaker) -> None:
    document, text = render_article(make_site, description="Low B12 and tiredness.")
    (problem,) = structure_findings(document)
    assert problem.rule == "description-length"
    assert problem.message == (
        "22 characters; write at least 50 so search results say what the page is about"
    )
    assert (problem.line, problem.column) == (line(text, "description:"), None)


@pytest.mark.parametrize("size", [DESCRIPTION_MIN, DESCRIPTION_MAX])
def test_descriptions_at_the_limits_are_fine(make_site: SiteMaker, size: int) -> None:
    document, _ = render_article(make_site, description=("B12 " * 50)[:size])
    assert structure_findings(document) == []


def test_a_page_with_a_long_description(make_site: SiteMaker) -> None:
    document, text = render_page(make_site, LONG.strip(), "About us.\n")
    (problem,) = structure_findings(document)
    assert problem.path == "content/pages/x.md"
    assert (problem.rule, problem.field) == ("description-length", "description")
    assert problem.message.endswith("characters; search results show about 160")
    assert (problem.line, problem.column) == (line(text, "description:"), None)


def test_a_page_is_judged_by_the_body_rules_only(make_site: SiteMaker) -> None:
    body = "No sections here.\n\n#### Deep\n\n![](p.png) [click here](https://a.org/)\n"
    document, text = render_page(
        make_site, "Who we are, who writes and reviews, and how to reach us.", body
    )
    found = structure_findings(document)
    assert [(p.rule, p.line, p.column) for p in found] == [
        ("heading-skip", *place(text, "#### Deep")),
        ("image-alt", *place(text, "p.png")),
        ("vague-link-text", *place(text, "[click here]")),
    ]


# --- key-points-count ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (1, "1 key point; 3 to 7 is a sensible number"),
        (2, "2 key points; 3 to 7 is a sensible number"),
        (8, "8 key points; 3 to 7 is a sensible number"),
    ],
)
def test_too_few_or_too_many_key_points(make_site: SiteMaker, count: int, message: str) -> None:
    points = [f"Point {n} [@smith2020]." for n in range(count)]
    document, text = render_article(make_site, key_points=points)
    (problem,) = structure_findings(document)
    assert problem.rule == "key-points-count"
    assert problem.severity == WARNING
    assert problem.field == "key_points"
    assert problem.message == message
    assert (problem.line, problem.column) == (line(text, "key_points:"), None)


@pytest.mark.parametrize("count", [3, 7])
def test_three_to_seven_key_points_are_fine(make_site: SiteMaker, count: int) -> None:
    points = [f"Point {n} [@smith2020]." for n in range(count)]
    document, _ = render_article(make_site, key_points=points)
    assert structure_findings(document) == []


# --- faq-empty-answer ------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    ["[@jones2019]", "&nbsp;", "<span> </span>", "<!-- to do -->", "---", "*[@jones2019]*"],
)
def test_an_answer_with_no_text_once_rendered(make_site: SiteMaker, answer: str) -> None:
    faq = [
        {"question": "Is it serious?", "answer": "It can be [@jones2019]."},
        {"question": "What now?", "answer": answer},
    ]
    document, text = render_article(make_site, faq=faq)
    (problem,) = structure_findings(document)
    assert problem.rule == "faq-empty-answer"
    assert problem.severity == ERROR
    assert problem.field == "faq[1].answer"
    assert problem.message == EMPTY_ANSWER
    assert (problem.line, problem.column) == (line(text, "question: What now?") + 1, None)


def test_an_answer_that_is_only_an_image(make_site: SiteMaker) -> None:
    faq = [{"question": "What does it look like?", "answer": "![A red tongue](tongue.png)"}]
    document, _ = render_article(make_site, faq=faq, summary="Low B12 [@jones2019].")
    assert [(p.rule, p.field) for p in structure_findings(document)] == [
        ("faq-empty-answer", "faq[0].answer")
    ]


@pytest.mark.parametrize("answer", ["No.", "42 [@jones2019]", "**Yes** [@jones2019]"])
def test_answers_with_text_are_fine(make_site: SiteMaker, answer: str) -> None:
    faq = [{"question": "Is it serious?", "answer": answer}]
    document, _ = render_article(make_site, faq=faq)
    assert structure_findings(document) == []


def test_text_inside_markup_counts() -> None:
    assert read_field("<p><span>Yes</span></p>").has_text
    assert not read_field("<p>\u00a0<br>\n</p>").has_text
    assert not FieldFacts().has_text


# --- no-sections -----------------------------------------------------------------------


def test_an_article_without_sections_keeps_the_old_message(make_site: SiteMaker) -> None:
    document, text = render_article(make_site, "Just text [@smith2020].\n\n### A small part\n")
    found = structure_findings(document)
    problem = only(found, "no-sections")[0]
    assert problem.severity == WARNING
    assert problem.field == "body"
    assert problem.message == "no '## ' sections, so the page has no contents list"
    assert (problem.line, problem.column) == (line(text, "Just text"), None)
    assert [p.rule for p in found] == ["no-sections", "heading-skip"]


def test_a_page_without_sections_is_fine(make_site: SiteMaker) -> None:
    description = "Who we are, who writes and reviews, and how to reach us by post."
    document, _ = render_page(make_site, description, "Just text.\n")
    assert structure_findings(document) == []


# --- the sample site -------------------------------------------------------------------


def sample_documents() -> list[RenderedArticle | RenderedPage]:
    """The repository's sample articles and pages, rendered."""
    config = load_config(REPO / "site.yaml")
    content = REPO / "content"
    files = [(p, "article") for p in sorted(content.glob("*.md"))]
    files += [(p, "page") for p in sorted((content / "pages").glob("*.md"))]
    today = date(2026, 12, 1)
    return [render_source(read_source(p, kind, config.root), config, today) for p, kind in files]


def test_the_sample_site_gives_no_finding() -> None:
    documents = sample_documents()
    assert [type(d).__name__ for d in documents].count("RenderedArticle") == 5
    assert [type(d).__name__ for d in documents].count("RenderedPage") == 2
    assert [str(p) for d in documents for p in structure_findings(d)] == []
