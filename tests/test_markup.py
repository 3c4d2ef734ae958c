"""Markdown rendering and sanitising: content can never put script into a page."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.treeprocessors import InlineProcessor

from b12site import inline, markup
from b12site.citations import CitationProcessor
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
    assert '<th align="left" scope="col">A</th>' in html
    assert '<td align="right">2</td>' in html
    assert "style" not in html


def test_toc_lists_h2_headings_only() -> None:
    convert = Converter()
    convert.block("## One\n\n### Sub\n\n## Two & three", collect_toc=True)
    assert [(e.id, e.title) for e in convert.toc] == [("one", "One"), ("two-three", "Two & three")]


def test_each_document_starts_fresh() -> None:
    for _ in range(2):
        convert = Converter()
        convert.block("## Same", collect_toc=True)
        assert [e.id for e in convert.toc] == ["same"]
    convert.block("## Same", collect_toc=True)  # the same page: one id for each heading
    assert [e.id for e in convert.toc] == ["same_1"]
    assert str(Converter().block("*[HTML]: Hyper\n\nHTML")) != str(Converter().block("HTML"))


def test_inline_drops_the_wrapping_paragraph() -> None:
    assert str(Converter().inline("**Nerves:** text")) == "<strong>Nerves:</strong> text"
    assert str(Converter().inline("one\n\ntwo")) == "<p>one</p>\n<p>two</p>"


def test_sanitise_is_idempotent() -> None:
    html = str(Converter().block("Text <b onclick=x>bold</b> [a](https://x.org)"))
    assert str(sanitise(html)) == html


# One Markdown converter per thread is reused for every document: it must never carry anything
# from one document into the next. (test_markup_equivalence.py checks output against the old
# renderer that made a fresh converter per document.)

DOCUMENT = "*[B12]: Vitamin B12\n\n## B12 [@a]\n\nB12 [@a] and [@b].\n\n- item [@b]"


def convert_alone(keys: list[str], texts: list[str]) -> list[str]:
    """Each text converted in turn by one document's converter, nothing else running."""
    convert = Converter(keys)
    return [str(convert.block(text, collect_toc=True)) for text in texts]


def test_the_faster_inline_pass_is_used_and_knows_every_pattern() -> None:
    assert all(hasattr(InlineProcessor, name) for name in inline.INLINE_INTERNALS)
    md = markup._new_markdown()
    assert type(md.treeprocessors["inline"]) is inline.SkippingInlineProcessor
    patterns = [p.getCompiledRegExp().pattern for p in md.inlinePatterns]
    assert [p for p in patterns if p not in inline.PATTERN_NEEDS] == []


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"aZ0 .:/@!()*_`\\[]<>&#;\n\"'", "  \n", "![", "\\`", "[@a]", "&amp;"]),
        max_size=20,
    )
)
def test_a_skipped_pattern_could_not_have_matched(parts: list[str]) -> None:
    """Each inline pattern's regex matches only text holding one of the strings it needs."""
    text = "".join(parts)
    for regex, needs in inline.PATTERN_NEEDS.items():
        if re.compile(regex, re.DOTALL | re.UNICODE).search(text):
            assert needs.search(text), (regex, text)


def test_documents_converted_in_turn_keep_their_own_numbers() -> None:
    texts = [DOCUMENT, "One [@a].", "**L:** [@b] [@a]", "Plain B12 text."]
    first, second = Converter(["a"]), Converter(["a", "b"])
    turns = [(str(first.block(t, True)), str(second.block(t, True))) for t in texts]
    assert [a for a, _ in turns] == convert_alone(["a"], texts)
    assert [b for _, b in turns] == convert_alone(["a", "b"], texts)
    assert first.citations.emitted == {"a": ["cite-a-1", "cite-a-2", "cite-a-3", "cite-a-4"]}
    assert second.citations.numbers == {"a": 1, "b": 2}


def test_abbreviations_and_link_references_stay_in_their_document() -> None:
    convert_alone([], ["*[B12]: Vitamin B12\n\n[nhs]: https://www.nhs.uk/\n\nB12 [nhs]"])
    assert convert_alone([], ["B12 [nhs]"]) == ["<p>B12 [nhs]</p>"]


def test_a_failed_conversion_does_not_spoil_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    before = convert_alone(["a", "b"], [DOCUMENT, "B12 and more"])

    def explode(self: object, m: re.Match[str], data: str) -> None:
        raise RuntimeError("boom")

    with monkeypatch.context() as patch:
        patch.setattr(CitationProcessor, "handleMatch", explode)
        with pytest.raises(RuntimeError):
            Converter(["a"]).block(DOCUMENT)
    assert convert_alone(["a", "b"], [DOCUMENT, "B12 and more"]) == before


def test_threads_convert_as_one_thread_does() -> None:
    jobs = [(["a", f"k{n}"], [f"Text {n} [@k{n}].", DOCUMENT] * 3) for n in range(40)]
    alone = [convert_alone(keys, texts) for keys, texts in jobs]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda job: convert_alone(*job), jobs)) == alone
