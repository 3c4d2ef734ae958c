"""The fast rendering paths give byte for byte what the plain, slow renderer gave.

The oracle below is b12site's renderer as it was before it was made faster: a fresh
``markdown.Markdown`` per document with Python-Markdown's own inline pass, and every field
(summary, key points, body, FAQ answers) through the full converter and ``nh3.clean``.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import math
import multiprocessing
import re
import xml.etree.ElementTree as etree
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import markdown
import nh3
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from b12site import blocks, inline, markup
from b12site.citations import CITATION_RE, KEY_RE, CitationState
from b12site.config import load_config
from b12site.content import read_source
from b12site.documents import render_article
from b12site.limits import markdown_limits
from b12site.models import Article, RenderedArticle
from b12site.schema import validate_article
from b12site.sources import scan

_CITATION_SUP = re.compile(r'<sup class="citation">.*?</sup>', re.DOTALL)


class _OracleCitations(InlineProcessor):
    def __init__(self, md: markdown.Markdown, numbers: Mapping[str, int]) -> None:
        super().__init__(CITATION_RE.pattern, md)
        self.numbers = numbers
        self.assigned: dict[str, int] = {}
        self.emitted: dict[str, list[str]] = {}

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[etree.Element, int, int]:
        sup = etree.Element("sup", {"class": "citation"})
        sup.text = "["
        links = []
        for key in KEY_RE.findall(m.group(1)):
            # numbered in order of first citation among the known keys, as the page meets them
            number = (
                self.assigned.setdefault(key, len(self.assigned) + 1)
                if key in self.numbers
                else None
            )
            if number is None:
                link = etree.SubElement(sup, "span")
                link.text = "?"
            else:
                anchors = self.emitted.setdefault(key, [])
                anchor = f"cite-{key}-{len(anchors) + 1}"
                anchors.append(anchor)
                attrs = {"href": f"#ref-{key}", "id": anchor, "class": "citation-link"}
                attrs |= {"role": "doc-noteref", "aria-label": f"Reference {number}"}
                link = etree.SubElement(sup, "a", attrs)
                link.text = str(number)
            links.append(link)
        for link in links[:-1]:
            link.tail = ", "
        links[-1].tail = "]"
        return sup, m.start(0), m.end(0)


class _OracleExtension(Extension):
    def __init__(self, numbers: Mapping[str, int]) -> None:
        super().__init__()
        self.numbers = numbers

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        self.citations = _OracleCitations(md, self.numbers)
        md.inlinePatterns.register(self.citations, "citation", 175)


def oracle_sanitise(text: str) -> str:
    """``nh3.clean`` with the allow-lists, as ``sanitise`` called it before."""
    return nh3.clean(
        text,
        tags=set(markup.ALLOWED_TAGS),
        attributes={k: set(v) for k, v in markup.ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(markup.URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
        attribute_filter=blocks.attribute_filter,
    )


def unclosed_raw_text(text: str) -> bool:
    """Whether Markdown's HTML for ``text`` leaves a raw-text element (``<style>``) open."""
    return bool(markup._unclosed(Oracle().raw(text)))


def plain_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


