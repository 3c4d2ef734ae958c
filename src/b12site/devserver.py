"""The HTTP server of ``b12site serve``: the output folder as a host serves it, plus live reload."""

from __future__ import annotations

import contextlib
import errno
import html
import http.server
import importlib.resources
import json
import mimetypes
import select
import socket
import socketserver
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from b12site.errors import B12Error, WriteError
from b12site.headers import HeaderRule, headers_for, parse_headers_file
from b12site.static import WELL_KNOWN
from b12site.updates import Update, Updates
from b12site.writer import safe_join

__all__ = ["ENDPOINTS", "PING_SECONDS", "DevServer"]

ENDPOINTS = "__b12site/"  # under the base path: live.js, live.css and the event stream
PING_SECONDS = 15.0
_POLL = 0.2  # how often an event stream checks that the server and its client are still there
_HTML = "text/html; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"
_TYPES = {
    ".html": _HTML,
    ".htm": _HTML,
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
    ".xml": "application/xml",
    ".txt": _TEXT,
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
class _Reply:
    """A whole answer to a request, before the server's and the site's headers are added."""

    status: int
    content_type: str = _TEXT
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


class _Site:
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

    def reply(self, path: str, query: str) -> _Reply:
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
        if content_type == _HTML:
            return self._html(200, data, (rel,), number)
        return _Reply(200, content_type, data)

    def _file(self, rel: str) -> Path | None:
        """The path of ``rel`` inside the output, or None if it would lead outside."""
        if not rel:
            return self.out
        try:
            return safe_join(self.out, rel)
        except WriteError:
            return None

    def _missing(self, files: tuple[str, ...]) -> _Reply:
        """The site's 404 page (or a built-in one before the first build), status 404."""
        number = self.updates.current().number
        page = self._file("404.html")
        return self._html(404, (_read(page) if page else None) or _NOT_BUILT, files, number)

    def _broken_headers(self, problem: str, file: str) -> _Reply:
        """Instead of a page served without the site's headers: why they cannot be read."""
        number = self.updates.current().number
        page = _PAGE.format(
            title="The site's headers cannot be read",
            text="<p>The built site's _headers file has a line that hosts cannot read either, "
            f"so no page is served until it is fixed: {html.escape(problem)}</p>"
            "<p>Fix the _headers template and save; this page reloads by itself.</p>",
        )
        return self._html(500, page.encode(), (file, "_headers"), number)

    def _asset(self, name: str) -> _Reply:
        """The live-reload script and its overlay's style, from the package."""
        if name not in ("live.js", "live.css"):
            return self._missing(("404.html",))
        data = importlib.resources.files("b12site").joinpath("live", name).read_bytes()
        return _Reply(200, _content_type(name), data)

    def _html(self, status: int, page: bytes, files: tuple[str, ...], number: int) -> _Reply:
        """An HTML answer with the live-reload script added."""
        attributes = {
            "src": f"{self.base}{ENDPOINTS}live.js",
            "data-run": self.updates.run,
            "data-update": str(number),
            "data-files": " ".join(files),
            "data-base": self.base,
        }
        shown = " ".join(f'{k}="{html.escape(v)}"' for k, v in attributes.items())
        return _Reply(status, _HTML, _inject(page, f"<script {shown} defer></script>".encode()))


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


def _redirect(status: int, location: str) -> _Reply:
    return _Reply(status, headers=(("Location", location),))


def _split(target: str) -> tuple[str, str]:
    """The path and query of a request target (origin form, or absolute form)."""
    if not target.startswith("/"):
        parts = urlsplit(target)
        return (parts.path or "/", parts.query) if parts.scheme in ("http", "https") else ("", "")
    path, _, query = target.partition("#")[0].partition("?")
    return path, query


def _since(last_event_id: str | None, query: str) -> int | None:
    """The update a browser last saw: Last-Event-ID, else ``since``; None if neither says."""
    for value in (last_event_id, *parse_qs(query).get("since", [])[:1]):
        try:
            return int(value or "")
        except ValueError:
            continue
    return None


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers GET and HEAD from the site; refuses every other method."""

    server: _Server
    server_version = "b12site"
    sys_version = ""
    timeout = 30  # seconds a client may take to send its request

    def do_GET(self) -> None:
        """Answer with the file, the event stream or a not-found page."""
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        """Answer as GET would, without the body."""
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        path, query = _split(self.path)
        site = self.server.site
        if path == f"{site.base}{ENDPOINTS}events":
            self._stream(path, query, send_body)
        else:
            self._send(site.reply(path, query), path, send_body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A short plain answer; a method other than GET and HEAD is not allowed (405)."""
        if code == 501:
            body = b"Only GET and HEAD requests are answered.\n"
            reply = _Reply(405, _TEXT, body, (("Allow", "GET, HEAD"),))
        else:
            text = message or self.responses.get(code, ("Error",))[0]
            reply = _Reply(code, body=f"{code} {text}\n".encode("latin-1", "replace"))
        self.close_connection = True
        path = _split(getattr(self, "path", ""))[0]
        self._send(reply, path, getattr(self, "command", "") != "HEAD")

    def _send(self, reply: _Reply, path: str, send_body: bool) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self._common_headers(path, reply.headers)
        if send_body:
            self.wfile.write(reply.body)

    def _common_headers(self, path: str, extra: tuple[tuple[str, str], ...] = ()) -> None:
        """No caching, then the headers the site's ``_headers`` gives the path."""
        self.send_header("Cache-Control", "no-store")
        for name, value in extra:
            self.send_header(name, value)
        for name, value in headers_for(self.server.site.rules()[0], path) if path else ():
            if name.lower() != "cache-control":  # the server never lets a browser cache
                self.send_header(name, value)
        self.end_headers()

    def _stream(self, path: str, query: str, send_body: bool) -> None:
        """Server-Sent Events: what changed since the browser's update, then each update."""
        updates = self.server.site.updates
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self._common_headers(path)
        if not send_body:
            return
        since = _since(self.headers.get("Last-Event-ID"), query)
        run = parse_qs(query).get("run", [updates.run])[0]
        known = updates.since(since) if since is not None and run == updates.run else None
        current = known[1] if known else updates.current()
        self.wfile.write(b"retry: 1000\n\n")
        self._event(current, known[0] if known else (), reload=known is None)
        sent, ping = current.number, time.monotonic() + PING_SECONDS
        while not self.server.closing.is_set() and not self._client_gone():
            update = updates.wait(sent, _POLL)
            if update is None and updates.closed:
                return
            if update is None:
                if time.monotonic() >= ping:
                    self.wfile.write(b": ping\n\n")
                    ping = time.monotonic() + PING_SECONDS
                continue
            known = updates.since(sent)
            current = known[1] if known else update
            self._event(current, known[0] if known else (), reload=known is None)
            sent = current.number

    def _event(self, update: Update, changed: tuple[str, ...], reload: bool) -> None:
        data = {
            "run": self.server.site.updates.run,
            "number": update.number,
            "changed": list(changed),
            "failed": update.failed,
            "findings": [f.as_dict() for f in update.findings],
            "reload": reload,
        }
        event = f"id: {update.number}\nevent: update\ndata: {json.dumps(data)}\n\n"
        self.wfile.write(event.encode())

    def _client_gone(self) -> bool:
        """Whether the browser closed the connection (it sends nothing more while it lasts)."""
        connection: socket.socket = self.connection
        try:
            ready, _, _ = select.select([connection], [], [], 0)
            return bool(ready) and connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def handle(self) -> None:
        """Handle the request; a browser that went away is no error."""
        with contextlib.suppress(ConnectionError, TimeoutError):
            super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing: the serve command reports what matters."""


class _Server(http.server.ThreadingHTTPServer):
    """A threading HTTP server that knows its request threads, to end them on close."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_port = False

    def __init__(self, address: tuple[str, int], site: _Site) -> None:
        self.site = site
        self.closing = threading.Event()
        self._requests: set[threading.Thread] = set()
        self._requests_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without looking up the host's name (which can take seconds)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        """Handle each request in a daemon thread of its own, kept until it ends."""
        thread = threading.Thread(target=self._handle, args=(request, client_address), daemon=True)
        with self._requests_lock:
            self._requests.add(thread)
        thread.start()

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._requests_lock:
                self._requests.discard(threading.current_thread())

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that went away is no error; anything else is reported."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)

    def join_requests(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds in all for the request threads to end."""
        deadline = time.monotonic() + timeout
        with self._requests_lock:
            threads = list(self._requests)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


class DevServer:
    """Serves the output folder under its base path, with live reload, on a local port."""

    def __init__(self, out: Path, base_path: str, host: str, port: int, updates: Updates) -> None:
        base = "/" + "/".join(p for p in base_path.split("/") if p) + "/"
        base = "/" if base == "//" else base
        try:
            self._server = _Server((host, port), _Site(out, base, updates))
        except (OSError, OverflowError) as exc:
            raise B12Error(_bind_problem(host, port, exc)) from exc
        self.port: int = self._server.server_address[1]
        self.url = f"http://{_url_host(host)}:{self.port}{base}"
        self._thread: threading.Thread | None = None
        self._closed = False

    def start(self) -> None:
        """Serve in daemon threads."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="b12site-serve", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving: end every open event stream and wait (about a second at most) for
        the requests being answered."""
        if self._closed:
            return
        self._closed = True
        self._server.closing.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(1.0)
        self._server.server_close()
        self._server.join_requests(1.0)


def _bind_problem(host: str, port: int, exc: OSError | OverflowError) -> str:
    """Why the server cannot listen, in the words of the serve command's options."""
    if isinstance(exc, OverflowError):
        return f"port {port} is not a port number: choose one from 1 to 65535 with --port"
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is in use: choose another with --port"
    if exc.errno == errno.EACCES:
        return (
            f"cannot listen on port {port}: permission denied (choose one above 1023 with --port)"
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {host}: it is not an address of this computer"
    if isinstance(exc, socket.gaierror):
        return f"cannot listen on {host}: no such host name"
    return f"cannot listen on {host} port {port}: {exc.strerror or exc}"


def _url_host(host: str) -> str:
    """The host as a browser on this computer reaches it, ready for a URL."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host
