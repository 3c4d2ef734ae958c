"""The ``uncited-statistic`` rule: statistics need a citation in their sentence or paragraph."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from b12site.config import load_config
from b12site.content import read_source
from b12site.errors import WARNING, Problem
from b12site.evidence import MOST_SHOWN, UNCITED_STATISTIC, find_statistic, uncited_statistics
from b12site.models import RenderedArticle
from b12site.stage import render_source
from tests.conftest import TODAY, SiteMaker, article_text, front_matter

REPO = Path(__file__).resolve().parent.parent
CITED = "Intro paragraph [@smith2020].\n\n"  # the body starts with a cited paragraph
# the HTML a citation renders to, for raw HTML where Markdown does not convert ``[@id]``
RAW_CITATION = '<sup class="citation">[1]</sup>'


def render(make_site: SiteMaker, body: str, **meta: object) -> RenderedArticle:
    """One article with this body (and front matter changes) rendered as a build does."""
    root = make_site({"a.md": article_text(front_matter(**meta), body)})
    config = load_config(root / "site.yaml")
    document = render_source(
        read_source(root / "content/a.md", "article", config.root), config, TODAY
    )
    assert isinstance(document, RenderedArticle)
    return document


def check(make_site: SiteMaker, body: str, **meta: object) -> list[Problem]:
    """The rule's findings in one article."""
    return uncited_statistics(render(make_site, body, **meta))


def body_place(doc: RenderedArticle, line: int, text: str) -> tuple[int, int]:
    """The file line and column of ``text`` on a body line (counted from 0)."""
    source = doc.article.source
    return source.body_line + line, source.body.split("\n")[line].index(text) + 1


def test_rule_value() -> None:
    assert UNCITED_STATISTIC.id == "uncited-statistic"
    assert UNCITED_STATISTIC.severity == WARNING
    assert UNCITED_STATISTIC.category == "evidence"


# --- what it flags ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "shown"),
    [
        ("About 30% of older adults are low in B12.", "30%"),
        ("About 30 percent of older adults are low in B12.", "30 percent"),
        ("About 30 per cent of older adults are low in B12.", "30 per cent"),
        ("Levels were 7.2 percentage points lower.", "7.2 percentage points"),
        ("Between 20-30% of people are affected.", "20-30%"),
        ("Up to 1 in 4 people over 75 are low.", "1 in 4"),
        ("About one in five vegans is low.", "one in five"),
        ("About 1 extra person in every 14 became deficient.", "1 extra person in every 14"),
        ("Roughly 3 out of 10 people had symptoms.", "3 out of 10"),
        ("About 1 woman in 8 is low.", "1 woman in 8"),
        ("About 1 in 1,000 babies is born low.", "1 in 1,000"),
        ("Vegans are twice as likely to be low.", "twice as likely"),
        ("Vegans are 3 times more likely to be low.", "3 times more"),
        ("Vegans are 10x more likely to be low.", "10x more"),
        ("There was a fourfold rise in cases.", ""),
        ("The relative risk was high in older people.", "relative risk"),
        ("The odds ratio for vegans was high.", "odds ratio"),
        ("The hazard ratio for nerve damage was high.", "hazard ratio"),
        ("Taking a supplement halves the risk of deficiency.", "halves"),
        ("Stomach surgery doubles the chance of low levels.", "doubles"),
        ("Take 1000 mcg a day.", "1000 mcg"),
        ("Take 1,000 micrograms a day.", "1,000 micrograms"),
        ("Adults need 2.4 µg a day.", "2.4 µg"),
        ("Take 500 mg with food.", "500 mg"),
        ("A dose of 1 mg/day works.", "1 mg/day"),
        ("Some take 400 IU of vitamin D too.", "400 IU"),
        ("Studies show that tablets work.", "Studies show"),
        ("Research suggests that tablets work.", "Research suggests"),
        ("The evidence shows that tablets work.", "evidence shows"),
        ("Evidence has shown that tablets work.", "Evidence has shown"),
        ("Two trials found that tablets work.", "trials found"),
        ("Scientists say that tablets work.", "Scientists say"),
        ("Studies have shown that tablets work.", "Studies have shown"),
    ],
)
def test_flags_a_statistic_in_the_body(make_site: SiteMaker, sentence: str, shown: str) -> None:
    shown = shown or "fourfold"
    doc = render(make_site, f"{CITED}Some background. {sentence} More text.\n")
    (problem,) = uncited_statistics(doc)
    assert problem.rule == "uncited-statistic"
    assert problem.severity == WARNING
    assert problem.field == "body"
    assert problem.path == "content/a.md"
    assert (problem.line, problem.column) == body_place(doc, 2, shown)
    assert problem.message == (
        f"states a statistic ('{shown}') without a citation in its sentence or paragraph"
    )


