"""``b12site init`` and ``b12site theme``: a new site that uses the packaged theme, and copies
of the theme's files to adapt, one at a time."""

from __future__ import annotations

import shutil
from pathlib import Path

from b12site.errors import B12Error
from b12site.theme import THEME_DIR

__all__ = ["SCAFFOLD_DIR", "copy_theme_files", "init_site", "theme_files"]

SCAFFOLD_DIR = Path(__file__).parent / "scaffold"
GITIGNORE = "# made anew by every build: the site and b12site's cache\n_site/\n.b12site-cache/\n"
THEME_FOLDERS = ("templates", "static")


def init_site(directory: Path) -> Path:
    """Copy settings, an example article and a page into a new or empty folder; the site uses
    the packaged theme until files are copied into its own ``templates/`` or ``static/``."""
    target = directory.resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise B12Error(f"{directory} already exists and is not empty; choose a new folder")
    try:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(
            SCAFFOLD_DIR, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
        )
        (target / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    except OSError as exc:
        raise B12Error(f"cannot create the site in {directory}: {exc}") from exc
    return target


def theme_files() -> list[str]:
    """Every file of the packaged theme, as ``templates/…`` or ``static/…``, sorted."""
    return [
        f"{folder}/{path.relative_to(THEME_DIR / folder).as_posix()}"
        for folder in THEME_FOLDERS
        for path in sorted((THEME_DIR / folder).rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    ]


def copy_theme_files(site: Path, names: list[str]) -> list[str]:
    """Copy theme files (``templates/partials/header.html``, or ``header.html`` when only one
    file is named so) into the site's own folders, where they override the theme; never
    over a file that is there. Returns the paths copied, relative to the site."""
    known = theme_files()
    chosen = [_theme_file(name, known) for name in names]
    for rel in chosen:
        if (site / rel).exists():
            raise B12Error(f"{rel} already exists in {site}: it already overrides the theme")
    for rel in chosen:
        try:
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(THEME_DIR / rel, site / rel)
        except OSError as exc:
            raise B12Error(f"cannot copy {rel} into {site}: {exc}") from exc
    return chosen


def _theme_file(name: str, known: list[str]) -> str:
    """The theme file a name means: a full path, or a path inside templates/ or static/."""
    wanted = name.strip("/")
    matches = [k for k in known if k == wanted or k.split("/", 1)[1] == wanted]
    matches = matches or [k for k in known if k.endswith("/" + wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise B12Error(f"'{name}' names several theme files: {', '.join(matches)}")
    raise B12Error(f"the theme has no file '{name}'; b12site theme lists them")
