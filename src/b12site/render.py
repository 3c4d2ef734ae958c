"""Jinja environment and page contexts: the assembled site in, output files out."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from b12site.errors import BuildError
from b12site.models import RenderedArticle, Site

__all__ = ["THEME_DIR", "make_environment", "render_site"]

THEME_DIR = Path(__file__).parent / "theme"


def make_environment(site_templates: Path | None) -> jinja2.Environment:
    """Autoescaping, strict environment; a site's own templates override the theme's by name."""
    loaders: list[jinja2.BaseLoader] = []
    if site_templates is not None and site_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(site_templates))
    loaders.append(jinja2.FileSystemLoader(THEME_DIR / "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date"] = format_date
    env.filters["isodate"] = lambda d: d.isoformat()
    return env


def format_date(day: date) -> str:
    """A date as readers everywhere read it: ``5 March 2026``."""
    return f"{day.day} {day:%B %Y}"


def _url_helpers(site: Site) -> dict[str, Callable[[str], str]]:
    prefix = site.config.path_prefix
    base = site.config.base_url

    def url(path: str) -> str:
        return prefix + quote(path.lstrip("/"))

    def abs_url(path: str) -> str:
        return base + quote(path.lstrip("/"))

    def static(path: str) -> str:
        return url("static/" + path.lstrip("/"))

    return {"url": url, "abs_url": abs_url, "static": static}


def a_to_z(articles: tuple[RenderedArticle, ...]) -> list[tuple[str, list[RenderedArticle]]]:
    """Articles grouped by the first letter of their title (``#`` for digits and symbols)."""
    groups: dict[str, list[RenderedArticle]] = {}
    for article in sorted(articles, key=lambda a: a.article.title.casefold()):
        first = unicodedata.normalize("NFKD", article.article.title)[:1].upper()
        letter = first if first.isalpha() and first.isascii() else "#"
        groups.setdefault(letter, []).append(article)
    return sorted(groups.items(), key=lambda item: (item[0] == "#", item[0]))


def _pages(site: Site) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every output file: (output path, template name, extra context)."""
    yield (
        "index.html",
        "home.html",
        {
            "page_path": "",
            "latest": site.articles[: site.config.latest_count],
        },
    )
    for article in site.articles:
        yield (
            f"{article.path}index.html",
            "article.html",
            {
                "page_path": article.path,
                "article": article,
                "topics": site.topics_of(article),
                "related": site.related[article.article.slug],
            },
        )
    for page in site.pages:
        yield f"{page.path}index.html", "page.html", {"page_path": page.path, "page": page}
    yield "topics/index.html", "topics.html", {"page_path": "topics/"}
    for topic in site.topics:
        yield f"{topic.path}index.html", "topic.html", {"page_path": topic.path, "topic": topic}
    yield "a-z/index.html", "a-z.html", {"page_path": "a-z/", "groups": a_to_z(site.articles)}
    yield "404.html", "404.html", {"page_path": "404.html"}
    yield "feed.xml", "feed.xml", {"page_path": "feed.xml"}
    yield "sitemap.xml", "sitemap.xml", {"page_path": "sitemap.xml"}
    yield "robots.txt", "robots.txt", {"page_path": "robots.txt"}


def render_site(site: Site, env: jinja2.Environment) -> dict[str, bytes]:
    """Render every page of the site to bytes, keyed by output path."""
    common: dict[str, Any] = {
        "site": site,
        "config": site.config,
        "build_date": site.build_date,
        **_url_helpers(site),
    }
    outputs: dict[str, bytes] = {}
    for out_path, name, extra in _pages(site):
        try:
            template = env.get_template(name)
            text = template.render(**common, **extra)
        except jinja2.TemplateNotFound as exc:
            raise BuildError(f"template not found: {exc.name} (needed for {out_path})") from exc
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError(
                f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}"
            ) from exc
        except jinja2.TemplateError as exc:
            raise BuildError(f"{name}: cannot render {out_path}: {exc}") from exc
        except Exception as exc:  # a Python error raised inside a template's expression
            raise BuildError(
                f"{name}: cannot render {out_path}: {type(exc).__name__}: {exc}"
            ) from exc
        outputs[out_path] = text.encode("utf-8")
    return outputs
