"""The persistent build cache: one SQLite file of validated entries, outputs and settings.

Every entry is keyed by what went into it (a content hash of the source and a digest of the
settings and b12site version it was made with); size and mtime only decide whether a file
must be hashed again, as git's index does. Anything unreadable is ignored, never trusted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

__all__ = ["CACHE_DIR", "Cache", "CachedSource", "OutputRecord", "open_cache"]

CACHE_DIR = ".b12site-cache"
DATABASE = "cache.sqlite"
FORMAT = "b12site-cache-4"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, sha TEXT, made_with TEXT,
    kind TEXT, slug TEXT, card_digest TEXT, digest TEXT, entry TEXT, document TEXT);
CREATE TABLE IF NOT EXISTS outputs (
    out TEXT, path TEXT, key TEXT, size INTEGER, mtime_ns INTEGER, PRIMARY KEY (out, path));
"""


@dataclass(frozen=True)
class CachedSource:
    """What the cache knows of one source file (its document is read only when needed)."""

    size: int
    mtime_ns: int
    sha: str
    made_with: str
    kind: str
    slug: str
    card_digest: str
    digest: str  # of the document
    entry: str  # Entry JSON, without the document


@dataclass(frozen=True)
class OutputRecord:
    """An output file as the last build left it."""

    key: str
    size: int
    mtime_ns: int


