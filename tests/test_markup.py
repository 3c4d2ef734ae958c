"""Markdown rendering and sanitising: content can never put script into a page."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from b12site.markup import Converter, sanitise

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)></svg>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    'Paragraph\n{: onclick="alert(1)" }',
    '## Heading {: onmouseover="alert(1)" }',
    '<form action="https://evil.example"><input name="q"></form>',
    "<object data=x></object><embed src=x>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "<style>body{display:none}</style>",
]


class _Elements(HTMLParser):
    """Collects every element and attribute of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("text", HOSTILE)
def test_no_script_survives(text: str) -> None:
    html = str(Converter().block(text))
    for tag, attrs in elements(html):
        assert tag not in {
            "script",
            "iframe",
            "svg",
            "form",
            "input",
            "object",
            "embed",
            "meta",
            "style",
        }
        for name, value in attrs:
            assert not name.startswith("on") and name != "style"
            assert not (value or "").strip().lower().startswith(("javascript:", "data:"))
    assert "<script" not in html.lower()


SAFE = [
    ("**bold** and *em*", "<p><strong>bold</strong> and <em>em</em></p>"),
    ("[NHS](https://www.nhs.uk/)", '<p><a href="https://www.nhs.uk/">NHS</a></p>'),
    ("[mail](mailto:editor@example.org)", '<p><a href="mailto:editor@example.org">mail</a></p>'),
    ("[page](../about/)", '<p><a href="../about/">page</a></p>'),
    ("## Causes", '<h2 id="causes">Causes</h2>'),
    ("## Key points", '<h2 id="key-points-section">Key points</h2>'),
    ("Term\n: Definition", "<dl>\n<dt>Term</dt>\n<dd>Definition</dd>\n</dl>"),
]


@pytest.mark.parametrize(("text", "expected"), SAFE)
def test_ordinary_markdown_is_kept(text: str, expected: str) -> None:
    assert str(Converter().block(text)) == expected


def test_tables_keep_alignment_without_inline_style() -> None:
    html = str(Converter().block("| A | B |\n|:--|--:|\n| 1 | 2 |"))
    assert '<th align="left">A</th>' in html
    assert '<td align="right">2</td>' in html
    assert "style" not in html


def test_toc_lists_h2_headings_only() -> None:
    convert = Converter()
    convert.block("## One\n\n### Sub\n\n## Two & three", collect_toc=True)
    assert [(e.id, e.title) for e in convert.toc] == [("one", "One"), ("two-three", "Two & three")]


def test_each_document_starts_fresh() -> None:
    convert = Converter()
    convert.block("## Same", collect_toc=True)
    convert.block("## Same", collect_toc=True)
    assert [e.id for e in convert.toc] == ["same"]
    assert str(Converter().block("*[HTML]: Hyper\n\nHTML")) != str(Converter().block("HTML"))


def test_inline_drops_the_wrapping_paragraph() -> None:
    assert str(Converter().inline("**Nerves:** text")) == "<strong>Nerves:</strong> text"
    assert str(Converter().inline("one\n\ntwo")) == "<p>one</p>\n<p>two</p>"


def test_sanitise_is_idempotent() -> None:
    html = str(Converter().block("Text <b onclick=x>bold</b> [a](https://x.org)"))
    assert str(sanitise(html)) == html
