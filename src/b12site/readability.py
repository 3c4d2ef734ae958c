"""How hard an article's prose is to read: its Flesch-Kincaid and SMOG grades, and where it is
hardest.

What is read: the summary, each key point, the body, and each FAQ question and answer, taken
from their rendered HTML. Left out: citation marks, code (spans and blocks), tables (data
laid out in cells, not sentences), images, and headings. Headings are labels without a full
stop: read as text, each would either run into the sentence after it (which would then look
longer) or count as a sentence of two or three words (which would make the page look easier),
so the grade is that of the running prose alone. A paragraph, list item, key point, question
or answer always ends a sentence, full stop or not.

Counting is textstat 0.7.3's, done here with Pyphen (the hyphenation dictionaries textstat
reads syllables from) and a cache of syllables per word: a word is what is left between
spaces once punctuation is taken out, it has one syllable more than Pyphen's en_US
hyphenation points, and a sentence is a run of text ending in '.', '!' or '?'. Words and
syllables equal textstat's on the same text (the tests check it, and the sentences too when
counted its way); the grades differ in three ways, all on purpose:

- a decimal point or an abbreviation such as "e.g." ends no sentence ("4.3%" is one word in
  one sentence, where textstat reads two sentences);
- every sentence counts, as in Kincaid's formula: textstat counts none of fewer than three
  words (to pass over the pieces of "4.3" and "e.g.", which are not cut here), and so grades
  the short sentences of plain writing ("It can.", "Yes.") as if they ran into the next one;
- the averages are not rounded to one decimal place before the formula (textstat's rounding
  moves a grade by up to 0.6).

Allowed terms are a site's unavoidable vocabulary ("cobalamin", "vitamin B12"): every word of
each one found in the text (whole words, any case) is read as "term", a common word of one
syllable, before counting. The sentence keeps its length, which the formulas read as how hard
it is to follow, while the term's own syllables, which they read as hard vocabulary, no
longer count; so a page that names its subject often is not graded as harder for it.
"""

from __future__ import annotations

import functools
import html
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from b12site.errors import WARNING, Problem
from b12site.findings import Rule, finding, locate
from b12site.models import ReadabilitySettings, RenderedArticle, Source

__all__ = [
    "READING_GRADE",
    "Counts",
    "HardParagraph",
    "Readability",
    "ReadabilitySettings",
    "counts",
    "readability",
    "readability_findings",
]

READING_GRADE = Rule(
    "reading-grade",
    WARNING,
    "The article reads above the site's target grade (Flesch-Kincaid)",
    "readability",
)

HARDEST_COUNT = 3  # paragraphs named as the hardest
HARDEST_MIN_WORDS = 20  # shorter paragraphs give grades too noisy to name
EXCERPT_CHARS = 80
MESSAGE_EXCERPT_CHARS = 40
STAND_IN = "term"  # what each word of an allowed term is read as: common, one syllable


@dataclass(frozen=True)
class HardParagraph:
    """One of an article's hardest paragraphs: where it is, its grade and how it starts."""

    field: str  # "body", "summary", "key_points[0]", "faq[2].answer", "faq[2].question"
    line: int | None
    grade: float  # Flesch-Kincaid, to one decimal place
    excerpt: str  # the first 80 or so characters of its plain text


@dataclass(frozen=True)
class Readability:
    """An article's reading grades, its word count and its hardest paragraphs."""

    grade: float  # Flesch-Kincaid grade of the article's prose, to one decimal place
    second_grade: float  # SMOG grade, to one decimal place (0 below three sentences)
    words: int
    hardest: tuple[HardParagraph, ...]  # up to 3 of 20 or more words, hardest first


@dataclass(frozen=True)
class Counts:
    """Words, sentences, syllables and words of three or more syllables in some prose."""

    words: int = 0
    sentences: int = 0
    syllables: int = 0
    polysyllables: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.words + other.words,
            self.sentences + other.sentences,
            self.syllables + other.syllables,
            self.polysyllables + other.polysyllables,
        )

    @property
    def flesch_kincaid(self) -> float:
        """The Flesch-Kincaid grade, unrounded (0 for no words)."""
        if not self.words:
            return 0.0
        per_sentence = self.words / max(1, self.sentences)
        return 0.39 * per_sentence + 11.8 * self.syllables / self.words - 15.59

    @property
    def smog(self) -> float:
        """The SMOG grade, unrounded (0 below three sentences, as textstat has it)."""
        if self.sentences < 3:
            return 0.0
        return 1.043 * math.sqrt(30 * self.polysyllables / self.sentences) + 3.1291


_PUNCTUATION = re.compile(r"[^\w\s]")
_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*")


class _Hyphenator(Protocol):
    def positions(self, word: str) -> list[int]: ...


