"""Structure and accessibility rules over the HTML of the fields an editor writes.

Only what comes from the Markdown is judged (body, summary, key points, FAQ answers); the
theme's own parts of the page are ours. Every field is parsed once, with the standard
library's HTML parser, after taking out what no rule reads (citation marks and tags that
carry nothing a rule needs), which halves the cost of a parse.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser

from b12site.errors import ERROR, WARNING, Problem
from b12site.findings import Rule, field_text, finding
from b12site.models import RenderedArticle, RenderedPage, Source

__all__ = [
    "DESCRIPTION_LENGTH",
    "DESCRIPTION_MAX",
    "DESCRIPTION_MIN",
    "FAQ_EMPTY_ANSWER",
    "HEADING_SKIP",
    "IMAGE_ALT",
    "KEY_POINTS_COUNT",
    "KEY_POINTS_MAX",
    "KEY_POINTS_MIN",
    "NO_SECTIONS",
    "STRUCTURE_RULES",
    "TABLE_HEADER",
    "VAGUE_LINK_TEXT",
    "VAGUE_LINK_TEXTS",
    "FieldFacts",
    "ImageTag",
    "LinkTag",
    "alt_problem",
    "description_length",
    "empty_answers",
    "headerless_tables",
    "heading_skips",
    "key_points_count",
    "missing_alts",
    "no_sections",
    "read_field",
    "structure_findings",
    "vague",
    "vague_links",
]

HEADING_SKIP = Rule(
    "heading-skip",
    WARNING,
    "A heading in the body skips a level (an h4 after an h2, or a first heading below h2)",
    "structure",
)
IMAGE_ALT = Rule(
    "image-alt",
    ERROR,
    "An image has no alt text, or only an empty one or a file name",
    "structure",
)
TABLE_HEADER = Rule(
    "table-header",
    ERROR,
    "A table has no header cells (`<th>`), so screen readers cannot name its cells",
    "structure",
)
VAGUE_LINK_TEXT = Rule(
    "vague-link-text",
    WARNING,
    'A link\'s text says nothing about where it goes ("click here", "read more")',
    "links",
)
DESCRIPTION_LENGTH = Rule(
    "description-length",
    WARNING,
    "The description is shorter than 50 or longer than 160 characters",
    "content",
)
KEY_POINTS_COUNT = Rule(
    "key-points-count",
    WARNING,
    "An article has fewer than 3 or more than 7 key points",
    "structure",
)
FAQ_EMPTY_ANSWER = Rule(
    "faq-empty-answer",
    ERROR,
    "An FAQ answer has no text once rendered (only citations, images or markup)",
    "structure",
)
NO_SECTIONS = Rule(
    "no-sections",
    WARNING,
    "An article body has no '## ' sections, so the page has no contents list",
    "structure",
)
STRUCTURE_RULES = (
    HEADING_SKIP,
    IMAGE_ALT,
    TABLE_HEADER,
    VAGUE_LINK_TEXT,
    DESCRIPTION_LENGTH,
    KEY_POINTS_COUNT,
    FAQ_EMPTY_ANSWER,
    NO_SECTIONS,
)

DESCRIPTION_MIN = 50  # characters: fewer says too little in a search result
DESCRIPTION_MAX = 160  # characters: about what search results show
KEY_POINTS_MIN = 3
KEY_POINTS_MAX = 7
VAGUE_LINK_TEXTS = frozenset(
    {
        "click here",
        "here",
        "read more",
        "more",
        "this link",
        "link",
        "this page",
        "learn more",
    }
)

# What no rule reads, taken out before parsing: citation marks (ours; their text is not the
# editor's and their links are exempt) and tags whose attributes and place no rule needs.
# The text is nh3's output, so attribute values are always double-quoted.
_QUIET_TAGS = (
    *("p", "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre", "div", "figure", "hr"),
    *("strong", "em", "b", "i", "s", "del", "ins", "mark", "small", "sub", "sup", "q", "kbd"),
    *("code", "span", "abbr", "figcaption", "caption", "thead", "tbody", "tfoot", "tr", "td"),
)
_NOISE = re.compile(
    r'<sup class="citation">.*?</sup>'
    rf"|</?(?:{'|'.join(_QUIET_TAGS)})(?:\s(?:[^>\"]|\"[^\"]*\")*)?>",
    re.DOTALL,
)
_HEADING = re.compile(r"h([2-6])")
_PUNCTUATION = re.compile(r"[^\w\s]")
_WORD = re.compile(r"\w")
_IMAGE_FILE = re.compile(r"[^/\\]*\.(?:jpe?g|png|gif|webp|avif|svg|bmp|tiff?|heic|heif)", re.I)
_ALT_HELP = "describe what it shows (decorative images are rare in health articles)"


@dataclass(frozen=True)
class ImageTag:
    """An ``<img>``: its source and alt text (None when it has no alt attribute)."""

    src: str
    alt: str | None


@dataclass(frozen=True)
class LinkTag:
    """An ``<a>``: its text, target, aria-label and whether it is a citation link."""

    text: str
    href: str
    label: str
    citation: bool


@dataclass
class FieldFacts:
    """What the rules need of one field's HTML, gathered in one parse."""

    headings: list[tuple[int, str]] = field(default_factory=list)
    images: list[ImageTag] = field(default_factory=list)
    headerless_tables: int = 0
    links: list[LinkTag] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # every text node, citation marks left out

    @property
    def has_text(self) -> bool:
        """Whether a reader sees any word (a letter or a digit) in the field."""
        return any(_WORD.search(part) for part in self.text)