def test_flags_front_matter_fields_by_name(make_site: SiteMaker) -> None:
    doc = render(
        make_site,
        CITED,
        summary="About 30% of older adults are low in B12.",
        key_points=["Tablets work [@smith2020].", "Up to 1 in 4 people over 75 are low."],
        faq=[
            {"question": "Is it serious?", "answer": "It can be [@jones2019]."},
            {"question": "How much?", "answer": "It depends.\n\nAdults need 2.4 µg a day."},
        ],
    )
    lines = doc.article.source.lines
    found = {(p.field, p.line, p.message.split("'")[1]) for p in uncited_statistics(doc)}
    assert found == {
        ("summary", lines["summary"], "30%"),
        ("key_points[1]", lines["key_points[1]"], "1 in 4"),
        ("faq[1].answer", lines["faq[1].answer"], "2.4 µg"),
    }


def test_one_finding_per_sentence(make_site: SiteMaker) -> None:
    body = (
        f"{CITED}About 30% of men and 40% of women, or 1 in 3 adults, are low. "
        "Some take 500 mg. Others need nothing.\n"
    )
    problems = check(make_site, body)
    assert [p.message.split("'")[1] for p in problems] == ["30%", "500 mg"]


def test_abbreviations_and_decimals_do_not_split_a_sentence(make_site: SiteMaker) -> None:
    body = f"{CITED}Some groups, e.g. 30% of vegans, take 2.5 mg. Others do not.\n"
    assert [p.message.split("'")[1] for p in check(make_site, body)] == ["30%"]


def test_flags_each_block_on_its_own(make_site: SiteMaker) -> None:
    body = (
        f"{CITED}Some people are low:\n\n"
        "- about 30% of vegans\n- nerve damage [@smith2020] in 1 in 4\n- 1 in 10 on metformin\n\n"
        "| Group | Share |\n|---|---|\n| Vegans | 52% |\n"
    )
    doc = render(make_site, body)
    places = [(p.line, p.column) for p in uncited_statistics(doc)]
    assert places == [
        body_place(doc, 4, "30%"),
        body_place(doc, 6, "1 in 10"),
        body_place(doc, 10, "52%"),
    ]


def test_a_repeated_statistic_is_placed_where_it_is_uncited(make_site: SiteMaker) -> None:
    body = (
        f"{CITED}About 30% of vegans are low [@smith2020]. And 30% of\n"
        "meat eaters [@jones2019].\n\n"
        "Older people: 30% of them, and 30% of carers.\n"
    )
    doc = render(make_site, body)
    (problem,) = uncited_statistics(doc)
    assert (problem.line, problem.column) == body_place(doc, 5, "30%")


def test_a_statistic_over_two_lines_is_placed_at_its_start(make_site: SiteMaker) -> None:
    doc = render(make_site, f"{CITED}It may affect up to 1\nin 10 people.\n")
    (problem,) = uncited_statistics(doc)
    assert "('1 in 10')" in problem.message
    assert (problem.line, problem.column) == body_place(doc, 2, "1")


def test_a_repeated_statistic_ending_its_line_is_on_the_right_line(make_site: SiteMaker) -> None:
    body = f"{CITED}It may affect 1 in 10 people [@smith2020].\n\nIt may affect up to 1\nin 10.\n"
    doc = render(make_site, body)
    (problem,) = uncited_statistics(doc)
    assert problem.line == body_place(doc, 4, "1")[0]


def test_findings_past_the_most_shown_are_counted(make_site: SiteMaker) -> None:
    sentences = (f"About {i}% of people are low." for i in range(MOST_SHOWN + 5))
    problems = check(make_site, CITED + "\n\n".join(sentences) + "\n")
    assert len(problems) == MOST_SHOWN + 1
    assert problems[-1].message == "5 more sentences state a statistic without a citation"


# --- what it does not flag ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "In 2019 the guideline changed. It has been in use since 1998.",
        "Between 2010 and 2020 in 3 countries, the advice stayed the same.",
        "Take 2 tablets. Step 3 is to rest. There are 3 ways to take it.",
        "It is common at age 50 and over, and in the over 50s, and in people aged 65 to 74.",
        "People with type 2 diabetes need vitamin B12 and should read NG239.",
        "Take it 3 times a day, or once in 3 months. Cut the tablets into halves.",
        "Dissolve 1 tablet in 100 ml of water. Page 3 of 10 explains more.",
        "There are 2 types in 3 groups, and a 3 in 1 test kit. Use 2 drops in each eye.",
        "This article looks at what the research says and whether studies show a benefit.",
    ],
)
def test_ordinary_numbers_are_not_statistics(make_site: SiteMaker, text: str) -> None:
    assert check(make_site, f"{CITED}{text}\n") == []