class Oracle:
    """The old ``Converter``: its own Markdown instance, and every field through it."""

    def __init__(self, numbers: Mapping[str, int] | None = None) -> None:
        self.citations = _OracleExtension(dict(numbers or {}))
        extensions = ["tables", "toc", "attr_list", "def_list", "fenced_code", "sane_lists", "abbr"]
        self.md = markdown.Markdown(
            extensions=[*extensions, self.citations, blocks.BlocksExtension()],
            extension_configs={
                "toc": {"slugify": markup.heading_slug, "toc_depth": "2-6"},
                "tables": {"use_align_attribute": True},
            },
            output_format="html",
        )
        self.toc: list[tuple[str, str]] = []
        self.used: set[str] = set()
        self.blocks = blocks.BlockState()
        blocks.use_state(self.md, self.blocks)

    def raw(self, text: str) -> str:
        """Markdown's HTML, before sanitising; heading ids kept clear of the page's earlier ids."""
        self.md.reset()
        markup._LOCAL.taken = self.used
        try:
            return self.md.convert(text)
        finally:
            markup._LOCAL.taken = set()

    def block(self, text: str, collect_toc: bool = False, level: int = 1) -> str:
        self.blocks.level = level
        emitted = self.citations.citations.emitted
        before = {key: len(anchors) for key, anchors in emitted.items()}
        out = self.raw(text)
        if collect_toc:
            self.toc = [
                (t["id"], self._title(t.get("html", t["name"])))
                for t in getattr(self.md, "toc_tokens", [])
                if t["level"] == 2
            ]
        clean = oracle_sanitise(out)
        present = set(re.findall(r'\sid="([^"]*)"', clean))
        for key, anchors in emitted.items():  # an anchor the page lost is no back-link target
            anchors[before.get(key, 0) :] = [
                a for a in anchors[before.get(key, 0) :] if a in present
            ]
        self.used.update(present)
        return clean

    @staticmethod
    def _title(heading: str) -> str:
        return " ".join(plain_text(_CITATION_SUP.sub("", heading)).split())

    def inline(self, text: str) -> str:
        out = self.block(text).strip()
        match = re.match(r"^<p>(.*)</p>$", out, re.DOTALL)
        return match.group(1) if match and "<p>" not in match.group(1) else out

    def anchors(self) -> dict[str, tuple[str, ...]]:
        return {key: tuple(value) for key, value in self.citations.citations.emitted.items()}


def _words(text: str) -> int:
    return len(re.findall(r"[\w\u2019'-]+", text))


def oracle_render(article: Article, words_per_minute: int = 200) -> dict[str, Any]:
    """Every field of a RenderedArticle, as the old ``render_article`` made it."""
    answers = [item.answer for item in article.faq]
    convert = Oracle({ref.id: 0 for ref in article.references})
    summary = convert.inline(article.summary)
    key_points = [convert.inline(point) for point in article.key_points]
    body = convert.block(article.body, collect_toc=True)
    faq = [convert.block(answer, level=3) for answer in answers]
    emitted = convert.anchors()
    assigned = convert.citations.citations.assigned
    order = list(assigned) + [ref.id for ref in article.references if ref.id not in assigned]
    numbers = [(key, number) for number, key in enumerate(order, start=1)]
    text = " ".join(plain_text(part) for part in (summary, *key_points, body, *faq))
    words = _words(text) + sum(_words(item.question) for item in article.faq)
    return {
        "summary": summary,
        "key_points": key_points,
        "body": body,
        "faq": faq,
        "toc": convert.toc,
        "citations": [(number, key, emitted.get(key, ())) for key, number in numbers],
        "words": words,
        "minutes": max(1, math.ceil(words / words_per_minute)),
    }


def fields(rendered: RenderedArticle) -> dict[str, Any]:
    """The same view of a RenderedArticle made by the current code."""
    return {
        "summary": str(rendered.summary_html),
        "key_points": [str(point) for point in rendered.key_points_html],
        "body": str(rendered.body_html),
        "faq": [str(answer) for _, answer in rendered.faq_html],
        "toc": [(entry.id, entry.title) for entry in rendered.toc],
        "citations": [(c.number, c.reference.id, c.anchors) for c in rendered.citations],
        "words": rendered.word_count,
        "minutes": rendered.reading_minutes,
    }


def assert_same(article: Article, words_per_minute: int = 200) -> None:
    """The current ``render_article`` equals the oracle's, field by field, byte for byte."""
    expected = oracle_render(article, words_per_minute)
    assert fields(render_article(article, words_per_minute)) == expected


# ---- the articles of the sample site and of the golden fixture site ---------------------------

