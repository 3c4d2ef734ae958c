"""The build pipeline: load settings, read, validate, render, assemble, write."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from b12site.config import load_config
from b12site.content import discover, read_source
from b12site.dates import build_date
from b12site.documents import render_article, render_page
from b12site.errors import ContentError, Problem
from b12site.models import Article, Page, Site, SiteConfig
from b12site.render import THEME_DIR, make_environment, render_site
from b12site.schema import validate_article, validate_page
from b12site.site import assemble
from b12site.writer import collect_static, write_site

__all__ = ["BuildResult", "build", "load_site", "validate_content"]


@dataclass(frozen=True)
class BuildResult:
    """What a build made, for the command line to report."""

    site: Site
    output: Path
    files: int
    seconds: float


def validate_content(config: SiteConfig, today: date) -> tuple[list[Article], list[Page]]:
    """Read and validate every content file, collecting every problem before raising."""
    articles: list[Article] = []
    pages: list[Page] = []
    problems: list[Problem] = []
    if not config.content_dir.is_dir():
        raise ContentError([Problem(str(config.content_dir), None, "", "content folder not found")])
    for path, kind in discover(config.content_dir):
        try:
            source = read_source(path, kind, config.root)
            if kind == "page":
                pages.append(validate_page(source))
            else:
                articles.append(validate_article(source, config, today))
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    return articles, pages


def load_site(
    config_path: Path,
    base_url: str | None = None,
    drafts: bool = False,
    today: date | None = None,
) -> Site:
    """Every stage up to the assembled site, writing nothing (also what a checker needs)."""
    config = load_config(config_path, base_url)
    today = today or build_date()
    articles, pages = validate_content(config, today)
    rendered = [render_article(article, config.words_per_minute) for article in articles]
    return assemble(config, rendered, [render_page(page) for page in pages], today, drafts)


def build(
    config_path: Path,
    output: Path | None = None,
    drafts: bool = False,
    base_url: str | None = None,
    today: date | None = None,
) -> BuildResult:
    """Build the site into ``output``; on any error the previous output is left untouched."""
    started = time.perf_counter()
    site = load_site(config_path, base_url, drafts, today)
    config = site.config
    outputs = render_site(site, make_environment(config.templates_dir))
    static = collect_static([THEME_DIR / "static", config.static_dir])
    out = write_site(
        outputs,
        static,
        output if output is not None else config.root / "_site",
        root=config.root,
        source_dirs=[config.content_dir, config.templates_dir, config.static_dir],
    )
    return BuildResult(site, out, len(outputs) + len(static), time.perf_counter() - started)
