"""``b12site new``: the scaffold validates once filled in, and is refused while it is not."""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b12site.config import load_config
from b12site.content import read_source, split_source
from b12site.errors import ERROR, B12Error, ContentError
from b12site.models import RenderedArticle, SiteConfig
from b12site.names import SLUG_MAX, WINDOWS_RESERVED, slug_problem
from b12site.newarticle import (
    PLACEHOLDER,
    PLACEHOLDER_RULE,
    article_template,
    create_article,
    placeholder_problems,
    slug_for,
)
from b12site.site import RESERVED_PATHS
from b12site.stage import render_source

from .conftest import TODAY, SiteMaker

TITLE = "Can B12 deficiency cause back pain?"
TOPICS = [
    {"slug": "vitamin-b12", "name": "Vitamin B12"},
    {"slug": "deficiency", "name": "Deficiency"},
    {"slug": "diet", "name": "Diet"},
]
# placeholders that are not prose, and what an editor would put in their place
FILLED = {
    f"{PLACEHOLDER}-author-id": "ann-author",
    f"{PLACEHOLDER}-reviewer-id": "rex-reviewer",
    f"{PLACEHOLDER}-topic": "vitamin-b12",
    f"year: {PLACEHOLDER}": "year: 2013",
}
_DOI_LINE = re.compile(rf"^(\s*doi: ).*{PLACEHOLDER}.*$", re.MULTILINE)
_PROSE = re.compile(rf"{PLACEHOLDER}[^\[\]\"\n]*")  # up to a citation, quote or line end


def fill(text: str) -> str:
    """The article as an editor finishes it: every placeholder replaced by real text."""
    for placeholder, value in FILLED.items():
        text = text.replace(placeholder, value)
    text = _DOI_LINE.sub(r"\g<1>10.1056/NEJMcp1113996", text)
    counter = itertools.count(1)
    return _PROSE.sub(
        lambda _: f"Low vitamin B12 can harm your nerves, point {next(counter)} ", text
    )


def site_config(make_site: SiteMaker, **settings: object) -> SiteConfig:
    """The settings of a test site (one article, low-b12.md, already in it)."""
    return load_config(make_site(**settings) / "site.yaml")


def render(path: Path, config: SiteConfig) -> RenderedArticle:
    """Read, validate and render one article as a build does."""
    rendered = render_source(read_source(path, "article", config.root), config, TODAY)
    assert isinstance(rendered, RenderedArticle)
    return rendered


def problems_of(path: Path, config: SiteConfig) -> list[str]:
    """The validation problems of one article as ``field: message`` (none: it is valid)."""
    try:
        render(path, config)
    except ContentError as exc:
        return [f"{p.field}: {p.message}" for p in exc.problems]
    return []


# (1) once filled in, the article is valid, and warns of nothing the scaffold made


@pytest.mark.parametrize(
    ("author", "reviewer", "tags"),
    [
        ("ann-author", "rex-reviewer", ["vitamin-b12", "deficiency"]),
        (None, None, []),  # placeholders for people and tags, filled in by the editor
    ],
)
def test_filled_in_article_is_valid(
    make_site: SiteMaker, author: str | None, reviewer: str | None, tags: list[str]
) -> None:
    config = site_config(make_site, topics=TOPICS)
    path = create_article(config, TITLE, tags, author, reviewer, TODAY)
    assert path == config.content_dir / "can-b12-deficiency-cause-back-pain.md"
    path.write_text(fill(path.read_text("utf-8")), "utf-8")
    rendered = render(path, config)
    article = rendered.article
    assert article.title == TITLE
    assert article.slug == "can-b12-deficiency-cause-back-pain"
    assert (article.author.id, article.reviewed_by.id) == ("ann-author", "rex-reviewer")
    assert article.tags == tuple(tags or ["vitamin-b12"])
    assert len(article.key_points) == 3
    assert len(article.faq) == 2
    assert [r.id for r in article.references] == ["ref1"]
    assert all(c.anchors for c in rendered.citations)  # ref1 is cited: no uncited warning
    assert len(article.description) <= 160  # no long-description warning
    assert placeholder_problems(path.read_text("utf-8"), "a.md") == []


