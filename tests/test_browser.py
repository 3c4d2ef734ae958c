"""A reader's view: a built article page opened in headless Chromium."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from b12site.build import build

from .conftest import TODAY

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"

pytestmark = pytest.mark.browser


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


@pytest.fixture(scope="module")
def served_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sample site, built and served on a loopback port."""
    out = tmp_path_factory.mktemp("browser") / "site"
    build(REPO / "site.yaml", out, today=TODAY, use_cache=False)
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    assert Path(CHROMIUM).exists(), "install Debian's chromium: apt-get install -y chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        yield tab
        browser.close()


def test_article_page_shows_every_part_and_citations_jump(served_site: str, page: Page) -> None:
    page.goto(f"{served_site}/b12-deficiency-back-pain/")
    expect(page.locator("h1")).to_have_text("Can B12 deficiency cause back pain?")
    for part in (
        "#key-points",
        "#faq",
        "#references",
        "#medical-disclaimer",
        "#quick-summary",
        "#in-this-article",
        "#review",
    ):
        expect(page.locator(part)).to_be_visible()
    expect(page.locator("#key-points li").first).to_be_visible()
    expect(page.locator("#faq h3").first).to_be_visible()
    expect(page.locator("#medical-disclaimer")).to_contain_text("not medical advice")
    expect(page.locator("#review")).to_contain_text("Medically reviewed by")
    expect(page.locator("#article-body table")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "article.png"), full_page=True)

    citation = page.locator("#article-body sup.citation a").first
    target = citation.get_attribute("href")
    assert target and target.startswith("#ref-")
    citation.click()
    page.wait_for_function(f"location.hash === '{target}'")
    reference = page.locator(target)
    expect(reference).to_be_in_viewport()
    number = citation.inner_text().strip()
    assert page.locator(f"#references li{target}").get_attribute("value") == number

    back = reference.locator("a[href^='#cite-']").first
    back_target = back.get_attribute("href")
    back.click()
    page.wait_for_function(f"location.hash === '{back_target}'")
    expect(page.locator(str(back_target))).to_be_in_viewport()


def test_a_link_to_another_articles_file_leads_to_its_page(served_site: str, page: Page) -> None:
    page.goto(f"{served_site}/b12-and-metformin/")
    page.get_by_role("link", name="oral versus injected B12").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Oral or injected B12: which works better?"
    )


def test_the_review_dashboard_puts_the_overdue_review_first(
    tmp_path: Path, page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    from b12site.cli import main

    from .test_check import RULES_SITE
    from .test_incremental import EPOCH

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    main(["check", "--config", str(RULES_SITE / "site.yaml"), "--report", str(tmp_path)])
    page.goto((tmp_path / "index.html").as_uri())
    first = page.locator("tbody tr").first
    expect(first).to_contain_text("content/review-overdue.md")
    expect(first).to_contain_text("Overdue by 23 days")
    first.locator("summary").click()
    expect(first).to_contain_text("review overdue since 2026-11-01")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"))
