"""Which static files a site publishes, and where: the theme's and the site's own."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from b12site.errors import WriteError

__all__ = ["WELL_KNOWN", "collect_static"]

WELL_KNOWN = ".well-known"  # static/.well-known/ is published at the site root


def collect_static(folders: Iterable[Path]) -> dict[str, Path]:
    """Map each static file's output path to its source; later folders override earlier ones.

    A file is published under ``static/``, except that ``.well-known/`` is published at the
    site root, where clients look for ``security.txt`` and the like; every other file or
    folder whose name starts with a dot (``.git/``, ``.DS_Store``) is skipped.
    """
    files: dict[str, Path] = {}
    for folder in folders:
        if folder.is_dir():
            files.update(_static_files(folder))
    return files


def _static_files(folder: Path) -> dict[str, Path]:
    """The files of one static folder, by output path (hidden folders are not even walked)."""
    base = folder.resolve()
    found: dict[str, Path] = {}

    def unreadable(exc: OSError) -> None:
        raise WriteError(f"{exc.filename}: cannot read the static folder: {exc.strerror}")

    for here, dirs, names in os.walk(folder, onerror=unreadable):
        parts = Path(here).relative_to(folder).parts
        dirs[:] = [d for d in dirs if _published((*parts, d))]
        for name in names:
            relative = (*parts, name)
            if not _published(relative) or relative == (WELL_KNOWN,):
                continue
            path = Path(here, name)
            if not path.resolve().is_relative_to(base):
                raise WriteError(f"{path}: static file links outside {folder}; refusing to copy it")
            shown = "/".join(relative)
            found[shown if parts[:1] == (WELL_KNOWN,) else "static/" + shown] = path
    return dict(sorted(found.items()))


def _published(parts: tuple[str, ...]) -> bool:
    """Whether a path inside a static folder is published: no hidden part but .well-known/."""
    first, rest = parts[0], parts[1:]
    hidden = first.startswith(".") and first != WELL_KNOWN
    return not hidden and not any(part.startswith(".") for part in rest)
