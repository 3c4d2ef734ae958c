"""Property tests for hostile and broken input: anything an editor writes is refused with a
``B12Error`` or gives HTML in which no script can run, judged on the tree a browser builds."""

from __future__ import annotations

import contextlib
import re
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from markupsafe import Markup

from b12site.build import build
from b12site.citations import number_citations
from b12site.config import load_config
from b12site.content import split_source
from b12site.documents import render_article
from b12site.errors import B12Error, ContentError
from b12site.markup import RESERVED_IDS, Converter, Where, sanitise
from b12site.models import Reference, SiteConfig, Source
from b12site.names import SLUG_MAX, SLUG_RE, WINDOWS_RESERVED
from b12site.schema import validate_article

from .conftest import SITE_YAML, TODAY, article_text, front_matter
from .fuzz.html_checks import (
    allow_list_problems,
    fragment_problems,
    page_problems,
    parse_fragment,
    url_scheme,
)

KEYS = ("smith2020", "jones2019")
# Markdown as the articles write it.
REALISTIC = [
    "Intro paragraph.",
    "## What it is",
    "### Causes",
    "Text with a citation [@smith2020].",
    "Two sources [@smith2020; @jones2019].",
    "An unknown one [@nobody].",
    "**Bold label:** then prose.",
    "*emphasis* and _more_",
    "- one\n- two [@jones2019]",
    "1. first\n2. second",
    "> A quotation [@smith2020]",
    "`code [@smith2020]`",
    "```\nfenced <script>alert(1)</script>\n```",
    "    indented code",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "[NHS](https://www.nhs.uk/)",
    "[page](../about/)",
    "[mail](mailto:editor@example.org)",
    "[ring](tel:+441234567890)",
    "![A chart](chart.png)",
    "![x [@smith2020]](chart.png)",
    "<https://example.org/>",
    "<editor@example.org>",
    "Term\n: Its definition",
    "*[B12]: Vitamin B12",
    "B12 and MMA",
    "[link][ref]\n\n[ref]: https://example.org/",
    "## Heading {: #custom-id }",
    "A paragraph\n{: .note }",
    "---",
    "&amp; &copy; &#169; &nbsp;",
    "2 < 3 and 4 > 1",
    "Vitamin B₁₂ — 1.5 µg/day, \u2018quoted\u2019 \u201ctext\u201d",
]
# What someone hostile (or an unlucky paste) puts in a field.
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](java\tscript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "[x][evil]\n\n[evil]: javascript:alert(1)",
    "[@smith2020](javascript:alert(1))",
    '{: onclick="alert(1)" }',
    'A paragraph\n{: onclick="alert(1)" style="color:red" }',
    "## Heading {: onmouseover=alert(1) }",
    "[x](https://example.org/){: href=javascript:alert(1) }",
    "![i](x.png){: onerror=alert(1) src=javascript:alert(1) }",
    "## Clash {: #main }",
    "## Clash {: #ref-smith2020 }",
    "{{ 7*7 }}",
    '{{ "INJ" ~ "ECTED" }}',
    '{% print "INJ" ~ "ECTED" %}',
    "{% raw %}",
    "{% endraw %}",
    "{# comment #}",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<form><button formaction=javascript:alert(1)>x</button></form>",
    "<object data=javascript:alert(1)></object><embed src=javascript:alert(1)>",
    "<base href=javascript:alert(1)//>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<scr<script>ipt>alert(1)</script>",
    "<details open ontoggle=alert(1)>",
    "<a href='x' onclick='alert(1)'>x</a>",
    '<sup class="citation" onclick=alert(1)>[1]</sup>',
    "*[HTML]: <script>alert(1)</script>",
    "<p",
    "<a href=",
]
ODD = [
    *"[]()<>&\\`*_{}|:#!@\"'~=+-.",
    "\x00",
    "\x07",
    "\x0b",
    "\x0c",
    "\r",
    "\r\n",
    "\t",
    "\x85",
    "\u00a0",
    "\u200b",
    "\u202e",
    "\u2028",
    "\ufeff",
    "\ufffd",
    "é",
    "👩\u200d⚕️",
    "&#0;",
    "&#x110000;",
    "&lt;",
]
SEPARATORS = ["", " ", "\n", "\n\n", "\n    "]

