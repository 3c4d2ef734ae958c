"""Site search: a Pagefind index of every article and plain page, made before the output is
swapped in, and reused while none of those pages changed."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pagefind_bin import get_executable  # type: ignore[import-untyped]

from b12site.cache import OutputRecord
from b12site.errors import BuildError
from b12site.keys import digest_of
from b12site.plan import Output
from b12site.writer import safe_join, scratch_folder

__all__ = ["SEARCH_DIR", "SearchIndex", "indexed_pages", "pagefind_executable"]

SEARCH_DIR = "pagefind/"  # where the index and Pagefind's own UI files are published
# parts of a page that are not its text: citation marks and back links, contents, navigation,
# the disclaimer every article shares
NOT_SEARCHED = "sup.citation, .backlinks, .toc, .breadcrumbs, .article__footer, #medical-disclaimer"
TIMEOUT = 600  # seconds: Pagefind indexes about 1,500 pages a second


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
    """The search files of one build: those of the last build when no searched page changed,
    else a new index made from the pages as this build leaves them."""

    out: Path
    pages: Sequence[str]  # the searched pages, as paths in the output
    keys: Mapping[str, str]  # every planned output's key: what each page is made from
    previous: Mapping[str, OutputRecord]
    present: Mapping[str, tuple[int, int]]
    made: dict[str, bytes] = field(default_factory=dict)  # after ``with_index``: new files

    @property
    def key(self) -> str:
        """What the index is made from: the searched pages' inputs and the Pagefind binary."""
        return digest_of("search", _version(), *(f"{p}={self.keys[p]}" for p in self.pages))

    def previous_files(self) -> dict[str, OutputRecord]:
        """The last build's search files."""
        return {p: r for p, r in self.previous.items() if p.startswith(SEARCH_DIR)}

    def unchanged(self) -> bool:
        """Whether the last build's index was made from exactly these pages as they are now."""
        key, files = self.key, self.previous_files()
        return bool(files) and all(r.key == key for r in files.values())

    def kept(self) -> dict[str, tuple[int, int]] | None:
        """The last build's search files, when they index exactly these pages and are still
        as it left them; else None."""
        if not self.unchanged():
            return None
        files = self.previous_files()
        stats = {p: self.present.get(p) for p in files}
        if any(stats[p] != (r.size, r.mtime_ns) for p, r in files.items()):
            return None
        return {p: s for p, s in stats.items() if s is not None}

    def with_index(self, files: Iterable[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
        """``files``, then the new search files, made from the searched pages among ``files``
        and the others as they are in the output."""
        searched = set(self.pages)
        fresh: dict[str, bytes] = {}
        for path, data in files:
            if path in searched:
                fresh[path] = data
            yield path, data
        self.made = self._index(fresh)
        yield from sorted(self.made.items())

    def _index(self, fresh: Mapping[str, bytes]) -> dict[str, bytes]:
        """Run Pagefind over the searched pages in a scratch folder beside the output."""
        scratch = scratch_folder(self.out)
        try:
            site, bundle = scratch / "site", scratch / "bundle"
            for path in self.pages:
                target = safe_join(site, path)
                target.parent.mkdir(parents=True, exist_ok=True)
                if path in fresh:
                    target.write_bytes(fresh[path])
                else:
                    _link_or_copy(safe_join(self.out, path), target)
            _run_pagefind(site, bundle)
            return {
                SEARCH_DIR + file.relative_to(bundle).as_posix(): file.read_bytes()
                for file in sorted(bundle.rglob("*"))
                if file.is_file()
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


def _run_pagefind(site: Path, bundle: Path) -> None:
    """Index ``site`` into ``bundle``; a failure is a build error with Pagefind's message."""
    command = [
        str(pagefind_executable()),
        *("--site", str(site), "--output-path", str(bundle)),
        *("--exclude-selectors", NOT_SEARCHED),
    ]
    try:
        done = subprocess.run(
            [*command, "--silent"], capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError(f"cannot make the search index: Pagefind did not run: {exc}") from exc
    if done.returncode != 0 or not (bundle / "pagefind.js").is_file():
        said = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BuildError("cannot make the search index: Pagefind failed: " + " | ".join(said))


def _version() -> str:
    """The installed Pagefind binary, by path, size and time: a new one makes a new index."""
    try:
        binary = pagefind_executable()
        stat = binary.stat()
    except (BuildError, OSError):
        return "missing"  # indexing reports it
    return f"{binary}:{stat.st_size}:{stat.st_mtime_ns}"
