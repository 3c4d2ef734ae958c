"""The reader's site, proven in headless Chromium: axe in both schemes, small screens, keyboard,
search, the site's Content-Security-Policy and no request to another site."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Response, expect, sync_playwright

from .reader_support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    ReaderPage,
    Served,
    built_site,
    distinctive_word,
    file_for_path,
    reader_pages,
    run_axe,
    sample_articles,
    serve,
)

pytestmark = pytest.mark.browser

PAGES = reader_pages()
ARTICLES = tuple(p for p in PAGES if p.name.startswith("article-"))
SCHEMES = ("light", "dark")
WORD, WORD_ARTICLE = distinctive_word()
SEARCH_TIMEOUT = 20_000

# Registered before any script of a page runs: collects CSP violations and every focus move.
WATCH = """
(() => {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(
      `${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ` +
      `${e.sourceFile || document.URL}:${e.lineNumber} ${e.sample || ''}`.trim());
  }, true);
  window.__focused = new Set();
  window.__focusLog = [];
  document.addEventListener('focusin', (e) => {
    const el = e.target;
    window.__focused.add(el);
    const style = getComputedStyle(el);
    const main = document.getElementById('main');
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    window.__focusLog.push({
      what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className ? '.' + el.className : '') +
        (el.getAttribute('href') ? `[href=${el.getAttribute('href')}]` : '') +
        ` "${(el.innerText || el.value || '').trim().slice(0, 50)}"`,
      visible: outline || style.boxShadow !== 'none',
      inHeader: !!el.closest('header.site-header'),
      afterMain: !!main && (main.contains(el) ||
        !!(main.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)),
    });
  }, true);
})();
"""

# What a reader reaches by keyboard on an article: each FAQ question and each citation that is
# not hidden inside a closed FAQ item.
MISSED_BY_KEYBOARD = """
() => {
  const wanted = [...document.querySelectorAll(
    'main summary, main a.citation-link, main sup.citation a, main a[href^="#ref-"]')]
    .filter((el) => !el.parentElement.closest('details:not([open])') || el.tagName === 'SUMMARY');
  return {
    summaries: wanted.filter((el) => el.tagName === 'SUMMARY').length,
    citations: wanted.filter((el) => el.tagName === 'A').length,
    missed: wanted.filter((el) => !window.__focused.has(el))
      .map((el) => el.outerHTML.slice(0, 160)),
  };
}
"""


@dataclass
class Visit:
    """A page opened in a fresh browser context, with what it asked for and complained about."""

    page: Page
    response: Response | None
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        """Violations the page reported, and console errors that mention the policy."""
        events: list[str] = self.page.evaluate("window.__cspViolations || []")
        return events + [c for c in self.console if "content security policy" in c.lower()]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site, built once with the command line."""
    return built_site(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[Served]:
    """The built site on a loopback port, with its ``_headers`` applied to every response."""
    with serve(site) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    assert Path(CHROMIUM).exists(), "install Debian's chromium: apt-get install -y chromium"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield chromium
        chromium.close()


@contextmanager
def visit(
    browser: Browser,
    server: Served,
    target: ReaderPage,
    *,
    width: int = 1280,
    scheme: str = "light",
    javascript: bool = True,
) -> Iterator[Visit]:
    """Open a page as a reader would, waiting until what it shows is ready."""
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        color_scheme="dark" if scheme == "dark" else "light",
        java_script_enabled=javascript,
        reduced_motion="reduce",
    )
    try:
        context.add_init_script(WATCH)
        page = context.new_page()
        record = Visit(page, None)
        page.on("request", lambda r: record.requests.append(r.url))
        page.on("requestfailed", lambda r: record.failed.append(f"{r.url} ({r.failure})"))
        page.on(
            "response",
            lambda r: (
                record.failed.append(f"{r.url} ({r.status})")
                if r.status >= 400
                and not (target.status == 404 and r.request.is_navigation_request())
                else None
            ),
        )
        page.on("console", lambda m: record.console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: record.errors.append(str(e)))
        record.response = page.goto(server.url(target.path))
        assert record.response is not None
        assert record.response.status == target.status, f"{target.path}: {record.response.status}"
        if target.ready and javascript:
            page.wait_for_selector(target.ready, timeout=SEARCH_TIMEOUT)
        yield record
    finally:
        context.close()


