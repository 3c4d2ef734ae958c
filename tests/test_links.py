"""Links between pages: links to source files resolved by the build, broken ones found."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from b12site.build import build
from b12site.errors import ContentError
from b12site.links import Link, LinkFacts, link_findings, md_target

from .conftest import BODY, SiteMaker, article_text, front_matter

TODAY = date(2026, 11, 24)
PAGE = "---\ntitle: About us\ndescription: Who we are and how we write.\n---\n\n{body}\n"


@pytest.mark.parametrize(
    ("href", "shown", "target"),
    [
        ("other.md", "content/a.md", "content/other.md"),
        ("other.md#dose", "content/a.md", "content/other.md"),
        ("../other.md", "content/pages/about.md", "content/other.md"),
        ("sub/x%20y.md", "content/a.md", "content/sub/x y.md"),
        ("../../secret.md", "content/a.md", None),  # out of content/: not a source
        ("https://example.org/x.md", "content/a.md", None),
        ("/other.md", "content/a.md", None),
        ("other/", "content/a.md", None),
    ],
)
def test_links_to_source_files_name_the_file(href: str, shown: str, target: str | None) -> None:
    assert md_target(href, shown) == target


def _judged(href: str, here: str = "a/") -> list[str]:
    facts = [
        LinkFacts("content/a.md", here, (Link(href, "body", 3, 1, "text"),), frozenset({"top"})),
        LinkFacts("content/b.md", "b/", (), frozenset({"dose", "ref-smith2020"})),
    ]
    outputs = ["a/index.html", "b/index.html", "index.html", "feed.xml", "static/site.css"]
    sources = {"content/a.md": "a/", "content/b.md": "b/"}
    found = link_findings(facts, outputs, sources, "/health/", "https://x.org/health/")
    return [f"{p.rule}: {p.message}" for p in found]


@pytest.mark.parametrize(
    "href",
    [
        "../b/",
        "/health/b/",
        "/health/b/#dose",
        "https://x.org/health/b/#dose",
        "../b/index.html",
        "/health/feed.xml",
        "/health/static/site.css",
        "/health/",
        "#top",
        "b.md#dose",
        "b.md#cite-smith2020-2",  # a citation mark of a reference the page lists
        "https://elsewhere.org/missing",
        "mailto:editor@x.org",
        "tel:+441234",
    ],
)
def test_links_that_lead_somewhere_are_fine(href: str) -> None:
    assert _judged(href) == []


@pytest.mark.parametrize(
    ("href", "rule"),
    [
        ("../c/", "broken-link"),
        ("/b/", "broken-link"),  # outside the site's path
        ("/health/b/#dosage", "broken-anchor"),
        ("#nowhere", "broken-anchor"),
        ("c.md", "broken-link"),
        ("b.md#dosage", "broken-anchor"),
        ("b.md#cite-jones2019-1", "broken-anchor"),
        ("https://x.org/health/gone/", "broken-link"),
        ("../../../etc/passwd", "broken-link"),
    ],
)
def test_links_that_lead_nowhere_are_found(href: str, rule: str) -> None:
    assert [line.split(":")[0] for line in _judged(href)] == [rule]


def test_the_build_makes_links_to_source_files_into_page_links(make_site: SiteMaker) -> None:
    body = BODY + "\nSee [the dose](other.md#what-it-is) and [about](pages/about.md).\n"
    root = make_site(
        {
            "a.md": article_text(front_matter(), body),
            "other.md": article_text(front_matter(title="Other", slug="renamed")),
            "pages/about.md": PAGE.format(body="Read [a](../a.md)."),
        },
        base_url="https://x.org/health/",
    )
    build(root / "site.yaml", root / "_site", today=TODAY)
    html = (root / "_site" / "a" / "index.html").read_text("utf-8")
    assert 'href="/health/renamed/#what-it-is"' in html
    assert 'href="/health/about/"' in html
    assert ".md" not in html.split("<main", 1)[1].split("</main>")[0]
    about = (root / "_site" / "about" / "index.html").read_text("utf-8")
    assert 'href="/health/a/"' in about


def test_a_renamed_target_re_renders_the_pages_that_link_to_it(make_site: SiteMaker) -> None:
    body = BODY + "\nSee [the other one](other.md).\n"
    root = make_site(
        {
            "a.md": article_text(front_matter(), body),
            "other.md": article_text(front_matter(title="Other", slug="first")),
        }
    )
    build(root / "site.yaml", root / "_site", today=TODAY)
    other = root / "content" / "other.md"
    other.write_text(other.read_text("utf-8").replace("slug: first", "slug: second"), "utf-8")
    build(root / "site.yaml", root / "_site", today=TODAY)
    assert 'href="/second/"' in (root / "_site" / "a" / "index.html").read_text("utf-8")


def test_a_broken_link_stops_the_build_and_an_edit_that_breaks_one_is_caught(
    make_site: SiteMaker,
) -> None:
    root = make_site({"a.md": article_text(front_matter(), BODY + "\nSee [x](#what-it-is).\n")})
    build(root / "site.yaml", root / "_site", today=TODAY)  # the cache now knows the file
    page = root / "content" / "a.md"
    text = page.read_text("utf-8")
    page.write_text(text.replace("(#what-it-is)", "(#what-it-was)"), "utf-8")
    with pytest.raises(ContentError) as caught:
        build(root / "site.yaml", root / "_site", today=TODAY)
    line = text.split("\n").index("See [x](#what-it-is).") + 1
    assert [str(p) for p in caught.value.problems] == [
        f"content/a.md:{line}:9: body: '#what-it-was': the page has no '#what-it-was'"
    ]
    assert "#what-it-is" in (root / "_site" / "a" / "index.html").read_text("utf-8")


def test_removing_a_heading_another_article_links_to_is_caught(make_site: SiteMaker) -> None:
    root = make_site(
        {
            "a.md": article_text(front_matter(), BODY + "\nSee [b](b.md#what-it-is).\n"),
            "b.md": article_text(front_matter(title="B")),
        }
    )
    build(root / "site.yaml", root / "_site", today=TODAY)
    b = root / "content" / "b.md"
    b.write_text(b.read_text("utf-8").replace("## What it is", "## What it was"), "utf-8")
    with pytest.raises(ContentError) as caught:
        build(root / "site.yaml", root / "_site", today=TODAY)
    assert [p.rule for p in caught.value.problems] == ["broken-anchor"]
    assert caught.value.problems[0].path == "content/a.md"


def test_reference_urls_are_links_of_the_page(make_site: SiteMaker, tmp_path: Path) -> None:
    from b12site.build import load_site
    from b12site.links import document_links

    refs = front_matter()["references"]
    assert isinstance(refs, list)
    refs[1] = {**refs[1], "url": "https://www.nhs.uk/b12/"}
    root = make_site({"a.md": article_text(front_matter(references=refs))})
    article = load_site(root / "site.yaml", today=TODAY).articles["a"]
    # documents as pages read them keep the references, so the URL is among the links
    assert [link.href for link in document_links(article)][-1:] == ["https://www.nhs.uk/b12/"]
