"""Pandoc-style citations (``[@id]``, ``[@a; @b]``): finding them and numbering them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from b12site.models import Citation, Reference

__all__ = ["CITATION_RE", "KEY", "KEY_RE", "find_keys", "number_citations"]

KEY = r"[A-Za-z0-9](?:[\w:.-]*[A-Za-z0-9])?"
KEY_RE = re.compile(rf"@({KEY})")
CITATION_RE = re.compile(rf"\[\s*(@{KEY}(?:\s*;\s*@{KEY})*)\s*\](?!\()")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")


def find_keys(text: str) -> Iterator[tuple[int, str]]:
    """Yield ``(line offset, key)`` for every citation key in text, skipping code blocks."""
    in_fence = False
    for offset, line in enumerate(text.split("\n")):
        if _FENCE_RE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for match in CITATION_RE.finditer(_strip_code_spans(line)):
            for key in KEY_RE.findall(match.group(1)):
                yield offset, key


def _strip_code_spans(line: str) -> str:
    return re.sub(r"`[^`]*`", lambda m: " " * len(m.group(0)), line)


def number_citations(
    texts_in_page_order: Iterable[str], references: tuple[Reference, ...]
) -> tuple[Citation, ...]:
    """Number references in order of first citation; uncited ones follow in listed order."""
    order: list[str] = []
    counts: dict[str, int] = {}
    for text in texts_in_page_order:
        for _, key in find_keys(text):
            counts[key] = counts.get(key, 0) + 1
            if key not in order:
                order.append(key)
    by_id = {ref.id: ref for ref in references}
    order = [key for key in order if key in by_id]
    order += [ref.id for ref in references if ref.id not in counts]
    return tuple(
        Citation(
            number=number,
            reference=by_id[key],
            anchors=tuple(f"cite-{key}-{n}" for n in range(1, counts.get(key, 0) + 1)),
        )
        for number, key in enumerate(order, start=1)
    )
