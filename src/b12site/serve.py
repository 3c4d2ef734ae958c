"""``b12site serve``: build the site, serve it on loopback, and on every save rebuild what
the change affects and reload the open pages it changed; problems show over the last good
site until they are fixed.

Every rebuild is an ordinary build (``build.py``) into a folder of the build cache, so it
renders only what the page plan says changed, and it gives the same pages ``build`` gives.
The search index is brought up to date after the pages are shown, in the background; a new
save stops it, and it starts again after that save's rebuild.
"""

from __future__ import annotations

import queue
import secrets
import signal
import sys
import threading
import time
import webbrowser
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path
from types import FrameType

from b12site.build import BuildResult, build, prepare_process
from b12site.cache import CACHE_DIR
from b12site.config import load_config
from b12site.devserver import DevServer
from b12site.errors import B12Error, BuildStopped, Problem, ProblemsError
from b12site.formats import one_line, plural
from b12site.progress import progress_bar
from b12site.updates import Finding, Updates
from b12site.watching import Changed, Watcher, described
from b12site.workers import no_progress

__all__ = ["SERVE_DIR", "ServeOptions", "serve"]

SERVE_DIR = "serve"  # the served site, inside the build cache folder
INDEX_AFTER = 1.0  # seconds without a save before the search index is made: the open pages
# reload first, and a quick series of saves is indexed once


@dataclass(frozen=True)
class ServeOptions:
    """What ``b12site serve`` was asked for."""

    config: Path
    host: str = "127.0.0.1"
    port: int = 8000
    drafts: bool = False
    open_browser: bool = False
    jobs: int | None = None


def serve(options: ServeOptions, say: Callable[[str], None] = print) -> int:
    """Build, serve and rebuild on every save until Ctrl-C (or SIGTERM); the exit code."""
    config = load_config(options.config)  # a broken site.yaml at start: nothing to serve
    out = config.root / CACHE_DIR / SERVE_DIR
    updates = Updates(secrets.token_hex(8))
    server = DevServer(out, config.path_prefix, options.host, options.port, updates)
    if not ip_address_is_loopback(options.host):
        say(f"warning: serving to other machines on {options.host}: this is a preview server")
    base_url = f"http://{_url_host(options.host)}:{server.port}{config.path_prefix}"
    folders = (config.content_dir, config.templates_dir, config.static_dir)
    rebuilds = Rebuilds(options, out, base_url, updates, say)
    watcher = Watcher(options.config, folders, rebuilds.changed)
    with _terminate_as_interrupt():
        try:
            server.start()
            watcher.start()  # saves made during the first build are rebuilt after it
            rebuilds.start()
            rebuilds.first_done.wait()
            say(f"Serving {server.url} (press Ctrl-C to stop)")
            if options.open_browser:
                threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
            while rebuilds.running():
                time.sleep(0.5)  # the main thread waits here for Ctrl-C
        except KeyboardInterrupt:
            pass
        finally:
            watcher.close()
            rebuilds.close()
            updates.close()
            server.close()
    say("Stopped.")
    return 0