def _slug(target: ReaderPage) -> str:
    """A file name for a page's screenshots."""
    return target.name


def _screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot as a test artefact."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _open_every_faq(page: Page) -> None:
    """Open every ``details`` element so that its content is checked too."""
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")


# --- the test server ---------------------------------------------------------------------------


def test_the_test_server_applies_the_sites_headers_and_404_page(server: Served) -> None:
    policy = [v for r in server.rules for n, v in r.headers if n == "Content-Security-Policy"]
    assert policy, "the built _headers file has no Content-Security-Policy"
    with urllib.request.urlopen(server.url("/")) as answer:
        assert answer.headers.get_all("Content-Security-Policy") == policy
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(server.url("/no-such-page/"))
    assert missing.value.code == 404
    assert missing.value.headers.get_all("Content-Security-Policy") == policy
    assert missing.value.read() == (server.root / "404.html").read_bytes()


def test_every_sitemap_page_is_among_the_pages_tested(site: Path) -> None:
    import xml.etree.ElementTree as ET

    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.parse(site / "sitemap.xml").getroot()
    base = root.findtext("s:url/s:loc", namespaces=ns) or ""
    paths = {"/" + (loc.text or "").removeprefix(base) for loc in root.iterfind("s:url/s:loc", ns)}
    tested = {p.path for p in PAGES}
    articles = {f"/{a.slug}/" for a in sample_articles()}
    assert articles <= paths, "every sample article is in the sitemap"
    # every page in the sitemap that is not a topic page is opened by these tests
    assert {p for p in paths if not p.startswith("/topics/")} <= tested


# --- axe-core, in light and dark ---------------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("target", PAGES, ids=[p.name for p in PAGES])
def test_axe_finds_no_violation(
    browser: Browser, server: Served, target: ReaderPage, scheme: str
) -> None:
    # a fresh page per scheme, as a reader with that setting opens it (switching the scheme of
    # an open page left axe reading some colours of the old scheme)
    with visit(browser, server, target, scheme=scheme) as seen:
        _open_every_faq(seen.page)
        violations = run_axe(seen.page)
        _screenshot(seen.page, f"{_slug(target)}-1280-{scheme}")
    where = f"{target.path} ({scheme})"
    assert not violations, "axe-core (WCAG 2.2 A/AA):\n" + "\n".join(
        v.describe(where) for v in violations
    )


def test_the_reader_setting_chooses_the_colour_scheme(browser: Browser, server: Served) -> None:
    luminance = """() => {
      const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    }"""
    shown = {}
    for scheme in SCHEMES:
        with visit(browser, server, PAGES[0], scheme=scheme) as seen:
            shown[scheme] = seen.page.evaluate(luminance)
    assert shown["light"] > 0.8 and shown["dark"] < 0.2, f"page background luminance: {shown}"


# --- small screens -----------------------------------------------------------------------------

TABLE_REGIONS = """
() => [...document.querySelectorAll('main table')].map((table) => {
  const wrap = table.closest('.table-wrap');
  if (!wrap) return {problem: 'table outside a .table-wrap: ' + table.outerHTML.slice(0, 80)};
  const labelled = (wrap.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
    .map((id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
  const name = labelled || (wrap.getAttribute('aria-label') || '').trim();
  const overflow = getComputedStyle(wrap).overflowX;
  return {
    problem: null,
    tabindex: wrap.getAttribute('tabindex'),
    role: wrap.getAttribute('role'),
    name,
    wide: table.scrollWidth > wrap.clientWidth,
    scrolls: wrap.scrollWidth > wrap.clientWidth && (overflow === 'auto' || overflow === 'scroll'),
    caption: !!table.querySelector('caption'),
    html: wrap.outerHTML.slice(0, 120),
  };
})
"""


