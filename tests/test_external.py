"""External link checking, against a web server on 127.0.0.1 only: never the internet."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from b12site.errors import ERROR, WARNING
from b12site.external import (
    BROKEN,
    BROKEN_LINK_EXTERNAL,
    EXTERNAL_LINK_UNREACHABLE,
    USER_AGENT,
    CacheEntry,
    ExternalSettings,
    LinkUse,
    Outcome,
    backoff_delay,
    check_external,
    describe,
    error_outcome,
    interleave_by_host,
    is_web_url,
    load_cache,
    page_url,
    request_url,
    reusable,
    save_cache,
    status_outcome,
)

NOW = 1_800_000_000.0
DAY = 86400.0
FAST = ExternalSettings(timeout=2.0)


@dataclass(frozen=True)
class Reply:
    """What the test server answers to one request."""

    status: int = 200
    delay: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)


Route = Callable[[str, int], Reply]  # (method, earlier requests to this path) -> reply


class Site:
    """What a local web server answers, and what it was asked."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path)
        self.agents: set[str] = set()
        self.active = 0
        self.peak = 0  # the most requests it was handling at one time
        self._lock = threading.Lock()

    def url(self, path: str) -> str:
        """The address of a path on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, *replies: Reply) -> str:
        """Answer ``path`` with these replies in turn, the last one from then on."""
        self.routes[path] = lambda method, n: replies[min(n, len(replies) - 1)]
        return self.url(path)

    def count(self, path: str) -> int:
        """How many requests were made for a path."""
        return sum(1 for _, asked in self.requests if asked == path)

    def arrive(self, method: str, path: str, agent: str) -> int:
        """Note a request; return how many came for the path before it."""
        with self._lock:
            earlier = self.count(path)
            self.requests.append((method, path))
            self.agents.add(agent)
            self.active += 1
            self.peak = max(self.peak, self.active)
            return earlier

    def leave(self) -> None:
        """Note a request finished."""
        with self._lock:
            self.active -= 1


class _Server(ThreadingHTTPServer):
    block_on_close = False  # do not wait for handlers still sleeping after a client timed out
    site: Site

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that gave up leave broken pipes: not worth printing."""


