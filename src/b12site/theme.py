"""Where the default theme lives, and the files a site's look is made from."""

from __future__ import annotations

from pathlib import Path

__all__ = ["THEME_DIR", "template_files"]

THEME_DIR = Path(__file__).parent / "theme"


def template_files(site_templates: Path) -> list[Path]:
    """Every template file that can take part in rendering, the theme's and the site's, sorted."""
    folders = [THEME_DIR / "templates"]
    if site_templates.is_dir():
        folders.append(site_templates)
    return [p for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()]
