"""Checking external links: each web address fetched once, concurrently and politely, cached.

A link is broken (an error) when its page answers 404 or 410 or its host does not exist. It is
unreachable (a warning) when it times out, cannot be connected to, or answers a server error
or another refusal after retries: a flaky host is a warning, not a failure. Each address is
asked with HEAD first and with GET (whose body is never read) when HEAD is refused, as many
publishers' sites do. Good answers are cached for some days; failures are always asked again.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import socket
import ssl
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from http import HTTPStatus
from http.client import HTTPException, HTTPMessage
from pathlib import Path
from typing import IO

from b12site import __version__
from b12site.errors import Problem
from b12site.links import BROKEN_LINK_EXTERNAL, EXTERNAL_LINK_UNREACHABLE

__all__ = [
    "BACKOFF",
    "BROKEN",
    "BROKEN_LINK_EXTERNAL",
    "EXTERNAL_LINK_UNREACHABLE",
    "OK",
    "UNREACHABLE",
    "USER_AGENT",
    "CacheEntry",
    "ExternalSettings",
    "LinkUse",
    "Outcome",
    "backoff_delay",
    "check_external",
    "describe",
    "error_outcome",
    "interleave_by_host",
    "is_web_url",
    "load_cache",
    "page_url",
    "request_url",
    "reusable",
    "save_cache",
    "status_outcome",
]


USER_AGENT = f"b12site-linkcheck/{__version__} (+https://github.com/b12site/b12site)"
HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}
BACKOFF = 0.5  # seconds before the first retry; doubled before each further one
MAX_WAIT = 5.0  # the longest Retry-After that is honoured, in seconds
HEAD_REFUSED = frozenset({403, 405, 501})  # HEAD answers that mean "ask me with GET"
GONE = frozenset({404, 410})
DAY = 86400.0
CACHE_FORMAT = "b12site-linkcheck-1"

OK = "ok"
BROKEN = "broken"  # an error finding
UNREACHABLE = "unreachable"  # a warning finding

TIMED_OUT = "timed out"
NO_HOST = "no such host"
NOT_A_URL = "not a valid web address"
_NO_SUCH_HOST = frozenset({socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)})
_URL_SAFE = "!$%&'()*+,/:;=?@[]~"  # characters left as they are when a URL is %-encoded


@dataclass(frozen=True)
class LinkUse:
    """One place an external URL is used."""

    url: str
    path: str
    line: int | None
    column: int | None
    field: str


@dataclass(frozen=True)
class ExternalSettings:
    """How external links are checked."""

    timeout: float = 10.0  # seconds per request
    retries: int = 2  # further tries after a timeout, connection error, 429 or 5xx
    concurrency: int = 8  # requests at a time in all
    cache_days: int = 7  # how long a good answer is trusted
    per_host: int = 2  # requests at a time to one host

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise ValueError(f"timeout must be positive, not {self.timeout}")
        if self.retries < 0 or self.cache_days < 0:
            raise ValueError("retries and cache_days must not be negative")
        if self.concurrency < 1 or self.per_host < 1:
            raise ValueError("concurrency and per_host must be at least 1")


@dataclass(frozen=True)
class Outcome:
    """What asking for one address found."""

    kind: str  # OK, BROKEN or UNREACHABLE
    status: int = 0  # the final HTTP status, 0 when there was no answer
    cause: str = ""  # why there was no answer: TIMED_OUT, NO_HOST, NOT_A_URL or an OS error
    tries: int = 1
    retry: bool = False  # worth asking again
    wait: float = 0.0  # the Retry-After the server asked for, in seconds


@dataclass(frozen=True)
class CacheEntry:
    """A remembered answer: its HTTP status (0 for none) and when it was had."""

    status: int
    checked_at: float


# Addresses


def is_web_url(url: str) -> bool:
    """Whether a link is an http or https address (the only ones checked)."""
    return url.lower().startswith(("http://", "https://"))


def page_url(url: str) -> str:
    """The address without its fragment: what is fetched, and the cache key."""
    return url.split("#", 1)[0]


def host_of(url: str) -> str:
    """The lower-case host name of an address ("" when it has none or cannot be read)."""
    try:
        return urllib.parse.urlsplit(url).hostname or ""
    except ValueError:
        return ""


def request_url(url: str) -> str:
    """The address as it goes on the wire: IDNA host, %-encoded path, no credentials.

    Raises ValueError when it is not a valid web address."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname
    if not host:
        raise ValueError(f"no host in {url!r}")
    port = parts.port  # raises ValueError when it is not a number in range
    netloc = f"[{host}]" if ":" in host else host.encode("idna").decode("ascii")
    if port is not None:
        netloc += f":{port}"
    path = urllib.parse.quote(parts.path, safe=_URL_SAFE) or "/"
    query = urllib.parse.quote(parts.query, safe=_URL_SAFE)
    return urllib.parse.urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


