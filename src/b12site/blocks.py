"""Health content blocks (``!!! kind "Title"``) and wide tables: a Python-Markdown extension.

Editors write a care card, a warning callout or a do-and-don't list as an admonition::

    !!! urgent "Get an urgent appointment if:"
        - you feel numb in both feet

The block parser is Python-Markdown's admonition processor (its title kept from the inline
pass); a tree processor, run after the contents list is made, gives each block its final
shape and a heading one level below the heading before it, wraps every table in a
keyboard-scrollable region and turns a ``Table: caption`` paragraph before it into its
``<caption>``.

The classes, roles and ids these elements carry are marked with a secret of this process
(``MARK``); the sanitiser keeps such an attribute only when it carries the mark and names an
allowed value (``attribute_filter``), and drops the mark. Raw HTML and attribute lists an
editor types cannot know the mark, so they cannot forge a care card, a region or a caption id.
"""

from __future__ import annotations

import html
import re
import secrets
import xml.etree.ElementTree as etree
from collections.abc import Mapping
from dataclasses import dataclass, field

import markdown
from markdown import treeprocessors, util
from markdown.extensions import Extension
from markdown.extensions.admonition import AdmonitionProcessor

from b12site.models import CareCardSettings

__all__ = [
    "BLOCK_RULE",
    "CAPTION_PREFIX",
    "KINDS",
    "MARK",
    "BlockState",
    "BlocksExtension",
    "attribute_filter",
    "guarded_attributes",
    "use_state",
]

BLOCK_RULE = "content-block"
CAPTION_PREFIX = "table-caption-"  # ids of table captions; reserved: no editor's id starts so
CARE_KINDS = ("non-urgent", "urgent", "emergency")
KINDS = (*CARE_KINDS, "warning", "do", "dont")
HIDDEN_PREFIX = {
    "non-urgent": "Non-urgent advice: ",
    "urgent": "Urgent advice: ",
    "emergency": "Immediate action required: ",
    "warning": "Important: ",
}
DEFAULT_TITLE = {"warning": "Important", "do": "Do", "dont": "Don\u2019t"}
HEADING_CLASS = {
    "warning": "callout__heading",
    "do": "do-dont__heading",
    "dont": "do-dont__heading",
}

# a secret of this process: only elements made here carry it, and the sanitiser drops it
MARK = f"b12-{secrets.token_hex(16)} "
_CAPTION_ID = re.compile(rf"{CAPTION_PREFIX}[1-9][0-9]{{0,5}}")
_ANY_TEXT = re.compile(r"[^\x00-\x1f]{1,300}")
_HEADINGS = tuple(f"h{n}" for n in range(2, 7))
# every attribute only this extension may write, with the values it writes
_GUARDED: Mapping[tuple[str, str], frozenset[str] | re.Pattern[str]] = {
    ("div", "class"): frozenset(
        {
            *(f"care-card care-card--{kind}" for kind in CARE_KINDS),
            "care-card__content",
            "callout callout--warning",
            "do-dont",
            "do-dont__list do-dont__list--do",
            "do-dont__list do-dont__list--dont",
            "table-wrap",
        }
    ),
    **{
        (tag, "class"): frozenset({"care-card__heading", *HEADING_CLASS.values()})
        for tag in _HEADINGS
    },
    ("span", "class"): frozenset({"visually-hidden"}),
    ("ul", "class"): frozenset({"do-dont__items"}),
    ("div", "role"): frozenset({"region"}),
    ("div", "tabindex"): frozenset({"0"}),
    ("div", "aria-labelledby"): _CAPTION_ID,
    ("div", "aria-label"): _ANY_TEXT,
    ("caption", "id"): _CAPTION_ID,
}
_ESCAPED = re.compile(f"{util.STX}([0-9]+){util.ETX}")
_STASHED = re.compile(f"{util.STX}wzxhzdk:([0-9]+){util.ETX}")
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")


def guarded_attributes() -> dict[str, set[str]]:
    """The attributes, by tag, that only marked elements may carry."""
    found: dict[str, set[str]] = {}
    for tag, name in _GUARDED:
        found.setdefault(tag, set()).add(name)
    return found