piece = st.one_of(
    st.sampled_from(REALISTIC),
    st.sampled_from(HOSTILE),
    st.sampled_from(ODD),
    st.text(max_size=10),
)
markdown_text = st.lists(st.tuples(piece, st.sampled_from(SEPARATORS)), max_size=8).map(
    lambda parts: "".join(text + separator for text, separator in parts)
)
# Without the control characters that content files may not hold (refused before rendering),
# so that most articles built from it get as far as the page.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
page_text = st.lists(st.tuples(piece, st.sampled_from(SEPARATORS)), min_size=1, max_size=8).map(
    lambda parts: _CONTROL.sub("", "".join(text + separator for text, separator in parts))
)


def _element(tag: str, attributes: list[tuple[str, str, str]], content: str, close: bool) -> str:
    attrs = "".join(f" {name}={quote}{value}{quote}" for name, quote, value in attributes)
    return f"<{tag}{attrs}>{content}" + (f"</{tag}>" if close else "")


TAGS = [
    *("a", "img", "p", "div", "span", "sup", "abbr", "code", "pre", "h2", "table", "td", "li"),
    *("script", "svg", "math", "iframe", "style", "form", "button", "input", "object", "embed"),
    *("base", "meta", "link", "noscript", "template", "textarea", "title", "xmp", "select"),
    *("mtext", "mglyph", "annotation-xml", "foreignObject", "details", "image", "video", "body"),
]
ATTRIBUTES = [
    *("href", "src", "onerror", "onload", "onclick", "OnMouseOver", "style", "xlink:href"),
    *("action", "formaction", "srcdoc", "srcset", "data", "background", "poster", "encoding"),
    *("xmlns", "id", "class", "title", "alt", "lang", "role", "aria-label", "start", "colspan"),
]
VALUES = [
    *("javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)"),
    *("jav&#x09;ascript:alert(1)", "jav\tascript:alert(1)", "java\nscript:alert(1)"),
    *("&#106;avascript:alert(1)", "javascript&colon;alert(1)", "\x01javascript:alert(1)"),
    *("vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>"),
    *("data:image/svg+xml;base64,PHN2Zz4=", "https://example.org/", "/relative", "#ref-x"),
    *("mailto:a@example.org", "tel:+44", "//evil.example", "x", "alert(1)", "text/html"),
    *("0;url=javascript:alert(1)", "background:url(javascript:alert(1))"),
    *("</p><script>alert(1)</script>", '"><script>alert(1)</script>', "x.png 1x, javascript:a 2x"),
]
attribute = st.tuples(
    st.sampled_from(ATTRIBUTES), st.sampled_from(['"', "'", ""]), st.sampled_from(VALUES)
)
raw_html = st.recursive(
    st.one_of(st.sampled_from(HOSTILE), st.sampled_from(ODD), st.text(max_size=8)),
    lambda children: st.builds(
        _element,
        st.sampled_from(TAGS),
        st.lists(attribute, max_size=3),
        st.lists(children, max_size=3).map("".join),
        st.booleans(),
    ),
    max_leaves=12,
)


def block_html(convert: Converter, text: str) -> str:
    """Blocks' HTML with a contents list, or "" when a B12Error refuses the text."""
    return _or_refused(lambda: convert.block(text, collect_toc=True))


def inline_html(convert: Converter, text: str) -> str:
    """One paragraph's HTML, or "" when a B12Error refuses the text."""
    return _or_refused(lambda: convert.inline(text))


def _or_refused(run: Callable[[], Markup]) -> str:
    try:
        return str(run())
    except B12Error as exc:
        if currently_in_test_context():  # statistics of a hypothesis test
            event(_refusal(exc))
        return ""