@pytest.mark.parametrize("target", PAGES, ids=[p.name for p in PAGES])
def test_at_375px_nothing_scrolls_sideways_but_wide_tables_in_their_region(
    browser: Browser, server: Served, target: ReaderPage
) -> None:
    with visit(browser, server, target, width=375) as seen:
        _open_every_faq(seen.page)
        _screenshot(seen.page, f"{_slug(target)}-375-light")
        widths = seen.page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth, document.body.scrollWidth]"
        )
        regions: list[dict[str, Any]] = seen.page.evaluate(TABLE_REGIONS)
        too_wide = seen.page.evaluate(
            """() => [...document.querySelectorAll('body *')]
              .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
                && !el.closest('.table-wrap') && getComputedStyle(el).position !== 'fixed'
                && el.getBoundingClientRect().width > 0)
              .slice(0, 5).map((el) => el.outerHTML.slice(0, 100))"""
        )
    assert widths[0] <= widths[1], (
        f"{target.path} at 375px scrolls sideways: scrollWidth {widths[0]} > {widths[1]}; "
        f"too wide: {too_wide}"
    )
    problems = [r["problem"] for r in regions if r["problem"]]
    for r in regions:
        if r["problem"]:
            continue
        if r["tabindex"] != "0":
            problems.append(f"table region without tabindex=0: {r['html']}")
        if r["role"] != "region" or not r["name"]:
            problems.append(f"table region without role=region and a name: {r['html']}")
        if r["wide"] and not r["scrolls"]:
            problems.append(f"wide table does not scroll inside its region: {r['html']}")
    assert not problems, f"{target.path} at 375px:\n" + "\n".join(problems)


def test_a_wide_table_scrolls_inside_its_region_by_keyboard(
    browser: Browser, server: Served, site: Path
) -> None:
    tables = [a for a in ARTICLES if "<table" in file_for_path(site, a.path).read_text("utf-8")]
    assert tables, "no sample article has a table"
    scrolled = []
    for target in tables:
        with visit(browser, server, target, width=375) as seen:
            page = seen.page
            wraps = page.locator("main .table-wrap")
            assert wraps.count() > 0, f"{target.path}: its table is not in a .table-wrap region"
            for i in range(wraps.count()):
                wrap = wraps.nth(i)
                if not wrap.evaluate("w => w.scrollWidth > w.clientWidth"):
                    continue
                wrap.focus()
                for _ in range(4):
                    page.keyboard.press("ArrowRight")
                page.wait_for_timeout(100)
                left = wrap.evaluate("w => w.scrollLeft")
                page_x = page.evaluate("window.scrollX")
                assert left > 0, f"{target.path}: arrow keys do not scroll the focused table region"
                assert page_x == 0, f"{target.path}: the page scrolled sideways, not the table"
                scrolled.append(target.path)
    assert scrolled, "no sample table is wider than a 375px screen, so nothing proved it scrolls"


# --- keyboard ----------------------------------------------------------------------------------


def _tab(page: Page, times: int) -> list[dict[str, Any]]:
    """Press Tab ``times`` times; the focus log of the page so far."""
    for _ in range(times):
        page.keyboard.press("Tab")
    log: list[dict[str, Any]] = page.evaluate("window.__focusLog")
    return log


@pytest.mark.parametrize("target", PAGES, ids=[p.name for p in PAGES])
def test_keyboard_reaches_skip_link_then_search_box(
    browser: Browser, server: Served, target: ReaderPage
) -> None:
    with visit(browser, server, target) as seen:
        page = seen.page
        log = _tab(page, 1)
        assert log and "skip-link" in log[0]["what"], (
            f"{target.path}: the first Tab focuses {log[:1] or 'nothing'}, not the skip link"
        )
        for _ in range(25):
            if page.evaluate("document.activeElement.id") == "site-search-q":
                break
            log = _tab(page, 1)
        else:
            pytest.fail(f"{target.path}: 25 Tabs never reached the header search box: {log}")
        before = [item["what"] for item in log[1:-1] if not item["inHeader"]]
        assert not before, f"{target.path}: Tab left the header before its search box: {before}"
        hidden = [item["what"] for item in log if not item["visible"]]
        assert not hidden, f"{target.path}: focus is not visible on {hidden}"

        page.reload()
        page.evaluate("window.__focusLog.length = 0")
        _tab(page, 1)
        page.keyboard.press("Enter")
        page.wait_for_function("location.hash === '#main'")
        log = _tab(page, 1)
        assert log[-1]["afterMain"], f"{target.path}: after the skip link, Tab went to {log[-1]}"


