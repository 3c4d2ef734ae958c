"""Markdown to sanitised HTML: the only producer of HTML that templates may trust."""

from __future__ import annotations

import contextlib
import functools
import html
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, cast

import markdown
import nh3
from markdown import inlinepatterns, treeprocessors, util
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markupsafe import Markup

from b12site.citations import CITATION_RE, CitationProcessor, CitationState, citation_html
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


def _any_of(*needles: str) -> re.Pattern[str]:
    """A search for any of the given strings."""
    return re.compile("|".join(map(re.escape, needles)))


# Each inline pattern's regex (by its source) cannot match text that holds none of these strings.
_PATTERN_NEEDS: Mapping[str, re.Pattern[str]] = {
    inlinepatterns.BACKTICK_RE: _any_of("`"),
    inlinepatterns.ESCAPE_RE: _any_of("\\"),
    inlinepatterns.REFERENCE_RE: _any_of("["),
    inlinepatterns.LINK_RE: _any_of("["),
    inlinepatterns.IMAGE_LINK_RE: _any_of("!["),
    inlinepatterns.IMAGE_REFERENCE_RE: _any_of("!["),
    inlinepatterns.AUTOLINK_RE: _any_of("<"),
    inlinepatterns.AUTOMAIL_RE: _any_of("<"),
    inlinepatterns.HTML_RE: _any_of("<"),
    inlinepatterns.ENTITY_RE: _any_of("&"),
    inlinepatterns.LINE_BREAK_RE: _any_of("  \n"),
    r"\*|_": _any_of("*", "_"),
    CITATION_RE.pattern: _any_of("["),
}
# what the faster inline pass overrides or calls (Python-Markdown's own, private methods)
_INLINE_INTERNALS = ("_InlineProcessor__handleInline", "_InlineProcessor__applyPattern")
_ANY_NEED = re.compile("|".join(needs.pattern for needs in _PATTERN_NEEDS.values()))
# One line of prose that Markdown leaves as it is: letters, digits, spaces and this punctuation
# (no ``_ * ` \ [ ] < > & # | ~ { }``); it may not start like a block (list, heading, quote, ...).
_NOT_PLAIN = re.compile(r"[^\w .,;:?!'\"()%/+=\u2013\u2014\u2018\u2019\u201c\u201d-]|_")
_NOT_IN_CITATION = re.compile(r"[^\w .:;@\[\]-]")
_BOLD_LABEL = re.compile(r"\*\*(?! )([^*]*[^ *])\*\*(?= |\Z)")
_PLAIN_START = re.compile(r"(?!\d+[.)])(?:[^\W_]|[\"'(\u2018\u201c])")


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


def _prose_html(text: str, state: CitationState) -> str | None:
    """Markdown's HTML for plain prose within a line, citations numbered, or None if not plain."""
    citations = list(CITATION_RE.finditer(text))
    if _NOT_PLAIN.search(CITATION_RE.sub("", text)) or any(
        _NOT_IN_CITATION.search(m.group(0)) for m in citations
    ):
        return None
    parts, end = [], 0
    for match in citations:
        parts += [text[end : match.start()], citation_html(match.group(1), state)]
        end = match.end()
    return "".join([*parts, text[end:]])


def _plain_html(text: str, state: CitationState) -> str | None:
    """Markdown's HTML for one line of prose, maybe after a ``**label**``, or None for the rest."""
    if not text or text[-1] == " ":
        return None
    label = _BOLD_LABEL.match(text)
    if label and not _NOT_PLAIN.search(label.group(1)):
        head, rest = f"<strong>{label.group(1)}</strong>", text[label.end() :]
    elif _PLAIN_START.match(text):
        head, rest = "", text
    else:
        return None
    prose = _prose_html(rest, state)
    return None if prose is None else f"<p>{head}{prose}</p>"


class _SkippingInlineProcessor(treeprocessors.InlineProcessor):
    """Python-Markdown's inline pass, not trying patterns whose regex needs absent text."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self._apply: Callable[..., tuple[str, bool, int]]
        self._apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        self._plan: list[tuple[Any, re.Pattern[str] | None]] = []
        self._all_known = False

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        """Note what each pattern needs, then run the inline pass."""
        patterns = cast("Iterable[inlinepatterns.Pattern]", self.inlinePatterns)
        self._plan = [(p, _PATTERN_NEEDS.get(p.getCompiledRegExp().pattern)) for p in patterns]
        self._all_known = all(needs is not None for _, needs in self._plan)
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        """The base loop over the patterns, skipping those that cannot match ``data``."""
        if isinstance(data, util.AtomicString) or (self._all_known and not _ANY_NEED.search(data)):
            return data
        plan, start = self._plan, 0
        while patternIndex < len(plan):
            pattern, needs = plan[patternIndex]
            if needs is not None and not needs.search(data):
                patternIndex, start = patternIndex + 1, 0
                continue
            data, matched, start = self._apply(pattern, data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


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
    if all(hasattr(treeprocessors.InlineProcessor, name) for name in _INLINE_INTERNALS):
        md.treeprocessors.register(_SkippingInlineProcessor(md), "inline", 20)
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
            plain = _plain_html(text, self._state)
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