def interleave_by_host(urls: Iterable[str]) -> list[str]:
    """The addresses in turn by host, so that workers are not all queued on one host."""
    groups: dict[str, list[str]] = {}
    for url in urls:
        groups.setdefault(host_of(url), []).append(url)
    mixed = itertools.zip_longest(*groups.values())
    return [url for row in mixed for url in row if url is not None]


# Asking


def status_outcome(status: int, retry_after: str | None = None) -> Outcome:
    """What an HTTP status means: fine, broken, worth retrying, or plainly unreachable."""
    if 200 <= status < 400:
        return Outcome(OK, status)
    if status in GONE:
        return Outcome(BROKEN, status)
    if status == 429 or status >= 500:
        return Outcome(UNREACHABLE, status, retry=True, wait=retry_seconds(retry_after))
    return Outcome(UNREACHABLE, status)


def retry_seconds(value: str | None) -> float:
    """The delay a Retry-After header asks for, in seconds (0 when absent or a date)."""
    try:
        seconds = float(value or 0)
    except ValueError:
        return 0.0
    return seconds if math.isfinite(seconds) and seconds > 0 else 0.0


def error_outcome(reason: object) -> Outcome:
    """What a failure to get any HTTP answer means."""
    if isinstance(reason, socket.gaierror):
        if reason.errno in _NO_SUCH_HOST:
            return Outcome(BROKEN, cause=NO_HOST)
        return Outcome(UNREACHABLE, cause="name lookup failed", retry=True)
    if isinstance(reason, TimeoutError):
        return Outcome(UNREACHABLE, cause=TIMED_OUT, retry=True)
    if isinstance(reason, ssl.SSLCertVerificationError):
        detail = getattr(reason, "verify_message", "") or str(reason)
        return Outcome(UNREACHABLE, cause=f"certificate not trusted: {detail}")
    if isinstance(reason, ConnectionRefusedError):
        return Outcome(UNREACHABLE, cause="connection refused", retry=True)
    if isinstance(reason, ConnectionResetError):
        return Outcome(UNREACHABLE, cause="connection reset", retry=True)
    if isinstance(reason, OSError | HTTPException):
        text = (reason.strerror if isinstance(reason, OSError) else None) or str(reason)
        return Outcome(UNREACHABLE, cause=text or type(reason).__name__, retry=True)
    return Outcome(UNREACHABLE, cause=str(reason))  # e.g. a redirect to an unknown scheme