REPO = Path(__file__).resolve().parent.parent
SITES = [REPO / "site.yaml", REPO / "tests" / "fixtures" / "golden" / "site" / "site.yaml"]
DAY = date(2030, 1, 1)  # late enough that every fixture article validates


@functools.cache
def site_articles() -> tuple[Article, ...]:
    """Every article of the sample site and of the golden fixture site, drafts included."""
    found = []
    for site in SITES:
        config = load_config(site)
        for source in scan(config.content_dir, config.root).sources:
            path, kind = source.path, source.kind
            if kind == "article":
                found.append(validate_article(read_source(path, kind, config.root), config, DAY))
    return tuple(found)


def test_there_are_articles_to_compare() -> None:
    slugs = {a.slug for a in site_articles()}
    assert {"b12-deficiency-back-pain", "low-b12-tiredness", "draft-article"} <= slugs


def test_every_site_article_renders_byte_for_byte_as_before() -> None:
    for article in site_articles():
        expected = oracle_render(article)
        assert fields(render_article(article)) == expected, article.slug
        assert render_article(article, 50).reading_minutes == oracle_render(article, 50)["minutes"]


def test_documents_rendered_one_after_another_share_nothing() -> None:
    """One process renders many documents with one converter: order must not matter."""
    articles = list(site_articles())
    expected = [oracle_render(a) for a in articles]
    for order in (articles, articles[::-1], articles[1::2] + articles[::2]):
        for article in order:
            assert fields(render_article(article)) == expected[articles.index(article)]


# ---- tricky fields: each text as summary, key points, body and FAQ answers --------------------

# fmt: off
CURLY = "it\u2019s \u201ccurly\u201d \u2014 and \u2013 dashes"
TRICKY = [
    "", "Plain text.", "Low B12 [@a].", "Fish & chips", "a < b", "a > b", "x <b>bold</b> y",
    "&amp; &copy; &#169; &bogus;", "\"quoted\" and 'single'", CURLY,
    "naïve café 5 µg ² ½ 中文 [@b]", "back\\slash", "\\*escaped\\*", "a\\[@a]", "snake_case_word",
    "2*3*4", "*em* and _em_", "**bold**", "**Label:** text [@a].", "**Label:**text",
    "**Label [@a]:** text", "**Label:**", "** spaced:** x", "**Label: ** x", "**Unclosed text",
    "**A** **B** c", "`code` [@a]", "http://example.org/x?y=1&z=2", "<https://example.org>",
    "[@a; @b]", "x [ @a ;  @b ] y", "x [@a;@b] y", "x [@a;\n@b] y", "x [\u00a0@a] y",
    "x [@zz] and [@a; @zz]", "x [@a](http://x.org)", "x ([@a])", "text,[@a].", "text[@a]text",
    "[@a]: definition", "x ![@a]", "trailing  ", " leading", "two  spaces inside", "line\nbreak",
    "line  \nbreak", "- list item", "* star item", "+ plus item", "1. ordered", "1) paren",
    "2024. year", "1.5 mg a day", "## Heading [@a]", "> quote", "    indented code",
    "\tTabbed", "Term\n: def", "a | b", "| a | b |\n|---|---|\n| 1 | 2 |", "---", "***", "___",
    "Text {: #id }", "*[B12]: Vitamin B12\n\nB12 text", "[TOC]", "~~~\ncode [@a]\n~~~",
    "```\n[@a]\n```", "nbsp\u00a0here", "zero\u200bwidth", "CRLF\r\nline", "emoji 😀 [@b]",
    "ends with a citation [@a]", "[@a] starts with a citation", "a [@a] b [@b] c [@a] d",
    "5% of 65-74 year-olds (about 1 in 20) = +/- 3", "=== not a heading", "Q: what? A: this!",
    "@a is not a citation", "email me@example.org", "[not a citation]", "x [@a]] y", "x [[@a] y",
    "\x02placeholder\x03", "Ünïcödé Ωμέγα", "\u201cQuoted start\u201d", "(Parenthesised start)",
    "'single start'", "\u2018curly start\u2019", "x [@a.b:c-d] y", "x [@a_b] y", "x [@b2] y",
]
TRICKY_REFS = ("a", "b", "b2", "a.b:c-d", "a_b", "zz")  # a build refuses unknown keys
FAST = ["Plain text.", "Low B12 [@a].", CURLY, "**Label:** text [@a].", "x [ @a ;  @b ] y",
        "text[@a]text", "\u201cQuoted start\u201d", "naïve café 5 µg ² ½ 中文 [@b]"]
