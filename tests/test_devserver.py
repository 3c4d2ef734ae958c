"""The development server, over HTTP: only the output's files, the site's headers, the
live-reload script in every page it answers, the event stream, and a clean stop."""

from __future__ import annotations

import html
import http.client
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from b12site.devserver import DevServer
from b12site.errors import B12Error, Problem
from b12site.headers import parse_headers_file
from b12site.updates import Finding, Updates

REPO = Path(__file__).resolve().parent.parent
SECRET = b"outside the output: never served"
PAGE = b"<!doctype html><html><head><title>X</title></head><body><h1>X</h1></body></html>\n"
NOT_FOUND = b"<!doctype html><html><head><title>Not found</title></head><body>gone</body></html>"
HEADERS = (REPO / "templates" / "_headers").read_text("utf-8") + (
    "\n/static/*\n  Cache-Control: public, max-age=31536000, immutable\n  X-Static: yes\n"
)
CSP = parse_headers_file(HEADERS)[0].headers[0][1]
RUN = "run-1234"
SCRIPT = re.compile(rb'<script src="[^"]*__b12site/live\.js"[^>]*></script>')


@dataclass(frozen=True)
class Answer:
    """A response as a browser sees it."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def script(self) -> dict[str, str]:
        """The attributes of the one live-reload script of the page."""
        found = SCRIPT.findall(self.body)
        assert len(found) == 1, f"expected one live-reload script, found {len(found)}"
        pairs = re.findall(r'([\w-]+)="([^"]*)"', found[0].decode())
        return {name: html.unescape(value) for name, value in pairs}


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, "utf-8")
    else:
        path.write_bytes(data)
    return path


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A small built site, with a secret file beside it and links that lead to it."""
    write(tmp_path / "secret.txt", SECRET)
    write(tmp_path / "private" / "secret.txt", SECRET)
    site = tmp_path / "site"
    write(site / "index.html", PAGE)
    write(site / "articles" / "low-b12" / "index.html", PAGE.replace(b"X", b"Low B12"))
    write(site / "no-head.html", b"<p>a fragment</p>")
    write(site / "404.html", NOT_FOUND)
    write(site / "static" / "css" / "site.css", b"body { color: black }\n")
    write(site / "static" / "js" / "search.js", b"console.log('search');\n")
    write(site / "pagefind" / "fragment" / "en_1.pf_fragment", b"\x00\x01")
    write(site / ".well-known" / "security.txt", b"Contact: mailto:security@example.org\n")
    write(site / ".b12site", b"This folder is built by b12site.\n")
    write(site / "empty" / "readme.txt", b"a folder without index.html\n")
    write(site / "_headers", HEADERS)
    (site / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (site / "private").symlink_to(tmp_path / "private", target_is_directory=True)
    return site


@pytest.fixture
def updates() -> Updates:
    made = Updates(RUN)
    made.publish(["index.html", "articles/low-b12/index.html"])
    return made


def started(out: Path, updates: Updates, base: str = "/") -> Iterator[DevServer]:
    server = DevServer(out, base, "127.0.0.1", 0, updates)
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def server(out: Path, updates: Updates) -> Iterator[DevServer]:
    yield from started(out, updates)


@pytest.fixture
def sub_server(out: Path, updates: Updates) -> Iterator[DevServer]:
    """The same site served under a base path, as for https://example.org/health/."""
    yield from started(out, updates, "/health/")


def request(
    server: DevServer, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


# --- only the output's files --------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/articles/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/articles%2F..%2F..%2Fsecret.txt",
        "/%2Ftmp%2Fsecret.txt",
        "/index.html%00",
        "/%00/../secret.txt",
        "/..\\secret.txt",
        "/..%5csecret.txt",
        "/leak.txt",
        "/private/secret.txt",
        "/private/",
        "//secret.txt",
        "/%ff%fe",
        "/.b12site",
        "/articles/./low-b12/",
        "/%2e/index.html",
        "http://127.0.0.1/../secret.txt",
    ],
)
def test_a_path_outside_the_output_is_not_found(server: DevServer, path: str) -> None:
    answer = request(server, path)
    assert answer.status == 404
    assert SECRET not in answer.body
    assert b"gone" in answer.body  # the site's own 404 page


