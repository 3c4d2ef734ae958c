"""Pandoc-style citations (``[@id]``, ``[@a; @b]``): finding, numbering and linking them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

from markdown import Markdown
from markdown.inlinepatterns import InlineProcessor

from b12site.models import Citation, Reference

__all__ = ["CITATION_RE", "KEY", "KEY_RE", "CitationState", "number_citations"]

KEY = r"[A-Za-z0-9](?:[\w:.-]*[A-Za-z0-9])?"
KEY_RE = re.compile(rf"@({KEY})")
CITATION_RE = re.compile(rf"\[\s*(@{KEY}(?:\s*;\s*@{KEY})*)\s*\](?!\()")


def number_citations(
    state: CitationState, references: tuple[Reference, ...]
) -> tuple[Citation, ...]:
    """The reference list in order of first citation (as the Markdown converter met them in
    page order); references never cited follow in the order they are listed."""
    by_id = {ref.id: ref for ref in references}
    order = [key for key in state.numbers if key in by_id]
    order += [ref.id for ref in references if ref.id not in state.numbers]
    return tuple(
        Citation(
            number=number,
            reference=by_id[key],
            anchors=tuple(state.emitted.get(key, ())),
        )
        for number, key in enumerate(order, start=1)
    )


@dataclass
class CitationState:
    """One document's in-text citations, numbered as they are met: its fields are converted
    in page order, so the Markdown converter alone decides what counts as a citation."""

    known: frozenset[str] = frozenset()
    numbers: dict[str, int] = field(default_factory=dict)
    emitted: dict[str, list[str]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)  # cited keys that name no reference
    made: dict[str, int] = field(default_factory=dict)  # anchors made, kept or not, by key

    def cite(self, key: str) -> tuple[int, str] | None:
        """The number of a cited key and a new in-text anchor id, or None if it is unknown."""
        if key not in self.known:
            self.unknown.append(key)
            return None
        number = self.numbers.setdefault(key, len(self.numbers) + 1)
        made = self.made[key] = self.made.get(key, 0) + 1  # never reused: an anchor dropped
        anchors = self.emitted.setdefault(key, [])  # (in an image's alt text) keeps its id
        anchors.append(f"cite-{key}-{made}")
        return number, anchors[-1]


def _link_attributes(key: str, number: int, anchor: str) -> dict[str, str]:
    """Attributes of one in-text citation link."""
    return {
        "href": f"#ref-{key}",
        "id": anchor,
        "class": "citation-link",
        "role": "doc-noteref",
        "aria-label": f"Reference {number}",
    }


class CitationProcessor(InlineProcessor):
    """Markdown inline pattern: ``[@a; @b]`` to superscript links to numbered references."""

    def __init__(self, md: Markdown) -> None:
        super().__init__(CITATION_RE.pattern, md)
        self.state = CitationState()

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[etree.Element, int, int]:
        sup = etree.Element("sup", {"class": "citation"})
        sup.text = "["
        links = []
        for key in KEY_RE.findall(m.group(1)):
            cited = self.state.cite(key)
            if cited is None:
                link = etree.SubElement(sup, "span")
                link.text = "?"
            else:
                link = etree.SubElement(sup, "a", _link_attributes(key, *cited))
                link.text = str(cited[0])
            links.append(link)
        for link in links[:-1]:
            link.tail = ", "
        links[-1].tail = "]"
        return sup, m.start(0), m.end(0)


def citation_html(keys_text: str, state: CitationState) -> str:
    """The HTML Python-Markdown writes for ``CitationProcessor``'s output (sorted attributes)."""
    links = []
    for key in KEY_RE.findall(keys_text):
        cited = state.cite(key)
        if cited is None:
            links.append("<span>?</span>")
        else:
            attributes = sorted(_link_attributes(key, *cited).items())
            attrs = "".join(f' {name}="{value}"' for name, value in attributes)
            links.append(f"<a{attrs}>{cited[0]}</a>")
    return f'<sup class="citation">[{", ".join(links)}]</sup>'
