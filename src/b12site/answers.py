"""What the preview server of ``b12site serve`` answers for each URL path: files of the
output folder only (never a path that leads outside it), the site's 404 page for a miss, and
every HTML page with the live reload script added."""

from __future__ import annotations

import html
import importlib.resources
import mimetypes
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from b12site.errors import WriteError
from b12site.headers import HeaderRule, parse_headers_file
from b12site.static import WELL_KNOWN
from b12site.updates import Updates
from b12site.writer import safe_join

__all__ = ["ENDPOINTS", "HTML", "TEXT", "Reply", "SiteAnswers"]

ENDPOINTS = "__b12site/"  # under the base path: live.js, live.css and the event stream
HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
_TYPES = {
    ".html": HTML,
    ".htm": HTML,
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
    ".xml": "application/xml",
    ".txt": TEXT,
    ".pf_meta": "application/octet-stream",  # pagefind's index files
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pagefind": "application/octet-stream",
}
_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
</head>
<body>
<main>
<h1>{title}</h1>
{text}
</main>
</body>
</html>
"""
_NOT_BUILT = _PAGE.format(
    title="Not built yet",
    text="<p>There is no page here because the site has not been built yet. The terminal "
    "running b12site serve says what stopped the build; this page reloads by itself once a "
    "build succeeds.</p>",
).encode()


@dataclass(frozen=True)
class Reply:
    """A whole answer to a request, before the server's and the site's headers are added."""

    status: int
    content_type: str = TEXT
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


class SiteAnswers:
    """What the server answers for each URL path of the output folder."""

    def __init__(self, out: Path, base: str, updates: Updates) -> None:
        self.out = out
        self.base = base
        self.updates = updates
        self._lock = threading.Lock()
        self._rules_key: tuple[int, int, int] | None = None
        self._rules: tuple[tuple[HeaderRule, ...], str] = ((), "")

    def rules(self) -> tuple[tuple[HeaderRule, ...], str]:
        """The output's ``_headers`` rules, read again when the file changes, and why they
        cannot be read ("" when they can)."""
        path = self.out / "_headers"
        try:
            st = path.stat()
            key: tuple[int, int, int] | None = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            key = None
        with self._lock:
            if key != self._rules_key:
                self._rules_key, self._rules = key, _read_rules(path) if key else ((), "")
            return self._rules

    def reply(self, path: str, query: str) -> Reply:
        """The answer to a GET of ``path`` (as sent, still percent-encoded)."""
        base = self.base
        if path == "/" and base != "/":
            return _redirect(302, base)
        if path + "/" == base:
            return _redirect(301, base + (f"?{query}" if query else ""))
        if path.startswith(base + ENDPOINTS):
            return self._asset(path.removeprefix(base + ENDPOINTS))
        rel = _relative(path, base)
        if rel is None:
            return self._missing(("404.html",))
        problem = self.rules()[1]
        if problem:
            return self._broken_headers(problem, _would_be(rel))
        target = self._file(rel)
        if target is not None and target.is_dir():
            if not path.endswith("/"):
                return _redirect(301, path + "/" + (f"?{query}" if query else ""))
            target, rel = target / "index.html", rel + "index.html"
        elif path.endswith("/"):
            target = None
        number = self.updates.current().number  # before reading: a later build reloads
        data = _read(target) if target is not None else None
        if data is None:
            return self._missing((_would_be(rel), "404.html"))
        content_type = _content_type(rel)
        if content_type == HTML:
            return self._html(200, data, (rel,), number)
        return Reply(200, content_type, data)

    def _file(self, rel: str) -> Path | None:
        """The path of ``rel`` inside the output, or None if it would lead outside."""
        if not rel:
            return self.out
        try:
            return safe_join(self.out, rel)
        except WriteError:
            return None

    def _missing(self, files: tuple[str, ...]) -> Reply:
        """The site's 404 page (or a built-in one before the first build), status 404."""
        number = self.updates.current().number
        page = self._file("404.html")
        return self._html(404, (_read(page) if page else None) or _NOT_BUILT, files, number)

    def _broken_headers(self, problem: str, file: str) -> Reply:
        """Instead of a page served without the site's headers: why they cannot be read."""
        number = self.updates.current().number
        page = _PAGE.format(
            title="The site's headers cannot be read",
            text="<p>The built site's _headers file has a line that hosts cannot read either, "
            f"so no page is served until it is fixed: {html.escape(problem)}</p>"
            "<p>Fix the _headers template and save; this page reloads by itself.</p>",
        )
        return self._html(500, page.encode(), (file, "_headers"), number)

    def _asset(self, name: str) -> Reply:
        """The live-reload script and its overlay's style, from the package."""
        if name not in ("live.js", "live.css"):
            return self._missing(("404.html",))
        data = importlib.resources.files("b12site").joinpath("live", name).read_bytes()
        return Reply(200, _content_type(name), data)

    def _html(self, status: int, page: bytes, files: tuple[str, ...], number: int) -> Reply:
        """An HTML answer with the live-reload script added."""
        attributes = {
            "src": f"{self.base}{ENDPOINTS}live.js",
            "data-run": self.updates.run,
            "data-update": str(number),
            "data-files": " ".join(files),
            "data-base": self.base,
        }
        shown = " ".join(f'{k}="{html.escape(v)}"' for k, v in attributes.items())
        return Reply(status, HTML, _inject(page, f"<script {shown} defer></script>".encode()))


def _read_rules(path: Path) -> tuple[tuple[HeaderRule, ...], str]:
    """The rules of a ``_headers`` file, or none and why."""
    try:
        return parse_headers_file(path.read_text("utf-8")), ""
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return (), str(exc)


def _read(path: Path) -> bytes | None:
    """The bytes of a file, or None if it is not a readable file."""
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def _relative(path: str, base: str) -> str | None:
    """The output path a URL path names, percent-decoded ("" for the base, ending in "/" for
    a folder); None for a path outside the base or one no file of the site could have."""
    if not path.startswith(base):
        return None
    raw = path[len(base) :].split("/")
    parts = []
    for index, segment in enumerate(raw):
        try:
            part = unquote(segment, errors="strict")
        except UnicodeDecodeError:
            return None
        if (not part and index < len(raw) - 1) or any(c in part for c in "/\\\x00"):
            return None
        if part.startswith(".") and not (index == 0 and part == WELL_KNOWN):
            return None  # "." and ".." as well as hidden files such as the .b12site marker
        parts.append(part)
    return "/".join(parts)


def _would_be(rel: str) -> str:
    """The output file a path would be served from, had it been built."""
    if not rel or rel.endswith("/"):
        return rel + "index.html"
    return rel if "." in rel.rsplit("/", 1)[-1] else rel + "/index.html"


def _content_type(name: str) -> str:
    """The Content-Type of a file, by its name."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _inject(page: bytes, tag: bytes) -> bytes:
    """The page with ``tag`` right before ``</head>``, or at the end if it has none."""
    at = page.lower().find(b"</head>")
    return page + tag if at < 0 else page[:at] + tag + page[at:]


def _redirect(status: int, location: str) -> Reply:
    return Reply(status, headers=(("Location", location),))
