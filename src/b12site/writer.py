"""The only module that touches the output folder: safe joins, staged and journalled updates."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from b12site.errors import BuildStopped, UpdateInterrupted, WriteError, display_path

__all__ = [
    "MARKER",
    "WriteReport",
    "check_output",
    "output_files",
    "recover",
    "safe_join",
    "scratch_folder",
    "write_site",
]

MARKER = ".b12site"
_MARKER_TEXT = (
    b"This folder is built by b12site; each build updates it and removes files it did not make.\n"
)
_NEW = ".b12site-new-"
_OLD = ".b12site-old-"  # left by versions before 0.2
_WORK = ".b12site-work-"  # scratch folders for work done before an update
_JOURNAL = ".b12site-commit"


def safe_join(root: Path, relative: str) -> Path:
    """Join a relative POSIX path onto root; raise WriteError if it would leave root."""
    pure = PurePosixPath(relative)
    if not relative or pure.is_absolute() or ".." in pure.parts or "\\" in relative:
        raise WriteError(f"refusing to write '{relative}': not a plain path inside the output")
    target = root.joinpath(*pure.parts)
    if not target.resolve().is_relative_to(root.resolve()):
        raise WriteError(f"refusing to write '{relative}': it leads outside the output folder")
    return target


def check_output(out: Path, root: Path, source_dirs: Iterable[Path] = ()) -> Path:
    """Refuse an output folder that overlaps the sources or holds files that aren't ours."""
    out = out.resolve()
    if (
        out == Path(out.anchor)
        or out == Path.home().resolve()
        or root.resolve().is_relative_to(out)
    ):
        raise WriteError(f"refusing to use {out} as the output folder: it holds the site itself")
    for folder in source_dirs:
        source = folder.resolve()
        if source.is_relative_to(out) or out.is_relative_to(source):
            raise WriteError(f"refusing to use {out} as the output folder: it overlaps {source}")
    if out.exists():
        if not out.is_dir():
            raise WriteError(f"refusing to replace {out}: it is a file, not a folder")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise WriteError(
                f"refusing to replace {out}: it is not empty and was not built by b12site "
                "(choose another --output, or empty it first)"
            )
    return out


Stat = tuple[int, int]  # size and mtime in nanoseconds
Journal = dict[str, list[str]]  # the staged files to move in, and the files to delete


@dataclass(frozen=True)
class WriteReport:
    """What an update of the output folder did."""

    stats: dict[str, Stat]  # every file given, as it now is on disk
    written: tuple[str, ...]
    removed: tuple[str, ...]


def write_site(
    out: Path,
    files: Iterable[tuple[str, bytes]],
    static_files: Mapping[str, Path],
    delete: Iterable[str],
    root: Path,
    source_dirs: Iterable[Path] = (),
    stop: threading.Event | None = None,
) -> WriteReport:
    """Bring ``out`` up to date, touching only what changed; return the stat of every file given.

    ``files`` may be a generator: each file is staged as it comes. Files whose bytes are
    already there are left alone (their mtimes stay). The rest are written into a folder
    beside ``out`` first; only then, once every folder to change is known to be writable,
    does a journal mark the commit, and they are moved in. A build that fails or is stopped
    before that leaves ``out`` as it was; one stopped while moving files in is finished by
    the next build (``recover``). A ``stop`` set before the commit ends the update there
    (``BuildStopped``), with ``out`` as it was.
    """
    out = check_output(out, root, source_dirs)
    recover(out)
    fresh = not out.exists() or not any(out.iterdir())
    staging = _make_staging(out)
    committed = False
    try:
        given, moves = _stage(out, staging, _until(stop, files), static_files, fresh, root)
        if stop is not None and stop.is_set():
            raise BuildStopped()
        removals = [] if fresh else _removals(delete, given, static_files)
        _write(staging / MARKER, _MARKER_TEXT)
        if fresh:
            os.chmod(staging, 0o755)
            if out.exists():
                out.rmdir()
            staging.rename(out)
            committed = True
        elif moves or removals:
            plan: Journal = {"move": [*moves, MARKER], "delete": removals}
            _check_writable(out, [*plan["move"], *removals])
            _write_journal(staging, plan)
            committed = True
            _apply(staging, out, plan)
            shutil.rmtree(staging)
        else:
            shutil.rmtree(staging)
    except BaseException as exc:
        if not committed:
            shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            after = "the next build finishes the update" if committed else "nothing was changed"
            reason = _reason(exc, out, staging)
            raise WriteError(f"cannot write the site to {out}: {reason} ({after})") from exc
        if committed and type(exc) is KeyboardInterrupt:
            raise UpdateInterrupted() from exc
        raise
    stats = {rel: _stat(safe_join(out, rel)) for rel in (*given, *static_files, MARKER)}
    return WriteReport(stats, tuple(moves), tuple(removals))


def _until(
    stop: threading.Event | None, files: Iterable[tuple[str, bytes]]
) -> Iterable[tuple[str, bytes]]:
    """The files, until ``stop`` is set."""
    if stop is None:
        yield from files
        return
    for item in files:
        if stop.is_set():
            raise BuildStopped()
        yield item


def _removals(
    delete: Iterable[str], given: Iterable[str], static_files: Mapping[str, Path]
) -> list[str]:
    return sorted(set(delete) - set(given) - set(static_files) - {MARKER})


def scratch_folder(out: Path) -> Path:
    """A new, empty folder beside ``out`` for work done before an update (such as the search
    index); the caller removes it, and the next build removes one a killed build left."""
    return _make_staging(out, _WORK)


