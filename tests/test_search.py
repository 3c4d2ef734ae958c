"""Site search: the Pagefind index is made with every build, before the output is swapped in."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest

import b12site.bundles
import b12site.search
from b12site.build import build
from b12site.cli import main
from b12site.errors import BuildStopped

from .conftest import TODAY, SiteMaker, article_text, front_matter

REPO = Path(__file__).resolve().parent.parent


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def mtimes(folder: Path, prefix: str) -> dict[str, int]:
    """Modification times of the files under ``folder/prefix``."""
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in sorted((folder / prefix).rglob("*"))
        if p.is_file()
    }


def two_articles() -> dict[str, str]:
    """Two articles with words of their own, and a plain page."""
    day = date(2026, 1, 10)
    return {
        "tiredness.md": article_text(
            front_matter(title="Low B12 and tiredness"),
            "Intro.\n\n## Tiredness\n\nFeeling weary and breathless [@smith2020].\n",
        ),
        "tingling.md": article_text(
            front_matter(
                title="B12 and tingling feet",
                published=day + timedelta(days=3),
                last_reviewed=day + timedelta(days=4),
            ),
            "Intro.\n\n## Pins and needles\n\nParaesthesia in the feet [@smith2020].\n",
        ),
        "pages/about.md": "---\ntitle: About\ndescription: Us.\n---\n\n## Team\n\nWriters.\n",
    }


def test_every_build_publishes_a_search_index_and_a_search_page(
    make_site: SiteMaker, tmp_path: Path
) -> None:
    root = make_site(two_articles(), base_url="https://health.example.org/notes/")
    out = build(root / "site.yaml", tmp_path / "out", today=TODAY).output
    for name in ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css", "pagefind-entry.json"):
        assert (out / "pagefind" / "0" / name).is_file(), name
    # Pagefind's other interfaces are not published: the search page does not load them
    assert sorted(p.name for p in (out / "pagefind" / "0").glob("pagefind-*")) == [
        "pagefind-entry.json",
        "pagefind-ui.css",
        "pagefind-ui.js",
        "pagefind-worker.js",
    ]
    entry = json.loads((out / "pagefind" / "0" / "pagefind-entry.json").read_text())
    assert entry["languages"]["en-gb"]["page_count"] == 3  # two articles and the page
    search = (out / "search" / "index.html").read_text()
    assert 'data-base-url="/notes/"' in search  # results link under the site's subpath
    assert 'src="/notes/pagefind/0/pagefind-ui.js"' in search
    assert 'data-bundles="/notes/pagefind/0/"' in search
    assert 'src="/notes/static/js/search.js"' in search
    assert "<noscript>" in search  # without JavaScript: where to look instead
    header = (out / "index.html").read_text()
    assert 'action="/notes/search/"' in header and 'name="q"' in header
    article = (out / "tiredness" / "index.html").read_text()
    assert "data-pagefind-body" in article
    assert "<script" not in article.replace('<script type="application/ld+json">', "")


def test_the_index_is_the_same_bytes_from_any_build(make_site: SiteMaker, tmp_path: Path) -> None:
    root = make_site(two_articles())
    build(root / "site.yaml", tmp_path / "one", today=TODAY, use_cache=False)
    build(root / "site.yaml", tmp_path / "two", today=TODAY, use_cache=False, jobs=1)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_an_index_is_made_anew_only_when_a_searched_page_changes(
    make_site: SiteMaker, tmp_path: Path
) -> None:
    root = make_site(two_articles())
    out = tmp_path / "out"
    build(root / "site.yaml", out, today=TODAY)
    before = mtimes(out, "pagefind")
    (root / "static").mkdir()
    (root / "static" / "extra.txt").write_text("a file that no searched page shows")
    again = build(root / "site.yaml", out, today=TODAY)
    assert again.written == 1  # the static file only: the index is left as it was
    assert mtimes(out, "pagefind") == before
    # an edit of a body takes the quick path, and its index equals a cold build's
    edited = root / "content" / "tingling.md"
    edited.write_text(edited.read_text().replace("Paraesthesia", "Numbness and paraesthesia"))
    build(root / "site.yaml", out, today=TODAY)
    assert mtimes(out, "pagefind") != before
    build(root / "site.yaml", tmp_path / "cold", today=TODAY, use_cache=False)
    assert tree(out) == tree(tmp_path / "cold")


def test_a_removed_article_leaves_the_index(make_site: SiteMaker, tmp_path: Path) -> None:
    root = make_site(two_articles())
    out = tmp_path / "out"
    build(root / "site.yaml", out, today=TODAY)
    (root / "content" / "tingling.md").unlink()
    build(root / "site.yaml", out, today=TODAY)
    entry = json.loads((out / "pagefind" / "0" / "pagefind-entry.json").read_text())
    assert entry["languages"]["en-gb"]["page_count"] == 2
    build(root / "site.yaml", tmp_path / "cold", today=TODAY, use_cache=False)
    assert tree(out) == tree(tmp_path / "cold")  # no fragment of the old article is left


def test_a_failed_index_leaves_the_last_good_site(
    make_site: SiteMaker,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = make_site(two_articles())
    out = tmp_path / "out"
    build(root / "site.yaml", out, today=TODAY)
    before = tree(out)
    edited = root / "content" / "tingling.md"
    edited.write_text(edited.read_text().replace("Paraesthesia", "Numbness"))
    failing = Path(shutil.which("false") or "/bin/false")
    monkeypatch.setattr(b12site.search, "pagefind_executable", lambda: failing)
    code = main(["build", "--config", str(root / "site.yaml"), "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: cannot make the search index: Pagefind failed")
    assert "Traceback" not in err
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]  # no scratch left


def test_pagefind_runs_only_when_a_searched_page_changed(
    make_site: SiteMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(two_articles())
    out = tmp_path / "out"
    runs: list[Path] = []
    real = b12site.search._run_pagefind

    def counted(site: Path, bundle: Path, stop: threading.Event | None) -> None:
        runs.append(site)
        real(site, bundle, stop)

    monkeypatch.setattr(b12site.search, "_run_pagefind", counted)
    build(root / "site.yaml", out, today=TODAY)
    assert len(runs) == 1
    touched = root / "content" / "tiredness.md"
    touched.write_text(touched.read_text())  # a new mtime, the same text: the quick path
    assert build(root / "site.yaml", out, today=TODAY).written == 0
    assert build(root / "site.yaml", out, today=TODAY, use_cache=True).written == 0
    assert len(runs) == 1
    touched.write_text(touched.read_text().replace("weary", "worn out"))
    build(root / "site.yaml", out, today=TODAY)
    assert len(runs) == 2


def test_an_edit_makes_only_its_bundle_of_the_index_anew(
    make_site: SiteMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(b12site.bundles, "BUNDLE_PAGES", 1)  # a bundle a page, about
    files = {**two_articles()}
    for n in range(4):
        files[f"more-{n}.md"] = article_text(front_matter(title=f"More reading {n}"))
    root = make_site(files)
    out = tmp_path / "out"
    runs: list[Path] = []
    real = b12site.search._run_pagefind

    def counted(site: Path, bundle: Path, stop: threading.Event | None) -> None:
        runs.append(site)
        real(site, bundle, stop)

    monkeypatch.setattr(b12site.search, "_run_pagefind", counted)
    build(root / "site.yaml", out, today=TODAY)
    made = sorted(p.name for p in (out / "pagefind").iterdir())
    assert len(made) == len(runs) > 1  # one Pagefind run a bundle that has pages
    search = (out / "search" / "index.html").read_text()
    assert f'data-bundles="{" ".join(f"/pagefind/{b}/" for b in sorted(made, key=int))}"' in search
    before = tree(out / "pagefind")
    runs.clear()
    edited = root / "content" / "tingling.md"
    edited.write_text(edited.read_text().replace("Paraesthesia", "Numbness and paraesthesia"))
    build(root / "site.yaml", out, today=TODAY)
    assert len(runs) == 1
    after = tree(out / "pagefind")
    changed = {p.split("/", 1)[0] for p in after.keys() ^ before.keys()}
    changed |= {p.split("/", 1)[0] for p in after.keys() & before.keys() if after[p] != before[p]}
    assert len(changed) == 1  # the edited page's bundle, and no other
    build(root / "site.yaml", tmp_path / "cold", today=TODAY, use_cache=False)
    assert tree(out) == tree(tmp_path / "cold")


def test_an_index_left_for_later_is_made_by_the_next_build(
    make_site: SiteMaker, tmp_path: Path
) -> None:
    """What ``b12site serve`` does: pages first, the index after; both together give the
    same bytes as a cold build."""
    root = make_site(two_articles())
    out = tmp_path / "out"
    build(root / "site.yaml", out, today=TODAY)
    before = tree(out / "pagefind")
    edited = root / "content" / "tingling.md"
    edited.write_text(edited.read_text().replace("Paraesthesia", "Numbness and paraesthesia"))
    first = build(root / "site.yaml", out, today=TODAY, index_search=False)
    assert first.changed == ("tingling/index.html",)
    assert tree(out / "pagefind") == before  # the index is left as it was
    then = build(root / "site.yaml", out, today=TODAY)
    assert then.changed and all(p.startswith("pagefind/") for p in then.changed)
    assert build(root / "site.yaml", out, today=TODAY).written == 0
    build(root / "site.yaml", tmp_path / "cold", today=TODAY, use_cache=False)
    assert tree(out) == tree(tmp_path / "cold")


def test_a_stopped_build_leaves_the_output_and_no_scratch(
    make_site: SiteMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(two_articles())
    out = tmp_path / "out"
    build(root / "site.yaml", out, today=TODAY)
    before = tree(out)
    stop = threading.Event()
    real = b12site.search._run_pagefind

    def stopped_midway(site: Path, bundle: Path, given: threading.Event | None) -> None:
        stop.set()  # as a save coming in while Pagefind runs
        real(site, bundle, given)

    monkeypatch.setattr(b12site.search, "_run_pagefind", stopped_midway)
    edited = root / "content" / "tingling.md"
    edited.write_text(edited.read_text().replace("Paraesthesia", "Numbness"))
    with pytest.raises(BuildStopped):
        build(root / "site.yaml", out, today=TODAY, stop=stop)
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]  # no scratch left
    monkeypatch.undo()
    build(root / "site.yaml", out, today=TODAY)
    build(root / "site.yaml", tmp_path / "cold", today=TODAY, use_cache=False)
    assert tree(out) == tree(tmp_path / "cold")


@pytest.mark.browser
def test_search_finds_pages_in_every_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample site's index in several bundles: the search page searches them all."""
    from playwright.sync_api import sync_playwright

    from .reader_support import CHROMIUM, CHROMIUM_ARGS, serve

    monkeypatch.setattr(b12site.bundles, "BUNDLE_PAGES", 2)
    out = build(REPO / "site.yaml", tmp_path / "out", today=TODAY, use_cache=False).output
    bundles = sorted((out / "pagefind").iterdir())
    assert len(bundles) >= 3
    sources = (REPO / "content").glob("*.md")
    expected = sorted(p.stem for p in sources if "metformin" in p.read_text().lower())
    assert len(expected) >= 3
    with serve(out) as served, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        page = chromium.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(served.url("/search/?q=metformin"))
        page.wait_for_selector(".pagefind-ui__result-link")
        page.wait_for_timeout(500)
        links = page.eval_on_selector_all(
            "a.pagefind-ui__result-link", "links => links.map(a => a.getAttribute('href'))"
        )
        chromium.close()
    found = sorted({href.strip("/").split("/")[0] for href in links if "#" not in href})
    assert found == expected
    assert errors == []