def assert_safe_fragment(html: str) -> None:
    """No way for script to run, and nothing the sanitiser's allow-lists do not name."""
    assert fragment_problems(html) == []
    assert allow_list_problems(html) == []
    assert "INJECTED" not in html  # no template syntax in content is ever evaluated


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the block once ``seconds`` have passed (Unix only)."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def site_config(tmp_path_factory: pytest.TempPathFactory) -> SiteConfig:
    """The test site's settings, loaded once for the module (hypothesis reruns a test body)."""
    path = tmp_path_factory.mktemp("config") / "site.yaml"
    path.write_text(yaml.safe_dump(SITE_YAML, sort_keys=False), "utf-8")
    return load_config(path)


# --- the sanitiser and the Markdown converter -------------------------------------------------


def test_the_checker_sees_what_a_browser_runs() -> None:
    """The checks themselves: browser-style parsing finds what a string search would miss."""
    assert url_scheme(" \x01Jav\tascript:x") == "javascript"
    assert url_scheme("java\x01script:x") == ""  # a browser reads this as a relative URL
    assert url_scheme("../a:b") == ""
    assert fragment_problems('<a href="jav&#x09;ascript:alert(1)">x</a>')
    assert fragment_problems("<svg><a xlink:href='data:x'>x</a></svg>")
    assert fragment_problems("<p><img src=x OnError=alert(1)></p>")
    assert fragment_problems("<img srcset='a.png 1x, javascript:alert(1) 2x'>")
    assert fragment_problems('<p style="x">x</p>')
    assert page_problems('<meta http-equiv="Refresh" content="0;url=https://evil.example">')
    assert not page_problems('<link rel="stylesheet" href="/static/site.css"><p>x</p>')
    assert allow_list_problems("<p><form></form><a name=x>x</a></p>") == [
        "<form>: element not in ALLOWED_TAGS",
        "<a>: attribute 'name' not allowed",
    ]


@pytest.mark.parametrize("snippet", HOSTILE)
def test_each_hostile_snippet_runs_no_script(snippet: str) -> None:
    convert = Converter(KEYS)
    for html in (block_html(convert, snippet), inline_html(convert, snippet)):
        assert_safe_fragment(html)
    assert_safe_fragment(str(sanitise(snippet)))


@settings(max_examples=300, deadline=None)
@given(raw_html)
@example("<svg><script>alert(1)</script></svg>")
@example('<a href="jav&#x09;ascript:alert(1)">x</a>')
def test_sanitised_html_runs_no_script(html: str) -> None:
    assert_safe_fragment(str(sanitise(html)))


@settings(max_examples=300, deadline=None)
@given(markdown_text)
@example("<javascript:alert(1)>")
@example("[x](data:text/html,<script>alert(1)</script>)")
@example('Paragraph\n{: onclick="x" }')
def test_any_markdown_renders_without_script(text: str) -> None:
    convert = Converter(KEYS)
    assert_safe_fragment(block_html(convert, text))
    assert_safe_fragment(inline_html(convert, text))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_renders_without_script(text: str) -> None:
    assert_safe_fragment(block_html(Converter(KEYS), text))


DEEP_MARKDOWN = [
    ("nested quotes", ">" * 1000 + " x"),
    ("nested list items", "- " * 400 + "x"),
    ("nested ordered items", "1. " * 400 + "x"),
    ("indented lists", "".join("    " * i + "- a\n" for i in range(300))),
    ("quotes in lists", "> - " * 300 + "x"),
    ("emphasis", "*" * 1000 + "x" + "*" * 1000),
    ("brackets", "[" * 1000 + "x" + "]" * 1000),
    ("parentheses", "[x](" + "(" * 1000 + ")" * 1000 + ")"),
    ("html", "<div>" * 1000 + "x"),
    ("backticks", "`" * 1000),
    ("many citations", "[@smith2020]" * 500),
    ("many headings", "## Same\n\n" * 500),
    ("long line", "a" * 100_000),
    ("long word with brackets", "[@" + "a" * 10_000 + "]"),
]


