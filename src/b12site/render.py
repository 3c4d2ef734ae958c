"""The Jinja environment and the renderer: a planned output in, its bytes out."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from datetime import date
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from b12site import structured
from b12site.errors import BuildError, display_path
from b12site.models import RenderedArticle, RenderedPage, SiteConfig
from b12site.plan import Output
from b12site.theme import THEME_DIR

__all__ = [
    "MONTHS",
    "Renderer",
    "format_date",
    "make_environment",
    "url_helpers",
    "with_links",
]


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
        auto_reload=False,  # a changed template makes a new environment (see outputs._setup)
    )
    env.filters["date"] = format_date
    env.filters["isodate"] = lambda d: d.isoformat()
    env.filters["jsonld"] = structured.jsonld  # JSON safe inside <script>
    env.filters["og_locale"] = structured.og_locale
    env.globals["article_graph"] = structured.article_graph  # JSON-LD builders (structured.py)
    env.globals["home_graph"] = structured.home_graph
    env.globals["og_image"] = structured.og_image
    return env


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_date(day: date) -> str:
    """A date as readers everywhere read it, whatever the machine's locale: ``5 March 2026``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def url_helpers(config: SiteConfig) -> dict[str, Callable[[str], str]]:
    """``url``, ``abs_url`` and ``static``: site paths made into links under the base URL."""
    prefix = config.path_prefix
    base = config.base_url

    def url(path: str) -> str:
        return prefix + quote(path.lstrip("/"))

    def abs_url(path: str) -> str:
        return base + quote(path.lstrip("/"))

    def static(path: str) -> str:
        return url("static/" + path.lstrip("/"))

    return {"url": url, "abs_url": abs_url, "static": static}


_HREF = re.compile(r'(\shref=")([^"#]*)(#[^"]*)?"')


def with_links(
    document: RenderedArticle | RenderedPage,
    links: Mapping[str, str],
    url: Callable[[str], str],
) -> RenderedArticle | RenderedPage:
    """The document with its links to source files (``other.md#dose``) made into links to
    their pages (``/other/#dose``)."""

    def resolve(html_text: Markup) -> Markup:
        def one(match: re.Match[str]) -> str:
            path = links.get(html.unescape(match.group(2)))
            if path is None:
                return match.group(0)
            return f'{match.group(1)}{html.escape(url(path))}{match.group(3) or ""}"'

        return Markup(_HREF.sub(one, html_text)) if "href" in html_text else html_text

    if isinstance(document, RenderedPage):
        return replace(document, body_html=resolve(document.body_html))
    return replace(
        document,
        summary_html=resolve(document.summary_html),
        key_points_html=tuple(resolve(k) for k in document.key_points_html),
        body_html=resolve(document.body_html),
        faq_html=tuple((item, resolve(answer)) for item, answer in document.faq_html),
    )


_KEEPS_SPACE = re.compile(r"(<(pre|textarea)\b.*?</\2>)", re.DOTALL | re.IGNORECASE)
_INDENT = re.compile(r"\n[ \t]+")


def unindented(page: str) -> str:
    """A page without the templates' indentation: white space at the start of a line renders
    as the line break before it already does, except inside ``<pre>`` and ``<textarea>``,
    which are kept as they are (about a twentieth of an article page's bytes)."""
    parts = _KEEPS_SPACE.split(page)
    # split gives text, then for each match the whole element and its tag name
    return "".join(
        _INDENT.sub("\n", part) if index % 3 == 0 else part
        for index, part in enumerate(parts)
        if index % 3 != 2
    )


class Renderer:
    """Renders planned outputs with one site's settings and templates."""

    def __init__(self, config: SiteConfig, env: jinja2.Environment | None = None) -> None:
        self.env = env or make_environment(config.templates_dir)
        self._root = config.root  # template files are named relative to it
        # globals, not per-page context: macros imported without context can use them, and
        # Jinja then imports each macro file once instead of once per use
        helpers = url_helpers(config)
        self._url = helpers["url"]
        self.env.globals.update({"config": config, **helpers})

    def render(self, output: Output, document: RenderedArticle | RenderedPage | None) -> bytes:
        """One output file as bytes; a template problem raises BuildError naming it."""
        context = {f.name: getattr(output.context, f.name) for f in fields(output.context)}
        if document is not None and (links := context.get("links")):
            document = with_links(document, dict(links), self._url)
        if isinstance(document, RenderedArticle):
            context["article"] = document
        elif isinstance(document, RenderedPage):
            context["page"] = document
        name, out_path = output.template, output.path
        try:
            text = self.env.get_template(name).render(**context)
        except jinja2.TemplateSyntaxError as exc:
            where = self._shown(exc.filename) if exc.filename else exc.name
            raise BuildError(f"{where}:{exc.lineno}: template syntax error: {exc.message}") from exc
        except jinja2.TemplateNotFound as exc:  # named by the line that includes it, if any
            raise BuildError(
                f"{self._where(exc)}template not found: {exc.name} (needed for {out_path})"
            ) from exc
        except jinja2.TemplateError as exc:
            where = self._where(exc) or f"{name}: "
            raise BuildError(f"{where}cannot render {out_path}: {exc}") from exc
        except Exception as exc:  # a Python error raised inside a template's expression
            where = self._where(exc) or f"{name}: "
            raise BuildError(
                f"{where}cannot render {out_path}: {type(exc).__name__}: {exc}"
            ) from exc
        return (unindented(text) if out_path.endswith(".html") else text).encode("utf-8")

    def _where(self, exc: BaseException) -> str:
        """``templates/article.html:12: ``: the innermost template line the error came from.

        Jinja rewrites the traceback so that each frame of template code carries the
        template's file and line (an empty string when no frame does).
        """
        found = ""
        tb = exc.__traceback__
        while tb is not None:
            if "__jinja_exception__" in tb.tb_frame.f_globals:  # a frame Jinja rewrote
                found = f"{self._shown(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}: "
            tb = tb.tb_next
        return found

    def _shown(self, filename: str) -> str:
        """A template file as the user finds it: relative to the site folder when inside it."""
        return display_path(Path(filename), self._root)
