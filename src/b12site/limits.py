"""Limits on Markdown size and nesting that keep conversion fast and its recursion shallow.

Python-Markdown recurses once per nested list, and scans from every unclosed '[', '](' or
unmatched backtick run to the end of its paragraph; raw HTML is parsed by ``html.parser`` and
nh3. Text past these limits could crash the converter or take minutes, so it is refused first.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import NamedTuple

from b12site.paragraph_limits import (
    MAX_BRACKET_DEPTH,
    MAX_EMPHASIS_DEPTH,
    MAX_OPEN_LINKS,
    emphasis_problems,
    link_problems,
    without_code_spans,
)

__all__ = [
    "MAX_ABBREVIATIONS",
    "MAX_BACKTICK_RUN",
    "MAX_BLANK_LINES",
    "MAX_BLOCK_DEPTH",
    "MAX_BRACKET_DEPTH",
    "MAX_CODE_BLOCKS",
    "MAX_EMPHASIS_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_HTML_DEPTH",
    "MAX_MARKS",
    "MAX_OPEN_LINKS",
    "MAX_UNCLOSED_FENCES",
    "MAX_UNCLOSED_TAGS",
    "MAX_WORK",
    "file_size_problem",
    "markdown_limits",
]

MAX_FILE_BYTES = 1_000_000  # bytes in one content file, front matter included (~10 KB is usual)
MAX_BLOCK_DEPTH = 16  # block quotes and list levels nested on one line (articles use 2 to 4)
MAX_BACKTICK_RUN = 8  # backticks in a row outside fenced code
MAX_MARKS = 50_000  # Markdown marks in one text (an article body has about 150): see _MARK
MAX_WORK = 100_000_000  # marks times characters of each paragraph, list or table, summed
MAX_BLANK_LINES = 20_000  # blank lines, that is paragraphs, in one text
MAX_ABBREVIATIONS = 100  # abbreviation definitions ('*[WHO]: World Health Organization')
MAX_CODE_BLOCKS = 200  # fenced code blocks in one text
MAX_UNCLOSED_FENCES = 8  # lines starting with ``` or ~~~ that no fence line closes
MAX_HTML_DEPTH = 32  # raw HTML elements open at once
MAX_UNCLOSED_TAGS = 8  # '<' starting an HTML tag with no '>' after it ('<![CDATA[': no ']]>')

_MOST_SHOWN = 10  # problems reported per limit: a hostile file could have thousands
_Found = tuple[str, int, str]  # (limit, line offset, message)

# a fenced code block's opening line, as the fenced_code extension reads it (no {attributes})
_FENCE = re.compile(r"(`{3,}|~{3,}) *\.?[\w#.+-]* *")
# what opens blocks at the start of a line: quote markers, list and definition markers, indents
_PREFIX = re.compile(r"(?:[ \t]*(?:>|(?:[-*+:]|\d{1,9}[.)])(?=[ \t]|$)))*[ \t]*")
_PREFIX_PART = re.compile(r"[ \t]+|>|[-*+:](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)")
# the end of a thematic break ('- - -', '***'), in the reversed line
_RULE_TAIL = {mark: re.compile(rf" *\{mark}(?: {{0,2}}\{mark})*") for mark in "-*"}
_LONG_RUN = re.compile(rf"`{{{MAX_BACKTICK_RUN + 1},}}")
# what may go over MAX_BLOCK_DEPTH or MAX_BACKTICK_RUN, searched in "\n" + text (fast)
_LONG_PREFIX = re.compile(rf"\n[ \t>*+:.)0-9-]{{{MAX_BLOCK_DEPTH + 1}}}")
_BACKTICKS = re.compile("`" * (MAX_BACKTICK_RUN + 1))  # a literal: searched fastest
_GAP = re.compile(r"\n(?:[ \t]*\n)+")  # blank lines between blocks, in "\n" + text + "\n"
_BLANK_LINE = re.compile(r"\n[ \t]*(?=\n)")  # in "\n" + text
_LINE_MARK = re.compile(r"\n[ \t]*[#>:=+-]")
# what Python-Markdown's inline patterns start at, and lines that split a block in two
_MARK = re.compile(r"[\[`*_<&\\@]|  \n|^[ \t]*[#>:=+-]", re.MULTILINE)
_MARK_CHARS = "[`*_<&\\@"
_MARKS = "[ * _ ` < & \\ @, abbreviations, line breaks, lines starting with # > : = + -"
_ABBREVIATION = re.compile(r"\*\[([^\\]*?)\] ?:")
_DEFINITION = re.compile(r"^\*\[[^\\\n]*?\] ?:.*", re.MULTILINE)  # its '*' opens nothing
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>|<!\[|\]\]>|<[A-Za-z/!?]|>")
_VOID = frozenset(  # elements without an end tag
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


def file_size_problem(size: int) -> str | None:
    """The message for a content file of ``size`` bytes, if that is over ``MAX_FILE_BYTES``."""
    if size <= MAX_FILE_BYTES:
        return None
    return f"the file has {size:,} bytes; the limit is {MAX_FILE_BYTES:,}: split it"


def markdown_limits(text: str) -> list[tuple[int, str]]:
    """Where ``text`` goes over a limit, as (line offset, message) in line order; each limit
    is reported once per paragraph and at most ten times in all."""
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    fences = _fences(text, lines)
    fenced = fences.fenced
    blocks = list(_blocks(text, lines, fenced))
    abbreviations, found = _abbreviations(text, lines, fenced)
    found += _fence_problems(fences)
    found += _line_problems(text, lines, fenced, blocks)
    for block in blocks:
        for part in _split_headings(block.first, block.text):
            found += _block_problems(part)
    found += _work_problems(text, blocks, abbreviations)
    found += _blank_line_problems(text, lines, fenced)
    if _TAG_START.search(text):
        found += _html_problems(blocks)
    shown: dict[str, int] = {}
    problems = []
    for rule, offset, message in sorted(found, key=lambda p: p[1]):
        shown[rule] = shown.get(rule, 0) + 1
        if shown[rule] <= _MOST_SHOWN:
            problems.append((offset, message))
    return problems


class _Fences(NamedTuple):
    """Fenced code blocks, as the fenced_code extension finds them."""

    fenced: list[bool]  # per line: in a closed block, fence lines included
    starts: list[int]  # the first line of each block
    unclosed: list[int]  # lines starting like a fence that no later line closes


def _fences(text: str, lines: list[str]) -> _Fences:
    """Find the fenced code blocks, and the fences left open (each makes a scan to the end)."""
    if "```" not in text and "~~~" not in text:
        return _Fences([False] * len(lines), [], [])
    openers: list[tuple[int, str, bool]] = []  # (line, fence, a well-formed opening line)
    closers: dict[str, list[int]] = {}
    for offset, line in enumerate(lines):
        if line.startswith(("```", "~~~")):
            fence = line[: len(line) - len(line.lstrip(line[0]))]
            openers.append((offset, fence, bool(_FENCE.fullmatch(line))))
            if line.rstrip(" ") == fence:
                closers.setdefault(fence, []).append(offset)
    found = _Fences([False] * len(lines), [], [])
    after = 0
    for offset, fence, well_formed in openers:
        candidates = closers.get(fence, [])
        close = bisect.bisect_right(candidates, offset)
        if offset < after:
            continue
        if close == len(candidates):
            found.unclosed.append(offset)
        elif well_formed:
            after = candidates[close] + 1
            found.fenced[offset:after] = [True] * (after - offset)
            found.starts.append(offset)
    return found


def _fence_problems(fences: _Fences) -> list[_Found]:
    """Too many fenced code blocks (each copies the whole text), or fences never closed."""
    found: list[_Found] = []
    if len(fences.starts) > MAX_CODE_BLOCKS:
        message = f"more than {MAX_CODE_BLOCKS} fenced code blocks by here"
        offset = fences.starts[MAX_CODE_BLOCKS]
        found.append(("code", offset, f"{message}; the limit is {MAX_CODE_BLOCKS}"))
    if len(fences.unclosed) > MAX_UNCLOSED_FENCES:
        message = f"{len(fences.unclosed)} code fences (``` or ~~~) are never closed"
        offset = fences.unclosed[0]
        found.append(("fences", offset, f"{message}; the limit is {MAX_UNCLOSED_FENCES}"))
    return found


class _Block(NamedTuple):
    """A paragraph, list or table: a run of non-blank lines outside fenced code."""

    first: int  # line offset of its first line
    text: str


def _blocks(text: str, lines: list[str], fenced: list[bool]) -> Iterator[_Block]:
    """The runs of non-blank lines outside fenced code."""
    if not any(fenced):  # the same, faster
        padded, offset, at = f"\n{text}\n\n", 0, 1
        for gap in _GAP.finditer(padded):
            if gap.start() > at:
                yield _Block(offset, padded[at : gap.start()])
            offset += padded.count("\n", at, gap.end())
            at = gap.end()
        return
    first, block = 0, list[str]()
    for offset, line in enumerate(lines):
        if fenced[offset] or not line.strip(" \t"):  # Markdown's blank lines
            if block:
                yield _Block(first, "\n".join(block))
            first, block = offset + 1, []
        else:
            block.append(line)
    if block:
        yield _Block(first, "\n".join(block))


def _split_headings(first: int, text: str) -> Iterator[_Block]:
    """A block, split as Python-Markdown splits it: around each line starting with '#'."""
    if not text.startswith("#") and "\n#" not in text:
        yield _Block(first, text)
        return
    part: list[str] = []
    for offset, line in enumerate(text.split("\n"), first):
        if line.startswith("#"):
            if part:
                yield _Block(offset - len(part), "\n".join(part))
            yield _Block(offset, line)
            part = []
        else:
            part.append(line)
    if part:
        yield _Block(first + text.count("\n") + 1 - len(part), "\n".join(part))


def _line_problems(
    text: str, lines: list[str], fenced: list[bool], blocks: list[_Block]
) -> list[_Found]:
    """Lines nesting blocks too deep or with too many backticks: the first of each paragraph."""
    found: list[_Found] = []
    firsts = [block.first for block in blocks]
    padded = "\n" + text
    for rule, candidate, check in (
        ("depth", _LONG_PREFIX, _depth_problem),
        ("run", _BACKTICKS, _run_problem),
    ):
        offset, at, told = -1, 0, set()
        for match in candidate.finditer(padded):  # lines that may be over the limit, in order
            offset, at = offset + padded.count("\n", at, match.start() + 1), match.start() + 1
            block = bisect.bisect_right(firsts, offset)
            if not fenced[offset] and block not in told and (message := check(lines[offset])):
                found.append((rule, offset, message))
                told.add(block)
    return found


def _block_problems(block: _Block) -> list[_Found]:
    """Brackets, link targets and emphasis open too deep in a paragraph, list or table."""
    text = block.text
    checks = []
    if text.count("[") > MAX_BRACKET_DEPTH or text.count("](") > MAX_OPEN_LINKS:
        checks.append(link_problems(without_code_spans(text) if "`" in text else text))
    if text.count("*") + text.count("_") > MAX_EMPHASIS_DEPTH:
        checks.append(emphasis_problems(_DEFINITION.sub(_blank, text) if "*[" in text else text))
    if not checks:
        return []
    starts = [0]
    starts += [m.end() for m in re.finditer("\n", text)]
    return [
        (rule, block.first + bisect.bisect_right(starts, pos) - 1, message)
        for check in checks
        for rule, pos, message in check
    ]


def _depth_problem(line: str) -> str | None:
    """The message if a line nests block quotes and lists too deep."""
    prefix = _PREFIX.match(line)
    if not prefix or prefix.end() <= MAX_BLOCK_DEPTH:  # a level takes a character at least
        return None
    rules = {mark: _rule_from(line, mark) for mark in "-*"}
    depth = 0
    for part in _PREFIX_PART.finditer(line, 0, prefix.end()):
        token = part.group()
        if token[0] in " \t":
            depth += (len(token) + 3 * token.count("\t")) // 4
        elif token in rules and rules[token][0] <= part.start() <= rules[token][1]:
            break  # a thematic break, not a list
        else:
            depth += 1
    if depth <= MAX_BLOCK_DEPTH:
        return None
    return f"block quotes and lists are nested {depth} deep here; the limit is {MAX_BLOCK_DEPTH}"


def _rule_from(line: str, mark: str) -> tuple[int, int]:
    """Where a thematic break of ``mark`` may start in a line: from and to which position."""
    tail = _RULE_TAIL[mark].match(line[::-1])  # reversed: linear, where a search is not
    if not tail:
        return len(line), -1
    end = len(line.rstrip(" "))
    third_last = line.rfind(mark, 0, line.rfind(mark, 0, end - 1))
    return len(line) - tail.end(), third_last


def _run_problem(line: str) -> str | None:
    """The message if a line has too many backticks in a row."""
    run = _LONG_RUN.search(line)
    if not run:
        return None
    return f"{len(run.group())} '`' in a row here; the limit is {MAX_BACKTICK_RUN}"


def _work_problems(
    text: str, blocks: list[_Block], abbreviations: re.Pattern[str] | None
) -> list[_Found]:
    """Too many Markdown marks in all, or too many in long paragraphs, lists and tables.

    Python-Markdown spends about 25 microseconds on each mark, and rebuilds a paragraph's text
    for each: the second limit bounds that quadratic part.
    """
    at_most = sum(map(text.count, _MARK_CHARS)) + text.count("  \n")  # fenced code included
    at_most += len(_LINE_MARK.findall("\n" + text))
    if abbreviations:
        at_most += len(abbreviations.findall(text))
    longest = max((len(block.text) for block in blocks), default=0)
    if at_most <= MAX_MARKS and at_most * longest <= MAX_WORK:
        return []
    found: list[_Found] = []
    marks_in_all, work, worst = 0, 0, (0, 0, 0, 0)
    for block in blocks:
        marks = len(_MARK.findall(block.text))
        if abbreviations:
            marks += len(abbreviations.findall(block.text))
        if marks_in_all <= MAX_MARKS < marks_in_all + marks:
            message = f"more than {MAX_MARKS:,} Markdown marks ({_MARKS}) by here"
            found.append(("marks", block.first, f"{message}; the limit is {MAX_MARKS:,}"))
        marks_in_all += marks
        work += marks * len(block.text)
        worst = max(worst, (marks * len(block.text), block.first, marks, len(block.text)))
    if work > MAX_WORK:
        _, first, marks, chars = worst
        message = (
            f"this paragraph, list or table is too long for the Markdown in it ({marks:,} marks "
            f"in {chars:,} characters), add blank lines to split it: marks x characters of "
            f"each part, added up, are {work:,}; the limit is {MAX_WORK:,}"
        )
        found.append(("work", first, message))
    return found


def _blank(match: re.Match[str]) -> str:
    """As many spaces as the match has characters."""
    return " " * len(match.group())


def _blank_line_problems(text: str, lines: list[str], fenced: list[bool]) -> list[_Found]:
    """Too many blank lines: Python-Markdown's list of paragraphs is quadratic in their number."""
    if len(_BLANK_LINE.findall("\n" + text)) <= MAX_BLANK_LINES:  # fenced ones included
        return []
    count = 0
    for offset, line in enumerate(lines[:-1] if text.endswith("\n") else lines):
        if not fenced[offset] and not line.strip(" \t"):
            count += 1
            if count > MAX_BLANK_LINES:
                message = f"more than {MAX_BLANK_LINES:,} blank lines; the limit is "
                return [("blank", offset, message + f"{MAX_BLANK_LINES:,}: split the text")]
    return []


