"""Limits within one paragraph: how many brackets, link targets and emphasis marks are open at
once, read the way Python-Markdown's inline patterns scan them."""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = [
    "MAX_BRACKET_DEPTH",
    "MAX_EMPHASIS_DEPTH",
    "MAX_OPEN_LINKS",
    "emphasis_problems",
    "link_problems",
    "without_code_spans",
]

MAX_BRACKET_DEPTH = 8  # '[' open at once in a paragraph, nested or never closed (links use 2)
MAX_OPEN_LINKS = 8  # link targets '](' open at once in a paragraph: unclosed '(' or title quote
MAX_EMPHASIS_DEPTH = 16  # '*' and '_' open at once in a paragraph ('***' counts 3)

_TICKS = re.compile(r"`+")
_EMPHASIS = re.compile(r"\*+|_+")
# escapes, link target starts, brackets, parentheses and quotes; \x01 and \x02 stand for a
# ']' and a ')' that may be inside a code span (where they close nothing)
_LINK_PART = re.compile(r"\\[^'\"]|[\]\x01]\(|[\[\]()'\"]")
_IN_CODE = str.maketrans({"]": "\x01", ")": "\x02"})


def without_code_spans(text: str) -> str:
    """Text with each ']' and ')' that may be inside a code span marked as closing nothing."""
    runs = list(_TICKS.finditer(text))
    partner: list[int | None] = [None] * len(runs)
    last: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        size = len(runs[i].group())
        partner[i], last[size] = last.get(size), i
    parts, done, i = [], 0, 0
    while i < len(runs):
        close = partner[i]
        if close is None:
            i += 1
            continue
        start, end = runs[i].end(), runs[close].start()
        parts += [text[done:start], text[start:end].translate(_IN_CODE)]
        done, i = end, close + 1
    return "".join([*parts, text[done:]])


def link_problems(text: str) -> Iterator[tuple[str, int, str]]:
    """Where '[' nest too deep, or too many link targets are open at once.

    Python-Markdown scans from every '[' to its matching ']' (or the end of the paragraph), and
    from every '](' to its closing ')', so each one left open makes a paragraph quadratic.
    """
    depth, deepest, targets, told = 0, -1, list[_Target](), False
    for part in _LINK_PART.finditer(text):
        token, pos = part.group(), part.start()
        if token == "[":
            depth += 1
            if depth > MAX_BRACKET_DEPTH and deepest < 0:
                deepest = pos
        elif token[0] in "]\x01":
            depth = max(depth - 1, 0) if token[0] == "]" else depth
            if token[-1] == "(" and not told:
                targets = [t for t in targets if not t.closed_by("(", "]")]
                targets.append(_Target())
                if len(targets) > MAX_OPEN_LINKS:
                    told, targets = True, []
                    yield "links", pos, _LINKS_MESSAGE
        elif targets and token[0] != "\\":
            last = _last_char(text, pos) if token == ")" else ""
            targets = [t for t in targets if not t.closed_by(token, last)]
    if deepest >= 0:
        yield "brackets", deepest, _BRACKETS_MESSAGE


_LINKS_MESSAGE = (
    f"more than {MAX_OPEN_LINKS} link targets '](' are open at once here (a ')' or the "
    f"closing quote of a title is missing); the limit is {MAX_OPEN_LINKS}"
)
_BRACKETS_MESSAGE = (
    f"more than {MAX_BRACKET_DEPTH} '[' are open at once here (nested, or never closed with "
    f"']'); the limit is {MAX_BRACKET_DEPTH}"
)
_EMPHASIS_MESSAGE = (
    f"more than {MAX_EMPHASIS_DEPTH} '*' and '_' open emphasis at once here; "
    f"the limit is {MAX_EMPHASIS_DEPTH}"
)


def _last_char(text: str, pos: int) -> str:
    """The last character before ``pos`` that is not a space."""
    while pos > 0 and text[pos - 1] == " ":
        pos -= 1
    return text[pos - 1] if pos else "\n"


class _Target:
    """A link target as LinkInlineProcessor.getLink reads it, from ``(`` to ``)``."""

    __slots__ = ("parens", "quotes")

    def __init__(self) -> None:
        self.parens = 1
        self.quotes = {"'": 0, '"': 0}

    def closed_by(self, token: str, last: str) -> bool:
        """Read one of ``( ) ' "`` (``last`` is the character before a ``)``); True at the end."""
        titled = any(self.quotes.values())
        if token in self.quotes:
            self.quotes[token] = min(self.quotes[token] + 1, 2)
        elif titled:  # after a quote, only a ')' right after a closed title ends the target
            return token == ")" and self.quotes.get(last) == 2
        else:
            self.parens += 1 if token == "(" else -1
        return self.parens == 0


def emphasis_problems(text: str) -> Iterator[tuple[str, int, str]]:
    """Where '*' and '_' runs that open emphasis nest too deep (each makes an element)."""
    open_marks = {"*": 0, "_": 0}
    for run in _EMPHASIS.finditer(text):
        mark, size, start, end = run.group()[0], len(run.group()), run.start(), run.end()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if before == "\\":  # the first one is escaped
            size, before = size - 1, mark
        if size == 0 or (mark == "_" and before.isalnum() and after.isalnum()):
            continue  # '_' inside a word is text
        if not before.isspace() and open_marks[mark]:
            open_marks[mark] = max(open_marks[mark] - size, 0)
        elif not after.isspace():
            open_marks[mark] += size
            if sum(open_marks.values()) > MAX_EMPHASIS_DEPTH:
                yield "emphasis", start, _EMPHASIS_MESSAGE
                return
