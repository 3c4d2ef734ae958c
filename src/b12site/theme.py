"""Where the default theme lives, and the files a site's look is made from."""

from __future__ import annotations

from pathlib import Path

__all__ = ["THEME_DIR", "template_files"]

THEME_DIR = Path(__file__).parent / "theme"


def template_files(site_templates: Path) -> list[tuple[str, Path]]:
    """Every template that can take part in rendering, the theme's then the site's, each with
    its name as templates refer to it (its path inside its folder), sorted."""
    folders = [THEME_DIR / "templates"]
    if site_templates.is_dir():
        folders.append(site_templates)
    return [
        (f"{index}:{path.relative_to(folder).as_posix()}", path)
        for index, folder in enumerate(folders)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]
