"""Markdown to sanitised HTML: the only producer of HTML that templates may trust."""

from __future__ import annotations

import contextlib
import functools
import html
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

import markdown
import nh3
from markdown import treeprocessors
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markupsafe import Markup

from b12site.citations import CitationProcessor, CitationState
from b12site.inline import INLINE_INTERNALS, SkippingInlineProcessor, plain_html
from b12site.models import TocEntry

__all__ = ["RESERVED_IDS", "Converter", "sanitise", "strip_tags"]

RESERVED_IDS = frozenset(
    {
        "main",
        "quick-summary",
        "key-points",
        "in-this-article",
        "article-body",
        "faq",
        "references",
        "medical-disclaimer",
        "review",
        "top",
    }
)
# ids the theme gives its own elements: reference list entries, citations, FAQ questions,
# A-Z letters and section titles
RESERVED_ID_PREFIXES = ("ref-", "cite-", "faq-", "letter-")
RESERVED_ID_SUFFIXES = ("-title",)
ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES: Mapping[str, set[str]] = {
    "a": {"href", "title", "id", "class", "role", "aria-label"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "sup": {"class", "id"},
    "code": {"class"},
    **{f"h{n}": {"id"} for n in range(2, 7)},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
EXTENSIONS = ["tables", "toc", "attr_list", "def_list", "fenced_code", "sane_lists", "abbr"]
_WRAPPING_P = re.compile(r"^<p>(.*)</p>$", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_CITATION_SUP = re.compile(r'<sup class="citation">.*?</sup>', re.DOTALL)


@functools.cache
def _cleaner() -> Callable[[str], str]:
    """nh3 set up once with the allow-lists (a reusable ``Cleaner`` where nh3 has one)."""
    options: dict[str, Any] = {
        "tags": set(ALLOWED_TAGS),
        "attributes": {k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        "url_schemes": set(URL_SCHEMES),
        "link_rel": None,
        "strip_comments": True,
    }
    if hasattr(nh3, "Cleaner"):
        return nh3.Cleaner(**options).clean
    return functools.partial(nh3.clean, **options)


def sanitise(html_text: str) -> Markup:
    """Keep only allow-listed tags, attributes and URL schemes; mark the result safe."""
    return Markup(_cleaner()(html_text))


def strip_tags(html_text: str) -> str:
    """Plain text of an HTML fragment (for word counts and summaries)."""
    return html.unescape(_TAG.sub(" ", html_text))


def _heading_text(heading_html: str) -> str:
    """A heading's plain text for the contents list, without its citation marks."""
    return " ".join(strip_tags(_CITATION_SUP.sub("", heading_html)).split())


def heading_slug(value: str, separator: str) -> str:
    """Heading ids as Python-Markdown makes them, kept clear of the page's own ids."""
    slug = slugify_unicode(value, separator) or "section"
    clash = (
        slug in RESERVED_IDS
        or slug.startswith(RESERVED_ID_PREFIXES)
        or slug.endswith(RESERVED_ID_SUFFIXES)
    )
    return f"{slug}-section" if clash else slug


class _CitationExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.inlinePatterns.register(CitationProcessor(md), "citation", 175)


def _new_markdown() -> markdown.Markdown:
    """A Markdown converter with the site's extensions and the faster inline pass."""
    md = markdown.Markdown(
        extensions=[*EXTENSIONS, _CitationExtension()],
        extension_configs={
            "toc": {"slugify": heading_slug, "toc_depth": "2-6"},
            "tables": {"use_align_attribute": True},
        },
        output_format="html",
    )
    if all(hasattr(treeprocessors.InlineProcessor, name) for name in INLINE_INTERNALS):
        md.treeprocessors.register(SkippingInlineProcessor(md), "inline", 20)
    return md


_LOCAL = threading.local()


@contextlib.contextmanager
def _markdown(state: CitationState) -> Iterator[markdown.Markdown]:
    """This thread's converter, reset and lent one document's citation state for a conversion."""
    md: markdown.Markdown = getattr(_LOCAL, "md", None) or _new_markdown()
    _LOCAL.md = None  # lent out: a nested call or a failed conversion never shares it
    citations = cast("CitationProcessor", md.inlinePatterns["citation"])
    md.reset()
    citations.state = state
    yield md
    citations.state = CitationState()
    _LOCAL.md = md


class Converter:
    """One document's conversions; citations are numbered across all of its fields."""

    def __init__(self, citation_numbers: Mapping[str, int] | None = None) -> None:
        self._state = CitationState(numbers=dict(citation_numbers or {}))
        self._toc: list[TocEntry] = []

    @property
    def emitted_anchors(self) -> Mapping[str, tuple[str, ...]]:
        """The in-text anchor ids written so far, per reference id."""
        return {key: tuple(value) for key, value in self._state.emitted.items()}

    @property
    def toc(self) -> tuple[TocEntry, ...]:
        """The H2 headings of the last block converted with ``collect_toc``."""
        return tuple(self._toc)

    def _convert(self, text: str, collect_toc: bool) -> str:
        """Markdown's HTML for ``text``, before sanitising."""
        if not collect_toc:
            plain = plain_html(text, self._state)
            if plain is not None:
                return plain
        with _markdown(self._state) as md:
            out = md.convert(text)
        if collect_toc:
            self._toc = [
                TocEntry(id=t["id"], title=_heading_text(t.get("html", t["name"])))
                for t in getattr(md, "toc_tokens", [])
                if t["level"] == 2
            ]
        return out

    def block(self, text: str, collect_toc: bool = False) -> Markup:
        """Convert Markdown blocks to sanitised HTML."""
        return sanitise(self._convert(text, collect_toc))

    def inline(self, text: str) -> Markup:
        """Convert one paragraph of inline Markdown, without the wrapping ``<p>``."""
        out = str(self.block(text)).strip()
        match = _WRAPPING_P.match(out)
        return Markup(match.group(1)) if match and "<p>" not in match.group(1) else Markup(out)