def test_reference_titles_are_not_read(make_site: SiteMaker) -> None:
    references = front_matter()["references"]
    assert isinstance(references, list)
    references[0]["title"] = "30% of 1 in 4 adults took 1000 mcg: studies show twice as likely"
    assert check(make_site, CITED + "Tablets help.\n", references=references) == []


def test_a_sentence_that_cites_is_fine(make_site: SiteMaker) -> None:
    assert check(make_site, "Take 1000 mcg a day [@smith2020].\n") == []


def test_a_citation_elsewhere_in_the_paragraph_is_enough(make_site: SiteMaker) -> None:
    body = "About 30% of vegans are low. Take 1000 mcg a day.\nIt is common [@smith2020].\n"
    assert check(make_site, body) == []


def test_a_citation_in_another_paragraph_is_not_enough(make_site: SiteMaker) -> None:
    body = "It is common [@smith2020].\n\nAbout 30% of vegans are low.\n"
    assert len(check(make_site, body)) == 1


TABLE = "| Who | Daily amount |\n|---|---|\n| Adults | 2.4 µg |\n| Babies | 0.4 µg{cite} |\n"


def test_a_table_introduced_by_a_citing_paragraph_is_fine(make_site: SiteMaker) -> None:
    body = f"How much you need [@smith2020]:\n\n{TABLE.format(cite='')}"
    assert check(make_site, body) == []


def test_a_table_whose_cells_cite_is_fine(make_site: SiteMaker) -> None:
    body = f"{CITED}How much you need:\n\n{TABLE.format(cite=' [@jones2019]')}"
    assert check(make_site, body) == []


def test_a_table_with_no_citation_is_flagged(make_site: SiteMaker) -> None:
    body = f"{CITED}How much you need:\n\n{TABLE.format(cite='')}"
    assert [p.message.split("'")[1] for p in check(make_site, body)] == ["2.4 µg", "0.4 µg"]


def test_a_table_right_after_a_heading_has_no_introduction(make_site: SiteMaker) -> None:
    body = f"Intro [@smith2020].\n\n## Amounts\n\n{TABLE.format(cite='')}"
    assert len(check(make_site, body)) == 2


@pytest.mark.parametrize(
    "html",
    [
        f"<table><caption>Daily amounts {RAW_CITATION}</caption>"
        "<tr><td>Adults</td><td>2.4 µg</td></tr></table>",
        "<figure><table><tr><td>Adults</td><td>2.4 µg</td></tr></table>"
        f"<figcaption>Daily amounts {RAW_CITATION}</figcaption></figure>",
    ],
)
def test_a_table_whose_caption_cites_is_fine(make_site: SiteMaker, html: str) -> None:
    body = f"{CITED}Daily amounts:\n\n{html}\n"
    assert check(make_site, body) == []
    assert len(check(make_site, body.replace(RAW_CITATION, ""))) == 1


def test_a_list_introduced_by_a_citing_paragraph_is_fine(make_site: SiteMaker) -> None:
    items = "- about 30% of vegans\n- 1 in 10 people on metformin\n  - 500 mg a day\n"
    assert check(make_site, f"Those most at risk [@smith2020]:\n\n{items}") == []
    # only an introduction (ending in a colon) vouches for the list
    assert len(check(make_site, f"Some are at risk [@smith2020].\n\n{items}")) == 3


def test_headings_are_not_read(make_site: SiteMaker) -> None:
    body = f"{CITED}## 30% of vegans are low\n\nText.\n\n### Studies show 1 in 4\n\nMore.\n"
    assert check(make_site, body) == []


def test_code_is_not_read(make_site: SiteMaker) -> None:
    body = f"{CITED}Type `30%` in the box.\n\n```\ndose = '1000 mcg'\n```\n"
    assert check(make_site, body) == []


def test_find_statistic() -> None:
    found = find_statistic("Since 2019, about 1 in 4 people")
    assert found is not None
    assert found.group() == "1 in 4"
    assert find_statistic("In 2019 the guideline changed") is None


# --- the sample site ---------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((REPO / "content").glob("*.md")), ids=lambda p: p.name)
def test_sample_articles_cite_their_statistics(path: Path) -> None:
    config = load_config(REPO / "site.yaml")
    doc = render_source(read_source(path, "article", config.root), config, date(2026, 12, 1))
    assert isinstance(doc, RenderedArticle)
    assert uncited_statistics(doc) == []