class _KeepHeadRedirect(urllib.request.HTTPRedirectHandler):
    """Follow redirects with the same method: HEAD stays HEAD (Python 3.11 turns it to GET)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and req.get_method() == "HEAD":
            new.method = "HEAD"
        return new


def make_opener() -> urllib.request.OpenerDirector:
    """An opener that follows redirects keeping the method (and honours proxy settings)."""
    return urllib.request.build_opener(_KeepHeadRedirect)


def ask(opener: urllib.request.OpenerDirector, url: str, method: str, timeout: float) -> Outcome:
    """One request, its body never read."""
    request = urllib.request.Request(url, headers=HEADERS, method=method)
    try:
        with opener.open(request, timeout=timeout) as response:
            return status_outcome(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        headers = error.headers
        return status_outcome(error.code, headers.get("Retry-After") if headers else None)
    except urllib.error.URLError as error:
        return error_outcome(error.reason)
    except (OSError, HTTPException) as error:  # timeouts and resets once the answer has begun
        return error_outcome(error)
    except ValueError:  # http.client.InvalidURL, or a host that will not encode
        return Outcome(BROKEN, cause=NOT_A_URL)


def probe(opener: urllib.request.OpenerDirector, url: str, timeout: float) -> Outcome:
    """One try at an address: HEAD, then GET when HEAD is refused."""
    host = host_of(url)
    if host == "invalid" or host.endswith(".invalid"):
        return Outcome(BROKEN, cause=NO_HOST)  # RFC 6761: never resolves, no need to ask
    try:
        target = request_url(url)
    except ValueError:
        return Outcome(BROKEN, cause=NOT_A_URL)
    outcome = ask(opener, target, "HEAD", timeout)
    if outcome.status in HEAD_REFUSED:
        outcome = ask(opener, target, "GET", timeout)
    return outcome


def backoff_delay(tries: int, wait: float = 0.0) -> float:
    """Seconds to sleep after ``tries`` failed tries: 0.5, 1, 2... or the server's wish."""
    return max(BACKOFF * 2.0 ** (tries - 1), min(wait, MAX_WAIT))


def check_url(
    opener: urllib.request.OpenerDirector,
    url: str,
    settings: ExternalSettings,
    sleep: Callable[[float], None],
) -> Outcome:
    """Ask for an address, retrying timeouts, connection errors, 429 and 5xx answers."""
    tries = 1
    outcome = probe(opener, url, settings.timeout)
    while outcome.retry and tries <= settings.retries:
        sleep(backoff_delay(tries, outcome.wait))
        tries += 1
        outcome = probe(opener, url, settings.timeout)
    return replace(outcome, tries=tries, retry=False)


def fetch_all(
    urls: Sequence[str], settings: ExternalSettings, sleep: Callable[[float], None]
) -> dict[str, Outcome]:
    """Check addresses concurrently, never more than ``per_host`` at a time to one host."""
    if not urls:
        return {}
    opener = make_opener()
    order = interleave_by_host(urls)
    gates = {host: threading.BoundedSemaphore(settings.per_host) for host in map(host_of, order)}

    def one(url: str) -> Outcome:
        with gates[host_of(url)]:
            return check_url(opener, url, settings, sleep)

    workers = min(settings.concurrency, len(order))
    with ThreadPoolExecutor(workers, thread_name_prefix="b12site-links") as pool:
        return dict(zip(order, pool.map(one, order), strict=True))


# The cache


def _entry(value: object) -> CacheEntry | None:
    """A cache entry read from JSON, or None when it is not one."""
    if not isinstance(value, dict):
        return None
    status, checked_at = value.get("status"), value.get("checked_at")
    if isinstance(status, bool) or not isinstance(status, int):
        return None
    if isinstance(checked_at, bool) or not isinstance(checked_at, int | float):
        return None
    return CacheEntry(status, float(checked_at)) if math.isfinite(checked_at) else None