def test_scaffold_has_the_sections_of_a_health_article() -> None:
    text = article_template(TITLE, ["diet"], "ann-author", "rex-reviewer", TODAY)
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings == [
        "What is it?",
        "Who is at risk?",
        "Symptoms",
        "Treatment",
        "When to see a doctor",
    ]
    source = split_source(text, Path("a.md"), "a.md", "article")
    assert list(source.meta) == [
        "title",
        "description",
        "published",
        "last_reviewed",
        "author",
        "reviewed_by",
        "about",
        "tags",
        "summary",
        "key_points",
        "faq",
        "references",
    ]
    # every body paragraph cites the placeholder reference, so none is left uncited
    paragraphs = [p for p in source.body.split("\n\n") if p and not p.startswith("#")]
    assert paragraphs
    assert all("[@ref1]" in p for p in paragraphs)


# (2) as created, every placeholder is found, on its line, and validation fails


def test_placeholders_are_found_on_their_lines(make_site: SiteMaker) -> None:
    config = site_config(make_site)
    path = create_article(config, TITLE, [], None, None, TODAY)
    text = path.read_text("utf-8")
    lines = text.split("\n")
    found = placeholder_problems(text, "content/x.md")
    marked = [n for n, line in enumerate(lines, start=1) if PLACEHOLDER in line]
    assert [p.line for p in found] == marked
    for problem in found:
        assert problem.line is not None
        assert problem.column is not None
        line = lines[problem.line - 1]
        assert line[problem.column - 1 :].startswith(PLACEHOLDER)
        assert problem.message.startswith("placeholder left in: TODO")
        assert (problem.path, problem.rule, problem.severity) == (
            "content/x.md",
            "placeholder",
            ERROR,
        )
    by_field = {p.field: p.line for p in found if p.field != "body"}
    assert by_field == {
        "description": 3,
        "author": 6,
        "reviewed_by": 7,
        "about": 8,
        "tags[0]": 9,
        "summary": 11,
        "key_points[0]": 13,
        "key_points[1]": 14,
        "key_points[2]": 15,
        "faq[0].question": 17,
        "faq[0].answer": 19,
        "faq[1].question": 20,
        "faq[1].answer": 22,
        "references[0].title": 25,
        "references[0].authors": 26,
        "references[0].publication": 27,
        "references[0].year": 28,
        "references[0].doi": 29,
    }
    assert lines[5] == "author: TODO-author-id"
    assert lines[27] == "    year: TODO"
    body = [p.line or 0 for p in found if p.field == "body"]
    assert len(body) == 6  # the opening paragraph and one paragraph a section
    assert min(body) > lines.index("---", 1) + 1


def test_unfinished_article_is_refused(make_site: SiteMaker) -> None:
    config = site_config(make_site)
    path = create_article(config, TITLE, [], None, None, TODAY)
    problems = problems_of(path, config)
    assert "author: unknown person 'TODO-author-id': add them to people in site.yaml" in problems
    assert any(p.startswith("tags[0]: 'TODO-topic' is not a plain URL segment") for p in problems)
    assert "references[0].year: expected a whole number, got text" in problems
    assert any(p.startswith("references[0].doi: 'TODO: a bare DOI") for p in problems)


def test_unfinished_article_with_people_is_refused_by_the_rule(make_site: SiteMaker) -> None:
    config = site_config(make_site)
    path = create_article(config, TITLE, ["diet"], "ann-author", "rex-reviewer", TODAY)
    assert problems_of(path, config)  # the reference's year and DOI are not real yet
    text = _DOI_LINE.sub(r"\g<1>10.1056/NEJMcp1113996", path.read_text("utf-8"))
    path.write_text(text.replace("year: TODO", "year: 2013"), "utf-8")
    # placeholder prose satisfies the schema: the placeholder rule is what refuses it
    assert problems_of(path, config) == []
    found = placeholder_problems(path.read_text("utf-8"), "a.md")
    assert len(found) == 19
    assert {p.field for p in found} >= {"description", "summary", "faq[1].answer", "body"}
    assert all(p.is_error and p.rule == PLACEHOLDER_RULE.id for p in found)


def test_placeholder_rule() -> None:
    assert PLACEHOLDER_RULE.id == "placeholder"
    assert PLACEHOLDER_RULE.severity == ERROR
    assert PLACEHOLDER_RULE.category == "content"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\ntitle: Done\n---\n\nNo marker here, not even todo or Todo.\n", []),
        ("---\ntitle: Done\n---\n\nA TODOS list is no placeholder.\n", []),
        ("---\ntitle: TODO\n---\n\nBody.\n", [(2, "title")]),
        ("\ufeff---\r\ntitle: x\r\n---\r\n\r\nTODO: body\r\n", [(5, "body")]),
        ("No front matter, TODO here.\n", [(1, "body")]),
        # front matter that cannot be read: the top-level key above the line
        ("---\ntitle: [TODO\nfaq:\n  - TODO\n---\nTODO\n", [(2, "title"), (4, "faq"), (6, "body")]),
    ],
)
def test_placeholder_fields(text: str, expected: list[tuple[int, str]]) -> None:
    assert [(p.line, p.field) for p in placeholder_problems(text, "a.md")] == expected