class _Reader(HTMLParser):
    """Collects a field's headings, images, tables, links and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts = FieldFacts()
        self._heading: tuple[int, list[str]] | None = None
        self._link: tuple[dict[str, str | None], list[str]] | None = None
        self._tables: list[bool] = []  # open tables: whether each has a header cell yet

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if heading := _HEADING.fullmatch(tag):
            self._heading = (int(heading.group(1)), [])
        elif tag == "a":
            self._link = (dict(attrs), [])
        elif tag == "img":
            found = dict(attrs)
            self.facts.images.append(ImageTag(found.get("src") or "", found.get("alt")))
        elif tag == "table":
            self._tables.append(False)
        elif tag == "th" and self._tables:
            self._tables[-1] = True
        elif tag == "br":
            self.handle_data(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._heading and tag == f"h{self._heading[0]}":
            level, parts = self._heading
            self.facts.headings.append((level, _squash("".join(parts))))
            self._heading = None
        elif tag == "a" and self._link:
            attrs, parts = self._link
            classes = (attrs.get("class") or "").split()
            link = LinkTag(
                _squash("".join(parts)),
                attrs.get("href") or "",
                _squash(attrs.get("aria-label") or ""),
                "citation-link" in classes,
            )
            self.facts.links.append(link)
            self._link = None
        elif tag == "table" and self._tables and not self._tables.pop():
            self.facts.headerless_tables += 1

    def handle_data(self, data: str) -> None:
        self.facts.text.append(data)
        if self._heading:
            self._heading[1].append(data)
        if self._link:
            self._link[1].append(data)


def read_field(html_text: str) -> FieldFacts:
    """The facts of one field's sanitised HTML (one parse, none for plain text)."""
    kept = _NOISE.sub("", html_text)
    if "<" not in kept:
        return FieldFacts(text=[html.unescape(kept)])
    reader = _Reader()
    reader.feed(kept)
    reader.close()
    return reader.facts


def _squash(text: str) -> str:
    """Text with its runs of white space made single spaces, trimmed."""
    return " ".join(text.split())


def _needle(text: str, candidates: Iterable[str]) -> str:
    """The first candidate written in ``text`` (as a Markdown field has it), else ''."""
    return next((c for c in candidates if c and c in text), "")