def attribute_filter(tag: str, name: str, value: str) -> str | None:
    """The sanitiser's check of each attribute: a guarded one is kept, unmarked, only when
    this extension marked it and its value is one it writes; any other passes as it is."""
    allowed = _GUARDED.get((tag, name))
    if allowed is None:
        return value
    if not value.startswith(MARK):
        return None
    value = value[len(MARK) :]
    if isinstance(allowed, frozenset):
        return value if value in allowed else None
    return value if allowed.fullmatch(value) else None


@dataclass
class BlockState:
    """One page's blocks and tables: the wording, the numbers given so far, what is wrong."""

    wording: CareCardSettings = field(default_factory=CareCardSettings)
    level: int = 1  # the level of the heading the converted text sits under
    captions: int = 0  # table captions numbered so far on the page
    made_ids: set[str] = field(default_factory=set)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (needle, message)


def _marked(element: etree.Element, name: str, value: str) -> None:
    """Set an attribute only this extension may write."""
    element.set(name, MARK + value)


class _BlockParser(AdmonitionProcessor):
    """Python-Markdown's admonitions, with the title kept as written (never inline Markdown,
    so a citation or a link cannot hide in a heading) and no title made up when none is given."""

    def get_class_and_title(self, match: re.Match[str]) -> tuple[str, str | None]:
        """The kind as written (lowercase) and the quoted title, if any."""
        kind = self.RE_SPACES.sub(" ", match.group(1).lower())
        title = match.group(2)
        return kind, util.AtomicString(title) if title else None


class _BlockBuilder(treeprocessors.Treeprocessor):
    """Gives blocks their shape and heading level, and tables their region and caption."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.state = BlockState()

    def run(self, root: etree.Element) -> None:
        self._walk(root, self.state.level)

    def _walk(self, parent: etree.Element, level: int) -> int:
        """Shape the blocks and tables under ``parent``; the level of its last heading."""
        last, pairs = level, []
        for child in list(parent):
            if child.tag in _HEADINGS:
                last = int(child.tag[1])
            elif child.tag == "div" and child.get("class", "").startswith("admonition "):
                kind = child.get("class", "")[len("admonition ") :]
                heading = min(last + 1, 6)
                self._walk(child, heading)
                if self._block(child, kind, f"h{heading}") in ("do", "dont"):
                    pairs.append(child)
                    continue
            elif child.tag == "table":
                self._table(parent, child)
            else:
                last = self._walk(child, last)
            self._pair(parent, pairs)
            pairs = []
        self._pair(parent, pairs)
        return last

    def _block(self, div: etree.Element, kind: str, tag: str) -> str:
        """Give one block its final shape; its kind, or '' when it has none we know."""
        title_p = div[0] if len(div) and div[0].get("class") == "admonition-title" else None
        if title_p is not None:
            div.remove(title_p)
        content = list(div)
        del div.attrib["class"]
        if kind not in KINDS:
            self.state.problems.append(
                (f"!!! {kind}", f"unknown block '!!! {kind}': use one of {', '.join(KINDS)}")
            )
            return ""
        title = title_p.text if title_p is not None and title_p.text else self._title(kind)
        heading = etree.Element(tag)
        if kind in HIDDEN_PREFIX:
            hidden = etree.SubElement(heading, "span")
            _marked(hidden, "class", "visually-hidden")
            hidden.text, hidden.tail = HIDDEN_PREFIX[kind], title
        else:
            heading.text = title
        heading.tail = "\n"
        div.text = "\n"
        if kind in CARE_KINDS:
            _marked(div, "class", f"care-card care-card--{kind}")
            _marked(heading, "class", "care-card__heading")
            body = etree.Element("div")
            _marked(body, "class", "care-card__content")
            body.text, body.tail = "\n", "\n"
            body.extend(content)
            div[:] = [heading, body]
            return kind
        _marked(heading, "class", HEADING_CLASS[kind])
        div[:] = [heading, *content]
        if kind == "warning":
            _marked(div, "class", "callout callout--warning")
            return kind
        _marked(div, "class", f"do-dont__list do-dont__list--{kind}")
        lists = [item for item in content if item.tag == "ul"]
        for item in lists:
            _marked(item, "class", "do-dont__items")
        if not lists:
            message = f"a '!!! {kind}' block holds a bulleted list: write each point as '- …'"
            self.state.problems.append((f"!!! {kind}", message))
        return kind

    def _header_label(self, table: etree.Element) -> str:
        """A table's name from its first header row: the cells' texts joined by ', '."""
        row = next(table.iter("tr"), None)
        cells = [] if row is None else [self._shown(_text_of(cell)) for cell in row]
        return ", ".join(cell for cell in cells if cell)[:300] or "Table"

    def _shown(self, text: str) -> str:
        """Text as a reader sees it: escapes and entities resolved, raw HTML left out."""
        stash = self.md.htmlStash.rawHtmlBlocks

        def stashed(match: re.Match[str]) -> str:
            index = int(match.group(1))
            raw = str(stash[index]) if index < len(stash) else ""
            return html.unescape(raw) if _ENTITY.fullmatch(raw) else ""

        text = _STASHED.sub(stashed, _ESCAPED.sub(lambda m: chr(int(m.group(1))), text))
        return " ".join(text.split())

    def _title(self, kind: str) -> str:
        """The heading a block has when the editor gives none."""
        wording = self.state.wording
        cards = {
            "non-urgent": wording.non_urgent,
            "urgent": wording.urgent,
            "emergency": wording.emergency,
        }
        return cards.get(kind) or DEFAULT_TITLE[kind]

    @staticmethod
    def _pair(parent: etree.Element, run: list[etree.Element]) -> None:
        """Put two or more do and don't lists in a row side by side in one wrapper."""
        if len(run) < 2:
            return
        wrapper = etree.Element("div")
        _marked(wrapper, "class", "do-dont")
        wrapper.text, wrapper.tail = "\n", run[-1].tail
        parent.insert(list(parent).index(run[0]), wrapper)
        for block in run:
            parent.remove(block)
            block.tail = "\n"
            wrapper.append(block)

    def _table(self, parent: etree.Element, table: etree.Element) -> None:
        """Wrap a table in a scroll region named by its caption (from a ``Table:`` paragraph
        just before it) or by its header row; mark its header cells as column headers."""
        siblings = list(parent)
        index = siblings.index(table)
        wrap = etree.Element("div")
        _marked(wrap, "class", "table-wrap")
        _marked(wrap, "role", "region")
        _marked(wrap, "tabindex", "0")
        before = siblings[index - 1] if index else None
        caption = _caption_of(before) if before is not None else None
        if before is not None and caption is not None:
            self.state.captions += 1
            caption_id = f"{CAPTION_PREFIX}{self.state.captions}"
            self.state.made_ids.add(caption_id)
            _marked(caption, "id", caption_id)
            _marked(wrap, "aria-labelledby", caption_id)
            caption.tail = "\n"
            table.insert(0, caption)
            parent.remove(before)
            index -= 1
        for row in table.iter("thead"):
            for cell in row.iter("th"):
                cell.set("scope", "col")
        if caption is None:
            _marked(wrap, "aria-label", self._header_label(table))
        parent.remove(table)
        parent.insert(index, wrap)
        wrap.text, wrap.tail, table.tail = "\n", table.tail, "\n"
        wrap.append(table)


