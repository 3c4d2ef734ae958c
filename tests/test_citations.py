"""Citations: finding keys, numbering in order of first citation, and rendering links."""

from __future__ import annotations

import pytest

from b12site.citations import find_keys, number_citations
from b12site.markup import Converter
from b12site.models import Reference


def ref(ref_id: str) -> Reference:
    return Reference(ref_id, "Title", "Author A", "Journal", 2020, doi="10.1000/x")


FIND_CASES = [
    ("Text [@a].", [(0, "a")]),
    ("Text [@a; @b-2].", [(0, "a"), (0, "b-2")]),
    ("Text [ @a ;@b ].", [(0, "a"), (0, "b")]),
    ("one\n\ntwo [@smith2020]", [(2, "smith2020")]),
    ("Email me@example.org, not a citation.", []),
    ("A link [@a](https://x.org) is not a citation.", []),
    ("Code `[@a]` is not a citation.", []),
    ("```\n[@a]\n```\nafter [@b]", [(3, "b")]),
    ("[@a.b:c]", [(0, "a.b:c")]),
    ("[@] and [@ a] are not citations", []),
]


@pytest.mark.parametrize(("text", "expected"), FIND_CASES)
def test_find_keys(text: str, expected: list[tuple[int, str]]) -> None:
    assert list(find_keys(text)) == expected


def test_numbered_in_order_of_first_citation_across_the_page() -> None:
    refs = (ref("a"), ref("b"), ref("c"), ref("d"))
    cited = number_citations(["Summary [@c].", "Body [@a; @c] and [@b].", "FAQ [@a]."], refs)
    assert [(c.number, c.reference.id) for c in cited] == [(1, "c"), (2, "a"), (3, "b"), (4, "d")]
    assert cited[0].anchors == ("cite-c-1", "cite-c-2")
    assert cited[3].anchors == ()  # listed but never cited: numbered last, no back link


def test_rendered_citation_links_to_its_reference_and_back() -> None:
    convert = Converter({"a": 1, "b": 2})
    html = str(convert.block("Text [@b; @a] then [@a]."))
    assert '<a aria-label="Reference 2" class="citation-link" href="#ref-b" id="cite-b-1"' in html
    assert 'href="#ref-a" id="cite-a-2"' in html
    assert html.count('<sup class="citation">') == 2
    assert convert.emitted_anchors == {"b": ("cite-b-1",), "a": ("cite-a-1", "cite-a-2")}


def test_citation_text_shows_numbers_in_brackets() -> None:
    html = str(Converter({"a": 1, "b": 2}).inline("Fact [@a; @b]."))
    text = html.replace("</a>", "").split(">")
    assert "".join(part.split("<")[0] for part in text) == "Fact [1, 2]."
