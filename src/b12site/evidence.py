"""The ``uncited-statistic`` rule: figures, doses and appeals to evidence need a citation.

It reads an article's rendered HTML, the only place where what counts as a citation (a
``<sup class="citation">``) is settled, split into blocks: paragraphs, list items, table
cells and captions. A block is vouched for when it cites, when it is part of a table (or
figure) that cites anywhere or whose introducing paragraph cites, or when it is an item of
a list whose introducing paragraph cites and ends with a colon. Every sentence of a block
not vouched for that states a statistic is a finding; headings and code are never read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

from b12site.errors import Problem
from b12site.findings import WARNING, Rule, finding
from b12site.models import RenderedArticle

__all__ = ["MOST_SHOWN", "UNCITED_STATISTIC", "find_statistic", "uncited_statistics"]

UNCITED_STATISTIC = Rule(
    "uncited-statistic",
    WARNING,
    "A sentence states a statistic (a percentage, 'x in y', a ratio or risk, a dose, "
    "'studies show') without a citation in the same sentence or paragraph",
    "evidence",
)

_CITE = "\ue000"  # stands for one citation in a block's text (no source text holds it)

# --- what a statistic looks like -------------------------------------------------------

_NUMBER = r"(?<![\w.,/-])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"  # not "B12", "1.2.3", "3/4"
_TAIL = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"  # the second number of a range
# "20", "20-30", "1,000 to 2,000"
_RANGE = rf"{_NUMBER}(?:\s*(?:-|\u2013|\u2014|to|and)\s*{_TAIL})?"
_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty)"
_TENS = r"(?:ten|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_OF_Y = (  # the y of "x in y" in words ("one in one" is no proportion)
    rf"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|{_TENS}"
    r"|(?:a\s+)?hundred|(?:a\s+)?thousand|(?:a\s+)?million)"
)
_YEAR = r"(?:1[89]|20)\d\d\b"  # 1800 to 2099, read as a year
_TIME = r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|goes?)\b"
# who is counted, between the x and the "in" of "x in y" ("1 woman in 8")
_WHO = (
    r"(?:extra|more|additional|older|younger|person|people|(?:wo)?m[ae]n|adults?|child(?:ren)?"
    r"|bab(?:y|ies)|infants?|patients?|users?|vegans?|vegetarians?|participants?|cases?"
    r"|deaths?|births?|pregnanc(?:y|ies)|smokers?|girls?|boys?)"
)
_MEASURE = r"(?:ml|millilitres?|litres?|l|g|grams?|kg|mg|mcg|µg|cm|mm|m|km)\b"
_PERCENT = (
    rf"{_RANGE}\s?(?:%|per\s?cent\b|percentage\s+points?\b)"
    rf"|\b(?:{_TENS}|{_WORDS}|a\s+hundred)\s+(?:per\s?cent\b|percentage\s+points?\b)"
)
_X_IN_Y = (
    rf"(?:(?!{_YEAR}){_NUMBER}|\b{_WORDS}\b)"
    rf"(?:(?:\s+{_WHO}){{0,2}}\s+(?:in|out\s+of)\s+(?!{_YEAR}|1\b(?!,\d))(?:{_NUMBER}|{_OF_Y}\b)"
    rf"|(?:\s+[a-z]+){{0,2}}?\s+in\s+(?:every|each)\s+(?:{_NUMBER}|{_OF_Y}\b))"
    rf"(?!\.\d)(?!\s*(?:{_TIME}|{_MEASURE}))"
)
_COMPARED = r"(?:likely|common|many|much|high|low|often|frequent|great|effective|fast|quickly)"
_RATIO = (
    rf"\b(?:twice|half|thrice)\s+as\s+{_COMPARED}\b"
    rf"|(?:{_NUMBER}|\b{_WORDS})\s*-?\s*(?:times|fold|x)\s+"
    r"(?:more|less|fewer|higher|lower|greater|smaller|larger|as|the|likelier)\b"
    rf"|(?:{_NUMBER}|\b{_WORDS})\s*-\s*fold\b|\b(?:two|three|four|five|six|ten)fold\b"
    r"|\b(?:relative|absolute)\s+risks?\b|\b(?:odds|hazard|risk|rate)\s+ratios?\b"
    r"|\bnumber\s+needed\s+to\s+(?:treat|harm)\b"
    r"|\b(?:doubl|tripl|trebl|quadrupl)(?:es|ed|ing)\b"
    r"(?!\s+(?:as|up|over|back)\b)(?!\s+(?:the|your|a|their|his|her)\s+doses?\b)"
    r"|(?<!into\s)(?<!in\s)\bhal(?:ves|ved|ving)\b"
    r"(?!\s+(?:the|your|a|their|his|her)\s+(?:doses?|tablets?|pills?)\b)"
)
_DOSE = (
    rf"{_RANGE}\s?(?:mcg|µg|μg|ug|micro\s?grams?|mg|milli\s?grams?|IU|international\s+units)\b"
    r"(?:\s?/\s?(?:day|d|week|wk|kg|dose)\b)?"
)
_SUBJECT = (
    r"(?:studies|(?:a|one|this|that|the|another|recent|new|large)\s+study|research(?:ers)?"
    r"|evidence|(?:clinical\s+)?trials?|scientists|experts|data|reviews?"
    r"|meta-analys[ei]s)"
)
# "what the research says" asks a question rather than appealing to evidence
_ASKED = "".join(
    rf"(?<!\b{word}\s)(?<!\b{word}\sthe\s)" for word in ("what", "whether", "how", "if")
)
_EVIDENCE = (
    rf"{_ASKED}\b{_SUBJECT}\s+"
    r"(?:(?:has|have|had|also|now|clearly|consistently|repeatedly|strongly|generally"
    r"|increasingly|all|often)\s+){0,2}"
    r"(?:show|shows|showed|shown|suggest|suggests|suggested|find|finds|found|say|says|said"
    r"|indicate|indicates|indicated|prove|proves|proved|proven|confirm|confirms|confirmed"
    r"|demonstrate|demonstrates|demonstrated)\b"
)
_STATISTIC = re.compile(
    "|".join(f"(?:{part})" for part in (_PERCENT, _X_IN_Y, _RATIO, _DOSE, _EVIDENCE)),
    re.IGNORECASE,
)

# --- sentences ---------------------------------------------------------------------------

_QUOTES = "\"'\u2018\u2019\u201c\u201d"
_END = re.compile(rf"[.!?][{_QUOTES})\]]*\s+(?=[{_QUOTES}(\[]*[A-Z0-9{_CITE}])")
_LONGEST_WORD = 12  # characters of text before a full stop that may hold an abbreviation
_ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "eg", "ie", "etc", "vs", "approx", "dr", "prof", "st", "no", "fig", "al", "ca"}
)


def find_statistic(text: str) -> re.Match[str] | None:
    """The first statistic, dose or appeal to evidence stated in a text, if any."""
    return _STATISTIC.search(text)


def _abbreviated(before: str) -> bool:
    """Whether the text before a full stop ends in an abbreviation such as "e.g"."""
    words = before[-_LONGEST_WORD:].split()
    token = words[-1].lower().lstrip(f"({_QUOTES}[") if words else ""
    return token in _ABBREVIATIONS or bool(re.fullmatch(r"(?:[a-z]\.)*[a-z]", token))


def _sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where each sentence of a block's text starts and ends."""
    start = 0
    for end in _END.finditer(text):
        if not _abbreviated(text[start : end.start()]):
            yield start, end.end()
            start = end.end()
    if text[start:].strip():
        yield start, len(text)