@functools.cache
def _hyphenator() -> _Hyphenator:
    """Pyphen with the US English dictionary textstat uses, loaded once per process and only
    when needed (the import and the dictionary take some 60 ms)."""
    import pyphen  # type: ignore[import-untyped]  # it ships no type hints

    hyphenator: _Hyphenator = pyphen.Pyphen(lang="en_US")
    return hyphenator


@functools.lru_cache(maxsize=1 << 16)
def _syllables(word: str) -> int:
    """The syllables of one lower-case word without punctuation."""
    return len(_hyphenator().positions(word)) + 1


def counts(text: str, shortest_sentence: int = 1) -> Counts:
    """Count the words, sentences and syllables of plain text as textstat 0.7.3 does (which
    counts no sentence of fewer than three words: ``shortest_sentence=3``)."""
    words = _PUNCTUATION.sub("", text.lower()).split()
    syllables = [_syllables(word) for word in words]
    sentences = sum(
        1
        for part in _SENTENCE.findall(text)
        if len(_PUNCTUATION.sub("", part).split()) >= shortest_sentence
    )
    return Counts(len(words), sentences, sum(syllables), sum(1 for n in syllables if n >= 3))


# --- the prose of an article -------------------------------------------------------------

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_CITATION_CLASS = re.compile(r"""class\s*=\s*["']?citation\b""")
# left out with all they hold; those that are blocks also end the paragraph before them
_SKIPPED = frozenset({"table", "pre", "code", "h1", "h2", "h3", "h4", "h5", "h6", "script"})
_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "section",
        "table",
        "ul",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
    }
)
# inside words ("B<sub>12</sub>"): taken away without a space; any other tag is a space
_INLINE = frozenset(
    {
        "a",
        "abbr",
        "b",
        "cite",
        "code",
        "del",
        "dfn",
        "em",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
    }
)
_SPACE_BEFORE_MARK = re.compile(r"\s+(?=[.,;:!?)\]])")


def _blocks(html_text: str) -> Iterator[str]:
    """The plain text of each paragraph, list item or other block of prose in an HTML
    fragment, in order, without citation marks, code, tables and headings."""
    html_text = str(html_text)  # Markup's methods would escape what is joined to it
    parts: list[str] = []
    skipping, depth, done = "", 0, 0
    for match in _TAG.finditer(html_text):
        closing, name = match.group(1), match.group(2).lower()
        if skipping:
            if name == skipping:
                depth += -1 if closing else 1
                skipping = skipping if depth else ""
            done = match.end()
            continue
        parts.append(html_text[done : match.start()])
        done = match.end()
        citation = name == "sup" and _CITATION_CLASS.search(match.group(3)) is not None
        if not closing and (name in _SKIPPED or citation):
            skipping, depth = name, 1
        if name in _BLOCKS:
            if text := _plain("".join(parts)):
                yield text
            parts = []
        elif name not in _INLINE:
            parts.append(" ")
    if not skipping:
        parts.append(html_text[done:])
    if text := _plain("".join(parts)):
        yield text


def _plain(fragment: str) -> str:
    """Text between tags as read: entities decoded, spaces collapsed, none before a mark."""
    return _SPACE_BEFORE_MARK.sub("", " ".join(html.unescape(fragment).split()))


@dataclass(frozen=True)
class _Paragraph:
    field: str
    text: str  # plain text, as shown


def _paragraphs(doc: RenderedArticle) -> Iterator[_Paragraph]:
    """An article's prose in page order: summary, key points, body, then the FAQ."""
    for text in _blocks(doc.summary_html):
        yield _Paragraph("summary", text)
    for i, point in enumerate(doc.key_points_html):
        for text in _blocks(point):
            yield _Paragraph(f"key_points[{i}]", text)
    for text in _blocks(doc.body_html):
        yield _Paragraph("body", text)
    for i, (item, answer) in enumerate(doc.faq_html):
        if question := " ".join(item.question.split()):  # plain text, not Markdown
            yield _Paragraph(f"faq[{i}].question", question)
        for text in _blocks(answer):
            yield _Paragraph(f"faq[{i}].answer", text)


# --- reading it for the formulas -----------------------------------------------------------

# a dot between two letters or digits ("4.3", "e.g", "nhs.uk"), then the last dot of an
# abbreviation that goes on mid-sentence: neither ends a sentence (both start with the dot,
# which the regex engine finds fast)
_INNER_DOT = re.compile(r"\.(?<=\w\.)(?=\w)")
_ABBREVIATED = ("eg", "ie", "vs", "dr", "mr", "mrs", "ms", "prof", "approx", "et al")
_ABBREVIATION_DOT = re.compile(
    r"\.(?:" + "|".join(rf"(?<=\b{word}\.)" for word in _ABBREVIATED) + ")", re.IGNORECASE
)
_CLOSING = "\"'\u201d\u2019)]"


