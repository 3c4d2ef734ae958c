"""Citations: finding keys, numbering in order of first citation, and rendering links."""

from __future__ import annotations

import pytest

from b12site.citations import number_citations
from b12site.markup import Converter
from b12site.models import Reference


def ref(ref_id: str) -> Reference:
    return Reference(ref_id, "Title", "Author A", "Journal", 2020, doi="10.1000/x")


def cited(text: str, known: tuple[str, ...] = ("a", "b", "b-2", "smith2020", "a.b:c")) -> list[str]:
    """The keys the Markdown converter takes as citations, in order of first citation."""
    convert = Converter(known)
    convert.block(text)
    return list(convert.citations.numbers)


FIND_CASES = [
    ("Text [@a].", ["a"]),
    ("Text [@a; @b-2].", ["a", "b-2"]),
    ("Text [ @a ;@b ].", ["a", "b"]),
    ("one\n\ntwo [@smith2020]", ["smith2020"]),
    ("Email me@example.org, not a citation.", []),
    ("A link [@a](https://x.org) is not a citation.", []),
    ("Code `[@a]` is not a citation.", []),
    ("```\n[@a]\n```\nafter [@b]", ["b"]),
    ("Text.\n\n    [@a] in an indented code block\n\nafter [@b]", ["b"]),
    ("~~~\n[@a]\n~~~\n", []),
    ("<div>[@a]</div>\n\nafter [@b]", ["b"]),  # raw HTML is not Markdown
    ("[@a.b:c]", ["a.b:c"]),
    ("[@] and [@ a] are not citations", []),
]


@pytest.mark.parametrize(("text", "expected"), FIND_CASES)
def test_citations_are_what_the_markdown_converter_finds(text: str, expected: list[str]) -> None:
    assert cited(text) == expected


def test_a_citation_in_code_is_neither_numbered_nor_counted_as_cited() -> None:
    refs = (ref("a"), ref("b"))
    convert = Converter(["a", "b"])
    convert.block("```\nexample [@a]\n```\n\nReal [@b].")
    numbered = number_citations(convert.citations, refs)
    assert [(c.number, c.reference.id, c.anchors) for c in numbered] == [
        (1, "b", ("cite-b-1",)),
        (2, "a", ()),  # listed, never cited: the build warns about it, and numbers it last
    ]


def test_numbered_in_order_of_first_citation_across_the_page() -> None:
    refs = (ref("a"), ref("b"), ref("c"), ref("d"))
    convert = Converter(["a", "b", "c", "d"])
    for text in ["Summary [@c].", "Body [@a; @c] and [@b].", "FAQ [@a]."]:
        convert.block(text)
    numbered = number_citations(convert.citations, refs)
    assert [(c.number, c.reference.id) for c in numbered] == [
        (1, "c"),
        (2, "a"),
        (3, "b"),
        (4, "d"),
    ]
    assert numbered[0].anchors == ("cite-c-1", "cite-c-2")
    assert numbered[3].anchors == ()  # listed but never cited: numbered last, no back link


def test_rendered_citation_links_to_its_reference_and_back() -> None:
    convert = Converter(["a", "b"])
    html = str(convert.block("Text [@b; @a] then [@a]."))
    assert '<a aria-label="Reference 1" class="citation-link" href="#ref-b" id="cite-b-1"' in html
    assert 'href="#ref-a" id="cite-a-2"' in html
    assert html.count('<sup class="citation">') == 2
    assert convert.citations.emitted == {"b": ["cite-b-1"], "a": ["cite-a-1", "cite-a-2"]}


def test_citation_text_shows_numbers_in_brackets() -> None:
    html = str(Converter(["a", "b"]).inline("Fact [@a; @b]."))
    text = html.replace("</a>", "").split(">")
    assert "".join(part.split("<")[0] for part in text) == "Fact [1, 2]."
