"""``b12site serve`` as an editor uses it: a copy of the sample site served on a free loopback
port; files are saved, added, renamed and removed while pages are open."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from b12site.cache import CACHE_DIR
from b12site.serve import SERVE_DIR

from .reader_support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    EPOCH,
    REPO,
    run_axe,
)
from .serve_support import Serving, changed_file, sample_copy, serving

ARTICLE = "b12-deficiency-back-pain"
SENTENCE = "Back pain is very common, and most"
REBUILT = r"^\d\d:\d\d:\d\d .* in \d+ ms$"  # the one line each rebuild prints


def _article(site: Path, slug: str = ARTICLE) -> Path:
    return site / "content" / f"{slug}.md"


def _leftovers(site: Path) -> list[str]:
    """Staging and scratch folders left beside the served output (none after a clean stop)."""
    return sorted(p.name for p in (site / CACHE_DIR).iterdir() if ".b12site-" in p.name)


@pytest.mark.browser
def test_an_open_page_follows_saves_and_shows_problems_over_the_last_good_page(
    tmp_path: Path,
) -> None:
    """Edit, break and fix an article with its page open: the page updates by itself, the
    overlay names the file and field, and fixing the file clears it."""
    from playwright.sync_api import sync_playwright

    settings = sample_copy(tmp_path / "site")
    source = _article(tmp_path / "site")
    ARTIFACTS.mkdir(exist_ok=True)
    with serving(settings) as served, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{served.url}{ARTICLE}/")
        assert page.locator('script[src$="__b12site/live.js"]').count() == 1
        other = chromium.new_page()
        other.goto(f"{served.url}about/")
        other.evaluate("() => { window.stayed = true; }")

        changed_file(source, SENTENCE, "Back pain is very common indeed, and most")
        page.wait_for_selector("text=very common indeed", timeout=10_000)
        assert other.evaluate("() => window.stayed === true")  # a page that did not change

        changed_file(source, "reviewed_by: priya-nair", "reviewed_by: priya-nairr")
        overlay = page.wait_for_selector("#b12site-overlay", timeout=10_000)
        assert overlay is not None
        text = overlay.inner_text()
        assert f"content/{ARTICLE}.md" in text
        assert "reviewed_by" in text and "priya-nairr" in text
        assert page.is_visible("text=very common indeed")  # the last good page, underneath
        other.wait_for_selector("#b12site-overlay", timeout=10_000)  # every open page
        page.screenshot(path=str(ARTIFACTS / "serve-overlay-1280.png"))
        assert [v.describe("overlay") for v in run_axe(page)] == []

        changed_file(source, "reviewed_by: priya-nairr", "reviewed_by: priya-nair")
        page.wait_for_selector("#b12site-overlay", state="detached", timeout=10_000)
        other.wait_for_selector("#b12site-overlay", state="detached", timeout=10_000)
        assert page.is_visible("text=very common indeed")
        chromium.close()
    assert [p for p in problems if "404" not in p] == []  # no CSP violation or script error


def test_new_renamed_and_removed_articles_update_every_list(tmp_path: Path) -> None:
    site = tmp_path / "site"
    settings = sample_copy(site)
    with serving(settings) as served:
        status, body = served.get(f"{served.url}{ARTICLE}/".removeprefix(served.origin))
        assert status == 200 and "Can B12 deficiency cause back pain?" in body
        base = served.url.removeprefix(served.origin)

        new = (
            _article(site)
            .read_text("utf-8")
            .replace(
                "title: Can B12 deficiency cause back pain?",
                "title: Does B12 deficiency cause leg cramps?",
            )
        )
        (site / "content" / "b12-leg-cramps.md").write_text(new, "utf-8")
        served.wait_until(lambda: served.get(f"{base}b12-leg-cramps/")[0] == 200, "new page")
        for listing in ("", "topics/nerve-health/", "a-z/", "sitemap.xml", "feed.xml"):
            served.wait_until(partial(_lists, served, base + listing, "b12-leg-cramps/"), listing)

        (site / "content" / "b12-leg-cramps.md").rename(site / "content" / "b12-cramps.md")
        served.wait_until(lambda: served.get(f"{base}b12-cramps/")[0] == 200, "renamed page")
        status, body = served.get(f"{base}b12-leg-cramps/")
        assert status == 404
        assert "Page not found" in body  # the site's own 404.html
        for listing in ("", "topics/nerve-health/", "a-z/", "sitemap.xml", "feed.xml"):
            listed = served.get(base + listing)[1]
            assert "b12-cramps/" in listed and "b12-leg-cramps/" not in listed, listing

        (site / "content" / "b12-cramps.md").unlink()
        served.wait_until(lambda: served.get(f"{base}b12-cramps/")[0] == 404, "removal")
        assert "b12-cramps" not in served.get(f"{base}sitemap.xml")[1]
        served.wait_for_line(r"b12-cramps\.md removed: .* in \d+ ms$")
        out = site / CACHE_DIR / SERVE_DIR
        served.wait_until(lambda: _searched(out, "b12-cramps") is False, "search index update")
        assert _searched(out, ARTICLE)


def _lists(served: Serving, path: str, text: str) -> bool:
    """Whether the page at ``path`` holds ``text``."""
    return text in served.get(path)[1]


def _searched(out: Path, slug: str) -> bool:
    """Whether the search index of the served site holds the page ``slug``."""
    import gzip

    for fragment in out.glob("pagefind/*/fragment/*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes())
        if f'"/{slug}/"'.encode() in data:
            return True
    return False


def test_a_template_or_settings_change_rebuilds_what_depends_on_it(tmp_path: Path) -> None:
    site = tmp_path / "site"
    settings = sample_copy(site)
    with serving(settings) as served:
        base = served.url.removeprefix(served.origin)
        footer = site / "templates" / "partials" / "footer.html"
        footer.parent.mkdir(parents=True)  # the site had no templates folder when serve began
        theme = REPO / "templates" / "partials" / "footer.html"
        footer.write_text(
            theme.read_text("utf-8").replace("</footer>", "<p>Serve test</p></footer>")
        )
        for path in ("", f"{ARTICLE}/", "a-z/", "no-such-page/"):
            served.wait_until(partial(_lists, served, base + path, "Serve test"), path)

        changed_file(settings, "title: B12 Health Notes", "title: B12 Notes Served")
        served.wait_until(lambda: "B12 Notes Served" in served.get(base)[1], "new site title")
        assert "B12 Notes Served" in served.get(f"{base}{ARTICLE}/")[1]


def test_a_broken_save_keeps_the_last_good_site_and_names_the_problem(tmp_path: Path) -> None:
    site = tmp_path / "site"
    settings = sample_copy(site)
    with serving(settings) as served:
        base = served.url.removeprefix(served.origin)
        good = served.get(f"{base}{ARTICLE}/")[1]
        start = len(served.read_lines())
        changed_file(_article(site), "title: Can B12", "title: [Can B12")
        line = served.wait_for_line(rf"content/{ARTICLE}\.md:2", after=start)
        assert "title" in line or "YAML" in line
        served.wait_for_line(r"1 problem in 1 file; the last good site is still served", start)
        assert _without_live(served.get(f"{base}{ARTICLE}/")[1]) == _without_live(good)
        changed_file(_article(site), "title: [Can B12", "title: Can B12")
        served.wait_for_line(rf"{ARTICLE}\.md changed: \d+ files? written", after=start)
    assert not any("Traceback" in line for line in served.lines)


def _without_live(html: str) -> str:
    """A served page without the live reload script tag (its update number changes)."""
    return re.sub(r'<script src="[^"]*__b12site/live\.js"[^>]*></script>', "", html)


def test_serve_prints_one_line_per_rebuild_and_stops_cleanly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    settings = sample_copy(site)
    with serving(settings) as served:
        served.wait_for_line(r"built 5 articles.* in \d+ ms$")
        start = len(served.read_lines())
        changed_file(_article(site), SENTENCE, "Back pain is common, and most")
        line = served.wait_for_line(REBUILT, after=start)
        assert re.search(rf"content/{ARTICLE}\.md changed: 1 file written, 0 removed in", line)
        code = served.stop(signal.SIGINT)
        assert code == 0
        assert served.read_lines()[-1] == "Stopped."
    assert _leftovers(site) == []
    with serving(settings) as served:  # SIGTERM, as a process manager stops it
        assert served.stop(signal.SIGTERM) == 0
    assert _leftovers(site) == []


def test_drafts_show_only_with_drafts_and_say_so(tmp_path: Path) -> None:
    site = tmp_path / "site"
    settings = sample_copy(site)
    draft = (
        _article(site)
        .read_text("utf-8")
        .replace(
            "title: Can B12 deficiency cause back pain?", "title: A draft about B12\ndraft: true"
        )
    )
    (site / "content" / "a-draft.md").write_text(draft, "utf-8")
    with serving(settings) as served:
        base = served.url.removeprefix(served.origin)
        assert served.get(f"{base}a-draft/")[0] == 404
    with serving(settings, "--drafts") as served:
        status, body = served.get(f"{base}a-draft/")
        assert status == 200
        assert "Draft:" in body and "not published" in body
        assert '<meta name="robots" content="noindex">' in body
        assert "Draft:" not in served.get(f"{base}{ARTICLE}/")[1]


def test_serve_refuses_paths_outside_the_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    settings = sample_copy(site)
    (tmp_path / "secret.txt").write_text("not for the web")
    with serving(settings) as served:
        for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/site.yaml"):
            status, body = served.get(path)
            assert status == 404, path
            assert "not for the web" not in body and "B12 Health Notes" in body


def test_built_output_has_no_reload_script(tmp_path: Path) -> None:
    site = tmp_path / "site"
    settings = sample_copy(site)
    subprocess.run(
        [sys.executable, "-m", "b12site", "build", "--config", str(settings), "--quiet"],
        check=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
    )
    with serving(settings) as served:
        served.stop()
    for folder in (site / "_site", site / CACHE_DIR / SERVE_DIR):
        pages = list(folder.rglob("*.html"))
        assert pages
        assert not [p for p in folder.rglob("*") if p.is_file() and b"__b12site" in p.read_bytes()]
