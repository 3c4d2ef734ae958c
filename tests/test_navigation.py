"""How readers find their way: the A-Z by what articles are about, and previous and next within
a topic."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import html5lib

from b12site.build import build

from .conftest import TODAY, SiteMaker, article_text, front_matter

NS = {"h": "http://www.w3.org/1999/xhtml"}


def dated(n: int, **changes: object) -> dict[str, object]:
    """Front matter of the n-th article: a day later than the one before."""
    day = date(2026, 1, 1) + timedelta(days=3 * n)
    return front_matter(published=day, last_reviewed=day + timedelta(days=1), **changes)


def parsed(path: Path) -> object:
    """A built page as the tree a browser builds."""
    return html5lib.parse(path.read_bytes(), namespaceHTMLElements=True)


def text(element: object) -> str:
    """An element's text, white space collapsed."""
    return " ".join("".join(element.itertext()).split())  # type: ignore[attr-defined]


def a_to_z(out: Path) -> list[tuple[str, list[str]]]:
    """The A-Z as a reader sees it: each letter with its terms and titles, in order."""
    doc = parsed(out / "a-z" / "index.html")
    shown = []
    for group in doc.iterfind(".//h:section[@class='az-group']", NS):  # type: ignore[attr-defined]
        letter = text(group.find("h:h2", NS))
        entries = [f"{el.tag.split('}')[1]}: {text(el)}" for el in group.find("h:dl", NS)]
        shown.append((letter, entries))
    return shown


def test_the_a_to_z_files_articles_under_what_they_are_about(
    make_site: SiteMaker, tmp_path: Path
) -> None:
    root = make_site(
        {
            "back-pain.md": article_text(
                dated(
                    0,
                    title="Can B12 deficiency cause back pain?",
                    about="Vitamin b12 deficiency",
                    index_title="Back pain and B12",
                )
            ),
            "causes.md": article_text(
                dated(1, title="What causes B12 deficiency?", about="Vitamin b12 deficiency")
            ),
            "anaemia.md": article_text(dated(2, title="Anaemia explained")),
            "tests.md": article_text(dated(3, title="Blood tests", about="vitamin B12 deficiency")),
        }
    )
    out = build(root / "site.yaml", tmp_path / "out", today=TODAY).output
    assert a_to_z(out) == [
        (
            "A",
            [
                "dt: Anaemia explained",
                "dd: Why low vitamin B12 can make you tired, and what to do about it.",
            ],
        ),
        ("B", ["dt: Back pain and B12", "dd: Can B12 deficiency cause back pain?"]),
        # one term, however it is capitalised, with every article about it, by title
        ("V", ["dt: vitamin B12 deficiency", "dd: Blood tests", "dd: What causes B12 deficiency?"]),
    ]
    links = parsed(out / "a-z" / "index.html").iterfind(".//h:dd/h:a", NS)  # type: ignore[attr-defined]
    assert [link.get("href") for link in links] == ["/back-pain/", "/tests/", "/causes/"]
    jump = parsed(out / "a-z" / "index.html").find(".//h:nav[@class='az-jump']", NS)  # type: ignore[attr-defined]
    assert [text(a) for a in jump.iterfind(".//h:a", NS)] == ["A", "B", "V"]


def pager(out: Path, slug: str) -> dict[str, tuple[str, str]]:
    """The previous and next links of an article page: rel -> (label, href)."""
    nav = parsed(out / slug / "index.html").find(".//h:nav[@class='pager']", NS)  # type: ignore[attr-defined]
    if nav is None:
        return {}
    return {a.get("rel"): (text(a), a.get("href")) for a in nav.iterfind(".//h:a", NS)}


def test_previous_and_next_walk_the_first_topic_as_its_page_lists_it(
    make_site: SiteMaker, tmp_path: Path
) -> None:
    files = {
        f"a{n}.md": article_text(dated(n, title=f"Article {n}", tags=["vitamin-b12", "diet"]))
        for n in range(3)
    }
    files["other.md"] = article_text(dated(5, title="Other", tags=["diet", "vitamin-b12"]))
    root = make_site(files)
    out = tmp_path / "out"
    build(root / "site.yaml", out, today=TODAY)
    # the topic page lists the newest first: Other, Article 2, Article 1, Article 0
    assert pager(out, "a2") == {
        "prev": ("Previous in Vitamin b12 Other", "/other/"),
        "next": ("Next in Vitamin b12 Article 1", "/a1/"),
    }
    assert pager(out, "a0") == {"prev": ("Previous in Vitamin b12 Article 1", "/a1/")}
    # "other" is filed under diet first: its neighbours there
    assert pager(out, "other") == {"next": ("Next in Diet Article 2", "/a2/")}
    label = parsed(out / "a1" / "index.html").find(".//h:nav[@class='pager']", NS)  # type: ignore[attr-defined]
    assert label.get("aria-label") == "More in Vitamin b12"

    # a new title shows on its neighbours' pages, as a build from scratch shows it
    edited = root / "content" / "a1.md"
    edited.write_text(edited.read_text().replace("title: Article 1", "title: Renamed one"))
    build(root / "site.yaml", out, today=TODAY)
    assert pager(out, "a0")["prev"] == ("Previous in Vitamin b12 Renamed one", "/a1/")
    assert pager(out, "a2")["next"] == ("Next in Vitamin b12 Renamed one", "/a1/")
    build(root / "site.yaml", tmp_path / "cold", today=TODAY, use_cache=False)
    for slug in ("a0", "a1", "a2", "other"):
        page = f"{slug}/index.html"
        assert (out / page).read_bytes() == (tmp_path / "cold" / page).read_bytes()


def test_a_body_edit_keeps_the_pager_on_the_quick_path(
    make_site: SiteMaker, tmp_path: Path
) -> None:
    files = {f"a{n}.md": article_text(dated(n, title=f"Article {n}")) for n in range(3)}
    root = make_site(files)
    out = tmp_path / "out"
    build(root / "site.yaml", out, today=TODAY)
    edited = root / "content" / "a1.md"
    edited.write_text(edited.read_text().replace("Text with a citation", "Text, now longer, with"))
    build(root / "site.yaml", out, today=TODAY)
    assert pager(out, "a1") == {
        "prev": ("Previous in Vitamin b12 Article 2", "/a2/"),
        "next": ("Next in Vitamin b12 Article 0", "/a0/"),
    }
    build(root / "site.yaml", tmp_path / "cold", today=TODAY, use_cache=False)
    assert (out / "a1/index.html").read_bytes() == (tmp_path / "cold/a1/index.html").read_bytes()
