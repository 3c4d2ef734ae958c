"""The only module that touches the output folder: safe joins and an atomic swap."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from b12site.errors import WriteError

__all__ = ["MARKER", "check_output", "collect_static", "safe_join", "write_site"]

MARKER = ".b12site"
_MARKER_TEXT = b"This folder is built by b12site; the next build replaces it whole.\n"


def safe_join(root: Path, relative: str) -> Path:
    """Join a relative POSIX path onto root; raise WriteError if it would leave root."""
    pure = PurePosixPath(relative)
    if not relative or pure.is_absolute() or ".." in pure.parts or "\\" in relative:
        raise WriteError(f"refusing to write '{relative}': not a plain path inside the output")
    target = root.joinpath(*pure.parts)
    if not target.resolve().is_relative_to(root.resolve()):
        raise WriteError(f"refusing to write '{relative}': it leads outside the output folder")
    return target


def collect_static(folders: Iterable[Path]) -> dict[str, Path]:
    """Map each static file's output path to its source; later folders override earlier ones."""
    files: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        base = folder.resolve()
        for path in sorted(folder.rglob("*")):
            if path.is_dir() or path.name.startswith("."):
                continue
            if not path.resolve().is_relative_to(base):
                raise WriteError(f"{path}: static file links outside {folder}; refusing to copy it")
            files["static/" + path.relative_to(folder).as_posix()] = path
    return files


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


def write_site(
    outputs: Mapping[str, bytes],
    static_files: Mapping[str, Path],
    out: Path,
    root: Path,
    source_dirs: Iterable[Path] = (),
) -> Path:
    """Write every file into a fresh folder beside ``out``, then swap it in whole."""
    out = check_output(out, root, source_dirs)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.b12site-new-", dir=out.parent))
    try:
        for relative, data in sorted(outputs.items()):
            _write(safe_join(staging, relative), data)
        for relative, source in sorted(static_files.items()):
            if relative in outputs:
                raise WriteError(f"static file {source} would overwrite the page {relative}")
            _write(safe_join(staging, relative), source.read_bytes())
        _write(staging / MARKER, _MARKER_TEXT)
        os.chmod(staging, 0o755)
        _swap(staging, out)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write the site to {out}: {exc}") from exc
        raise
    return out


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _swap(staging: Path, out: Path) -> None:
    """Put the new folder in place of the old one; the old one is restored if that fails."""
    if not out.exists():
        staging.rename(out)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.b12site-old-", dir=out.parent))
    retired.rmdir()
    out.rename(retired)
    try:
        staging.rename(out)
    except OSError:
        retired.rename(out)
        raise
    shutil.rmtree(retired, ignore_errors=True)
