"""Shortcuts to Python-Markdown's exact inline output: skip patterns that cannot match, and
write plain prose directly. Both give the same HTML as the full inline pass (tests prove it)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

import markdown
from markdown import inlinepatterns, treeprocessors, util

from b12site.citations import CITATION_RE, CitationState, citation_html

__all__ = ["INLINE_INTERNALS", "PATTERN_NEEDS", "SkippingInlineProcessor", "plain_html"]


def _any_of(*needles: str) -> re.Pattern[str]:
    """A search for any of the given strings."""
    return re.compile("|".join(map(re.escape, needles)))


# Each inline pattern's regex (by its source) cannot match text that holds none of these strings.
PATTERN_NEEDS: Mapping[str, re.Pattern[str]] = {
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
INLINE_INTERNALS = ("_InlineProcessor__handleInline", "_InlineProcessor__applyPattern")
_ANY_NEED = re.compile("|".join(needs.pattern for needs in PATTERN_NEEDS.values()))
# One line of prose that Markdown leaves as it is: letters, digits, spaces and this punctuation
# (no ``_ * ` \ [ ] < > & # | ~ { }``); it may not start like a block (list, heading, quote, ...).
_NOT_PLAIN = re.compile(r"[^\w .,;:?!'\"()%/+=\u2013\u2014\u2018\u2019\u201c\u201d-]|_")
_NOT_IN_CITATION = re.compile(r"[^\w .:;@\[\]-]")
_BOLD_LABEL = re.compile(r"\*\*(?! )([^*]*[^ *])\*\*(?= |\Z)")
_PLAIN_START = re.compile(r"(?!\d+[.)])(?:[^\W_]|[\"'(\u2018\u201c])")


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


def plain_html(text: str, state: CitationState) -> str | None:
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


class SkippingInlineProcessor(treeprocessors.InlineProcessor):
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
        self._plan = [(p, PATTERN_NEEDS.get(p.getCompiledRegExp().pattern)) for p in patterns]
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