class Cache:
    """An open cache database; every method is safe to call on an empty cache.

    The database file is created on the first save, so a build that stops early leaves none.
    """

    def __init__(
        self, connection: sqlite3.Connection | None, folder: Path | None = None, warning: str = ""
    ) -> None:
        self._db = connection
        self._folder = folder  # where to create the database on the first save
        self.warning = warning
        self._pending: dict[str, str] = {}
        self._sources: dict[str, CachedSource] | None = None
        self._with_entries = False

    @property
    def enabled(self) -> bool:
        """Whether this build keeps what it learns."""
        return self._db is not None or self._folder is not None

    def meta(self, key: str) -> str:
        """A stored setting, or an empty string."""
        row = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(row[0][0]) if row else ""

    def sources(self, entries: bool = True) -> dict[str, CachedSource]:
        """Every cached source, by path relative to the site (read once until the next save);
        without ``entries`` their JSON is left out (``entry`` reads one)."""
        if self._sources is not None and (self._with_entries or not entries):
            return self._sources
        rows = self._query(
            "SELECT path, size, mtime_ns, sha, made_with, kind, slug, card_digest, digest, "
            + ("entry" if entries else "''")
            + " FROM sources",
            (),
        )
        self._sources, self._with_entries = {r[0]: CachedSource(*r[1:]) for r in rows}, entries
        return self._sources

    def entry(self, path: str) -> str:
        """The entry JSON of one source, or an empty string."""
        row = self._query("SELECT entry FROM sources WHERE path = ?", (path,))
        return str(row[0][0]) if row else ""

    def document(self, path: str) -> str:
        """The rendered document of one source as JSON, or an empty string."""
        row = self._query("SELECT document FROM sources WHERE path = ?", (path,))
        return str(row[0][0]) if row else ""

    def outputs(self, out: str) -> dict[str, OutputRecord]:
        """The output files of the last build into ``out``."""
        rows = self._query("SELECT path, key, size, mtime_ns FROM outputs WHERE out = ?", (out,))
        return {r[0]: OutputRecord(r[1], r[2], r[3]) for r in rows}

    def remember(self, meta: Mapping[str, str]) -> None:
        """Settings to store with the next save."""
        self._pending.update(meta)

    def save(
        self,
        meta: Mapping[str, str],
        sources: Iterable[tuple[str, CachedSource, str | None]],
        removed: Iterable[str],
        out: str | None = None,
        outputs: Mapping[str, OutputRecord] | None = None,
        since: Mapping[str, OutputRecord] | None = None,
    ) -> None:
        """Store settings, sources (``None`` keeps the stored document) and the output files
        of ``out`` (``since``: the records stored now, when known, so only changes are written),
        all in one transaction."""
        if self._db is None and self._folder is not None:
            self._db, self._folder = _create(self._folder), None
        if self._db is None:
            return
        self._sources = None
        try:
            with self._db:
                self._db.executemany(
                    "REPLACE INTO meta VALUES (?, ?)", {**self._pending, **meta}.items()
                )
                self._pending.clear()
                self._db.executemany("DELETE FROM sources WHERE path = ?", ((p,) for p in removed))
                for path, src, document in sources:
                    row = astuple(src)
                    if document is None:
                        self._db.execute(
                            "UPDATE sources SET size=?, mtime_ns=?, sha=?, made_with=?, kind=?, "
                            "slug=?, card_digest=?, digest=?, entry=? WHERE path=?",
                            (*row, path),
                        )
                    else:
                        self._db.execute(
                            "REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (path, *row, document),
                        )
                if out is not None and outputs is not None:
                    self._save_outputs(out, outputs, since or {})
        except sqlite3.Error as exc:
            self.warning = f"cannot update the build cache: {exc}"

    def _save_outputs(
        self, out: str, outputs: Mapping[str, OutputRecord], since: Mapping[str, OutputRecord]
    ) -> None:
        """Record the output files, writing only the rows that differ from ``since``."""
        assert self._db is not None
        if not since:
            self._db.execute("DELETE FROM outputs WHERE out = ?", (out,))
        gone = [(out, path) for path in since if path not in outputs]
        self._db.executemany("DELETE FROM outputs WHERE out = ? AND path = ?", gone)
        self._db.executemany(
            "REPLACE INTO outputs VALUES (?, ?, ?, ?, ?)",
            (
                (out, path, r.key, r.size, r.mtime_ns)
                for path, r in outputs.items()
                if since.get(path) != r
            ),
        )

    def forget(self, reason: str) -> None:
        """Drop everything stored (keeping the database), after finding ``reason`` in it."""
        self.warning = f"ignored the build cache ({reason}); it is rebuilt"
        self._sources, self._pending = None, {}
        if self._db is None:
            return
        try:
            with self._db:
                for table in ("sources", "outputs"):
                    self._db.execute(f"DELETE FROM {table}")
                self._db.execute("DELETE FROM meta WHERE key != 'format'")
        except sqlite3.Error as exc:
            self.warning = f"cannot update the build cache: {exc}"

    def close(self) -> None:
        """Close the database."""
        if self._db is not None:
            self._db.close()

    def _query(self, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
        if self._db is None:
            return []
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            self.warning = f"the build cache is damaged ({exc}); delete .b12site-cache/"
            return []


def open_cache(folder: Path, enabled: bool = True, read_only: bool = False) -> Cache:
    """Open the cache in ``folder`` if there is one; a corrupt or foreign one is set aside
    (``read_only``: only read, never made, changed or set aside, as ``check`` uses it)."""
    if not enabled:
        return Cache(None)
    path = folder / DATABASE
    if not path.exists():
        return Cache(None, None if read_only else folder)
    if read_only:
        try:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            if _ours(db):
                return Cache(db)
            db.close()
        except (OSError, sqlite3.Error):
            pass
        return Cache(None)
    try:
        db = sqlite3.connect(path, isolation_level="DEFERRED")
        if _ours(db):
            return Cache(db)
        db.close()
        path.unlink()
    except (OSError, sqlite3.Error) as exc:
        return Cache(None, None, f"cannot use the build cache, building without it: {exc}")
    return Cache(None, folder, "ignored the build cache: made by another version, or damaged")


def _ours(db: sqlite3.Connection) -> bool:
    """Whether a database is a cache of this format (damage found later is reported then)."""
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        return bool(row and row[0] == FORMAT)
    except sqlite3.Error:
        return False


def _create(folder: Path) -> sqlite3.Connection | None:
    """A new, empty cache database in ``folder`` (None if it cannot be made)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ignore = folder / ".gitignore"  # keep the cache out of version control
        if not ignore.exists():
            ignore.write_text("# made by b12site; safe to delete\n*\n", encoding="utf-8")
        db = sqlite3.connect(folder / DATABASE, isolation_level=None)
        db.executescript(_SCHEMA)
        db.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT,))
        db.isolation_level = "DEFERRED"
        return db
    except (OSError, sqlite3.Error):
        return None