@functools.lru_cache(maxsize=64)
def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for all allowed terms, the longest first, whole words in any case."""
    names = sorted({" ".join(t.split()) for t in terms if t.strip()}, key=lambda t: (-len(t), t))
    if not names:
        return None
    either = "|".join(r"\s+".join(re.escape(word) for word in name.split()) for name in names)
    return re.compile(rf"(?<!\w)(?:{either})(?!\w)", re.IGNORECASE)


def _stand_in(match: re.Match[str]) -> str:
    return " ".join([STAND_IN] * len(match.group().split()))


def _as_read(text: str, terms: re.Pattern[str] | None) -> str:
    """Text as the formulas read it: allowed terms replaced, dots that end no sentence
    taken out, and a full stop at the end of a paragraph that has none."""
    if terms is not None:
        text = terms.sub(_stand_in, text)
    text = _ABBREVIATION_DOT.sub("", _INNER_DOT.sub("", text))
    return text if text.rstrip(_CLOSING)[-1:] in (".", "!", "?") else text + "."


def _round(grade: float) -> float:
    """A grade to one decimal place, halves away from zero."""
    return math.floor(grade * 10 + math.copysign(0.5, grade)) / 10


def _excerpt(text: str, size: int) -> str:
    """The start of a text, cut at a space and marked with '…' when cut."""
    if len(text) <= size:
        return text
    cut = text[:size]
    space = cut.rfind(" ")
    cut = cut[:space] if space > size // 2 else cut
    return cut.rstrip(" ,;:.-\u2026") + "\u2026"


def _needle(body: str, text: str) -> str:
    """A few words of a paragraph as they appear on one line of the Markdown body: the run
    nearest its start found just once there (Markdown marks split the plain text's runs),
    else the first run found at all."""
    words = text.split()
    fallback = ""
    for start in range(min(12, len(words))):
        for size in range(min(8, len(words) - start), 1, -1):
            candidate = " ".join(words[start : start + size])
            hits = body.count(candidate)
            if hits == 1:
                return candidate
            if hits and not fallback:
                fallback = candidate
    return fallback


def _line(source: Source, field: str, text: str) -> int | None:
    """The line of a paragraph: exact in the body, the field's first line elsewhere."""
    needle = _needle(source.body, text) if field == "body" else ""
    return locate(source, field, needle)[0]


def readability(doc: RenderedArticle, settings: ReadabilitySettings) -> Readability:
    """Grade an article's prose and find its hardest paragraphs (lines need its source)."""
    terms = _terms_pattern(settings.allowed_terms)
    total = Counts()
    graded: list[tuple[float, int, _Paragraph]] = []
    for index, paragraph in enumerate(_paragraphs(doc)):
        found = counts(_as_read(paragraph.text, terms))
        total += found
        if found.words >= HARDEST_MIN_WORDS:
            graded.append((-found.flesch_kincaid, index, paragraph))
    source = doc.article.source
    hardest = tuple(
        HardParagraph(
            p.field,
            _line(source, p.field, p.text),
            _round(-grade),
            _excerpt(p.text, EXCERPT_CHARS),
        )
        for grade, _, p in sorted(graded, key=lambda g: g[:2])[:HARDEST_COUNT]
    )
    return Readability(_round(total.flesch_kincaid), _round(total.smog), total.words, hardest)


def _place(hard: HardParagraph) -> str:
    """Where a hard paragraph is, and its grade: ``line 60 (grade 12.0)``."""
    where = f"line {hard.line}" if hard.field == "body" and hard.line else hard.field
    return f"{where} (grade {hard.grade:.1f})"


def readability_findings(
    doc: RenderedArticle, settings: ReadabilitySettings, result: Readability
) -> list[Problem]:
    """A reading-grade finding when the article reads above the site's target grade."""
    if result.grade <= settings.target_grade:
        return []
    source = doc.article.source
    message = (
        f"reads at grade {result.grade:.1f} (Flesch-Kincaid; SMOG {result.second_grade:.1f}), "
        f"above the site's target of {settings.target_grade:g}"
    )
    if not result.hardest:
        return [finding(source, "body", message, READING_GRADE)]
    top = result.hardest[0]
    message += (
        f"; hardest paragraph: '{_excerpt(top.excerpt, MESSAGE_EXCERPT_CHARS)}' "
        f"(grade {top.grade:.1f})"
    )
    harder = [h for h in result.hardest[1:] if h.grade > settings.target_grade]
    if others := [_place(hard) for hard in harder]:
        message += f"; then {', '.join(others)}"
    rule = READING_GRADE
    return [Problem(source.display, top.line, top.field, message, rule.id, rule.severity)]