class _Handler(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        self._reply("HEAD")

    def do_GET(self) -> None:
        self._reply("GET")

    def _reply(self, method: str) -> None:
        site = self.server.site  # type: ignore[attr-defined]
        earlier = site.arrive(method, self.path, self.headers.get("User-Agent", ""))
        left = False
        try:
            route = site.routes.get(self.path, lambda method, n: Reply(404))
            reply = route(method, earlier)
            time.sleep(reply.delay)
            site.leave()  # before answering: the client may ask again as soon as it is answered
            left = True
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            body = b"<p>page</p>" * 100 if method == "GET" else b""
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            if not left:
                site.leave()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ask the local server directly, whatever proxy the environment names."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)


@pytest.fixture
def site() -> Iterator[Site]:
    """A web server on 127.0.0.1 at a free port, in a thread."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.site = Site(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server.site
    server.shutdown()
    server.server_close()


class Sleeps(list[float]):
    """A stand-in for time.sleep that only remembers how long it was asked to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def use(url: str, path: str = "content/a.md", line: int = 3, column: int = 5) -> LinkUse:
    """One use of a link in the body of an article."""
    return LinkUse(url, path, line, column, "body")


def check(
    *urls: str, settings: ExternalSettings = FAST, cache: Path | None = None
) -> tuple[list[Any], Sleeps]:
    """Check one use of each address with no real sleeping; the findings and the sleeps."""
    sleeps = Sleeps()
    problems = check_external([use(url) for url in urls], cache, settings, NOW, sleep=sleeps)
    return problems, sleeps


# Answers


def test_ok(site: Site) -> None:
    assert check(site.answer("/ok", Reply(200)))[0] == []
    assert site.requests == [("HEAD", "/ok")]
    assert site.agents == {USER_AGENT}
    assert USER_AGENT.startswith("b12site-linkcheck/0.")


def test_404_is_an_error_at_every_use_and_asked_once(site: Site) -> None:
    url = site.answer("/gone", Reply(404))
    uses = [
        LinkUse(url + "#part", "content/b.md", 9, 2, "body"),
        LinkUse(url, "content/a.md", None, None, "sources[0].url"),
        LinkUse(url, "content/a.md", 12, 7, "body"),
    ]
    problems = check_external(uses, None, FAST, NOW)
    assert [(p.path, p.line, p.column, p.field) for p in problems] == [
        ("content/a.md", None, None, "sources[0].url"),
        ("content/a.md", 12, 7, "body"),
        ("content/b.md", 9, 2, "body"),
    ]
    assert {(p.rule, p.severity) for p in problems} == {("external-link-broken", ERROR)}
    assert problems[0].message == f"{url} answers 404 Not Found"
    assert problems[2].message == f"{url}#part answers 404 Not Found"
    assert site.requests == [("HEAD", "/gone")]


def test_410_is_an_error(site: Site) -> None:
    url = site.answer("/was", Reply(410))
    [problem] = check(url)[0]
    assert problem.message == f"{url} answers 410 Gone"
    assert problem.rule == BROKEN_LINK_EXTERNAL.id
    assert problem.is_error


@pytest.mark.parametrize("refusal", [405, 403, 501])
def test_head_refused_then_get_ok(site: Site, refusal: int) -> None:
    site.routes["/page"] = lambda method, n: Reply(refusal if method == "HEAD" else 200)
    assert check(site.url("/page"))[0] == []
    assert site.requests == [("HEAD", "/page"), ("GET", "/page")]


def test_head_refused_then_get_404_is_an_error(site: Site) -> None:
    site.routes["/page"] = lambda method, n: Reply(405 if method == "HEAD" else 404)
    [problem] = check(site.url("/page"))[0]
    assert problem.message.endswith("answers 404 Not Found")


def test_head_and_get_refused_is_a_warning_without_retries(site: Site) -> None:
    url = site.answer("/members", Reply(403))
    [problem] = check(url)[0]
    assert problem.message == f"{url} answers 403 Forbidden"
    assert problem.rule == EXTERNAL_LINK_UNREACHABLE.id
    assert problem.severity == WARNING
    assert site.count("/members") == 2  # HEAD then GET, no retry


def test_redirect_followed_keeping_head(site: Site) -> None:
    site.answer("/new", Reply(200))
    url = site.answer("/old", Reply(301, headers={"Location": "/new"}))
    assert check(url)[0] == []
    assert site.requests == [("HEAD", "/old"), ("HEAD", "/new")]


def test_redirect_to_a_missing_page_is_an_error(site: Site) -> None:
    url = site.answer("/old", Reply(302, headers={"Location": site.url("/nowhere")}))
    [problem] = check(url)[0]
    assert problem.message == f"{url} answers 404 Not Found"


def test_slow_host_times_out_after_retries_as_a_warning(site: Site) -> None:
    url = site.answer("/slow", Reply(200, delay=0.6))
    [problem], sleeps = check(url, settings=ExternalSettings(timeout=0.15))
    assert problem.message == f"{url} timed out after 3 tries (0.15 s each)"
    assert (problem.rule, problem.severity) == ("external-link-unreachable", WARNING)
    assert site.count("/slow") == 3
    assert sleeps == [0.5, 1.0]


def test_503_then_200_is_ok_thanks_to_the_retry(site: Site) -> None:
    url = site.answer("/busy", Reply(503), Reply(200))
    problems, sleeps = check(url)
    assert problems == []
    assert site.count("/busy") == 2
    assert sleeps == [0.5]


def test_503_always_is_a_warning(site: Site) -> None:
    url = site.answer("/down", Reply(503))
    [problem], sleeps = check(url)
    assert problem.message == f"{url} answers 503 Service Unavailable after 3 tries"
    assert problem.severity == WARNING
    assert site.count("/down") == 3
    assert sleeps == [0.5, 1.0]


def test_retries_setting(site: Site) -> None:
    url = site.answer("/down", Reply(500))
    [problem], sleeps = check(url, settings=ExternalSettings(retries=0))
    assert problem.message == f"{url} answers 500 Internal Server Error"
    assert site.count("/down") == 1
    assert sleeps == []


def test_429_honours_retry_after_up_to_a_limit(site: Site) -> None:
    soon = site.answer("/soon", Reply(429, headers={"Retry-After": "3"}), Reply(200))
    later = site.answer("/later", Reply(429, headers={"Retry-After": "3600"}), Reply(200))
    problems, sleeps = check(soon, later)
    assert problems == []
    assert sorted(sleeps) == [3.0, 5.0]


def test_unresolvable_host_is_an_error() -> None:
    start = time.monotonic()
    [problem] = check("http://nonexistent.invalid/page#x")[0]
    assert (
        problem.message
        == "http://nonexistent.invalid/page#x: its host nonexistent.invalid does not exist"
    )
    assert (problem.rule, problem.severity) == ("external-link-broken", ERROR)
    assert time.monotonic() - start < 2


def _fake_lookup(monkeypatch: pytest.MonkeyPatch, host: str, errno: int) -> list[str]:
    """Make looking up ``host`` fail with ``errno``; return the list of lookups made."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def lookup(name: Any, *args: Any, **kwargs: Any) -> Any:
        if name == host:
            asked.append(name)
            raise socket.gaierror(errno, "fake lookup failure")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    return asked


def test_name_not_known_is_an_error_without_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _fake_lookup(monkeypatch, "gone.example", socket.EAI_NONAME)
    [problem] = check("https://gone.example/a")[0]
    assert problem.message == "https://gone.example/a: its host gone.example does not exist"
    assert problem.is_error
    assert asked == ["gone.example"]


def test_a_machine_that_finds_no_host_at_all_gets_one_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def lookup(name: Any, *args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "fake lookup failure")

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    [problem] = check("https://a.example/1", "https://b.example/2", "https://b.example/3")[0]
    assert problem.message == (
        "none of the 2 hosts linked to could be found: this machine cannot look up names "
        "(offline?), so external links were not checked"
    )
    assert (problem.rule, problem.severity) == ("external-link-unreachable", WARNING)


def test_one_missing_host_among_found_ones_is_an_error(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_lookup(monkeypatch, "gone.example", socket.EAI_NONAME)
    good = site.answer("/fine", Reply(200))
    [problem] = check(good, "https://gone.example/a")[0]
    assert problem.message == "https://gone.example/a: its host gone.example does not exist"


def test_temporary_lookup_failure_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _fake_lookup(monkeypatch, "flaky.example", socket.EAI_AGAIN)
    [problem] = check("https://flaky.example/a")[0]
    assert problem.message == (
        "https://flaky.example/a could not be reached after 3 tries (name lookup failed)"
    )
    assert problem.severity == WARNING
    assert len(asked) == 3


def test_refused_connection_is_a_warning() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    url = f"http://127.0.0.1:{port}/"
    [problem], sleeps = check(url)
    assert problem.message == f"{url} could not be reached after 3 tries (connection refused)"
    assert problem.severity == WARNING
    assert sleeps == [0.5, 1.0]


def test_invalid_addresses_are_errors_and_other_schemes_ignored(site: Site) -> None:
    problems = check("http://", "https://x.org:99999/", "mailto:a@b.org", "ftp://x.org/", "/a")[0]
    assert [p.message for p in problems] == [
        "http:// is not a valid web address",
        "https://x.org:99999/ is not a valid web address",
    ]
    assert all(p.is_error for p in problems)
    assert site.requests == []


def test_odd_characters_are_encoded(site: Site) -> None:
    site.answer("/a%20b%C3%A9?q=x%20y", Reply(200))
    assert check(site.url("/a bé?q=x y"))[0] == []


# Concurrency


def test_requests_run_concurrently_up_to_the_limit(site: Site) -> None:
    urls = [site.answer(f"/p{i}", Reply(200, delay=0.3)) for i in range(8)]
    settings = ExternalSettings(concurrency=4, per_host=8)
    assert check(*urls, settings=settings)[0] == []
    assert site.peak == 4
    assert len(site.requests) == 8


def test_at_most_two_requests_at_a_time_to_one_host(site: Site) -> None:
    urls = [site.answer(f"/p{i}", Reply(200, delay=0.2)) for i in range(6)]
    assert check(*urls, settings=ExternalSettings(concurrency=8))[0] == []
    assert site.peak == 2


def test_interleave_by_host() -> None:
    urls = ["https://a.org/1", "https://a.org/2", "https://a.org/3", "https://b.org/1", "x"]
    assert interleave_by_host(urls) == [
        "https://a.org/1",
        "https://b.org/1",
        "x",
        "https://a.org/2",
        "https://a.org/3",
    ]


# The cache


def test_second_run_reuses_good_answers_and_rechecks_failures(site: Site, tmp_path: Path) -> None:
    cache = tmp_path / "links.json"
    good = site.answer("/good", Reply(200))
    moved = site.answer("/moved", Reply(301, headers={"Location": "/good"}))
    bad = site.answer("/bad", Reply(404))
    flaky = site.answer("/flaky", Reply(503))
    first = check(good, moved, bad, flaky, cache=cache)[0]
    assert len(first) == 2
    asked = len(site.requests)
    second = check(good, moved, bad, flaky, cache=cache)[0]
    assert second == first
    assert site.requests[asked:].count(("HEAD", "/bad")) == 1
    assert site.requests[asked:].count(("HEAD", "/flaky")) == 3
    assert len(site.requests[asked:]) == 4
    assert load_cache(cache) == {
        good: CacheEntry(200, NOW),
        moved: CacheEntry(200, NOW),
        bad: CacheEntry(404, NOW),
        flaky: CacheEntry(503, NOW),
    }
    assert [p.name for p in tmp_path.iterdir()] == ["links.json"]  # no temporary files left


def test_expired_entries_are_rechecked(site: Site, tmp_path: Path) -> None:
    cache = tmp_path / "links.json"
    url = site.answer("/good", Reply(200))
    week = ExternalSettings(cache_days=7)
    for offset in (0.0, 6.9 * DAY, 7.0 * DAY, 7.5 * DAY, -1.0):
        check_external([use(url)], cache, week, NOW + offset)
    assert site.count("/good") == 3  # at first; a week later; and when the clock went back
    assert load_cache(cache) == {url: CacheEntry(200, NOW - 1.0)}


@pytest.mark.parametrize(
    "damage",
    [
        b"\x00\xff not json",
        b'{"format": "b12site-linkcheck-1", "links": ',
        b"[1, 2, 3]",
        b'{"format": "other", "links": {}}',
        b'{"format": "b12site-linkcheck-1", "links": []}',
    ],
)
def test_damaged_cache_is_ignored_and_replaced(site: Site, tmp_path: Path, damage: bytes) -> None:
    cache = tmp_path / "links.json"
    cache.write_bytes(damage)
    url = site.answer("/good", Reply(200))
    assert check(url, cache=cache)[0] == []
    assert site.count("/good") == 1
    assert load_cache(cache) == {url: CacheEntry(200, NOW)}


def test_damaged_entries_are_ignored(site: Site, tmp_path: Path) -> None:
    cache = tmp_path / "links.json"
    good, odd = site.answer("/good", Reply(200)), site.answer("/odd", Reply(200))
    links = {
        good: {"status": 200, "checked_at": NOW},
        odd: {"status": "200", "checked_at": NOW},
        "https://x.org/": {"status": True, "checked_at": NOW},
        "https://y.org/": ["status", 200],
    }
    cache.write_text(json.dumps({"format": "b12site-linkcheck-1", "links": links}))
    assert check(good, odd, cache=cache)[0] == []
    assert site.requests == [("HEAD", "/odd")]


def test_cache_folder_is_made_and_an_unwritable_cache_is_no_failure(
    site: Site, tmp_path: Path
) -> None:
    url = site.answer("/good", Reply(200))
    assert check(url, cache=tmp_path / "new" / "links.json")[0] == []
    assert (tmp_path / "new" / "links.json").is_file()
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert check(url, cache=blocker / "links.json")[0] == []


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    entries = {"https://a.org/": CacheEntry(200, NOW), "https://b.org/": CacheEntry(0, 1.5)}
    save_cache(tmp_path / "c.json", entries)
    assert load_cache(tmp_path / "c.json") == entries
    assert load_cache(tmp_path / "missing.json") == {}


def test_reusable() -> None:
    assert reusable(CacheEntry(200, NOW), NOW, 7)
    assert reusable(CacheEntry(308, NOW - 6 * DAY), NOW, 7)
    assert not reusable(CacheEntry(200, NOW - 7 * DAY), NOW, 7)
    assert not reusable(CacheEntry(200, NOW + 1), NOW, 7)
    assert not reusable(CacheEntry(404, NOW), NOW, 7)
    assert not reusable(CacheEntry(0, NOW), NOW, 7)
    assert not reusable(CacheEntry(200, NOW), NOW, 0)
    assert not reusable(None, NOW, 7)


# Small pieces


def test_addresses() -> None:
    assert is_web_url("HTTPS://x.org/") and is_web_url("http://x.org")
    assert not is_web_url("mailto:a@b.org") and not is_web_url("//x.org/")
    assert page_url("https://x.org/a?b=1#c") == "https://x.org/a?b=1"
    assert request_url("https://user:pw@Bücher.example:8080") == (
        "https://xn--bcher-kva.example:8080/"
    )
    assert request_url("http://[::1]:8000/a b") == "http://[::1]:8000/a%20b"
    assert request_url("https://x.org/a%2Fb?q=%20&r=é") == "https://x.org/a%2Fb?q=%20&r=%C3%A9"
    for bad in ("http://", "https://x.org:port/", "http://[::1/"):
        with pytest.raises(ValueError):
            request_url(bad)


def test_backoff() -> None:
    assert [backoff_delay(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert backoff_delay(1, wait=3.0) == 3.0
    assert backoff_delay(1, wait=600.0) == 5.0


def test_describe_single_tries() -> None:
    url = "https://x.org/b"
    assert describe(url, Outcome(BROKEN, cause="timed out"), 10.0) == f"{url} timed out after 10 s"
    assert describe(url, Outcome(BROKEN, status=599), 10.0) == f"{url} answers 599"
    timed_out = Outcome(BROKEN, cause="timed out", tries=3)
    assert describe(url, timed_out, 10.0) == f"{url} timed out after 3 tries (10 s each)"


def test_what_answers_and_errors_mean() -> None:
    assert [status_outcome(code).kind for code in (200, 204, 304, 404, 410, 401, 451)] == [
        "ok",
        "ok",
        "ok",
        "broken",
        "broken",
        "unreachable",
        "unreachable",
    ]
    assert [status_outcome(code).retry for code in (429, 500, 503, 403, 404)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert status_outcome(503, "7").wait == 7.0
    assert status_outcome(503, "Wed, 21 Oct 2026 07:28:00 GMT").wait == 0.0
    bad_certificate = error_outcome(ssl.SSLCertVerificationError(1, "self-signed"))
    assert (bad_certificate.kind, bad_certificate.retry) == ("unreachable", False)
    assert bad_certificate.cause.startswith("certificate not trusted: ")
    assert error_outcome(ConnectionResetError()) == Outcome(
        "unreachable", cause="connection reset", retry=True
    )
    assert error_outcome("unknown url type: ftp") == Outcome(
        "unreachable", cause="unknown url type: ftp"
    )


def test_settings_are_checked() -> None:
    for wrong in ({"timeout": 0}, {"retries": -1}, {"concurrency": 0}, {"per_host": 0}):
        with pytest.raises(ValueError):
            ExternalSettings(**wrong)