SLOW = ["", "Fish & chips", "**Label:**text", "[@a; @b]", "- list item", "1. ordered",
        "line\nbreak", "trailing  ", " leading", "x [\u00a0@a] y", "snake_case_word", "a > b"]
# fmt: on


def tricky_article(texts: list[str]) -> Article:
    """The first sample article with its Markdown fields replaced by the given texts."""
    base = site_articles()[0]
    refs = tuple(dataclasses.replace(base.references[0], id=key) for key in TRICKY_REFS)
    faq = tuple(dataclasses.replace(base.faq[0], answer=text) for text in texts)
    body = "\n\n".join(["Intro [@b].", *texts, "## Section [@a]", *texts])
    return dataclasses.replace(
        base, summary=texts[0], key_points=tuple(texts), body=body, faq=faq, references=refs
    )


def test_the_table_exercises_both_paths() -> None:
    state = CitationState(known=frozenset({"a", "b"}))
    assert all(inline.plain_html(text, state) is not None for text in FAST)
    assert all(inline.plain_html(text, state) is None for text in SLOW)


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_text_in_every_field_renders_as_before(text: str) -> None:
    assert_same(tricky_article([text]))
    assert_same(tricky_article([text, "Second [@a; @b].", text]))


def test_all_tricky_texts_in_one_article_number_their_citations_as_before() -> None:
    assert_same(tricky_article(TRICKY))
    assert_same(tricky_article(TRICKY[::-1]))


# ---- random text: the fast paths against the oracle ----------------------------------------

WORDS = ["B12 ", "word ", "Low ", "z", "9", "\u00e9", "\u00b5g", "\u4e2d", "\u03a9"]
PROSE = [*WORDS, *WORDS, *" .,;:?!'\"()%/+=-\u2013\u2014\u2019\u201c\u201d", "  "]
CITES = ["[@a]", "[@b]", "[@a; @b]", "[ @a ;@zz ]", "[@zz]", " [@b2]", "[@a.b:c-d]"]
PROBES = [
    *"*_`\\[]<>&#|~{}@!^$\n\t\r\x0b\x0c\x00\x02\x03\u00a0\u0085\u200b\u2028\ufeff",
    *["  \n", "&amp;", "&#65;", "<b>", "</b>", "<!-- c -->", "- ", "* ", "+ ", "1. ", "1) "],
    *["# ", "> ", "    ", "**", "*em*", "_em_", "**b**", "__b__", "`c`", "![@a]", "[@a](x)"],
    *["[x](http://e.org)", "<http://e.org>", "[\t@a]", "[@a;\n@b]", "[\u00a0@a]", "{: #id}"],
    *["---", "===", "Term\n: def", "[TOC]", "~~~", "```", "\\", "\\[@a]", ""],
]
# a word, then prose and citations, with one probe (maybe Markdown, maybe not) put anywhere
NEAR_PLAIN = st.builds(
    lambda parts, probe, at: "".join([*parts[:at], probe, *parts[at:]]),
    st.lists(st.sampled_from(PROSE + CITES), max_size=15).map(lambda parts: ["Word ", *parts]),
    st.sampled_from(PROBES),
    st.integers(0, 16),
)
TEXT = st.lists(st.sampled_from(PROSE + CITES + PROBES), max_size=30).map("".join)
INLINE = st.one_of(TEXT, NEAR_PLAIN)
NUMBERS = {"a": 1, "b": 2}


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(INLINE, st.booleans()), min_size=1, max_size=4))
def test_random_fields_convert_as_before(fields_: list[tuple[str, bool]]) -> None:
    """A document's fields in turn, each inline or as a block: same HTML, same anchors."""
    assume(all(not markdown_limits(text) for text, _ in fields_))  # refused: test_limits.py
    convert, oracle = markup.Converter(NUMBERS), Oracle(NUMBERS)
    for text, as_block in fields_:
        assume(not unclosed_raw_text(text))  # refused: test_properties.py
        if as_block:
            assert str(convert.block(text)) == oracle.block(text)
        else:
            assert str(convert.inline(text)) == oracle.inline(text)
    assert {k: tuple(v) for k, v in convert.citations.emitted.items()} == oracle.anchors()