def test_hidden_files_are_not_served_but_well_known_ones_are(server: DevServer) -> None:
    assert request(server, "/.b12site").status == 404
    answer = request(server, "/.well-known/security.txt")
    assert answer.status == 200
    assert answer.body.startswith(b"Contact:")


def test_a_folder_without_its_slash_is_redirected(server: DevServer) -> None:
    answer = request(server, "/articles/low-b12?from=feed")
    assert answer.status == 301
    assert answer.headers["Location"] == "/articles/low-b12/?from=feed"
    assert request(server, "/articles/low-b12/").status == 200


def test_a_folder_without_index_html_is_not_listed(server: DevServer) -> None:
    answer = request(server, "/empty/")
    assert answer.status == 404
    assert b"readme.txt" not in answer.body


def test_a_file_asked_for_as_a_folder_is_not_found(server: DevServer) -> None:
    assert request(server, "/static/css/site.css/").status == 404


def test_the_site_is_served_under_its_base_path(sub_server: DevServer) -> None:
    assert sub_server.url == f"http://127.0.0.1:{sub_server.port}/health/"
    root = request(sub_server, "/")
    assert (root.status, root.headers["Location"]) == (302, "/health/")
    bare = request(sub_server, "/health")
    assert (bare.status, bare.headers["Location"]) == (301, "/health/")
    assert request(sub_server, "/index.html").status == 404
    page = request(sub_server, "/health/articles/low-b12/")
    assert page.status == 200
    script = page.script()
    assert script["src"] == "/health/__b12site/live.js"
    assert script["data-base"] == "/health/"
    assert request(sub_server, "/health/__b12site/live.js").status == 200


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("static/css/site.css", "text/css; charset=utf-8"),
        ("static/js/search.js", "text/javascript; charset=utf-8"),
        ("pagefind/fragment/en_1.pf_fragment", "application/octet-stream"),
        ("index.html", "text/html; charset=utf-8"),
    ],
)
def test_files_have_their_content_type(server: DevServer, name: str, content_type: str) -> None:
    answer = request(server, "/" + name)
    assert answer.status == 200
    assert answer.headers["Content-Type"] == content_type


def test_head_answers_the_headers_of_get_without_a_body(server: DevServer) -> None:
    got, head = request(server, "/articles/low-b12/"), request(server, "/articles/low-b12/", "HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["Content-Length"] == str(len(got.body))
    assert head.headers["Content-Security-Policy"] == CSP


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head_are_allowed(server: DevServer, out: Path, method: str) -> None:
    before = snapshot(out)
    answer = request(server, "/index.html", method)
    assert answer.status == 405
    assert answer.headers["Allow"] == "GET, HEAD"
    assert snapshot(out) == before


# --- the live-reload script ----------------------------------------------------------------


def test_a_page_gets_the_script_once_before_its_head_ends(
    server: DevServer, out: Path, updates: Updates
) -> None:
    before = snapshot(out)
    answer = request(server, "/articles/low-b12/")
    assert answer.status == 200
    assert answer.script() == {
        "src": "/__b12site/live.js",
        "data-run": RUN,
        "data-update": str(updates.current().number),
        "data-files": "articles/low-b12/index.html",
        "data-base": "/",
    }
    assert re.search(rb"live\.js[^>]*></script></head>", answer.body)
    assert answer.body.replace(SCRIPT.findall(answer.body)[0], b"") == (
        PAGE.replace(b"X", b"Low B12")
    )
    assert int(answer.headers["Content-Length"]) == len(answer.body)
    assert snapshot(out) == before  # nothing is ever written to the output


def test_the_script_is_added_at_the_end_of_a_page_without_head(server: DevServer) -> None:
    answer = request(server, "/no-head.html")
    assert answer.body.startswith(b"<p>a fragment</p><script ")
    assert answer.script()["data-files"] == "no-head.html"


def test_the_home_page_is_its_folder_index(server: DevServer) -> None:
    assert request(server, "/").script()["data-files"] == "index.html"


def test_the_script_names_the_latest_update(server: DevServer, updates: Updates) -> None:
    updates.publish(["index.html"])
    updates.publish([], failed=True)
    assert request(server, "/").script()["data-update"] == "2"


@pytest.mark.parametrize("name", ["static/css/site.css", "static/js/search.js"])
def test_style_sheets_and_scripts_are_served_as_they_are(
    server: DevServer, out: Path, name: str
) -> None:
    answer = request(server, "/" + name)
    assert answer.body == (out / name).read_bytes()


@pytest.mark.parametrize(
    ("path", "files"),
    [
        ("/no-such-page/", "no-such-page/index.html 404.html"),
        ("/no-such-page", "no-such-page/index.html 404.html"),
        ("/old/guide.pdf", "old/guide.pdf 404.html"),
        ("/empty/", "empty/index.html 404.html"),
        ("/../secret.txt", "404.html"),
    ],
)
def test_a_miss_answers_the_sites_404_page_with_the_script(
    server: DevServer, path: str, files: str
) -> None:
    answer = request(server, path)
    assert answer.status == 404
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert SCRIPT.sub(b"", answer.body) == NOT_FOUND
    assert answer.script()["data-files"] == files
    assert int(answer.headers["Content-Length"]) == len(answer.body)


def test_before_the_first_build_a_miss_says_not_built_yet(tmp_path: Path) -> None:
    updates = Updates(RUN)
    for server in started(tmp_path / "not-yet", updates):
        answer = request(server, "/")
        assert answer.status == 404
        assert b"<title>Not built yet</title>" in answer.body
        script = answer.script()
        assert (script["data-files"], script["data-update"]) == ("index.html 404.html", "-1")


def test_attribute_values_are_escaped(out: Path, updates: Updates) -> None:
    write(out / 'a"b' / "index.html", PAGE)
    for server in started(out, updates):
        answer = request(server, "/a%22b/")
        assert answer.status == 200
        assert b'data-files="a&quot;b/index.html"' in answer.body


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("live.js", "text/javascript; charset=utf-8"), ("live.css", "text/css; charset=utf-8")],
)
def test_the_live_files_come_from_the_package(
    server: DevServer, name: str, content_type: str
) -> None:
    answer = request(server, f"/__b12site/{name}")
    assert answer.status == 200
    assert answer.headers["Content-Type"] == content_type
    assert b"b12site-overlay" in answer.body
    assert SCRIPT.search(answer.body) is None
    assert request(server, "/__b12site/other.js").status == 404