def load_cache(path: Path) -> dict[str, CacheEntry]:
    """The remembered answers; a missing or damaged file (or entry) is ignored."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
        return {}
    links = data.get("links")
    if not isinstance(links, dict):
        return {}
    entries = {url: _entry(value) for url, value in links.items()}
    return {url: entry for url, entry in entries.items() if entry is not None}


def fresh(entry: CacheEntry, now: float, days: int) -> bool:
    """Whether an entry is younger than ``days`` (one from the future is not)."""
    return 0 <= now - entry.checked_at < days * DAY


def reusable(entry: CacheEntry | None, now: float, days: int) -> bool:
    """Whether a remembered answer can stand for asking again: a good one, still fresh."""
    return entry is not None and 200 <= entry.status < 400 and fresh(entry, now, days)


def save_cache(path: Path, entries: Mapping[str, CacheEntry]) -> None:
    """Write the cache atomically: a temporary file beside it, then os.replace."""
    links = {url: {"status": e.status, "checked_at": e.checked_at} for url, e in entries.items()}
    text = json.dumps({"format": CACHE_FORMAT, "links": links}, indent=1, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text + "\n")
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


# Findings


def _tries(count: int) -> str:
    """``1 try`` or ``3 tries``."""
    return f"{count} try" if count == 1 else f"{count} tries"


def describe(url: str, outcome: Outcome, timeout: float) -> str:
    """The message of a finding, e.g. ``https://x.org/a answers 404 Not Found``."""
    after = f" after {_tries(outcome.tries)}" if outcome.tries > 1 else ""
    if outcome.status:
        try:
            answer = f"{outcome.status} {HTTPStatus(outcome.status).phrase}"
        except ValueError:
            answer = str(outcome.status)
        return f"{url} answers {answer}{after}"
    if outcome.cause == TIMED_OUT:
        if outcome.tries > 1:
            return f"{url} timed out{after} ({timeout:g} s each)"
        return f"{url} timed out after {timeout:g} s"
    if outcome.cause == NO_HOST:
        return f"{url}: its host {host_of(url) or '?'} does not exist"
    if outcome.cause == NOT_A_URL:
        return f"{url} is not a valid web address"
    return f"{url} could not be reached{after} ({outcome.cause})"


def findings(
    uses: Iterable[LinkUse], outcomes: Mapping[str, Outcome], timeout: float
) -> list[Problem]:
    """A finding at every use of a broken or unreachable address, sorted."""
    problems: set[Problem] = set()
    for use in uses:
        outcome = outcomes.get(page_url(use.url))
        if outcome is None or outcome.kind == OK:
            continue
        rule = BROKEN_LINK_EXTERNAL if outcome.kind == BROKEN else EXTERNAL_LINK_UNREACHABLE
        message = describe(use.url, outcome, timeout)
        problems.add(
            Problem(use.path, use.line, use.field, message, rule.id, rule.severity, use.column)
        )
    return sorted(problems, key=lambda problem: problem.sort_key)


def _offline(checked: Mapping[str, Outcome]) -> Problem | None:
    """One warning instead of a finding per link when no host at all could be looked up
    (two or more asked): the machine cannot resolve names, which says nothing of the links."""
    hosts = {host_of(url): outcome for url, outcome in checked.items()}
    asked = {h: o for h, o in hosts.items() if h != "invalid" and not h.endswith(".invalid")}
    if len(asked) < 2 or any(outcome.cause != NO_HOST for outcome in asked.values()):
        return None
    rule = EXTERNAL_LINK_UNREACHABLE
    message = (
        f"none of the {len(asked)} hosts linked to could be found: this machine cannot look up "
        "names (offline?), so external links were not checked"
    )
    return Problem("", None, "", message, rule.id, rule.severity)


def check_external(
    uses: Sequence[LinkUse],
    cache_file: Path | None,
    settings: ExternalSettings,
    now: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Problem]:
    """Check every http(s) link once (cached good answers aside) and report the bad ones.

    ``now`` is the time the cache is judged and stamped with; ``sleep`` waits between tries.
    A cache that cannot be written costs only time next run, so that is not an error."""
    web = [use for use in uses if is_web_url(use.url)]
    pages = sorted({page_url(use.url) for use in web})
    cache = load_cache(cache_file) if cache_file is not None else {}
    known = {
        url: Outcome(OK, cache[url].status)
        for url in pages
        if reusable(cache.get(url), now, settings.cache_days)
    }
    checked = fetch_all([url for url in pages if url not in known], settings, sleep)
    if offline := _offline(checked):
        return [offline]
    if cache_file is not None:
        kept = {url: e for url, e in cache.items() if fresh(e, now, settings.cache_days)}
        new = {url: CacheEntry(outcome.status, now) for url, outcome in checked.items()}
        with contextlib.suppress(OSError):
            save_cache(cache_file, kept | new)
    return findings(web, known | checked, settings.timeout)