@settings(max_examples=1000, deadline=None)
@given(NEAR_PLAIN, NEAR_PLAIN)
def test_the_fast_path_gives_markdowns_own_html(label: str, rest: str) -> None:
    """Whenever the fast path takes a text, its HTML is exactly Markdown's, before sanitising."""
    for text in (rest, f"**{label}**{rest}", f"**{label}** {rest}"):
        state = CitationState(known=frozenset(NUMBERS))
        fast = inline.plain_html(text, state)
        oracle = Oracle(NUMBERS)
        if fast is None:
            assert state.emitted == {}  # a text it turns down leaves no numbers behind
        else:
            assert fast == oracle.raw(text)
            assert {k: tuple(v) for k, v in state.emitted.items()} == oracle.anchors()


# fmt: off
LINES = [
    "## Heading [@a]", "### Sub *heading*", "## Key points", "- item [@b]", "* item", "1. one",
    "| a | b |", "|:--|--:|", "| 1 [@a] | *2* |", "```", "~~~", "    code", "> quote [@a]",
    "Term", ": definition", "*[B12]: Vitamin B12", "B12 text", "[TOC]", "---", "{: #custom }",
    "[ref]: https://example.org", "see [ref] and [link](https://x.org) ![img](x.png)", "",
    "!!! urgent", "!!! do \"Do this\"", "!!! dont", "!!! odd", "    - item [@a]", "    text",
    "Table: cap [@b]",
]
# fmt: on
BODY = st.lists(st.one_of(st.sampled_from(LINES), INLINE), max_size=14).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(BODY, BODY)
@example("", "[@a]([@a])")  # a citation inside a link's text: its anchor is lost, not counted
def test_random_bodies_convert_as_before(first: str, second: str) -> None:
    """Whole bodies through the shared converter and its faster inline pass: same HTML and toc."""
    assume(not markdown_limits(first) and not markdown_limits(second))
    assume(not unclosed_raw_text(first) and not unclosed_raw_text(second))
    for text in (first, second):
        convert, oracle = markup.Converter(NUMBERS), Oracle(NUMBERS)
        assert str(convert.block(text, collect_toc=True)) == oracle.block(text, collect_toc=True)
        assert [(e.id, e.title) for e in convert.toc] == oracle.toc
        assert {k: tuple(v) for k, v in convert.citations.emitted.items()} == oracle.anchors()


# ---- one converter per process: threads and worker processes -------------------------------


def test_threads_render_as_before() -> None:
    articles = site_articles()
    expected = [oracle_render(a) for a in articles]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(render_article, articles * 3))
    assert [fields(r) for r in results] == expected * 3


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_worker_processes_render_as_before(method: str) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    articles = site_articles()
    render_article(articles[0])  # the parent's converter exists before the fork
    with multiprocessing.get_context(method).Pool(2) as pool:
        results = pool.map(render_article, articles * 2, chunksize=1)
    assert [fields(r) for r in results] == [oracle_render(a) for a in articles] * 2