def _caption_of(paragraph: etree.Element) -> etree.Element | None:
    """A ``<caption>`` holding a ``Table: …`` paragraph's content, or None for any other."""
    text = paragraph.text or ""
    if paragraph.tag != "p" or not text.startswith("Table:") or paragraph.attrib:
        return None
    rest = text[len("Table:") :].lstrip()
    if not rest and not len(paragraph):
        return None
    caption = etree.Element("caption")
    caption.text = rest
    caption.extend(list(paragraph))
    return caption


def _text_of(element: etree.Element) -> str:
    """An element's text, without citation marks (placeholders left in)."""
    parts = [element.text or ""]
    for child in element:
        if not (child.tag == "sup" and child.get("class") == "citation"):
            parts.append(_text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


class BlocksExtension(Extension):
    """Health content blocks and wide tables (see the module's docstring)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.registerExtension(self)
        md.parser.blockprocessors.register(_BlockParser(md.parser), "b12site-blocks", 105)
        # after the contents list (5): block headings are not sections, captions not given ids
        md.treeprocessors.register(_BlockBuilder(md), "b12site-blocks", 4)


def use_state(md: markdown.Markdown, state: BlockState) -> None:
    """Lend ``md``'s block builder one page's state (a converter has the extension)."""
    processor = md.treeprocessors["b12site-blocks"]
    assert isinstance(processor, _BlockBuilder)
    processor.state = state
