"""The HTTP server of ``b12site serve``: what ``answers.py`` gives each path, sent with the site's
headers and no caching, and the event stream that tells open pages of each rebuild."""

from __future__ import annotations

import contextlib
import errno
import http.server
import json
import select
import socket
import socketserver
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from b12site.answers import ENDPOINTS, TEXT, Reply, SiteAnswers
from b12site.errors import B12Error
from b12site.headers import headers_for
from b12site.updates import Update, Updates

__all__ = ["PING_SECONDS", "DevServer"]

PING_SECONDS = 15.0
_POLL = 0.2  # how often an event stream checks that the server and its client are still there


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
            reply = Reply(405, TEXT, body, (("Allow", "GET, HEAD"),))
        else:
            text = message or self.responses.get(code, ("Error",))[0]
            reply = Reply(code, body=f"{code} {text}\n".encode("latin-1", "replace"))
        self.close_connection = True
        path = _split(getattr(self, "path", ""))[0]
        self._send(reply, path, getattr(self, "command", "") != "HEAD")

    def _send(self, reply: Reply, path: str, send_body: bool) -> None:
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

    def __init__(self, address: tuple[str, int], site: SiteAnswers) -> None:
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
            self._server = _Server((host, port), SiteAnswers(out, base, updates))
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
