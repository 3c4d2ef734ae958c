"""Front matter rules: each one valid and invalid, with the message an editor sees."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from b12site.content import split_source
from b12site.errors import ContentError
from b12site.models import SiteConfig
from b12site.schema import validate_article, validate_page
from b12site.stage import render_source

from .conftest import BODY, TODAY, article_text, front_matter


def check(config: SiteConfig, meta: dict[str, object], body: str = BODY) -> list[str]:
    """Validate and render one article as a build does; its problems as text (none: valid)."""
    source = split_source(article_text(meta, body), Path("a.md"), "a.md", "article")
    try:
        render_source(source, config, TODAY)
    except ContentError as exc:
        return [f"{p.field}: {p.message}" for p in exc.problems]
    return []


VALID = [
    ("minimal", {}),
    ("slug", {"slug": "low-b12-tiredness"}),
    ("updated after published", {"updated": date(2026, 3, 1)}),
    ("quoted ISO date", {"published": "2026-01-10"}),
    ("next_review set", {"next_review": date(2027, 1, 1)}),
    ("draft yes/no", {"draft": True}),
    ("disclaimer override", {"disclaimer": "Talk to your pharmacist."}),
    ("about", {"about": "Vitamin B12 deficiency"}),
    (
        "pmid as number",
        {
            "references": [
                {
                    "id": "smith2020",
                    "title": "T",
                    "authors": "A",
                    "publication": "P",
                    "year": 2020,
                    "pmid": 23301732,
                },
                {
                    "id": "jones2019",
                    "title": "T",
                    "authors": "A",
                    "publication": "P",
                    "year": 2019,
                    "url": "https://www.nice.org.uk/guidance/ng239",
                },
            ]
        },
    ),
    ("several tags", {"tags": ["vitamin-b12", "diet"]}),
    (
        "several faq",
        {
            "faq": [
                {"question": "Q1?", "answer": "A [@jones2019]."},
                {"question": "Q2?", "answer": "**Bold** answer."},
            ]
        },
    ),
]


@pytest.mark.parametrize(("name", "changes"), VALID, ids=[v[0] for v in VALID])
def test_valid_front_matter(config: SiteConfig, name: str, changes: dict[str, object]) -> None:
    assert check(config, front_matter(**changes)) == []


INVALID = [
    ("title missing", {"title": None}, "title: required"),
    ("title empty", {"title": "  "}, "title: must not be empty"),
    (
        "title not text",
        {"title": True},
        'title: expected text, got a true/false value (true) (put it in quotes: "True")',
    ),
    ("description missing", {"description": None}, "description: required"),
    ("summary missing", {"summary": None}, "summary: required"),
    ("key points empty", {"key_points": []}, "key_points: must not be empty"),
    ("key points not list", {"key_points": "one"}, "key_points: expected a list, got text"),
    ("faq missing", {"faq": None}, "faq: required"),
    ("faq answer missing", {"faq": [{"question": "Q?"}]}, "faq[0].answer: required"),
    (
        "faq not mapping",
        {"faq": ["Q?"]},
        "faq[0]: expected a mapping of 'field: value' lines, got text",
    ),
    ("references missing", {"references": None}, "references: required"),
    ("references empty", {"references": []}, "references: must not be empty"),
    (
        "reference unlocatable",
        {
            "references": [
                {"id": "smith2020", "title": "T", "authors": "A", "publication": "P", "year": 2020}
            ]
        },
        "references[0]: needs at least one of doi, pmid or url",
    ),
    (
        "bad doi",
        {
            "references": [
                {
                    "id": "smith2020",
                    "title": "T",
                    "authors": "A",
                    "publication": "P",
                    "year": 2020,
                    "doi": "doi.org/10.1/x",
                }
            ]
        },
        "references[0].doi: 'doi.org/10.1/x' is not a bare DOI: write it like 10.1136/bmj.g5226, "
        "without https://doi.org/",
    ),
    (
        "bad pmid",
        {
            "references": [
                {
                    "id": "smith2020",
                    "title": "T",
                    "authors": "A",
                    "publication": "P",
                    "year": 2020,
                    "pmid": "PMC123",
                }
            ]
        },
        "references[0].pmid: 'PMC123' is not a PubMed ID: use its digits only, like 23301732",
    ),
    (
        "bad url",
        {
            "references": [
                {
                    "id": "smith2020",
                    "title": "T",
                    "authors": "A",
                    "publication": "P",
                    "year": 2020,
                    "url": "javascript:alert(1)",
                }
            ]
        },
        "references[0].url: 'javascript:alert(1)' is not a web address starting with https:// "
        "or http://",
    ),
    (
        "bad reference id",
        {
            "references": [
                {
                    "id": "smith 2020",
                    "title": "T",
                    "authors": "A",
                    "publication": "P",
                    "year": 2020,
                    "doi": "10.1136/bmj.g5226",
                }
            ]
        },
        "references[0].id: 'smith 2020' cannot be cited: use letters, digits and hyphens, "
        "like smith2020",
    ),
    (
        "year not number",
        {
            "references": [
                {
                    "id": "smith2020",
                    "title": "T",
                    "authors": "A",
                    "publication": "P",
                    "year": "2020",
                    "doi": "10.1136/bmj.g5226",
                }
            ]
        },
        "references[0].year: expected a whole number, got text",
    ),
    (
        "unknown field with hint",
        {"refrences": []},
        "refrences: unknown field (did you mean 'references'?)",
    ),
    ("unknown field without hint", {"colour": "red"}, "colour: unknown field"),
    (
        "unknown nested field",
        {"faq": [{"question": "Q?", "answr": "A"}]},
        "faq[0].answr: unknown field (did you mean 'answer'?)",
    ),
    (
        "bad date text",
        {"published": "10/01/2026"},
        "published: '10/01/2026' is not a date: write it as YYYY-MM-DD, like 2024-05-01",
    ),
    (
        "impossible date",
        {"published": "2026-02-30"},
        "published: '2026-02-30' is not a real calendar date",
    ),
    (
        "date as number",
        {"published": 20260110},
        "published: expected a date like 2024-05-01, got a number (20260110)",
    ),
    (
        "draft as text",
        {"draft": "yes please"},
        "draft: expected true or false, got text ('yes please')",
    ),
    (
        "updated before published",
        {"updated": date(2025, 1, 1)},
        "updated: 2025-01-01 is before published (2026-01-10)",
    ),
    (
        "reviewed in future",
        {"last_reviewed": date(2027, 1, 1)},
        "last_reviewed: 2027-01-01 is in the future",
    ),
    (
        "reviewed before published",
        {"last_reviewed": date(2025, 1, 1)},
        "last_reviewed: 2025-01-01 is before published (2026-01-10)",
    ),
    (
        "next review before review",
        {"next_review": date(2026, 1, 1)},
        "next_review: 2026-01-01 must be after last_reviewed (2026-02-01)",
    ),
    (
        "unknown author",
        {"author": "ann-auther"},
        "author: unknown person 'ann-auther' (did you mean 'ann-author'?): add them to people "
        "in site.yaml",
    ),
    (
        "self review",
        {"reviewed_by": "ann-author"},
        "reviewed_by: the medical reviewer must be someone other than the author",
    ),
    (
        "reviewer without credentials",
        {"reviewed_by": "no-creds"},
        "reviewed_by: 'no-creds' has no credentials in site.yaml people",
    ),
    (
        "slug with space",
        {"slug": "low b12"},
        "slug: 'low b12' is not a plain URL segment: use lowercase letters, digits and single "
        "hyphens, like 'b12-and-metformin'",
    ),
    (
        "slug with slash",
        {"slug": "../etc"},
        "slug: '../etc' is not a plain URL segment: use lowercase letters, digits and single "
        "hyphens, like 'b12-and-metformin'",
    ),
    (
        "tag not slug",
        {"tags": ["Vitamin B12"]},
        "tags[0]: 'Vitamin B12' is not a plain URL segment: use lowercase letters, digits and "
        "single hyphens, like 'b12-and-metformin'",
    ),
    ("tag twice", {"tags": ["diet", "diet"]}, "tags[1]: 'diet' is listed twice"),
    (
        "reference id twice",
        {
            "references": [
                {
                    "id": "smith2020",
                    "title": "T",
                    "authors": "A",
                    "publication": "P",
                    "year": 2020,
                    "doi": "10.1136/bmj.g5226",
                },
                {
                    "id": "smith2020",
                    "title": "T",
                    "authors": "A",
                    "publication": "P",
                    "year": 2020,
                    "doi": "10.1136/bmj.g5226",
                },
            ],
            "faq": [{"question": "Q?", "answer": "A."}],
        },
        "references[1].id: 'smith2020' is listed twice",
    ),
    (
        "unknown citation in summary",
        {"summary": "Text [@smith2021]."},
        "summary: unknown citation '@smith2021' (did you mean 'smith2020'?)",
    ),
    (
        "unknown citation in faq",
        {"faq": [{"question": "Q?", "answer": "A [@nobody]."}]},
        "faq[0].answer: unknown citation '@nobody'",
    ),
]


@pytest.mark.parametrize(("name", "changes", "message"), INVALID, ids=[i[0] for i in INVALID])
def test_invalid_front_matter(
    config: SiteConfig, name: str, changes: dict[str, object], message: str
) -> None:
    assert message in check(config, front_matter(**changes))


def test_every_problem_is_reported_at_once(config: SiteConfig) -> None:
    problems = check(config, front_matter(title=None, refrences=[], draft="no"))
    assert problems == [  # in the order of their lines; a missing field is named at line 1
        "title: required",
        "refrences: unknown field (did you mean 'references'?)",
        "draft: expected true or false, got text ('no')",
    ]


def test_unknown_citation_in_body_names_its_line(config: SiteConfig) -> None:
    text = article_text(front_matter(), "Intro.\n\n## Part\n\nSee [@smith2020; @nope].\n")
    source = split_source(text, Path("a.md"), "content/a.md", "article")
    with pytest.raises(ContentError) as caught:
        render_source(source, config, TODAY)
    line = text.split("\n").index("See [@smith2020; @nope].") + 1
    assert [str(p) for p in caught.value.problems] == [
        f"content/a.md:{line}: body: unknown citation '@nope'"
    ]


def test_top_heading_in_body_is_refused(config: SiteConfig) -> None:
    assert check(config, front_matter(), "# Title again\n\nText [@smith2020].") == [
        "body: use '## ' for sections: the title is the page's only top heading"
    ]


def test_derived_values(config: SiteConfig) -> None:
    source = split_source(article_text(front_matter()), Path("low-b12.md"), "x", "article")
    article = validate_article(source, config, TODAY)
    assert article.slug == "low-b12"
    assert article.next_review == date(2029, 2, 1)  # last_reviewed + 36 months
    assert article.disclaimer == config.disclaimer
    assert article.path == "low-b12/"


def test_disclaimer_override_replaces_site_default(config: SiteConfig) -> None:
    source = split_source(
        article_text(front_matter(disclaimer="Ask a pharmacist.")), Path("a.md"), "a.md", "article"
    )
    assert validate_article(source, config, TODAY).disclaimer == "Ask a pharmacist."


PAGE_CASES = [
    ({"title": "About", "description": "Who we are."}, []),
    ({"title": "About"}, ["description: required"]),
    ({"title": "About", "description": "D", "tags": ["x"]}, ["tags: unknown field"]),
    (
        {"title": "About", "description": "D", "updated": "yesterday"},
        ["updated: 'yesterday' is not a date: write it as YYYY-MM-DD, like 2024-05-01"],
    ),
]


@pytest.mark.parametrize(("meta", "expected"), PAGE_CASES)
def test_page_front_matter(meta: dict[str, object], expected: list[str]) -> None:
    source = split_source(article_text(meta, "## Hi\n"), Path("about.md"), "about.md", "page")
    try:
        page = validate_page(source)
    except ContentError as exc:
        assert [f"{p.field}: {p.message}" for p in exc.problems] == expected
    else:
        assert expected == []
        assert page.slug == "about"
