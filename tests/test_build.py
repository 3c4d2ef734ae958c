"""Whole builds: golden output, the sample site, determinism, drafts, safety of the output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from b12site.build import build, load_site
from b12site.cli import main
from b12site.errors import ContentError, WriteError
from b12site.scaffold import init_site

from .conftest import BODY, TODAY, SiteMaker, article_text, front_matter

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "fixtures" / "golden"
GOLDEN_DAY = date(2026, 6, 1)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_golden_build(tmp_path: Path) -> None:
    """The fixture site builds to exactly the kept pages (regenerate only on purpose)."""
    site = tmp_path / "site"
    shutil.copytree(GOLDEN / "site", site)
    build(site / "site.yaml", tmp_path / "out", today=GOLDEN_DAY)
    built = tree(tmp_path / "out")
    static = {name: data for name, data in built.items() if name.startswith("static/")}
    assert static == {f"static/{name}": data for name, data in tree(REPO / "static").items()}
    # the search index is Pagefind's, byte for byte its version's: test_search.py judges it
    search = {name for name in built if name.startswith("pagefind/")}
    assert "pagefind/0/pagefind-ui.js" in search
    built = {n: data for n, data in built.items() if n not in static and n not in search}
    expected_dir = GOLDEN / "expected"
    if os.environ.get("B12SITE_REGENERATE_GOLDEN") == "1":
        shutil.rmtree(expected_dir, ignore_errors=True)
        ignored = shutil.ignore_patterns("static", "pagefind")
        shutil.copytree(tmp_path / "out", expected_dir, ignore=ignored)
    expected = tree(expected_dir)
    assert sorted(built) == sorted(expected)
    for name, data in built.items():
        assert data == expected[name], f"{name} differs from the golden copy"


def test_golden_site_leaves_out_drafts_and_future_articles(tmp_path: Path) -> None:
    site = load_site(GOLDEN / "site" / "site.yaml", today=GOLDEN_DAY).site
    assert [a.slug for a in site.articles] == ["b12-in-food", "low-b12-tiredness"]
    with_drafts = load_site(GOLDEN / "site" / "site.yaml", today=GOLDEN_DAY, drafts=True).site
    assert "draft-article" in [a.slug for a in with_drafts.articles]
    later = load_site(GOLDEN / "site" / "site.yaml", today=date(2027, 6, 1)).site
    assert "future-article" in [a.slug for a in later.articles]


def test_repository_sample_site_builds_without_warnings(tmp_path: Path) -> None:
    content = load_site(REPO / "site.yaml", today=TODAY)
    site = content.site
    assert [str(w) for w in site.findings] == []
    assert len(site.articles) >= 5
    assert {p.slug for p in site.pages} >= {"about", "editorial-policy"}
    for card in site.articles:
        rendered = content.articles[card.slug]
        assert rendered.citations and all(c.anchors for c in rendered.citations)
        assert rendered.toc and rendered.article.faq and rendered.article.key_points
    result = build(REPO / "site.yaml", tmp_path / "out", today=TODAY, use_cache=False)
    assert (result.output / "b12-deficiency-back-pain" / "index.html").is_file()


def test_readme_build_command_works_in_the_repository(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "b12site", "build", "--output", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no warnings on the sample site
    assert done.stdout.startswith("Built ")
    assert (out / "index.html").is_file()


def test_build_is_deterministic(tmp_path: Path) -> None:
    build(REPO / "site.yaml", tmp_path / "one", today=TODAY, use_cache=False)
    build(REPO / "site.yaml", tmp_path / "two", today=TODAY, use_cache=False)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_failed_build_leaves_previous_output_exactly(make_site: SiteMaker) -> None:
    root = make_site()
    out = root / "_site"
    build(root / "site.yaml", out, today=TODAY)
    before = tree(out)
    (root / "content" / "broken.md").write_text(article_text(front_matter(author="nobody")))
    with pytest.raises(ContentError):
        build(root / "site.yaml", out, today=TODAY)
    assert tree(out) == before
    assert sorted(p.name for p in root.iterdir()) == [
        ".b12site-cache",
        "_site",
        "content",
        "site.yaml",
    ]


def test_failed_write_leaves_previous_output_and_no_staging(
    make_site: SiteMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site()
    out = root / "_site"
    build(root / "site.yaml", out, today=TODAY)
    before = tree(out)
    import b12site.writer as writer

    def fail(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "_write", fail)
    (root / "content" / "low-b12.md").write_text(article_text(front_matter(), BODY + "\nMore.\n"))
    with pytest.raises(WriteError, match="No space left on device"):
        build(root / "site.yaml", out, today=TODAY)
    assert tree(out) == before
    assert sorted(p.name for p in root.iterdir()) == [
        ".b12site-cache",
        "_site",
        "content",
        "site.yaml",
    ]


def test_rebuild_replaces_output_whole(make_site: SiteMaker) -> None:
    root = make_site()
    out = root / "_site"
    build(root / "site.yaml", out, today=TODAY)
    (root / "content" / "low-b12.md").rename(root / "content" / "renamed.md")
    build(root / "site.yaml", out, today=TODAY)
    assert not (out / "low-b12").exists()
    assert (out / "renamed" / "index.html").is_file()


@pytest.mark.parametrize("target", [".", "content", "..", "/"])
def test_refuses_an_output_that_overlaps_the_site(make_site: SiteMaker, target: str) -> None:
    root = make_site()
    before = tree(root)
    with pytest.raises(WriteError, match="refusing to use"):
        build(root / "site.yaml", (root / target) if target != "/" else Path("/"), today=TODAY)
    assert tree(root) == before


def test_refuses_to_replace_a_folder_it_did_not_build(make_site: SiteMaker) -> None:
    root = make_site()
    foreign = root / "documents"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("precious")
    with pytest.raises(WriteError, match="was not built by b12site"):
        build(root / "site.yaml", foreign, today=TODAY)
    assert (foreign / "thesis.txt").read_text() == "precious"


def test_base_url_subpath_prefixes_every_link(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(
        REPO / "site.yaml",
        out,
        base_url="https://cdn.example.net/b12/",
        today=TODAY,
        use_cache=False,
    )
    home = (out / "index.html").read_text()
    assert 'href="/b12/static/css/site.css"' in home
    assert 'href="/b12/b12-and-metformin/"' in home
    assert 'href="/' not in home.replace('href="/b12/', "")
    sitemap = ET.parse(out / "sitemap.xml").getroot()
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locs and all(loc and loc.startswith("https://cdn.example.net/b12/") for loc in locs)


def test_every_output_of_the_sample_site(tmp_path: Path) -> None:
    out = tmp_path / "out"
    site = load_site(REPO / "site.yaml", today=TODAY).site
    build(REPO / "site.yaml", out, today=TODAY, use_cache=False)
    for card in site.articles:
        assert (out / card.path / "index.html").is_file()
    for topic in site.topics:
        assert (out / topic.path / "index.html").is_file()
    for name in (
        "index.html",
        "a-z/index.html",
        "topics/index.html",
        "404.html",
        "about/index.html",
        "editorial-policy/index.html",
        "static/css/site.css",
    ):
        assert (out / name).is_file(), name
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(out / "feed.xml").getroot()
    assert len(feed.findall(f"{atom}entry")) == len(site.articles)
    sitemap = ET.parse(out / "sitemap.xml").getroot()
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    urls = {u.findtext(f"{ns}loc"): u.findtext(f"{ns}lastmod") for u in sitemap}
    article = site.articles[0]
    assert urls[f"https://example.org/{article.slug}/"] == article.modified.isoformat()
    assert "https://example.org/404.html" not in urls
    assert "Sitemap: https://example.org/sitemap.xml" in (out / "robots.txt").read_text()


def test_init_creates_a_buildable_site(tmp_path: Path) -> None:
    target = tmp_path / "new-site"
    assert main(["init", str(target)]) == 0
    for name in ("site.yaml", "content/what-is-vitamin-b12.md", "content/pages/about.md"):
        assert (target / name).exists(), name
    # the packaged theme is used as it is: nothing of it is copied until asked for
    assert not (target / "templates").exists() and not (target / "static").exists()
    result = build(target / "site.yaml", today=TODAY)
    assert [str(w) for w in result.warnings] == []
    assert (target / "_site" / "what-is-vitamin-b12" / "index.html").is_file()
    assert (target / ".b12site-cache").is_dir()
    ignored = (target / ".gitignore").read_text().splitlines()
    assert "_site/" in ignored and ".b12site-cache/" in ignored


def test_theme_files_are_copied_one_by_one_to_override_the_theme(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "new-site"
    assert main(["init", str(target)]) == 0
    config = str(target / "site.yaml")
    assert main(["theme", "--config", config]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert "templates/article.html" in listed and "static/css/site.css" in listed
    assert main(["theme", "header.html", "static/css/site.css", "--config", config]) == 0
    header = target / "templates" / "partials" / "header.html"
    assert header.read_bytes() == (REPO / "templates" / "partials" / "header.html").read_bytes()
    assert sorted(
        p.relative_to(target).as_posix()
        for p in target.rglob("*")
        if p.is_file() and p.parts[-3:-1] != ("content", "pages") and "content" not in p.parts
    ) == [".gitignore", "site.yaml", "static/css/site.css", "templates/partials/header.html"]
    header.write_text(header.read_text().replace("</header>", "<p>Our own header</p></header>"))
    out = build(target / "site.yaml", today=TODAY).output
    assert "<p>Our own header</p>" in (out / "index.html").read_text()
    capsys.readouterr()
    assert main(["theme", "header.html", "--config", config]) == 1  # never over an edited copy
    assert "already exists" in capsys.readouterr().err
    assert "<p>Our own header</p>" in header.read_text()
    assert main(["theme", "nothing.html", "--config", config]) == 1
    assert "the theme has no file 'nothing.html'" in capsys.readouterr().err


def test_init_refuses_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(Exception, match="not empty"):
        init_site(tmp_path)


def test_site_templates_override_the_theme_file_by_file(make_site: SiteMaker) -> None:
    root = make_site()
    (root / "templates").mkdir()
    (root / "templates" / "404.html").write_text("<p>Our own {{ config.title }} 404</p>\n")
    out = build(root / "site.yaml", today=TODAY).output
    assert (out / "404.html").read_text() == "<p>Our own Test Health 404</p>\n"
    assert "<article" in (out / "low-b12" / "index.html").read_text()


def test_front_matter_text_is_escaped(make_site: SiteMaker) -> None:
    meta = front_matter(
        title="<script>alert(1)</script> B12",
        faq=[
            {
                "question": "<img src=x onerror=alert(1)>?",
                "answer": "<script>x</script>A [@jones2019].",
            }
        ],
    )
    root = make_site({"x.md": article_text(meta)})
    out = build(root / "site.yaml", today=TODAY).output
    page = (out / "x" / "index.html").read_text()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; B12" in page
    assert "<img src=x" not in page


def test_schema_command_prints_the_front_matter_schema(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["schema", "article"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) >= {"title", "references", "reviewed_by", "last_reviewed"}
    assert schema["properties"]["published"] == {
        "format": "date",
        "title": "Published",
        "type": "string",
    }


def test_feed_lists_the_newest_feed_count_articles(make_site: SiteMaker) -> None:
    files = {
        f"a{day}.md": article_text(
            front_matter(title=f"Article {day}", published=date(2026, 1, day))
        )
        for day in (3, 1, 2)
    }
    root = make_site(files, feed_count=2)
    out = build(root / "site.yaml", today=TODAY).output
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(out / "feed.xml").getroot()
    titles = [e.findtext(f"{atom}title") for e in feed.findall(f"{atom}entry")]
    assert titles == ["Article 3", "Article 2"]
    assert (out / "a1" / "index.html").is_file()  # left out of the feed only