@pytest.mark.parametrize("text", [t for _, t in DEEP_MARKDOWN], ids=[n for n, _ in DEEP_MARKDOWN])
def test_deep_or_long_markdown_is_refused_or_rendered_quickly(text: str) -> None:
    with time_limit(5):
        convert = Converter(KEYS)
        assert_safe_fragment(block_html(convert, text))
        assert_safe_fragment(inline_html(convert, text))


# --- bugs the properties found, kept as tests ------------------------------------------------


def test_a_citation_in_image_alt_text_has_its_anchor() -> None:
    convert = Converter(KEYS)
    html = str(convert.block("![x [@smith2020]](chart.png) and [@smith2020]."))
    ids = [e.get("id") for e in parse_fragment(html).iter()]
    anchors = convert.citations.emitted["smith2020"]
    assert anchors == ["cite-smith2020-2"]  # the alt text's citation became text, no anchor
    assert all(ids.count(a) == 1 for a in anchors)


@pytest.mark.parametrize("tag", ["style", "script", "textarea", "title", "iframe", "xmp"])
def test_an_unclosed_raw_text_element_is_refused(site_config: SiteConfig, tag: str) -> None:
    body = f"Intro <{tag.upper()}>x\n\n## Next\n\nMore text [@smith2020].\n"
    article = validate_article(_source(article_text(front_matter(), body)), site_config, TODAY)
    with pytest.raises(B12Error) as caught:
        render_article(article)
    assert f"body: raw HTML <{tag}> is never closed" in str(caught.value)


def _convert_in_a_new_thread(texts: list[str]) -> list[str]:
    """Problems found converting ``texts`` as one document's body fields, on a fresh thread
    (the converter is kept per thread: a new thread sees what a new worker sees)."""
    found: list[str] = []

    def run() -> None:
        convert = Converter(KEYS)
        try:
            for text in texts:
                convert.block(text, True, Where("a.md", "body", 1))
        except Exception as exc:
            found.append(f"{type(exc).__name__}: {exc}")
        found.extend(p.message for p in convert.problems)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return found


def test_a_blank_body_converts_without_error_or_stale_problems() -> None:
    assert _convert_in_a_new_thread([""]) == []
    assert _convert_in_a_new_thread(["  \n"]) == []
    problems = _convert_in_a_new_thread(["# Top\n", ""])
    assert len(problems) == 1 and "top heading" in problems[0]


# --- citations --------------------------------------------------------------------------------


@given(
    st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,8}[a-z0-9]", fullmatch=True), min_size=1, max_size=4)
)
def test_every_cited_key_is_found(keys: list[str]) -> None:
    convert = Converter(keys)
    convert.block("Text [" + "; ".join(f"@{k}" for k in keys) + "].")
    assert list(convert.citations.numbers) == list(dict.fromkeys(keys))


def _reference(key: str) -> Reference:
    return Reference(key, "A study", "Smith J", "BMJ", 2020, "10.1136/bmj.g5226")


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(markdown_text, min_size=1, max_size=3), extra=st.sampled_from(["", "x.y"]))
def test_citations_link_to_numbered_references_and_back(texts: list[str], extra: str) -> None:
    """Each in-text citation links to its reference and is itself the target of exactly one
    back-link anchor on the page; references are numbered 1..n, in the order the text first
    cites them (a citation in an image's alt text numbers its reference but has no anchor)."""
    references = tuple(_reference(key) for key in (*KEYS, extra) if key)
    convert = Converter(ref.id for ref in references)
    html = "".join(block_html(convert, text) for text in texts)
    citations = number_citations(convert.citations, references)
    assert [c.number for c in citations] == list(range(1, len(references) + 1))
    assert sorted(c.reference.id for c in citations) == sorted(ref.id for ref in references)
    numbered = list(convert.citations.numbers)  # in the order the text numbered them
    assert [c.reference.id for c in citations][: len(numbered)] == numbered
    tree = parse_fragment(html)
    ids = [element.get("id") for element in tree.iter() if element.get("id")]
    links = [a for a in tree.iter("a") if "citation-link" in a.get("class", "").split()]
    for link in links:
        key = link.get("href", "").removeprefix("#ref-")
        assert key in convert.citations.known
        assert link.text == str(convert.citations.numbers[key])
    for citation in citations:
        for anchor in citation.anchors:
            assert ids.count(anchor) == 1, f"back-link target {anchor} is not on the page once"


