"""Read a content file and split it into front matter (with field lines) and Markdown body."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from frontmatter.default_handlers import YAMLHandler

from b12site.errors import ContentError, Problem, display_path, tagged
from b12site.frontyaml import parse_yaml
from b12site.limits import file_size_problem
from b12site.models import Source

__all__ = ["FILE_RULE", "read_source", "split_source"]

_HANDLER = YAMLHandler()
# C0 controls but tab, newline and carriage return; DEL and C1 controls; noncharacters: all
# invalid in HTML, and never typed on purpose
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff"
    "\U0001fffe\U0001ffff\U0010fffe\U0010ffff]"
)
_MOST_SHOWN = 10  # control characters reported per file; a binary file would have thousands


FILE_RULE = "file-format"


def read_source(path: Path, kind: str, root: Path) -> Source:
    """Read one file from disk and split it; raise ContentError naming the file (every
    problem of the file's form is one of the rule ``file-format``, or of ``yaml-syntax``)."""
    try:
        source = _read_source(path, kind, root)
    except ContentError as exc:
        raise ContentError(tagged(exc.problems, FILE_RULE)) from exc
    return replace(source, problems=tuple(tagged(source.problems, FILE_RULE)))


def _read_source(path: Path, kind: str, root: Path) -> Source:
    shown = display_path(path, root)
    try:
        if too_big := file_size_problem(path.stat().st_size):
            raise ContentError([Problem(shown, None, "", too_big)])
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError([Problem(shown, None, "", f"cannot read: {exc.strerror}")]) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError([_not_utf8(data, exc, shown)]) from exc
    return split_source(text, path, shown, kind)


def _not_utf8(data: bytes, exc: UnicodeDecodeError, shown: str) -> Problem:
    """Where a file stops being UTF-8, and what it probably is instead."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Problem(shown, 1, "", "saved as UTF-16: save it as UTF-8 instead")
    line = data.count(b"\n", 0, exc.start) + 1
    byte = data[exc.start]
    return Problem(
        shown,
        line,
        "",
        f"not UTF-8 text (byte 0x{byte:02x} {exc.reason}): save the file as UTF-8, "
        "as editors and Git expect",
    )


def split_source(text: str, path: Path, shown: str, kind: str) -> Source:
    """Split text into a front matter mapping (with a line per field) and the body."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    forbidden = [(text.count("\n", 0, m.start()) + 1, m.group()) for m in _FORBIDDEN.finditer(text)]
    if forbidden:  # reported below with their fields; replaced so the rest can be checked
        text = _FORBIDDEN.sub("\ufffd", text)
    if not _HANDLER.detect(text):
        raise ContentError(
            [Problem(shown, 1, "", "missing front matter: the file must start with a '---' line")]
        )
    try:
        yaml_text, body = _HANDLER.split(text)
    except ValueError as exc:
        raise ContentError(
            [Problem(shown, 1, "", "front matter is not closed: add a '---' line after it")]
        ) from exc
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    if body.startswith("\n"):
        body, body_line = body[1:], body_line + 1
    # the YAML text keeps the newline after the opening fence, so YAML line 0 is file line 1
    try:
        meta, field_lines, twice = parse_yaml(yaml_text, shown, first_line=1)
    except ContentError as exc:
        if forbidden:
            raise ContentError(exc.problems + _forbidden(forbidden, {}, body_line, shown)) from exc
        raise
    problems = twice + _forbidden(forbidden, field_lines, body_line, shown)
    return Source(path, shown, kind, meta, field_lines, body, body_line, tuple(problems))


def _forbidden(
    found: list[tuple[int, str]], lines: dict[str, int], body_line: int, shown: str
) -> list[Problem]:
    """A problem for each line holding control characters, naming the field it is in."""
    by_line: dict[int, str] = {}
    for line, char in found:
        by_line.setdefault(line, char)
    problems = []
    for line, char in list(by_line.items())[:_MOST_SHOWN]:
        kind = "a noncharacter" if char >= "\ufdd0" else "a control character"
        message = (
            f"U+{ord(char):04X} is {kind}, not allowed in a page "
            "(only tab and line breaks are): delete it"
        )
        problems.append(Problem(shown, line, _field_at(line, lines, body_line), message))
    if len(by_line) > _MOST_SHOWN:
        more = len(by_line) - _MOST_SHOWN
        problems.append(Problem(shown, None, "", f"and {more} more lines with control characters"))
    return problems


def _field_at(line: int, lines: dict[str, int], body_line: int) -> str:
    """The field whose text covers a line: the last field starting on or before it."""
    if line >= body_line:
        return "body"
    starts = [(start, len(name), name) for name, start in lines.items() if start <= line]
    return max(starts)[2] if starts else ""