# --- blocks of rendered HTML ---------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {"p", "li", "dt", "dd", "td", "th", "caption", "figcaption", "blockquote", "div", "pre"}
    | {f"h{n}" for n in range(1, 7)}
)
_UNREAD_TAGS = frozenset({"pre"} | {f"h{n}" for n in range(1, 7)})  # code blocks, headings
_GROUP_TAGS = frozenset({"table", "figure"})
_LIST_TAGS = frozenset({"ul", "ol"})


@dataclass(frozen=True)
class _Block:
    """A paragraph, list item, table cell or the like, with the text it shows."""

    tag: str  # "" for text outside any block element (an inline field)
    order: int  # where it opens in the document
    text: str  # the text as shown, each citation as _CITE
    masked: str  # the same, with code as spaces: what is read for statistics
    group: int  # the table or figure it belongs to (0 for none)
    vouched: bool  # an introducing paragraph cites for it

    @property
    def read(self) -> bool:
        """Whether its text is read for statistics (headings and code blocks are not)."""
        return self.tag not in _UNREAD_TAGS

    @property
    def cites(self) -> bool:
        """Whether it holds a citation."""
        return _CITE in self.text


@dataclass
class _Draft:
    """A block being read."""

    tag: str
    order: int
    group: int = 0
    vouched: bool = False
    text: list[str] = field(default_factory=list)
    masked: list[str] = field(default_factory=list)

    def done(self) -> _Block:
        """The finished block."""
        return _Block(
            self.tag,
            self.order,
            "".join(self.text),
            "".join(self.masked),
            self.group,
            self.vouched,
        )


@dataclass(frozen=True)
class _Group:
    """An open table or figure: its number and whether its introducing paragraph cites."""

    number: int
    vouched: bool


