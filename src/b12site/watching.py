"""Watching a site's sources for ``b12site serve``: the settings file and the content,
templates and static folders, with editors' temporary files left out."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from watchfiles import Change, DefaultFilter, watch

__all__ = ["Changed", "Watcher", "described"]

STEP_MS = 50  # a save is taken once the folders were quiet this long
NOTICE_MS = 300  # how often a watcher looks whether it was asked to stop or to watch anew


@dataclass(frozen=True)
class Changed:
    """One file that changed: how (``added``, ``modified`` or ``deleted``) and its path."""

    how: str
    path: Path


def described(changes: Iterable[Changed], root: Path) -> str:
    """``content/a.md changed``, ``content/a.md removed`` or ``content/a.md and 2 more files
    changed``, for one line (an editor's temporary file, made and removed, is not named)."""
    root = root.resolve()
    paths: dict[Path, set[str]] = {}
    for change in changes:
        paths.setdefault(change.path, set()).add(change.how)
    named = sorted(p for p, hows in paths.items() if p.exists() or "added" not in hows)
    if not named:
        return "a temporary file changed"
    first = named[0]
    shown = first.relative_to(root).as_posix() if first.is_relative_to(root) else str(first)
    if len(named) == 1:
        return f"{shown} {'changed' if first.exists() else 'removed'}"
    others = len(named) - 1
    return f"{shown} and {others} more file{'' if others == 1 else 's'} changed"


class Watcher:
    """Calls ``notify`` with each batch of changed source files, from two threads: one watches
    the site's folder itself (the settings file; source folders coming or going), the other
    watches inside the source folders, and starts anew when one comes or goes."""

    def __init__(
        self,
        settings: Path,
        folders: Iterable[Path],
        notify: Callable[[frozenset[Changed]], None],
    ) -> None:
        self.settings = settings.resolve()
        self.folders = tuple(folder.resolve() for folder in folders)
        self.notify = notify
        self.stop = threading.Event()
        self._anew = threading.Event()
        self._threads = [
            threading.Thread(target=self._watch_site, name="watch-site", daemon=True),
            threading.Thread(target=self._watch_sources, name="watch-sources", daemon=True),
        ]

    def start(self) -> None:
        """Start watching."""
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        """Stop watching and wait for the threads to end."""
        self.stop.set()
        self._anew.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _watch_site(self) -> None:
        """The site's own folder, not its subfolders: the settings and the source folders."""
        names = {self.settings.name, *(f.name for f in self.folders if f.parent == self.root)}

        def wanted(change: Change, path: str) -> bool:
            return Path(path).name in names

        for batch in self._batches([self.root], wanted, recursive=False, stop=self.stop):
            if any(c.path in self.folders for c in batch):
                self._anew.set()  # a source folder came or went: watch inside it anew
            self.notify(batch)

    def _watch_sources(self) -> None:
        """Inside every source folder that exists, anew each time one comes or goes."""
        ignored = DefaultFilter()
        while not self.stop.is_set():
            self._anew.clear()
            existing = [f for f in self.folders if f.is_dir()]
            if not existing:
                self._anew.wait()
                continue
            try:
                for batch in self._batches(existing, ignored, recursive=True, stop=self._anew):
                    self.notify(batch)
            except FileNotFoundError:  # a folder went just as watching began: look again
                self._anew.wait(NOTICE_MS / 1000)

    @property
    def root(self) -> Path:
        """The folder that holds the settings file."""
        return self.settings.parent

    def _batches(
        self,
        paths: list[Path],
        wanted: Callable[[Change, str], bool],
        *,
        recursive: bool,
        stop: threading.Event,
    ) -> Iterable[frozenset[Changed]]:
        """Each batch of changes to ``paths`` until ``stop`` is set."""
        for changes in watch(
            *paths,
            watch_filter=wanted,
            stop_event=stop,
            step=STEP_MS,
            rust_timeout=NOTICE_MS,
            yield_on_timeout=False,
            recursive=recursive,
            raise_interrupt=False,
        ):
            batch = frozenset(Changed(change.name, Path(path)) for change, path in changes)
            if batch:
                yield batch