# --- slugs and heading ids --------------------------------------------------------------------

_THEME_IDS = re.compile(r"(faq-[0-9]+|letter-.|cite-.+-[0-9]+|.+-title)")


def _theme_id(element_id: str) -> bool:
    """Whether an id is one the theme gives its own elements on an article page."""
    theme_refs = {f"ref-{key}" for key in KEYS}
    return element_id in RESERVED_IDS | theme_refs or bool(_THEME_IDS.fullmatch(element_id))


@settings(max_examples=200, deadline=None)
@given(st.lists(markdown_text.map(lambda t: " ".join(t.split("\n"))), min_size=1, max_size=4))
@example(["Main", "Faq", "References", "ref smith2020", "Key points", "A title", "faq 1"])
def test_heading_ids_are_plain_unique_and_clear_of_the_theme_ids(titles: list[str]) -> None:
    assume(not any("{" in title for title in titles))  # ids given by hand: the next test
    convert = Converter(KEYS)
    html = block_html(convert, "\n\n".join(f"## {t}" for t in titles))
    headings = [e for e in parse_fragment(html).iter() if e.tag in {"h2", "h3", "h4", "h5", "h6"}]
    ids = [h.get("id", "") for h in headings]
    for element_id in ids:
        assert element_id and not any(c.isspace() for c in element_id), element_id
        assert not _theme_id(element_id), element_id
    assert len(set(ids)) == len(ids)
    assert [entry.id for entry in convert.toc] == [h.get("id") for h in headings if h.tag == "h2"]


@pytest.mark.parametrize("given_id", ["main", "faq", "ref-smith2020", "faq-1", "x-title"])
def test_an_id_given_by_hand_cannot_take_a_theme_id(site_config: SiteConfig, given_id: str) -> None:
    meta = front_matter()
    text = article_text(meta, f"Intro.\n\n## Section {{: #{given_id} }}\n\nText [@smith2020].\n")
    try:
        rendered = render_article(validate_article(_source(text), site_config, TODAY))
    except ContentError as exc:
        assert any(given_id in str(p) for p in exc.problems)
    else:
        ids = [e.get("id") for e in parse_fragment(str(rendered.body_html)).iter()]
        assert given_id not in ids


slug_like = st.one_of(
    st.from_regex(SLUG_RE, fullmatch=True),
    st.text(alphabet="az09-_/.\\ \n\tAZ\u0131\u00e9:", max_size=12),
    st.sampled_from(
        ["a\n", "con", "nul", "..", ".", "a/../b", "-a", "a-", "a--b", "x" * (SLUG_MAX + 1)]
    ),
)


def _source(text: str, name: str = "a.md") -> Source:
    return split_source(text, Path(name), name, "article")


@settings(max_examples=200, deadline=None)
@given(slug=slug_like, where=st.sampled_from(["slug", "tag", "file"]))
@example(slug="a\n", where="slug")
@example(slug="a\n", where="tag")
def test_a_slug_is_refused_or_a_plain_url_segment(
    site_config: SiteConfig, slug: str, where: str
) -> None:
    """Whatever names a folder in the output (slug, tag, file name) is a plain URL segment."""
    meta = front_matter(**({"slug": slug} if where == "slug" else {}))
    if where == "tag":
        meta["tags"] = ["vitamin-b12", slug]
    name = f"{slug}.md" if where == "file" else "a.md"
    assume(where != "file" or ("/" not in slug and "\x00" not in slug))
    try:
        article = validate_article(_source(article_text(meta), name), site_config, TODAY)
    except B12Error:
        return
    for value in (article.slug, *article.tags):
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value), repr(value)
        assert len(value) <= SLUG_MAX and value not in WINDOWS_RESERVED