class Rebuilds:
    """The thread that builds: first the whole site, then after each batch of saves what
    they affect, then (while no save waits) the search index."""

    def __init__(
        self,
        options: ServeOptions,
        out: Path,
        base_url: str,
        updates: Updates,
        say: Callable[[str], None],
    ) -> None:
        self.options, self.out, self.base_url = options, out, base_url
        self.updates, self.say = updates, say
        self.first_done = threading.Event()
        self._saves: queue.SimpleQueue[frozenset[Changed]] = queue.SimpleQueue()
        self._closing = threading.Event()  # stops any build before it changes the output
        self._saved = threading.Event()  # stops making the search index: a save came in
        self._warned: set[Problem] = set()
        self._thread = threading.Thread(target=self._run, name="rebuilds", daemon=True)

    def start(self) -> None:
        """Start building."""
        self._thread.start()

    def running(self) -> bool:
        """Whether the thread still builds."""
        return self._thread.is_alive()

    def changed(self, batch: frozenset[Changed]) -> None:
        """Take a batch of saves (called by the watcher's threads)."""
        self._saves.put(batch)
        self._saved.set()

    def close(self) -> None:
        """Stop: a build under way ends before it changes the output."""
        self._closing.set()
        self._saved.set()
        self._thread.join()

    def _run(self) -> None:
        index_due = False
        try:
            index_due = self._build(None)
            with suppress(B12Error):
                prepare_process(self.options.config, self.base_url, self.options.drafts)
        finally:
            self.first_done.set()
        while not self._closing.is_set():
            batch = self._take(wait=not index_due)
            if batch:
                index_due = self._build(batch) or index_due
            elif index_due:
                index_due = not self._index()

    def _take(self, wait: bool) -> frozenset[Changed]:
        """Every save waiting: when ``wait``, once one comes or the server closes; else
        once one comes within ``INDEX_AFTER`` seconds, or none."""
        found: set[Changed] = set()
        until = time.monotonic() + INDEX_AFTER
        while not found and not self._closing.is_set():
            try:
                found |= self._saves.get(timeout=0.2)
            except queue.Empty:
                if not wait and time.monotonic() >= until:
                    break
        while True:
            try:
                found |= self._saves.get_nowait()
            except queue.Empty:
                return frozenset(found)

    def _build(self, batch: frozenset[Changed] | None) -> bool:
        """Build (the first time, everything with its search index; after saves, the pages
        only), report one line, tell the open pages; whether the index is now due."""
        started = time.perf_counter()
        what = "first build" if batch is None else described(batch, self.options.config.parent)
        try:
            result = build(
                self.options.config,
                self.out,
                drafts=self.options.drafts,
                base_url=self.base_url,
                jobs=self.options.jobs,
                progress=progress_bar(sys.stderr) if batch is None else no_progress,
                index_search=batch is None,
                stop=self._closing,
            )
        except BuildStopped:
            return False
        except ProblemsError as exc:
            problems = [*exc.problems, *getattr(exc, "warnings", ())]
            for problem in problems:
                self.say(one_line(problem))
            errors = exc.problems
            files = len({p.path for p in errors})
            self._line(
                f"{what}: {plural(len(errors), 'problem')} in {plural(files, 'file')}; "
                "the last good site is still served",
                started,
            )
            self.updates.publish((), tuple(Finding.of(p) for p in problems), failed=True)
            return False
        except B12Error as exc:
            self.say(f"error: {exc}")
            self._line(f"{what}: not rebuilt; the last good site is still served", started)
            message = Finding("", None, None, "", str(exc), "", "error", f"error: {exc}")
            self.updates.publish((), (message,), failed=True)
            return False
        self._report(what, result, started)
        self.updates.publish(result.changed)
        return batch is not None

    def _report(self, what: str, result: BuildResult, started: float) -> None:
        """The rebuild's line, after any warning not shown before."""
        for warning in result.warnings:
            if warning not in self._warned:
                self.say(one_line(warning))
        self._warned = set(result.warnings)
        if what == "first build":
            self._line(
                f"built {plural(result.articles, 'article')}, {plural(result.pages, 'page')} "
                f"and {plural(result.topics, 'topic')}: {plural(result.written, 'file')} written",
                started,
            )
            return
        self._line(
            f"{what}: {plural(result.written, 'file')} written, {result.removed} removed",
            started,
        )

    def _index(self) -> bool:
        """Bring the search index up to date, unless a save comes first; whether it is."""
        self._saved.clear()
        if not self._saves.empty() or self._closing.is_set():
            return False
        try:
            result = build(
                self.options.config,
                self.out,
                drafts=self.options.drafts,
                base_url=self.base_url,
                jobs=self.options.jobs,
                stop=self._saved,
            )
        except BuildStopped:
            return False
        except B12Error:
            return True  # the next save's rebuild reports what is wrong
        if result.changed:
            self.updates.publish(result.changed)
        return True

    def _line(self, text: str, started: float) -> None:
        """One line for one rebuild: the time, what changed and what it did, milliseconds."""
        elapsed = round((time.perf_counter() - started) * 1000)
        self.say(f"{time.strftime('%H:%M:%S')} {text} in {elapsed} ms")


def ip_address_is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``localhost`` or a loopback address)."""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    """The host as it is written in a URL (an IPv6 address in brackets)."""
    return f"[{host}]" if ":" in host else host


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While serving, SIGTERM stops the server as Ctrl-C does."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        before = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)
