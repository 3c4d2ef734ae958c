"""Markdown to sanitised HTML: the only producer of HTML that templates may trust."""

from __future__ import annotations

import contextlib
import functools
import html
import re
import threading
import xml.etree.ElementTree as etree
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

import markdown
import nh3
from markdown import treeprocessors
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markupsafe import Markup

from b12site import blocks
from b12site.blocks import BLOCK_RULE, CAPTION_PREFIX, BlocksExtension, BlockState
from b12site.citations import CitationProcessor, CitationState
from b12site.errors import ContentError, Problem, suggest
from b12site.inline import INLINE_INTERNALS, SkippingInlineProcessor, plain_html
from b12site.limits import markdown_limits
from b12site.models import CareCardSettings, TocEntry

__all__ = [
    "BLOCK_RULE",
    "ID_RULE",
    "LIMIT_RULE",
    "RESERVED_IDS",
    "TOP_HEADING_RULE",
    "UNCLOSED_RULE",
    "UNKNOWN_CITATION_RULE",
    "Converter",
    "Where",
    "reserved",
    "sanitise",
    "strip_tags",
]

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
# A-Z letters and section titles; and those of table captions, which the converter gives
RESERVED_ID_PREFIXES = ("ref-", "cite-", "faq-", "letter-", CAPTION_PREFIX)
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
# Guarded attributes (blocks.attribute_filter): kept only on the elements the health content
# blocks and table regions are made of, with the exact values they are made with; raw HTML
# and attribute lists an editor writes cannot give them.
GUARDED_ATTRIBUTES: Mapping[str, set[str]] = {
    "div": {"class", "role", "tabindex", "aria-labelledby", "aria-label"},
    "span": {"class"},
    "ul": {"class"},
    "caption": {"id"},
    **{f"h{n}": {"class"} for n in range(2, 7)},
}
ALLOWED_ATTRIBUTES: Mapping[str, set[str]] = {
    "a": {"href", "title", "id", "class", "role", "aria-label"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "sup": {"class", "id"},
    "code": {"class"},
    "div": GUARDED_ATTRIBUTES["div"],
    "span": GUARDED_ATTRIBUTES["span"],
    "ul": GUARDED_ATTRIBUTES["ul"],
    "caption": GUARDED_ATTRIBUTES["caption"],
    **{f"h{n}": {"id", "class"} for n in range(2, 7)},
}
LIMIT_RULE = "markdown-limit"
UNCLOSED_RULE = "unclosed-html"
TOP_HEADING_RULE = "top-heading"
UNKNOWN_CITATION_RULE = "unknown-citation"
ID_RULE = "duplicate-id"
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
        "attribute_filter": blocks.attribute_filter,
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
    """Heading ids as Python-Markdown makes them, kept clear of the page's own ids and of the
    ids that fields converted before this one on the same page already use."""
    slug = slugify_unicode(value, separator) or "section"
    clash = (
        slug in RESERVED_IDS
        or slug.startswith(RESERVED_ID_PREFIXES)
        or slug.endswith(RESERVED_ID_SUFFIXES)
    )
    slug = f"{slug}-section" if clash else slug
    taken: set[str] = getattr(_LOCAL, "taken", set())
    unique, count = slug, 0
    while unique in taken:
        count += 1
        unique = f"{slug}_{count}"
    return unique


def reserved(element_id: str) -> bool:
    """Whether an id is one the theme gives its own elements."""
    return (
        element_id in RESERVED_IDS
        or element_id.startswith(RESERVED_ID_PREFIXES)
        or element_id.endswith(RESERVED_ID_SUFFIXES)
    )


class _CitationExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.inlinePatterns.register(CitationProcessor(md), "citation", 175)


class _Inspector(treeprocessors.Treeprocessor):
    """Notes what the page rules judge on the parsed tree: top-level headings (ATX or
    underlined, never a '#' inside code) and ids given by hand, before the contents
    extension adds its own."""

    top_headings: list[str]
    given_ids: set[str]

    def reset(self) -> None:
        """Forget the last text (Markdown skips the tree processors for blank text)."""
        self.top_headings, self.given_ids = [], set()

    def run(self, root: etree.Element) -> None:
        self.reset()
        for element in root.iter():
            if element.tag == "h1":
                self.top_headings.append(" ".join("".join(element.itertext()).split()))
            given = element.get("id")
            if given is not None and "citation-link" not in element.get("class", "").split():
                self.given_ids.add(given)


def _new_markdown() -> markdown.Markdown:
    """A Markdown converter with the site's extensions and the faster inline pass."""
    md = markdown.Markdown(
        extensions=[*EXTENSIONS, _CitationExtension(), BlocksExtension()],
        extension_configs={
            "toc": {"slugify": heading_slug, "toc_depth": "2-6"},
            "tables": {"use_align_attribute": True},
        },
        output_format="html",
    )
    if all(hasattr(treeprocessors.InlineProcessor, name) for name in INLINE_INTERNALS):
        md.treeprocessors.register(SkippingInlineProcessor(md), "inline", 20)
    # after attr_list (8) has set the ids given by hand, before toc (5) adds its own
    md.treeprocessors.register(_Inspector(md), "b12site-inspector", 6)
    return md


_LOCAL = threading.local()


@contextlib.contextmanager
def _markdown(
    state: CitationState, taken: set[str], block_state: BlockState
) -> Iterator[markdown.Markdown]:
    """This thread's converter, reset and lent one document's citation and block state and
    the ids its page already uses for a conversion."""
    md: markdown.Markdown = getattr(_LOCAL, "md", None) or _new_markdown()
    _LOCAL.md = None  # lent out: a nested call or a failed conversion never shares it
    citations = cast("CitationProcessor", md.inlinePatterns["citation"])
    md.reset()
    citations.state, _LOCAL.taken = state, taken
    blocks.use_state(md, block_state)
    yield md
    citations.state, _LOCAL.taken = CitationState(), set()
    blocks.use_state(md, BlockState())
    _LOCAL.md = md


@dataclass(frozen=True)
class Where:
    """Where a converted text comes from, so its problems name the file, field and line."""

    path: str
    field: str
    line: int


_IDS = re.compile(r'\sid="([^"]*)"')
# raw HTML elements whose content is not markup: the sanitiser drops them with all they hold,
# which for an unclosed one is the rest of the text
_SWALLOWING = re.compile(
    r"<(script|style|textarea|title|iframe|noscript|noembed|noframes|xmp|plaintext|template)\b",
    re.IGNORECASE,
)


class Converter:
    """One document's conversions: citations numbered across all of its fields in page order,
    one registry of ids for the whole page, and the problems found on the way."""

    def __init__(
        self, known_keys: Iterable[str] = (), care_cards: CareCardSettings | None = None
    ) -> None:
        self.citations = CitationState(known=frozenset(known_keys))
        self.blocks = BlockState(wording=care_cards or CareCardSettings())
        self._toc: list[TocEntry] = []
        self._used: set[str] = set()
        self.problems: list[Problem] = []

    @property
    def toc(self) -> tuple[TocEntry, ...]:
        """The H2 headings of the last block converted with ``collect_toc``."""
        return tuple(self._toc)

    def block(
        self, text: str, collect_toc: bool = False, where: Where | None = None, level: int = 1
    ) -> Markup:
        """Convert Markdown blocks to sanitised HTML; ``level`` is that of the heading the
        text sits under (its health content blocks' headings are one level below)."""
        self.blocks.level = level
        return self._convert(text, collect_toc, where)

    def inline(self, text: str, where: Where | None = None) -> Markup:
        """Convert one paragraph of inline Markdown, without the wrapping ``<p>``."""
        out = str(self.block(text, where=where)).strip()
        match = _WRAPPING_P.match(out)
        return Markup(match.group(1)) if match and "<p>" not in match.group(1) else Markup(out)

    def _convert(self, text: str, collect_toc: bool, where: Where | None) -> Markup:
        """Sanitised HTML for ``text``; what breaks the page's rules goes to ``problems``.

        A text that cannot be converted faithfully (over a limit, or holding raw HTML that
        would take the text after it away) gives no HTML: its problems are recorded, or
        raised as ContentError when no ``where`` says whose they are.
        """
        place = where or Where("", "", 1)
        if over := markdown_limits(text):  # converting it could take minutes or crash
            return self._refuse([(offset, message) for offset, message in over], place, LIMIT_RULE)
        unknown_before = len(self.citations.unknown)
        blocks_before = len(self.blocks.problems)
        if not collect_toc and (plain := plain_html(text, self.citations)) is not None:
            out, given, top, tokens = sanitise(plain), set(), [], []
            ids = _IDS.findall(out)
        else:
            emitted = {key: len(anchors) for key, anchors in self.citations.emitted.items()}
            with _markdown(self.citations, self._used, self.blocks) as md:
                inspector = cast("_Inspector", md.treeprocessors["b12site-inspector"])
                inspector.reset()
                html_text = md.convert(text)
                given, top = inspector.given_ids, inspector.top_headings
                tokens = list(_flatten(getattr(md, "toc_tokens", [])))
            if swallowing := _unclosed(html_text):
                self._keep_present_anchors(emitted, set())  # none of them is written
                return self._refuse(
                    [_swallowing(text, tag) for tag in swallowing], place, UNCLOSED_RULE
                )
            out = sanitise(html_text)
            ids = _IDS.findall(out)
            self._keep_present_anchors(emitted, set(ids))
            if collect_toc:
                self._toc = [
                    TocEntry(id=t["id"], title=_heading_text(t.get("html", t["name"])))
                    for t in tokens
                    if t["level"] == 2
                ]
        if where is not None:
            unknown = self.citations.unknown[unknown_before:]
            self._check(text, ids, given, top, tokens, unknown, where)
            for needle, message in dict.fromkeys(self.blocks.problems[blocks_before:]):
                line = where.line + _offset_of(text, (needle,))
                self.problems.append(Problem(where.path, line, where.field, message, BLOCK_RULE))
        self._used.update(ids)
        return out

    def _refuse(self, found: list[tuple[int, str]], where: Where, rule: str) -> Markup:
        """Record (or raise, for a text of no known place) why a text gives no HTML."""
        problems = [
            Problem(where.path, where.line + offset, where.field, m, rule) for offset, m in found
        ]
        if not where.path:
            raise ContentError(problems)
        self.problems += problems
        return Markup("")

    def _check(
        self,
        text: str,
        ids: list[str],
        given: set[str],
        top: list[str],
        tokens: list[dict[str, Any]],
        unknown: list[str],
        where: Where,
    ) -> None:
        """Record the problems of one converted text."""

        def problem(needles: tuple[str, ...], message: str, rule: str, last: bool = False) -> None:
            line = where.line + _offset_of(text, needles, last)
            self.problems.append(Problem(where.path, line, where.field, message, rule))

        for heading in top:
            problem(
                (f"# {heading}", heading),
                "use '## ' for sections: the title is the page's only top heading",
                TOP_HEADING_RULE,
            )
        known = sorted(self.citations.known)
        for key in dict.fromkeys(unknown):
            message = f"unknown citation '@{key}'{suggest(key, known)}"
            problem((f"@{key}",), message, UNKNOWN_CITATION_RULE)
        # made here, not by hand: heading ids the contents extension gave, citation anchors
        ours = {t["id"] for t in tokens} - given
        ours.update(a for anchors in self.citations.emitted.values() for a in anchors)
        ours.update(self.blocks.made_ids - given)
        counts = Counter(ids)
        for element_id in counts:
            if element_id in ours:
                continue
            needles = (f"#{element_id}", f'id="{element_id}"', f"id='{element_id}'")
            if reserved(element_id):
                message = f"the id '{element_id}' is one the page gives its own parts"
                problem(needles, message, ID_RULE)
            elif element_id in self._used or counts[element_id] > 1:
                message = f"the id '{element_id}' is used twice on this page"
                problem(needles, message, ID_RULE, last=counts[element_id] > 1)  # the second

    def _keep_present_anchors(self, before: Mapping[str, int], present: set[str]) -> None:
        """Forget citation anchors the last conversion counted but did not keep (a citation
        in an image's alt text becomes text), so back links never point at nothing."""
        for key, anchors in self.citations.emitted.items():
            old = before.get(key, 0)
            anchors[old:] = [anchor for anchor in anchors[old:] if anchor in present]


def _unclosed(html_text: str) -> list[str]:
    """Raw HTML elements opened and never closed whose content is not markup: the sanitiser
    would drop them with everything after them (closed ones lose only their own content)."""
    lowered = html_text.lower()
    opened = sorted({tag.lower() for tag in _SWALLOWING.findall(html_text)})
    return [
        tag for tag in opened if lowered.count(f"</{tag}") < len(re.findall(rf"<{tag}\b", lowered))
    ]


def _swallowing(text: str, tag: str) -> tuple[int, str]:
    """Where a raw HTML element that would swallow the text after it starts, and why not."""
    message = (
        f"raw HTML <{tag}> is never closed: the text after it would be lost; close it, or "
        f"to show it as code, put it in backticks: `<{tag}>`"
    )
    return _offset_of(text.lower(), (f"<{tag}",)), message


def _flatten(tokens: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for token in tokens:
        yield token
        yield from _flatten(token.get("children", []))


def _offset_of(text: str, needles: tuple[str, ...], last: bool = False) -> int:
    """The line offset in ``text`` of the first (or ``last``) line holding one of
    ``needles`` (0 if none)."""
    lines = text.split("\n")
    order = range(len(lines) - 1, -1, -1) if last else range(len(lines))
    for needle in needles:
        for offset in order:
            if needle in lines[offset]:
                return offset
    return 0