class _BlockReader(HTMLParser):
    """Splits sanitised HTML into blocks, noting citations, code, tables and lists."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = []
        self._open = [_Draft("", 0)]  # the innermost block last; text outside blocks first
        self._last: _Block | None = None  # the block finished last
        self._in_citation = False
        self._code = 0  # code elements open
        self._lists: list[bool] = []  # whether each open list's introduction cites for it
        self._groups: list[_Group] = []
        self._count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._in_citation:
            return
        classes = (dict(attrs).get("class") or "").split()
        if tag == "sup" and "citation" in classes:
            self._in_citation = True
            self._add(_CITE, _CITE)
        elif tag == "br":
            self._add("\n", "\n")
        elif tag in _LIST_TAGS:
            self._lists.append(self._introduced(colon=True) or any(self._lists[-1:]))
        elif tag in _GROUP_TAGS:
            self._groups.append(
                self._groups[-1] if self._groups else _Group(self._next(), self._introduced())
            )
        if tag in ("code", "pre"):
            self._code += 1
        if tag in _BLOCK_TAGS:
            self._open_block(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._in_citation:
            self._in_citation = tag != "sup"
            return
        if tag in ("code", "pre"):
            self._code = max(0, self._code - 1)
        if tag in _LIST_TAGS and self._lists:
            self._lists.pop()
        if tag in _GROUP_TAGS and self._groups:
            self._groups.pop()
        if tag in _BLOCK_TAGS and any(d.tag == tag for d in self._open[1:]):
            while self._open[-1].tag != tag:
                self._finish()
            self._finish()

    def handle_data(self, data: str) -> None:
        if not self._in_citation:
            self._add(data, " " * len(data) if self._code else data)

    def close(self) -> None:
        super().close()
        while len(self._open) > 1:
            self._finish()
        self._flush_outside()
        self.blocks.sort(key=lambda block: block.order)

    def _next(self) -> int:
        """A new number, counting up in document order."""
        self._count += 1
        return self._count

    def _add(self, text: str, masked: str) -> None:
        """Add text to the innermost open block."""
        self._open[-1].text.append(text)
        self._open[-1].masked.append(masked)

    def _introduced(self, colon: bool = False) -> bool:
        """Whether the introduction of a table or list starting here cites (ending in ':')."""
        # that is the text so far of the block it starts in, or else the paragraph just before
        inner = self._open[-1].done() if len(self._open) > 1 else None
        if inner is not None and inner.text.strip():
            intro: _Block | None = inner
        else:
            intro = self._last if self._last and self._last.tag == "p" else None
        if intro is None or not intro.cites:
            return False
        return not colon or intro.text.replace(_CITE, "").rstrip().endswith(":")

    def _open_block(self, tag: str) -> None:
        """Start a block, first finishing text met outside any block."""
        if len(self._open) == 1:
            self._flush_outside()
        group = self._groups[-1] if self._groups else _Group(0, False)
        vouched = group.vouched or any(self._lists[-1:])
        self._open.append(_Draft(tag, self._next(), group.number, vouched))

    def _flush_outside(self) -> None:
        """Keep text met outside any block element as a block of its own."""
        outside = self._open[0].done()
        if outside.text.strip():
            self.blocks.append(outside)
            self._last = outside
        self._open[0] = _Draft("", self._next())

    def _finish(self) -> None:
        """Finish the innermost open block."""
        block = self._open.pop().done()
        self._last = block
        if block.text.strip():
            self.blocks.append(block)


# inline tags the block reader does nothing with (their text stays): taken out first, as the
# sanitiser writes every tag alike, they halve the parser's work
_INLINE_TAGS = re.compile(
    r'</?(?:a|abbr|b|del|em|i|img|ins|kbd|mark|q|s|small|span|strong|sub)\b(?:[^>"]|"[^"]*")*>'
)


# the sanitiser writes every tag alike (lowercase names, attributes in double quotes), so
# sanitised HTML can be read by one pattern instead of the standard library's parser, which
# took half of this rule's time
_TOKEN = re.compile(r'<(/?)([a-z][a-z0-9]*)((?:[^>"]|"[^"]*")*)>|([^<]+)|<')
_CLASS = re.compile(r'\sclass="([^"]*)"')


def _read_blocks(html: str) -> list[_Block]:
    """The blocks of a rendered HTML fragment, in document order."""
    reader = _BlockReader()
    for closing, name, attributes, data in _TOKEN.findall(_INLINE_TAGS.sub("", html)):
        if not name:
            reader.handle_data(unescape(data) if data else "<")
        elif closing:
            reader.handle_endtag(name)
        else:
            classes = _CLASS.search(attributes)
            reader.handle_starttag(name, [("class", classes.group(1))] if classes else [])
    reader.close()
    return reader.blocks


def _unvouched(blocks: list[_Block]) -> Iterator[_Block]:
    """The blocks read for statistics that no citation vouches for."""
    cited_groups = {block.group for block in blocks if block.group and block.cites}
    for block in blocks:
        if block.read and not (block.cites or block.vouched or block.group in cited_groups):
            yield block


# --- findings ------------------------------------------------------------------------------

MOST_SHOWN = 100  # findings per article: each is placed by a scan of the body, and a hostile
# file could have thousands; the rest are counted in one more finding
_MOST_CONTEXT = 80  # characters a needle may take on to tell it from the same words earlier


@dataclass(frozen=True)
class _Hit:
    """An uncited statistic: as shown, as a needle, and how often its field showed it before."""

    shown: str
    needle: str
    before: int


def _uncited(blocks: list[_Block]) -> Iterator[tuple[_Block, re.Match[str]]]:
    """The first statistic of each sentence that nothing cites for, in document order."""
    for block in _unvouched(blocks):
        for start, end in _sentence_spans(block.masked):
            match = _STATISTIC.search(block.masked, start, end)
            if match is not None:
                yield block, match


def _hit(blocks: list[_Block], block: _Block, match: re.Match[str]) -> _Hit:
    """What is needed to show and place a statistic found in one of a field's blocks."""
    raw = block.text[match.start() : match.end()]
    needle = raw.split("\n", 1)[0].rstrip()
    earlier = sum(b.text.count(needle) for b in blocks if b.order < block.order)
    return _Hit(" ".join(raw.split()), needle, earlier + block.text.count(needle, 0, match.start()))