def test_long_placeholder_is_shortened() -> None:
    found = placeholder_problems(
        f"---\ntitle: x\n---\n\nSee {PLACEHOLDER}: {'word ' * 40}\n", "a.md"
    )
    assert len(found) == 1
    assert found[0].message.endswith("…")
    assert len(found[0].message) < 100
    assert found[0].column == 5


# (3) slugs


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        (TITLE, "can-b12-deficiency-cause-back-pain"),
        (
            "Metformin and vitamin B12: what you need to know",
            "metformin-and-vitamin-b12-what-you-need-to-know",
        ),
        ("Anämie, Café & Crème brûlée", "anamie-cafe-and-creme-brulee"),
        ("Don't panic: it's B₁₂", "dont-panic-its-b12"),
        ("Straße in Łódź, Ærø", "strasse-in-lodz-aero"),
        ("  --Folate -- vs --  B12--  ", "folate-vs-b12"),
        ("\uff26\uff55\uff4c\uff4c B12", "full-b12"),  # fullwidth letters
        ("404", "404"),
        ("Vitamin B12 (cobalamin) — 2024 update!", "vitamin-b12-cobalamin-2024-update"),
    ],
)
def test_slug_for(title: str, slug: str) -> None:
    assert slug_for(title) == slug


def test_long_title_is_cut_at_a_hyphen() -> None:
    title = " ".join(f"word{n}" for n in range(60))
    slug = slug_for(title)
    assert len(slug) <= SLUG_MAX
    assert f"-{slug.rsplit('-', 1)[1]}-" in f"-{'-'.join(f'word{n}' for n in range(60))}-"
    assert slug_problem(slug) == ""


def test_long_single_word_is_cut_at_the_limit() -> None:
    assert slug_for("a" * 300) == "a" * SLUG_MAX


@pytest.mark.parametrize("title", ["?!", "  ", "— … —", "Βιταμίνη", "''"])
def test_title_without_a_slug_is_refused(title: str) -> None:
    with pytest.raises(B12Error, match="no letters or digits from a to z or 0 to 9"):
        slug_for(title)


@pytest.mark.parametrize("title", ["CON", "Nul", "com1", "LPT9"])
def test_windows_device_names_are_refused(title: str) -> None:
    with pytest.raises(B12Error, match="Windows reserves"):
        slug_for(title)


@pytest.mark.parametrize("title", ["Search", "Topics", "A\u2013Z", "Static!"])
def test_site_paths_are_refused(title: str) -> None:
    with pytest.raises(B12Error, match="reserved for the site's own pages"):
        slug_for(title)


@given(st.text(max_size=300))
def test_any_title_gives_a_valid_slug_or_a_clear_error(title: str) -> None:
    try:
        slug = slug_for(title)
    except B12Error as exc:
        assert "\n" not in str(exc)
        return
    assert slug_problem(slug) == ""
    assert slug not in WINDOWS_RESERVED
    assert slug not in RESERVED_PATHS


# titles that YAML would misread unless quoted
AWKWARD_TITLES = [
    "Metformin: what you need to know",
    'B12 "megadoses": are they safe?',
    "It's not 'just' tiredness",
    "*Starred* B12",
    "- a dash first",
    "# hash first, and a # later",
    "[bracketed] B12",
    "Yes",
    "No",
    "null",
    "2024",
    "0o17 B12",
    "0x1F",
    "B12 @ 50",
    "ends with a colon:",
    "back\\slash",
    "Ünïcödé and emoji 💊",
    "%percent first",
    "&anchor-like",
    "!tag-like",
    "{braces}",
    "a | pipe > more",
]


@pytest.mark.parametrize("title", AWKWARD_TITLES)
def test_title_round_trips(make_site: SiteMaker, title: str) -> None:
    config = site_config(make_site)
    path = create_article(config, title, ["diet"], "ann-author", "rex-reviewer", TODAY)
    source = read_source(path, "article", config.root)
    assert source.meta["title"] == title
    assert source.problems == ()


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=150))
def test_any_one_line_title_round_trips(title: str) -> None:
    text = article_template(title, ["diet"], "ann-author", "rex-reviewer", TODAY)
    source = split_source(text, Path("a.md"), "a.md", "article")
    assert source.meta["title"] == title.strip()