MISSED_IN_ANSWER = """
(details) => [...details.querySelectorAll('a[href]')]
  .filter((a) => !window.__focused.has(a)).map((a) => a.outerHTML.slice(0, 160))
"""


@pytest.mark.parametrize("target", ARTICLES, ids=[p.name for p in ARTICLES])
def test_keyboard_reaches_every_faq_item_and_citation(
    browser: Browser, server: Served, target: ReaderPage
) -> None:
    with visit(browser, server, target) as seen:
        page = seen.page
        stops = page.evaluate(
            "document.querySelectorAll('a[href], button, input, select, textarea, summary,"
            " [tabindex]').length"
        )
        log = _tab(page, stops + 3)
        reached = page.evaluate(MISSED_BY_KEYBOARD)
        assert reached["summaries"] and reached["citations"], f"{target.path}: {reached}"
        missed = reached["missed"]
        assert not missed, f"{target.path}: Tab never reached {len(missed)}: {missed[:5]}"
        hidden = sorted({item["what"] for item in log if not item["visible"]})
        assert not hidden, f"{target.path}: focus is not visible on {hidden[:5]}"

        # Enter opens each FAQ item, and Tab then walks through the links in its answer
        questions = page.locator("main details > summary")
        assert questions.count() > 0, f"{target.path} has no FAQ item"
        for i in range(questions.count()):
            summary = questions.nth(i)
            summary.focus()
            page.keyboard.press("Enter")
            details = summary.locator("xpath=..")
            assert details.evaluate("d => d.open"), f"{target.path}: Enter did not open FAQ {i + 1}"
            links = details.locator("a[href]").count()
            _tab(page, links)
            missed = details.evaluate(MISSED_IN_ANSWER)
            assert not missed, f"{target.path}: FAQ {i + 1} open, Tab never reached {missed}"


# --- search ------------------------------------------------------------------------------------


def _result_for(page: Page, slug: str) -> None:
    """Wait for a Pagefind result that links to the article ``slug``."""
    page.wait_for_selector(
        f".pagefind-ui__result-link[href$='/{slug}/'],"
        f" .pagefind-ui__result-link[href*='/{slug}/#']",
        timeout=SEARCH_TIMEOUT,
    )


def test_the_search_word_is_in_its_articles_page(site: Path) -> None:
    text = file_for_path(site, f"/{WORD_ARTICLE}/").read_text("utf-8").lower()
    assert WORD in text
    others = [a.slug for a in sample_articles() if a.slug != WORD_ARTICLE]
    for slug in others:
        body = file_for_path(site, f"/{slug}/").read_text("utf-8").lower()
        assert WORD not in body.split('id="article-body"', 1)[-1].split("</article>", 1)[0]


def test_search_page_finds_an_article_by_a_word_from_its_body(
    browser: Browser, server: Served
) -> None:
    target = ReaderPage("search-word", f"/search/?q={WORD}", ready=".pagefind-ui")
    with visit(browser, server, target) as seen:
        _result_for(seen.page, WORD_ARTICLE)
        _screenshot(seen.page, "search-run-1280-light")
        assert not seen.csp_violations()
        assert not seen.errors, seen.errors