def _placed(
    source: Source, field_name: str, message: str, rule: Rule, needle: str, nth: int = 0
) -> Problem:
    """A finding at the ``nth`` (from 0) place ``needle`` is written in a body, when the same
    needle stands for several elements (two images of one file); else at its first."""
    problem = finding(source, field_name, message, rule, needle)
    if field_name != "body" or not needle or nth == 0:
        return problem
    start = -1
    for _ in range(nth + 1):
        start = source.body.find(needle, start + 1)
        if start < 0:
            return problem
    line_start = source.body.rfind("\n", 0, start) + 1
    line = source.body_line + source.body.count("\n", 0, start)
    return replace(problem, line=line, column=start - line_start + 1)


class _Counter:
    """How often each needle was met before: which of its places an element is."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def next(self, needle: str) -> int:
        """The number of earlier elements of the same needle, counting this one in."""
        count = self._seen.get(needle, 0)
        self._seen[needle] = count + 1
        return count


def heading_skips(source: Source, facts: FieldFacts) -> list[Problem]:
    """``heading-skip``: body headings more than one level below the one before them."""
    levels = [1] + [level for level, _ in facts.headings]  # the page title is the h1
    if all(level <= before + 1 for before, level in itertools.pairwise(levels)):
        return []
    found = []
    text, seen = source.body, _Counter()
    for before, (level, title) in zip(levels, facts.headings, strict=False):
        marks = "#" * level
        needle = _needle(text, (f"{marks} {title}", title, f"<h{level}", f"<H{level}", marks))
        nth = seen.next(needle)
        if level > before + 1:
            after = f"an h{before}" if before > 1 else "an h1 (the page title)"
            message = f"'{title}' is an h{level} after {after}: don't skip heading levels"
            found.append(_placed(source, "body", message, HEADING_SKIP, needle, nth))
    return found


def alt_problem(image: ImageTag) -> str:
    """What is wrong with an image's alt text, or '' when it has a fitting one."""
    alt = _squash(image.alt or "")
    name = image.src.rsplit("/", 1)[-1]
    shown = image.src or "<img>"
    if not alt:
        return f"the image '{shown}' has no alt text: {_ALT_HELP}"
    if _IMAGE_FILE.fullmatch(alt) or alt in {image.src, name, name.rsplit(".", 1)[0]}:
        return f"the image '{shown}' has a file name as its alt text ('{alt}'): {_ALT_HELP}"
    return ""


def missing_alts(source: Source, field_name: str, facts: FieldFacts) -> list[Problem]:
    """``image-alt``: images of a field without a fitting alt text."""
    messages = [alt_problem(image) for image in facts.images]
    if not any(messages):
        return []
    found = []
    text, seen = field_text(source, field_name), _Counter()
    for image, message in zip(facts.images, messages, strict=True):
        needle = _needle(text, (image.src, "<img", "!["))
        nth = seen.next(needle)
        if message:
            found.append(_placed(source, field_name, message, IMAGE_ALT, needle, nth))
    return found


def headerless_tables(source: Source, field_name: str, facts: FieldFacts) -> list[Problem]:
    """``table-header``: tables of a field without a single header cell."""
    if not facts.headerless_tables:
        return []
    text = field_text(source, field_name)
    lowered = text.lower()
    at = lowered.find("<table")
    needle = text[at : at + len("<table")] if at >= 0 else ""
    message = (
        "a table has no header cells (<th>): mark its header row or column so screen "
        "readers can say which heading each cell belongs to"
    )
    return [
        _placed(source, field_name, message, TABLE_HEADER, needle, nth)
        for nth in range(facts.headerless_tables)
    ]


def vague(text: str) -> bool:
    """Whether link text names no destination ("Click here!", "read more…")."""
    return _squash(_PUNCTUATION.sub("", text.casefold())) in VAGUE_LINK_TEXTS