# (4) what create_article refuses, in one line, writing nothing


def refused(config: SiteConfig, match: str, **changes: object) -> None:
    """Assert create_article refuses with a message matching ``match`` and writes nothing."""
    args: dict[str, object] = {
        "title": TITLE,
        "tags": ["diet"],
        "author": "ann-author",
        "reviewer": "rex-reviewer",
        "today": TODAY,
        **changes,
    }
    before = sorted(config.content_dir.rglob("*"))
    with pytest.raises(B12Error, match=match) as caught:
        create_article(config, **args)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)
    assert sorted(config.content_dir.rglob("*")) == before


def test_existing_file_is_refused(make_site: SiteMaker) -> None:
    config = site_config(make_site)
    path = create_article(config, TITLE, ["diet"], None, None, TODAY)
    text = path.read_text("utf-8")
    refused(config, r"'can-b12-deficiency-cause-back-pain' is taken already: content/can-b12")
    assert path.read_text("utf-8") == text  # never overwritten
    refused(config, r"content/low-b12\.md exists", title="Low B12")  # the fixture's article


def test_slug_taken_elsewhere_is_refused(make_site: SiteMaker) -> None:
    root = make_site(
        {
            "nerves/Back-Pain.md": "---\ntitle: x\n---\n",
            "pages/about.md": "---\ntitle: About\nslug: 'about-us'  # the team\n---\n",
            "_drafts/ignored.md": "---\ntitle: x\n---\n",
        }
    )
    config = load_config(root / "site.yaml")
    refused(config, r"content/nerves/Back-Pain\.md exists", title="Back pain")
    refused(config, r"content/pages/about\.md sets it as its slug", title="About us")
    assert create_article(config, "Ignored", ["diet"], None, None, TODAY).name == "ignored.md"


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"author": "ann-autor"}, r"unknown author 'ann-autor' \(did you mean 'ann-author'\?\)"),
        (
            {"reviewer": "rex-review"},
            r"unknown reviewer 'rex-review' \(did you mean 'rex-reviewer'",
        ),
        ({"author": "zed"}, r"^unknown author 'zed': use an id from people in site\.yaml$"),
        ({"reviewer": "ann-author"}, "must be someone other than the author"),
        ({"reviewer": "no-creds"}, "'no-creds' has no credentials"),
        ({"tags": ["Not A Slug"]}, r"'Not A Slug' \(a tag\) is not a plain URL segment"),
        ({"tags": ["diet", "dite"]}, r"unknown topic 'dite' \(did you mean 'diet'\?\)"),
        ({"tags": [f"t{n}" for n in range(21)]}, "21 tags given"),
        ({"title": ""}, "the title is empty"),
        ({"title": "B12\nand folate"}, "must be one line"),
        ({"title": "x" * 151}, "151 characters long; shorten it to 150"),
        ({"title": "?"}, "no letters or digits"),
    ],
)
def test_refusals(make_site: SiteMaker, changes: dict[str, object], match: str) -> None:
    refused(site_config(make_site, topics=TOPICS), match, **changes)


def test_tags_are_free_when_no_topics_are_listed(make_site: SiteMaker) -> None:
    config = site_config(make_site)
    path = create_article(config, TITLE, ["anything", "anything", "404"], None, None, TODAY)
    assert read_source(path, "article", config.root).meta["tags"] == ["anything", "404"]


def test_content_folder_is_made(make_site: SiteMaker) -> None:
    config = site_config(make_site)
    for child in config.content_dir.iterdir():
        child.unlink()
    config.content_dir.rmdir()
    assert create_article(config, TITLE, [], None, None, TODAY).is_file()


# (5) today's date


@pytest.mark.parametrize("today", [TODAY, date(2024, 2, 29), date(2031, 1, 1)])
def test_dates_are_today(make_site: SiteMaker, today: date) -> None:
    config = site_config(make_site)
    path = create_article(config, TITLE, [], "ann-author", "rex-reviewer", today)
    meta = read_source(path, "article", config.root).meta
    assert meta["published"] == meta["last_reviewed"] == today.isoformat()
    assert "updated" not in meta
    assert "next_review" not in meta
