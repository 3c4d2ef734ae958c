"""``b12site init``: create a new, buildable site from the files shipped in the package."""

from __future__ import annotations

import shutil
from pathlib import Path

from b12site.errors import B12Error
from b12site.theme import THEME_DIR

__all__ = ["SCAFFOLD_DIR", "init_site"]

SCAFFOLD_DIR = Path(__file__).parent / "scaffold"
GITIGNORE = "# made anew by every build: the site and b12site's cache\n_site/\n.b12site-cache/\n"


def init_site(directory: Path) -> Path:
    """Copy settings, an example article and the default theme into a new or empty folder."""
    target = directory.resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise B12Error(f"{directory} already exists and is not empty; choose a new folder")
    try:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(
            SCAFFOLD_DIR, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
        )
        shutil.copytree(THEME_DIR / "templates", target / "templates")
        shutil.copytree(THEME_DIR / "static", target / "static")
        (target / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    except OSError as exc:
        raise B12Error(f"cannot create the site in {directory}: {exc}") from exc
    return target