# --- front matter -----------------------------------------------------------------------------

yaml_ish = st.text(
    alphabet=st.sampled_from(list("abc:-[]{}'\"\n #@&*!|>%\t0123456789.?,~\x07é")), max_size=200
)


@settings(max_examples=300, deadline=None)
@given(
    front=st.one_of(yaml_ish, markdown_text), body=st.one_of(st.text(max_size=100), markdown_text)
)
def test_split_source_gives_a_source_or_a_located_error(front: str, body: str) -> None:
    text = f"---\n{front}\n---\n{body}"
    try:
        source = split_source(text, Path("x.md"), "x.md", "article")
    except ContentError as exc:
        assert exc.problems
        assert all(p.path == "x.md" and (p.line is None or p.line >= 1) for p in exc.problems)
    else:
        assert isinstance(source.meta, dict)
        assert source.body_line >= 3


def _nested(depth: int) -> str:
    return "x: " + "[" * depth + "]" * depth


def _alias_bomb(levels: int, width: int) -> str:
    lines = ['a0: &a0 "lol"']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines)


HOSTILE_YAML = [
    pytest.param("title: !!python/object/apply:os.system ['true']", id="python object"),
    pytest.param("title: !!python/name:os.system", id="python name"),
    pytest.param("title: !custom 1", id="unknown tag"),
    pytest.param("title: !!binary aGVsbG8=", id="binary"),
    pytest.param("key_points: !!set {a, b}", id="set"),
    pytest.param("published: !!timestamp 2026-01-01", id="timestamp"),
    pytest.param("? [a, b]\n: c", id="complex key"),
    pytest.param("{a: 1}: 2", id="mapping key"),
    pytest.param("~: 1", id="null key"),
    pytest.param("1: 2", id="number key"),
    pytest.param("true: 2", id="bool key"),
    pytest.param("base: &b {title: x}\n<<: *b", id="merge key"),
    pytest.param("title: *nothing", id="undefined alias"),
    pytest.param("a: &a [*a]", id="self alias"),
    pytest.param(_alias_bomb(9, 10), id="alias bomb"),
    pytest.param("faq:\n\t- a", id="tab indent"),
    pytest.param("title: a\x07b", id="control character"),
    pytest.param("title: a\x00b", id="nul"),
    pytest.param("title: x\n...\ndescription: y", id="document end"),
    pytest.param("%YAML 1.1\n---\ntitle: x", id="directive"),
    pytest.param(_nested(990), id="deep nesting"),
    pytest.param(_nested(5000), id="too deep"),
    pytest.param("title: 1" + "0" * 5000, id="huge number"),
    pytest.param("k" * 10000 + ": 1", id="long key"),
]


@pytest.mark.parametrize("front", HOSTILE_YAML)
def test_hostile_front_matter_is_refused_quickly(site_config: SiteConfig, front: str) -> None:
    with time_limit(5):
        try:
            article = validate_article(_source(f"---\n{front}\n---\nBody\n"), site_config, TODAY)
        except ContentError as exc:
            assert exc.problems
        else:
            pytest.fail(f"accepted: {article}")


text_value = page_text.filter(lambda t: t.strip() != "")
any_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.dates(), markdown_text),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)


def _reference_value(key: str) -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries(
        {
            "id": st.just(key),
            "title": text_value,
            "authors": text_value | st.lists(text_value, min_size=1, max_size=3),
            "publication": text_value,
            "year": st.just(2020),
            "doi": st.sampled_from(["10.1136/bmj.g5226", '10.1234/x"><script>alert(1)</script>']),
        },
        optional={
            "url": st.sampled_from(VALUES).map(lambda v: "https://example.org/" + v.split()[-1])
            | st.sampled_from(VALUES),
            "volume": text_value,
            "pages": text_value,
            "pmid": st.sampled_from(["23301732", "23301732", "1<script>"]),
        },
    )


