"""Markdown to sanitised HTML: the only producer of HTML that templates may trust."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Mapping
from dataclasses import dataclass, field

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import InlineProcessor
from markupsafe import Markup

from b12site.citations import CITATION_RE, KEY_RE
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


def sanitise(html_text: str) -> Markup:
    """Keep only allow-listed tags, attributes and URL schemes; mark the result safe."""
    cleaned = nh3.clean(
        html_text,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )
    return Markup(cleaned)


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


@dataclass
class _CitationState:
    """Per-document state of the citation extension: numbers in, anchors out."""

    numbers: Mapping[str, int] = field(default_factory=dict)
    emitted: dict[str, list[str]] = field(default_factory=dict)


class _CitationProcessor(InlineProcessor):
    """Turns ``[@a; @b]`` into superscript links to numbered references."""

    def __init__(self, pattern: str, md: markdown.Markdown, state: _CitationState) -> None:
        super().__init__(pattern, md)
        self.state = state

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[etree.Element, int, int]:
        sup = etree.Element("sup", {"class": "citation"})
        sup.text = "["
        links = []
        for key in KEY_RE.findall(m.group(1)):
            number = self.state.numbers.get(key)
            if number is None:
                link = etree.SubElement(sup, "span")
                link.text = "?"
            else:
                anchors = self.state.emitted.setdefault(key, [])
                anchor = f"cite-{key}-{len(anchors) + 1}"
                anchors.append(anchor)
                link = etree.SubElement(
                    sup,
                    "a",
                    {
                        "href": f"#ref-{key}",
                        "id": anchor,
                        "class": "citation-link",
                        "role": "doc-noteref",
                        "aria-label": f"Reference {number}",
                    },
                )
                link.text = str(number)
            links.append(link)
        for link in links[:-1]:
            link.tail = ", "
        links[-1].tail = "]"
        return sup, m.start(0), m.end(0)


class _CitationExtension(Extension):
    def __init__(self, state: _CitationState) -> None:
        super().__init__()
        self.state = state

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.inlinePatterns.register(
            _CitationProcessor(CITATION_RE.pattern, md, self.state), "citation", 175
        )


class Converter:
    """One Markdown converter for one document; ``reset()`` runs between its fields."""

    def __init__(self, citation_numbers: Mapping[str, int] | None = None) -> None:
        self._state = _CitationState(numbers=dict(citation_numbers or {}))
        self._md = markdown.Markdown(
            extensions=[*EXTENSIONS, _CitationExtension(self._state)],
            extension_configs={
                "toc": {"slugify": heading_slug, "toc_depth": "2-6"},
                "tables": {"use_align_attribute": True},
            },
            output_format="html",
        )
        self._toc: list[TocEntry] = []

    @property
    def emitted_anchors(self) -> Mapping[str, tuple[str, ...]]:
        """The in-text anchor ids written so far, per reference id."""
        return {key: tuple(value) for key, value in self._state.emitted.items()}

    @property
    def toc(self) -> tuple[TocEntry, ...]:
        """The H2 headings of the last block converted with ``collect_toc``."""
        return tuple(self._toc)

    def block(self, text: str, collect_toc: bool = False) -> Markup:
        """Convert Markdown blocks to sanitised HTML."""
        self._md.reset()
        out = self._md.convert(text)
        if collect_toc:
            tokens = getattr(self._md, "toc_tokens", [])
            self._toc = [
                TocEntry(id=t["id"], title=_heading_text(t.get("html", t["name"])))
                for t in tokens
                if t["level"] == 2
            ]
        return sanitise(out)

    def inline(self, text: str) -> Markup:
        """Convert one paragraph of inline Markdown, without the wrapping ``<p>``."""
        out = str(self.block(text)).strip()
        match = _WRAPPING_P.match(out)
        return Markup(match.group(1)) if match and "<p>" not in match.group(1) else Markup(out)
