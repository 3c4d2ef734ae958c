"""Markdown limits: hostile nesting is reported by line, and text just under them converts fast."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from b12site import limits
from b12site.limits import markdown_limits

CONTENT = Path(__file__).resolve().parent.parent / "content"
DEEP = 3000  # levels in each hostile input: Python-Markdown fails or hangs on all of them
TALL = 300  # levels for inputs with a line per level (lists fail at 256)


def _list(depth: int, indent: str) -> str:
    """A list nested ``depth`` deep, one level per line."""
    return "\n".join(indent * level + "- item" for level in range(depth))


# (input, line offset of the first problem, words the message must hold)
HOSTILE = {
    "block quotes": ("> " * DEEP + "text", 0, "nested"),
    "block quotes without spaces": ("Intro.\n\n" + ">" * DEEP + " text", 2, "nested"),
    "block quotes, one more per line": (
        "\n".join(">" * level + " text" for level in range(1, TALL)),
        limits.MAX_BLOCK_DEPTH,
        "nested",
    ),
    "lists indented by 4": (_list(TALL, "    "), limits.MAX_BLOCK_DEPTH, "nested"),
    "lists indented by 2": (_list(2 * TALL, "  "), 2 * limits.MAX_BLOCK_DEPTH, "nested"),
    "lists indented by tab": (_list(TALL, "\t"), limits.MAX_BLOCK_DEPTH, "nested"),
    "lists on one line": ("- " * DEEP + "item", 0, "nested"),
    "lists in quotes": ("> - " * DEEP + "item", 0, "nested"),
    "open brackets": ("Intro.\n\n" + "[" * DEEP, 2, "'['"),
    "open brackets and words": ("[word " * DEEP, 0, "'['"),
    "nested brackets": ("[" * DEEP + "x" + "]" * DEEP, 0, "'['"),
    "nested links": ("[" * DEEP + "x" + "](y)" * DEEP, 0, "'['"),
    "nested images": ("![" * DEEP + "x" + "](y)" * DEEP, 0, "'['"),
    "open link targets": ("[a](" * DEEP, 0, "link targets"),
    "open link titles": ("[a]('x)" * DEEP, 0, "link targets"),
    "brackets behind code spans": ("[`]`" * DEEP, 0, "'['"),
    "brackets over lines": ("Intro\n" + "[\n" * DEEP, 1 + limits.MAX_BRACKET_DEPTH, "'['"),
    "backticks": ("`" * DEEP, 0, "'`'"),
    "backticks of growing length": (" ".join("`" * n for n in range(1, 80)), 0, "'`'"),
    "unclosed fences of growing length": (
        "\n".join("`" * n for n in range(3, 80)),
        limits.MAX_BACKTICK_RUN - 2,
        "'`'",
    ),
    "tilde fences of growing length": ("\n".join("~" * n for n in range(3, 80)), 0, "fences"),
    "unclosed fences": ("Intro\n\n" + "~~~ python\n" * DEEP, 2, "fences"),
    "brackets in an unclosed fence": ("```\n" + "[" * DEEP, 1, "'['"),
    "emphasis": ("**a " * DEEP + "b" + " c**" * DEEP, 0, "emphasis"),
    "emphasis with underscores": ("_" * DEEP + "a" + "_" * DEEP, 0, "emphasis"),
    "mixed emphasis": ("*_" * DEEP + "a" + "_*" * DEEP, 0, "too long"),
    "citations in one paragraph": ("Intro.\n\n" + "[@a] " * 20_000, 2, "too long"),
    "citations in many paragraphs": ("[@a] [@b]\n\n" * 20_000, 12_500 * 2, "marks"),
    "many keys in one citation": ("[@a" + ";@a" * 60_000 + "]", 0, "marks"),
    "many short paragraphs": (
        "a\n\n" * (limits.MAX_BLANK_LINES + 5),
        limits.MAX_BLANK_LINES * 2 + 1,
        "blank",
    ),
    "headings in one paragraph": ("# a\n" * 6000, 0, "too long"),
    "unclosed tags": ("Text\n\n" + "<a " * DEEP, 2, "'>'"),
    "unclosed tags on lines": ("<a\n" * DEEP, 0, "'>'"),
    "unclosed CDATA": ("<![CDATA[" * DEEP + ">", 0, "'>'"),
    "nested HTML": ("<div>" * DEEP + "x", 0, "HTML"),
    "nested HTML in paragraphs": ("<div>\n\n" * DEEP + "x", 2 * limits.MAX_HTML_DEPTH, "HTML"),
    "fenced code blocks": ("Intro\n\n" + "```\n" * DEEP, 2 + 2 * limits.MAX_CODE_BLOCKS, "code"),
    "abbreviations": (
        "".join(f"*[A{i}]: b\n" for i in range(DEEP)),
        limits.MAX_ABBREVIATIONS,
        "abbreviations",
    ),
}


@pytest.mark.parametrize(("text", "line", "words"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_reported_at_its_line(text: str, line: int, words: str) -> None:
    problems = markdown_limits(text)
    assert any(o == line and words in m and "the limit is" in m for o, m in problems), problems


def test_each_limit_is_reported_once_per_block() -> None:
    text = "\n".join("    " * level + "- [[[[[[[[[[" for level in range(40))
    assert len(markdown_limits(text)) == 2


def test_fenced_code_is_not_checked() -> None:
    assert markdown_limits("```\n" + "> " * DEEP + "[" * DEEP + "\n```\n") == []
    assert markdown_limits("~~~ python\n" + "[a](" * DEEP + "\n~~~\n\nAfter.") == []


@pytest.mark.parametrize(
    "text",
    [
        "]" * DEEP,
        "[link](https://example.org/a_(b)) and [another](/x 'title') [@smith2020; @jones2021]",
        "* * * * * * * * * * * * * * * * * * * * * *",
        "> quote\n>\n> > nested quote\n\n- a\n    - b\n        - c\n            - d",
        "| a | b |\n| - | - |\n" + "| [x](y) | **z** |\n" * 200,
        "Text with `code [` spans` and [a link](x).",
        "x <a " * 20 + "<b>y</b> and <![CDATA[ x ]]>",
        "".join(f"*[A{i}]: abbreviation\n" for i in range(40)) + "\nA1 and A2 " * 100,
    ],
)
def test_ordinary_markdown_passes(text: str) -> None:
    assert markdown_limits(text) == []


def _bodies_and_fields() -> list[tuple[str, str]]:
    """Every sample article's body and Markdown front matter fields."""
    out = []
    for path in sorted(CONTENT.glob("**/*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(front)
        out.append((f"{path.name}: body", body))
        for field in ("summary", "description"):
            if isinstance(meta.get(field), str):
                out.append((f"{path.name}: {field}", meta[field]))
        for i, point in enumerate(meta.get("key_points") or []):
            out.append((f"{path.name}: key_points[{i}]", str(point)))
        for i, item in enumerate(meta.get("faq") or []):
            out.append((f"{path.name}: faq[{i}].answer", str(item.get("answer", ""))))
    return out


def test_sample_articles_are_within_the_limits() -> None:
    fields = _bodies_and_fields()
    assert len(fields) > 20
    for name, text in fields:
        assert markdown_limits(text) == [], name


def test_file_size_limit() -> None:
    assert limits.file_size_problem(limits.MAX_FILE_BYTES) is None
    message = limits.file_size_problem(limits.MAX_FILE_BYTES + 1)
    assert message is not None and "the limit is" in message


@pytest.mark.parametrize(
    "text",
    [
        "[" * 1_000_000,
        "[a](" * 250_000,
        "[a]('x)" * 150_000,
        "> " * 500_000,
        "- " * 500_000 + "item",
        "`" * 1_000_000,
        "~~~ a\n" * 150_000,
        "<a " * 300_000,
        "*a " * 300_000,
        "a\n\n" * 300_000,
    ],
)
def test_checking_is_linear(text: str) -> None:
    start = time.process_time()
    assert markdown_limits(text)
    assert time.process_time() - start < 5  # quadratic would take hours


def _words(size: int) -> str:
    """Plain prose of about ``size`` characters, in one paragraph."""
    return "word " * (size // 5)


def _paragraphs(unit: str, size: int, count: int) -> str:
    """``count`` paragraphs of ``unit`` repeated to about ``size`` characters."""
    return (unit * (size // len(unit)) + "\n\n") * count


D, B, T = limits.MAX_BLOCK_DEPTH, limits.MAX_BRACKET_DEPTH, limits.MAX_OPEN_LINKS
E, H = limits.MAX_EMPHASIS_DEPTH, limits.MAX_HTML_DEPTH
TICKS = range(1, limits.MAX_BACKTICK_RUN + 1)
# Text at each limit, as hard as it can be there for the converter
UNDER = {
    "lists indented by 4": (_list(D, "    ") + "\n\n") * 100,
    "lists indented by 2": (_list(2 * D, "  ") + "\n\n") * 100,
    "lists indented by tab": (_list(D, "\t") + "\n\n") * 100,
    "lists on one line": ("- " * D + "item\n\n") * 500,
    "block quotes": ("> " * D + "text\n\n") * 500,
    "quotes and lists": ("> - " * (D // 2) + "item\n\n") * 500,
    "open brackets": "[" * B + _words(300_000),
    "nested links": ("[" * B + "x" + "](y)" * B + "\n\n") * 1000,
    "open link titles": "[a]('x)" * T + _words(300_000),
    "backtick runs": " ".join("`" * n for n in TICKS) + _words(300_000),
    "unclosed fences of growing length": "\n".join("`" * n for n in TICKS if n > 2)
    + "\n"
    + _words(300_000),
    "emphasis": ("*" * E + "a" + "*" * E + "\n\n") * 1000,
    "nesting at every limit": (
        _list(D - 1, "    ")
        + "\n"
        + "    " * (D - 1)
        + "- "
        + ("<span>" * H + "*" * E + "[" * (B - 1) + "[a](b)" + "]" * (B - 1) + "*" * E)
        + "</span>" * H
        + "\n\n"
    )
    * 200,
    "marks": _paragraphs("[@a] *b* ", 2000, limits.MAX_MARKS // 900),
    "marks in one paragraph": _paragraphs("[@a] words words ", 29_000, 1),
    "blank lines": "a\n\n" * limits.MAX_BLANK_LINES,
    "nested HTML": ("<div>" * H + "x" + "</div>" * H + "\n\n") * 300,
    "unclosed tags": "<a " * limits.MAX_UNCLOSED_TAGS + _words(300_000),
    "fenced code blocks": "```\n" * 2 * limits.MAX_CODE_BLOCKS + _words(300_000),
    "unclosed fences": "".join(f"~~~ {n}\n" for n in range(limits.MAX_UNCLOSED_FENCES))
    + _words(300_000),
    "abbreviations": "".join(f"*[A{i}]: b\n" for i in range(limits.MAX_ABBREVIATIONS))
    + "\n"
    + _paragraphs("A1 x A99 ", 2000, 20),
}
_CONVERT = """
import resource, sys
resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from b12site.markup import Converter
text = sys.stdin.read()
Converter().block(text, collect_toc=True)
Converter().inline(text)
print("converted")
"""


@pytest.mark.parametrize("text", UNDER.values(), ids=UNDER.keys())
def test_text_just_under_the_limits_converts(text: str) -> None:
    assert markdown_limits(text) == []
    done = subprocess.run(
        [sys.executable, "-c", _CONVERT], input=text, capture_output=True, text=True, timeout=60
    )
    assert done.stdout == "converted\n", done.stderr[-2000:]
