"""Site search: a Pagefind index of every article and plain page in bundles (``bundles.py``),
each made before the output is swapped in, and kept while none of its pages changed.

A build may leave the index for later (``b12site serve`` shows an edit first): its bundles
then stay as they are, recorded with the keys they were made with, so the next build that
indexes finds them out of date and makes them anew."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pagefind_bin import get_executable  # type: ignore[import-untyped]

from b12site.bundles import SEARCH_DIR, bundle_dir, bundles
from b12site.cache import OutputRecord
from b12site.errors import BuildError, BuildStopped
from b12site.keys import digest_of
from b12site.plan import Output
from b12site.writer import safe_join, scratch_folder

__all__ = ["SearchIndex", "indexed_pages", "pagefind_executable"]

# parts of a page that are not its text: citation marks and back links, contents, navigation,
# the disclaimer every article shares
NOT_SEARCHED = "sup.citation, .backlinks, .toc, .breadcrumbs, .article__footer, #medical-disclaimer"
# Pagefind's other interfaces, which the search page does not load (about 280 KB a bundle)
UNUSED = ("pagefind-component-ui.", "pagefind-modular-ui.", "pagefind-highlight.")
TIMEOUT = 600  # seconds: Pagefind indexes about 1,500 pages a second
STOP_POLL = 0.05  # seconds between looks at the stop signal while Pagefind runs


def pagefind_executable() -> Path:
    """The Pagefind binary shipped by the ``pagefind[bin]`` package."""
    try:
        return Path(get_executable())
    except OSError as exc:
        raise BuildError(f"site search needs Pagefind's binary: {exc}") from exc


def indexed_pages(plan: Iterable[Output]) -> list[str]:
    """The outputs search finds: article and plain pages (the lists only point at them)."""
    return sorted(output.path for output in plan if output.document)


@dataclass
class SearchIndex:
    """The search files of one build, bundle by bundle: a bundle whose pages did not change
    is kept as the last build left it; the others are made anew from the pages as this build
    leaves them."""

    out: Path
    pages: Sequence[str]  # the searched pages, as paths in the output
    keys: Mapping[str, str]  # every planned output's key: what each page is made from
    previous: Mapping[str, OutputRecord]
    present: Mapping[str, tuple[int, int]] | None  # None: as the last build left the output
    jobs: int = 1
    later: bool = False  # leave every bundle as it is, to be made by a later build
    stop: threading.Event | None = None  # set: stop making bundles, and the build
    made: dict[str, str] = field(default_factory=dict)  # after ``with_index``: file -> key

    @cached_property
    def bundles(self) -> dict[int, list[str]]:
        """The searched pages of each bundle."""
        return bundles(self.pages)

    @cached_property
    def bundle_keys(self) -> dict[int, str]:
        """What each bundle is made from: its pages' inputs and the Pagefind binary (looked at
        once)."""
        version, count = _version(), str(len(self.bundles))
        return {
            bundle: digest_of(
                "search", version, count, str(bundle), *(f"{p}={self.keys[p]}" for p in pages)
            )
            for bundle, pages in self.bundles.items()
        }

    def key(self, bundle: int) -> str:
        """What a bundle is made from."""
        return self.bundle_keys[bundle]

    @cached_property
    def kept(self) -> dict[str, tuple[str, tuple[int, int] | None]]:
        """The last build's files of the bundles kept as they are: path -> (key, stat)."""
        kept: dict[str, tuple[str, tuple[int, int] | None]] = {}
        for bundle in self.bundles:
            files = self._previous_files(bundle)
            key = self.key(bundle)
            if not files or (not self.later and any(r.key != key for r in files.values())):
                continue
            stats = {
                p: (r.size, r.mtime_ns) if self.present is None else self.present.get(p)
                for p, r in files.items()
            }
            if all(stats[p] == (r.size, r.mtime_ns) for p, r in files.items()):
                # left for later: each file keeps the key it was made with
                kept |= {p: (r.key if self.later else key, stats[p]) for p, r in files.items()}
        return kept

    @property
    def todo(self) -> list[int]:
        """The bundles to make anew."""
        if self.later:
            return []
        kept_dirs = {p.split("/", 2)[1] for p in self.kept}
        return [b for b in self.bundles if str(b) not in kept_dirs]

    def stale(self) -> list[str]:
        """The last build's search files that are not kept (what a new bundle replaces)."""
        return [p for p in self.previous if p.startswith(SEARCH_DIR) and p not in self.kept]

    def with_index(self, files: Iterable[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
        """``files``, then the files of the bundles made anew, made from the searched pages
        among ``files`` and the others as they are in the output."""
        todo = self.todo
        wanted = {page for bundle in todo for page in self.bundles[bundle]}
        fresh: dict[str, bytes] = {}
        for path, data in files:
            if path in wanted:
                fresh[path] = data
            yield path, data
        if not todo:
            return
        with ThreadPoolExecutor(max(1, min(self.jobs, len(todo)))) as pool:
            made = pool.map(lambda bundle: self._index(bundle, fresh), todo)
            for bundle, bundle_files in zip(todo, made, strict=True):
                key = self.key(bundle)
                for path, data in sorted(bundle_files.items()):
                    self.made[path] = key
                    yield path, data

    def _previous_files(self, bundle: int) -> dict[str, OutputRecord]:
        prefix = bundle_dir(bundle)
        return {p: r for p, r in self.previous.items() if p.startswith(prefix)}

    def _index(self, bundle: int, fresh: Mapping[str, bytes]) -> dict[str, bytes]:
        """Run Pagefind over one bundle's pages in a scratch folder beside the output."""
        scratch = scratch_folder(self.out)
        try:
            site, folder = scratch / "site", scratch / "bundle"
            for path in self.bundles[bundle]:
                target = safe_join(site, path)
                target.parent.mkdir(parents=True, exist_ok=True)
                if path in fresh:
                    target.write_bytes(fresh[path])
                else:
                    _link_or_copy(safe_join(self.out, path), target)
            _run_pagefind(site, folder, self.stop)
            return {
                bundle_dir(bundle) + file.relative_to(folder).as_posix(): file.read_bytes()
                for file in sorted(folder.rglob("*"))
                if file.is_file() and not file.name.startswith(UNUSED)
            }
        except OSError as exc:
            raise BuildError(f"cannot make the search index: {exc}") from exc
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link to an unchanged page (a copy where the file system has none)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _run_pagefind(site: Path, bundle: Path, stop: threading.Event | None) -> None:
    """Index ``site`` into ``bundle``; a failure is a build error with Pagefind's message."""
    command = [
        str(pagefind_executable()),
        *("--site", str(site), "--output-path", str(bundle)),
        *("--exclude-selectors", NOT_SEARCHED, "--silent"),
    ]
    if stop is not None and stop.is_set():
        raise BuildStopped()
    try:
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as process:
            stdout, stderr = _wait(process, stop)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError(f"cannot make the search index: Pagefind did not run: {exc}") from exc
    if process.returncode != 0 or not (bundle / "pagefind.js").is_file():
        said = (stderr or stdout).strip().splitlines()[-3:]
        raise BuildError("cannot make the search index: Pagefind failed: " + " | ".join(said))


def _wait(process: subprocess.Popen[str], stop: threading.Event | None) -> tuple[str, str]:
    """Pagefind's output once it ends; it is ended early when ``stop`` is set, or it runs
    past the time limit."""
    waited = 0.0
    while True:
        try:
            return process.communicate(timeout=STOP_POLL)
        except subprocess.TimeoutExpired:
            waited += STOP_POLL
            if (stop is not None and stop.is_set()) or waited >= TIMEOUT:
                process.kill()
                process.communicate()
                if waited >= TIMEOUT:
                    raise
                raise BuildStopped() from None


def _version() -> str:
    """The installed Pagefind binary, by path, size and time: a new one makes a new index."""
    try:
        binary = pagefind_executable()
        stat = binary.stat()
    except (BuildError, OSError):
        return "missing"  # indexing reports it
    return f"{binary}:{stat.st_size}:{stat.st_mtime_ns}"