def _nth_index(text: str, needle: str, n: int) -> int:
    """Where a needle occurs for the ``n``-th time (from 0) in a text, or -1."""
    at = text.find(needle)
    while at >= 0 and n > 0:
        at, n = text.find(needle, at + len(needle)), n - 1
    return at


def _least(low: int, high: int, ok: Callable[[int], bool]) -> int | None:
    """The least number from low to high that is ``ok``, where all above it are ok too."""
    if low > high or not ok(high):
        return None
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if ok(middle) else (middle + 1, high)
    return low


def _placed_needle(markdown: str, hit: _Hit) -> str:
    """A needle ``locate`` finds at the hit: its own, lengthened when the words come earlier."""
    # with the text after it, or, when the hit ends its line, with the text before it
    at = _nth_index(markdown, hit.needle, hit.before)
    if at < 0:
        return hit.needle
    line_start = markdown.rfind("\n", 0, at) + 1
    line_end = markdown.find("\n", at)
    line_end = len(markdown) if line_end < 0 else line_end
    stop = min(line_end, at + len(hit.needle) + _MOST_CONTEXT)

    def first(start: int, end: int) -> bool:
        return markdown.find(markdown[start:end], 0, end) == start

    end = _least(at + len(hit.needle), stop, lambda end: first(at, end))
    if end is not None:
        return markdown[at:end]
    low = max(line_start, at - _MOST_CONTEXT)
    back = _least(0, at - low, lambda back: first(at - back, stop))
    return markdown[at - back : stop] if back is not None else hit.needle


def _fields(doc: RenderedArticle) -> Iterator[tuple[str, str]]:
    """The analysed fields of an article, by name, as rendered HTML in page order."""
    yield "summary", str(doc.summary_html)
    for i, point in enumerate(doc.key_points_html):
        yield f"key_points[{i}]", str(point)
    yield "body", str(doc.body_html)
    for i, (_item, answer) in enumerate(doc.faq_html):
        yield f"faq[{i}].answer", str(answer)


def uncited_statistics(doc: RenderedArticle) -> list[Problem]:
    """Rule ``uncited-statistic``: each sentence stating a statistic that nothing cites for."""
    source = doc.article.source
    problems: list[Problem] = []
    unshown: list[str] = []  # the fields of the findings past MOST_SHOWN
    for name, html in _fields(doc):
        blocks = _read_blocks(html)
        for block, match in _uncited(blocks):
            if len(problems) == MOST_SHOWN:
                unshown.append(name)
                continue
            hit = _hit(blocks, block, match)
            needle = _placed_needle(source.body, hit) if name == "body" else hit.needle
            message = (
                f"states a statistic ('{hit.shown}') without a citation "
                "in its sentence or paragraph"
            )
            problems.append(finding(source, name, message, UNCITED_STATISTIC, needle))
    if unshown:
        message = f"{len(unshown)} more sentences state a statistic without a citation"
        problems.append(finding(source, unshown[0], message, UNCITED_STATISTIC))
    return problems