def _make_staging(out: Path, kind: str = _NEW) -> Path:
    """A new, empty folder beside ``out`` to build the update in."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out.name}{kind}", dir=out.parent))
    except OSError as exc:
        raise WriteError(
            f"cannot write the site to {out}: cannot create a folder in {out.parent}: "
            f"{exc.strerror or exc}"
        ) from exc


def _reason(exc: OSError, out: Path, staging: Path) -> str:
    """What went wrong, naming the file as it is (or would be) in the output."""
    reason = exc.strerror or str(exc)
    if not exc.filename:
        return reason
    path = Path(os.fsdecode(exc.filename))
    for base in (staging, out):
        if path.is_relative_to(base) and path != base:
            return f"{path.relative_to(base).as_posix()}: {reason}"
    return f"{path}: {reason}"


def recover(out: Path) -> None:
    """Finish an update that reached its commit; discard any that did not (or is unreadable).

    Only folders beside ``out`` named exactly as this output's staging folders are touched.
    """
    ours = (f".{out.name}{_NEW}", f".{out.name}{_OLD}", f".{out.name}{_WORK}")
    try:
        with os.scandir(out.parent) as listing:
            names = [
                item.name
                for item in listing
                if item.name.startswith(ours) and item.is_dir(follow_symlinks=False)
            ]
    except OSError:
        return  # no parent yet, so nothing to recover
    for name in sorted(names):
        left = out.parent / name
        plan = _journal(left) if name.startswith(ours[0]) else None
        if plan is not None and out.is_dir():
            try:
                _apply(left, out, plan)
            except OSError as exc:
                raise WriteError(
                    f"cannot finish the update an earlier build began in {out}: "
                    f"{_reason(exc, out, left)}"
                ) from exc
        shutil.rmtree(left, ignore_errors=True)


def output_files(out: Path) -> dict[str, Stat]:
    """Every file in the output folder with its size and mtime (one walk, links not followed)."""
    found: dict[str, Stat] = {}
    stack = [(str(out), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            listing = os.scandir(folder)
        except OSError:
            continue
        with listing:
            for item in listing:
                relative = prefix + item.name
                if item.is_dir(follow_symlinks=False):
                    stack.append((item.path, relative + "/"))
                else:
                    st = item.stat(follow_symlinks=False)
                    found[relative] = (st.st_size, st.st_mtime_ns)
    return found


def _stage(
    out: Path,
    staging: Path,
    files: Iterable[tuple[str, bytes]],
    static_files: Mapping[str, Path],
    fresh: bool,
    root: Path,
) -> tuple[list[str], list[str]]:
    """Write what differs from ``out`` into ``staging``; the paths given and those written."""
    given, moves = [], []
    for relative, data in files:
        given.append(relative)
        if relative in static_files:
            raise WriteError(
                f"static file {static_files[relative]} would overwrite the page {relative}"
            )
        if fresh or not _holds(safe_join(out, relative), data):
            _write(safe_join(staging, relative), data)
            moves.append(relative)
    for relative, source in sorted(static_files.items()):
        try:
            data = source.read_bytes()
        except OSError as exc:
            shown = display_path(source, root)
            raise WriteError(f"{shown}: cannot read: {exc.strerror or exc}") from exc
        if fresh or not _holds(safe_join(out, relative), data):
            _write(safe_join(staging, relative), data)
            moves.append(relative)
    return given, sorted(moves)


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at ``path`` already has exactly these bytes."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _check_writable(out: Path, paths: Iterable[str]) -> None:
    """Refuse to commit an update that could not be carried through: every folder that
    would change (or the nearest one that exists) must be writable."""
    for folder in sorted({safe_join(out, rel).parent for rel in paths}):
        while not folder.is_dir() and folder != out:
            folder = folder.parent
        if not os.access(folder, os.W_OK | os.X_OK):
            raise WriteError(
                f"cannot write the site to {out}: {folder} is not writable (nothing was changed)"
            )


def _write_journal(staging: Path, plan: Journal) -> None:
    """The commit point: once this file exists, the update is carried through."""
    pending = staging / (_JOURNAL + ".tmp")
    pending.write_text(json.dumps(plan), encoding="utf-8")
    pending.rename(staging / _JOURNAL)


def _journal(staging: Path) -> Journal | None:
    """The journal of a staging folder; None if there is none or it cannot be understood
    (then nothing was committed, or the next build's comparison puts right what was moved)."""
    try:
        plan = json.loads((staging / _JOURNAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    lists = [plan.get(key) if isinstance(plan, dict) else None for key in ("move", "delete")]
    if not all(isinstance(v, list) and all(isinstance(p, str) for p in v) for v in lists):
        return None
    return {"move": plan["move"], "delete": plan["delete"]}


def _apply(staging: Path, out: Path, plan: Journal) -> None:
    """Delete the removed files and move the staged ones into ``out``, as the journal says.

    Deletions come first, so a file that gives way to a folder of the same name (or the
    other way round) never blocks the move; both steps can be repeated after a stop.
    """
    for relative in plan["delete"]:
        target = safe_join(out, relative)
        target.unlink(missing_ok=True)
        _prune(target.parent, out)
    for relative in plan["move"]:
        source = safe_join(staging, relative)
        if source.exists():  # already moved by an earlier, interrupted attempt
            target = safe_join(out, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)


def _prune(folder: Path, out: Path) -> None:
    """Remove folders left empty by deletions, up to (not including) ``out``."""
    while folder != out and folder.is_relative_to(out):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _stat(path: Path) -> Stat:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