def test_header_search_box_leads_to_the_results(browser: Browser, server: Served) -> None:
    with visit(browser, server, PAGES[0]) as seen:
        page = seen.page
        page.locator("#site-search-q").focus()
        page.keyboard.type(WORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/search/?q={WORD}")
        _result_for(page, WORD_ARTICLE)
        page.locator(f".pagefind-ui__result-link[href*='/{WORD_ARTICLE}/']").first.click()
        page.wait_for_url(server.url(f"/{WORD_ARTICLE}/") + "**")
        expect(page.locator("h1")).to_be_visible()
        assert not seen.csp_violations()


def test_typing_in_the_search_page_box_finds_the_article(browser: Browser, server: Served) -> None:
    target = next(p for p in PAGES if p.name == "search")
    with visit(browser, server, target) as seen:
        page = seen.page
        box = page.locator(".pagefind-ui__search-input")
        box.click()
        page.keyboard.type(WORD)
        _result_for(page, WORD_ARTICLE)
        assert not seen.csp_violations()
        assert not seen.errors, seen.errors


def test_header_search_reaches_the_search_page_without_javascript(
    browser: Browser, server: Served
) -> None:
    with visit(browser, server, PAGES[0], javascript=False) as seen:
        page = seen.page
        page.locator("#site-search-q").fill(WORD)
        page.locator(".site-search__button").click()
        page.wait_for_url(f"**/search/?q={WORD}")
        expect(page.locator("h1")).to_have_text("Search")
        # Chromium with scripts disabled by Playwright still parses <noscript> as scripting-on
        # markup, so its content is read rather than seen
        note = page.locator("main noscript").inner_html()
        assert "JavaScript" in note and "/a-z/" in note, note


# --- the Content-Security-Policy and requests --------------------------------------------------


@dataclass(frozen=True)
class Observation:
    """What a page did when read to its end with every FAQ answer open."""

    policy: str | None
    violations: list[str]
    errors: list[str]
    requests: list[str]
    failed: list[str]


@pytest.fixture(scope="module")
def observations() -> dict[str, Observation]:
    """One reading of each page, shared by the CSP and the request tests."""
    return {}


def _observe(browser: Browser, server: Served, target: ReaderPage) -> Observation:
    """Read a page to its end, every FAQ answer open, and record what it did."""
    with visit(browser, server, target) as seen:
        _open_every_faq(seen.page)
        seen.page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        seen.page.wait_for_timeout(100)
        assert seen.response is not None
        policy = seen.response.headers.get("content-security-policy")
        violations = seen.csp_violations()
    return Observation(policy, violations, seen.errors, seen.requests, seen.failed)


def test_the_csp_watch_sees_a_violation(browser: Browser, server: Served) -> None:
    """The watch is not blind: an inline style and an inline script are both reported."""
    with visit(browser, server, PAGES[0]) as seen:
        seen.page.evaluate(
            """() => {
              document.body.setAttribute('style', 'color: red');
              const s = document.createElement('script');
              s.textContent = 'window.__ran = true';
              document.body.append(s);
            }"""
        )
        seen.page.wait_for_timeout(200)
        violations = seen.csp_violations()
        ran = seen.page.evaluate("window.__ran === true")
    assert not ran, "the policy let an inline script run"
    assert any("style-src" in v for v in violations), violations
    assert any("script-src" in v for v in violations), violations


@pytest.mark.parametrize("target", PAGES, ids=[p.name for p in PAGES])
def test_no_csp_violation(
    browser: Browser, server: Served, observations: dict[str, Observation], target: ReaderPage
) -> None:
    if target.name not in observations:
        observations[target.name] = _observe(browser, server, target)
    seen = observations[target.name]
    assert seen.policy, f"{target.path}: the response has no Content-Security-Policy"
    assert not seen.violations, f"{target.path}:\n" + "\n".join(seen.violations)
    assert not seen.errors, f"{target.path}: script errors {seen.errors}"


@pytest.mark.parametrize("target", PAGES, ids=[p.name for p in PAGES])
def test_no_request_leaves_the_site(
    browser: Browser, server: Served, observations: dict[str, Observation], target: ReaderPage
) -> None:
    if target.name not in observations:
        observations[target.name] = _observe(browser, server, target)
    seen = observations[target.name]
    elsewhere = [
        url
        for url in seen.requests
        if not url.startswith(server.origin + "/") and not url.startswith(("data:", "blob:"))
    ]
    assert any(url.endswith(".css") for url in seen.requests), "the watch saw no request"
    assert not elsewhere, f"{target.path} asked another site for: {elsewhere}"
    assert not seen.failed, f"{target.path}: requests that failed: {seen.failed}"