# --- headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/articles/low-b12/",
        "/static/css/site.css",
        "/no-such-page/",
        "/__b12site/live.js",
        "/articles/low-b12",
    ],
)
def test_every_answer_has_the_sites_headers_and_no_caching(server: DevServer, path: str) -> None:
    answer = request(server, path)
    assert answer.headers["Content-Security-Policy"] == CSP
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers.get_all("Cache-Control") == ["no-store"]


def test_rules_for_a_path_apply_only_to_it(server: DevServer) -> None:
    assert request(server, "/static/css/site.css").headers["X-Static"] == "yes"
    assert request(server, "/index.html").headers["X-Static"] is None


def test_a_changed_headers_file_is_read_again(server: DevServer, out: Path) -> None:
    assert request(server, "/").headers["X-Frame-Options"] is None
    write(out / "_headers", HEADERS + "/*\n  X-Frame-Options: DENY\n")
    assert request(server, "/").headers["X-Frame-Options"] == "DENY"


def test_a_malformed_headers_file_stops_pages_and_says_why(server: DevServer, out: Path) -> None:
    write(out / "_headers", "/*\n  X-Frame-Options DENY\n")
    answer = request(server, "/articles/low-b12/")
    assert answer.status == 500
    assert b"_headers:2: not a &#x27;Name: value&#x27; line under a path" in answer.body
    assert answer.script()["data-files"] == "articles/low-b12/index.html _headers"
    assert request(server, "/__b12site/live.js").status == 200  # so the page can reload
    write(out / "_headers", HEADERS)
    assert request(server, "/articles/low-b12/").status == 200


# --- the event stream -----------------------------------------------------------------------