def _abbreviations(
    text: str, lines: list[str], fenced: list[bool]
) -> tuple[re.Pattern[str] | None, list[_Found]]:
    """A search for the abbreviations the text defines, and a problem if it defines too many."""
    if "*[" not in text:
        return None, []
    defined = [
        (offset, match.group(1))
        for offset, line in enumerate(lines)
        if line.startswith("*[") and not fenced[offset] and (match := _ABBREVIATION.match(line))
    ]
    if len(defined) > MAX_ABBREVIATIONS:
        offset = defined[MAX_ABBREVIATIONS][0]
        message = f"more than {MAX_ABBREVIATIONS} abbreviations are defined by here"
        return None, [("abbreviations", offset, f"{message}; the limit is {MAX_ABBREVIATIONS}")]
    words = sorted({word for _, word in defined if word}, key=len, reverse=True)
    if not words:
        return None, []
    return re.compile(rf"\b(?:{'|'.join(map(re.escape, words))})\b"), []


def _html_problems(blocks: list[_Block]) -> list[_Found]:
    """Raw HTML nested too deep, or too many tags left without their '>'.

    ``html.parser`` (before Python 3.13.4) reads from every unclosed '<' to the end of the text.
    """
    found: list[_Found] = []
    depth, unclosed = 0, list[tuple[int, bool]]()  # (line offset, is '<![')
    for block in blocks:
        for offset, line in enumerate(block.text.split("\n"), block.first):
            if "<" not in line and ">" not in line:
                continue
            for tag in _TAG.finditer(line):
                token, name = tag.group(), tag.group(2)
                if token[-1] != ">":  # '<' and no '>' yet
                    unclosed.append((offset, token == "<!["))
                    continue
                unclosed = [u for u in unclosed if u[1] and token != "]]>"]  # '<![' needs ']]>'
                if name and tag.group(1):
                    depth = max(depth - 1, 0)
                elif name and not tag.group(3) and name.lower() not in _VOID:
                    depth += 1
                    if depth > MAX_HTML_DEPTH and not found:
                        found.append(("html", offset, _html_message(depth)))
    if len(unclosed) > MAX_UNCLOSED_TAGS:
        message = f"{len(unclosed):,} HTML tags are started with '<' and never closed with '>'"
        found.append(("tags", unclosed[0][0], f"{message}; the limit is {MAX_UNCLOSED_TAGS}"))
    return found


def _html_message(depth: int) -> str:
    """Why deeply nested raw HTML is refused."""
    return f"HTML elements are nested {depth} deep here; the limit is {MAX_HTML_DEPTH}"