def vague_links(source: Source, field_name: str, facts: FieldFacts) -> list[Problem]:
    """``vague-link-text``: links of a field (not citations) whose text names nothing."""
    links = [link for link in facts.links if not link.citation]
    if not any(vague(link.label or link.text) for link in links):
        return []
    found = []
    text, seen = field_text(source, field_name), _Counter()
    for link in links:
        words = link.text
        candidates = (f"[{words}]({link.href}", f"[{words}](", f"[{words}]", f"{words}</a>", words)
        needle = _needle(text, candidates)
        nth = seen.next(needle)
        if vague(link.label or words):
            message = (
                f"the link text '{link.label or words}' does not say where it goes: name the "
                "page or source (screen reader users often hear links on their own)"
            )
            found.append(_placed(source, field_name, message, VAGUE_LINK_TEXT, needle, nth))
    return found


def description_length(source: Source, description: str) -> list[Problem]:
    """``description-length``: a description too short or too long for search results."""
    size = len(description)
    if size > DESCRIPTION_MAX:
        message = f"{size} characters; search results show about {DESCRIPTION_MAX}"
    elif size < DESCRIPTION_MIN:
        message = (
            f"{size} characters; write at least {DESCRIPTION_MIN} so search results "
            "say what the page is about"
        )
    else:
        return []
    return [finding(source, "description", message, DESCRIPTION_LENGTH)]


def key_points_count(source: Source, count: int) -> list[Problem]:
    """``key-points-count``: fewer or more key points than a summary should have."""
    if KEY_POINTS_MIN <= count <= KEY_POINTS_MAX:
        return []
    points = "key point" if count == 1 else "key points"
    message = f"{count} {points}; {KEY_POINTS_MIN} to {KEY_POINTS_MAX} is a sensible number"
    return [finding(source, "key_points", message, KEY_POINTS_COUNT)]


def empty_answers(source: Source, answers: Sequence[FieldFacts]) -> list[Problem]:
    """``faq-empty-answer``: FAQ answers with no words once rendered."""
    message = (
        "the answer has no text once rendered (only citations, images, markup or "
        "white space): write the answer out"
    )
    return [
        finding(source, f"faq[{index}].answer", message, FAQ_EMPTY_ANSWER)
        for index, facts in enumerate(answers)
        if not facts.has_text
    ]


def no_sections(source: Source, document: RenderedArticle) -> list[Problem]:
    """``no-sections``: an article body without the h2 sections its contents list shows."""
    if document.toc:
        return []
    message = "no '## ' sections, so the page has no contents list"
    return [finding(source, "body", message, NO_SECTIONS)]


def _field_rules(source: Source, fields: Sequence[tuple[str, FieldFacts]]) -> list[Problem]:
    """The rules of images, tables and links, over every field an editor writes."""
    found = []
    for name, facts in fields:
        found += missing_alts(source, name, facts)
        found += headerless_tables(source, name, facts)
        found += vague_links(source, name, facts)
    return found


def structure_findings(document: RenderedArticle | RenderedPage) -> list[Problem]:
    """Every structure rule's findings in one rendered article or page, in file order."""
    if isinstance(document, RenderedPage):
        source = document.page.source
        body = read_field(document.body_html)
        found = heading_skips(source, body) + _field_rules(source, [("body", body)])
        found += description_length(source, document.page.description)
        return sorted(found, key=lambda p: p.sort_key)
    article = document.article
    source = article.source
    body = read_field(document.body_html)
    answers = [read_field(answer) for _, answer in document.faq_html]
    fields = [
        ("summary", read_field(document.summary_html)),
        *((f"key_points[{i}]", read_field(p)) for i, p in enumerate(document.key_points_html)),
        ("body", body),
        *((f"faq[{i}].answer", facts) for i, facts in enumerate(answers)),
    ]
    found = heading_skips(source, body) + _field_rules(source, fields)
    found += description_length(source, article.description)
    found += key_points_count(source, len(article.key_points))
    found += empty_answers(source, answers)
    found += no_sections(source, document)
    return sorted(found, key=lambda p: p.sort_key)