# Fields that validate as text, each given hostile Markdown; lists as the schema wants them.
text_fields = st.fixed_dictionaries(
    {},
    optional={
        "title": text_value.map(lambda t: t[:150]),
        "description": text_value.map(lambda t: t[:300]),
        "summary": text_value,
        "key_points": st.lists(text_value, min_size=1, max_size=3),
        "faq": st.lists(
            st.fixed_dictionaries({"question": text_value, "answer": text_value}),
            min_size=1,
            max_size=2,
        ),
        "about": text_value,
        "disclaimer": text_value,
        "references": st.tuples(_reference_value("smith2020"), _reference_value("jones2019")).map(
            list
        ),
    },
)
# Any field replaced by any YAML value, or a misspelt or unknown field added.
FIELDS = [
    *("title", "description", "slug", "published", "updated", "last_reviewed", "next_review"),
    *("author", "reviewed_by", "about", "tags", "summary", "key_points", "faq", "references"),
    *("disclaimer", "draft", "refrences", "unknown"),
]
any_fields = st.dictionaries(st.sampled_from(FIELDS), any_value, max_size=3)


def _refusal(exc: B12Error) -> str:
    """The kind of the first problem, for ``--hypothesis-show-statistics``."""
    first = str(exc).split("\n")[0].split(": ", 1)[-1]
    return "refused: " + re.sub(r"'.*?'|[0-9]+", "_", first)[:60]


def _check_rendered(meta: dict[str, object], body: str, config: SiteConfig) -> None:
    """Validate and render one article: refused with a B12Error, or every fragment is safe."""
    assume(not any("INJECTED" in str(v) for v in (*meta.values(), body)))
    text = article_text(meta, body)
    try:
        rendered = render_article(validate_article(_source(text), config, TODAY))
    except B12Error as exc:
        event(_refusal(exc))
        return
    event("rendered")
    for html in (
        rendered.summary_html,
        *rendered.key_points_html,
        rendered.body_html,
        *(answer for _, answer in rendered.faq_html),
    ):
        assert_safe_fragment(str(html))


@settings(max_examples=200, deadline=None)
@given(fields=text_fields, body=page_text)
def test_hostile_field_text_is_refused_or_rendered_safely(
    site_config: SiteConfig, fields: dict[str, object], body: str
) -> None:
    _check_rendered(front_matter(**fields), body, site_config)


@settings(max_examples=200, deadline=None)
@given(fields=any_fields)
def test_mistyped_fields_are_refused_or_rendered_safely(
    site_config: SiteConfig, fields: dict[str, object]
) -> None:
    _check_rendered({**front_matter(), **fields}, "Body.", site_config)


# --- whole pages ------------------------------------------------------------------------------


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(fields=text_fields, body=page_text)
def test_every_built_page_runs_no_script(fields: dict[str, object], body: str) -> None:
    """A one-article site whose every field comes from hypothesis: each HTML page it builds."""
    assume(not any("INJECTED" in str(v) for v in (*fields.values(), body)))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        (root / "content").mkdir(parents=True)
        (root / "site.yaml").write_text(yaml.safe_dump(SITE_YAML, sort_keys=False), "utf-8")
        article = article_text(front_matter(**fields), body)
        (root / "content" / "a.md").write_text(article, "utf-8")
        try:
            build(root / "site.yaml", Path(tmp) / "out", today=TODAY, use_cache=False)
        except B12Error as exc:
            event(_refusal(exc))
            return
        event("built")
        pages = sorted((Path(tmp) / "out").rglob("*.html"))
        assert len(pages) >= 2
        for page in pages:
            html = page.read_text("utf-8")
            assert page_problems(html) == [], page.relative_to(tmp)
            assert "INJECTED" not in html