class Stream:
    """An open event stream, read event by event."""

    def __init__(self, server: DevServer, query: str, headers: dict[str, str] | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        self.connection.request("GET", f"/__b12site/events?{query}", headers=headers or {})
        self.response = self.connection.getresponse()

    def event(self) -> dict[str, object]:
        """The next update event (its id checked against its number); fails after 5 s."""
        fields: dict[str, str] = {}
        while True:
            line = self.response.fp.readline().decode()
            assert line, "the stream ended"
            if line == "\n" and "data" in fields:
                data: dict[str, object] = json.loads(fields["data"])
                assert fields["event"] == "update"
                assert fields["id"] == str(data["number"])
                return data
            name, _, value = line.rstrip("\n").partition(": ")
            if name and not line.startswith(":"):
                fields[name] = value

    def close(self) -> None:
        self.response.close()
        self.connection.close()


@pytest.fixture
def streams() -> Iterator[list[Stream]]:
    opened: list[Stream] = []
    yield opened
    for stream in opened:
        stream.close()


def test_the_stream_sends_each_update_as_it_is_published(
    server: DevServer, updates: Updates, streams: list[Stream]
) -> None:
    streams.append(stream := Stream(server, f"since=0&run={RUN}"))
    assert stream.response.status == 200
    assert stream.response.headers["Content-Type"] == "text/event-stream"
    assert stream.response.headers["Cache-Control"] == "no-store"
    assert stream.response.headers["Content-Security-Policy"] == CSP
    first = stream.event()
    assert first == {
        "run": RUN,
        "number": 0,
        "changed": [],
        "failed": False,
        "findings": [],
        "reload": False,
    }
    updates.publish(["articles/low-b12/index.html"])
    second = stream.event()
    assert (second["number"], second["changed"], second["reload"]) == (
        1,
        ["articles/low-b12/index.html"],
        False,
    )
    problem = Problem("content/low-b12.md", 3, "title", "required", "front-matter")
    updates.publish([], [Finding.of(problem)], failed=True)
    third = stream.event()
    assert third["failed"] is True
    assert third["findings"] == [Finding.of(problem).as_dict()]


def test_the_first_event_has_the_changes_the_page_missed(
    server: DevServer, updates: Updates, streams: list[Stream]
) -> None:
    updates.publish(["static/css/site.css"])
    updates.publish(["about/index.html"])
    streams.append(stream := Stream(server, f"since=0&run={RUN}"))
    event = stream.event()
    assert event["number"] == 2
    assert event["changed"] == ["about/index.html", "static/css/site.css"]
    assert event["reload"] is False


def test_last_event_id_is_preferred_to_since(
    server: DevServer, updates: Updates, streams: list[Stream]
) -> None:
    updates.publish(["static/css/site.css"])
    updates.publish(["about/index.html"])
    streams.append(stream := Stream(server, f"since=0&run={RUN}", {"Last-Event-ID": "1"}))
    assert stream.event()["changed"] == ["about/index.html"]


@pytest.mark.parametrize(
    "query", ["since=0&run=another-run", "since=99", "since=-7", "since=soon", ""]
)
def test_a_page_from_another_run_or_too_far_behind_is_told_to_reload(
    server: DevServer, streams: list[Stream], query: str
) -> None:
    streams.append(stream := Stream(server, query))
    assert stream.event()["reload"] is True


def test_close_ends_open_streams_within_two_seconds(
    server: DevServer, streams: list[Stream]
) -> None:
    streams.append(stream := Stream(server, f"since=0&run={RUN}"))
    stream.event()
    started_at = time.monotonic()
    server.close()
    assert time.monotonic() - started_at < 2
    assert stream.response.fp.read() == b""  # the server ended the stream
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()


def test_a_browser_that_goes_away_leaves_no_thread_behind(server: DevServer) -> None:
    before = threading.active_count()
    stream = Stream(server, f"since=0&run={RUN}")
    stream.event()
    assert threading.active_count() == before + 1
    stream.close()
    deadline = time.monotonic() + 2
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert threading.active_count() == before


def test_closing_the_updates_ends_the_streams(
    server: DevServer, updates: Updates, streams: list[Stream]
) -> None:
    streams.append(stream := Stream(server, f"since=0&run={RUN}"))
    stream.event()
    updates.close()
    assert stream.response.fp.read() == b""


# --- binding ---------------------------------------------------------------------------------


def test_a_port_in_use_is_a_plain_error(out: Path, updates: Updates) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(B12Error) as error:
            DevServer(out, "/", "127.0.0.1", port, updates)
    assert str(error.value) == f"port {port} is in use: choose another with --port"


def test_a_host_that_is_not_this_computers_is_a_plain_error(out: Path, updates: Updates) -> None:
    with pytest.raises(B12Error, match=r"^cannot listen on 192\.0\.2\.1: "):
        DevServer(out, "/", "192.0.2.1", 0, updates)
