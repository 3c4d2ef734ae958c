"""What editorial rules are made of: the rule as a value, overrides, and finding places."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from b12site.errors import ERROR, WARNING, Problem, line_of
from b12site.models import Override, Source

__all__ = [
    "ERROR",
    "OFF",
    "VALIDITY_RULES",
    "WARNING",
    "Override",
    "Rule",
    "field_text",
    "finding",
    "locate",
]

OFF = "off"
# the rules of valid content (rules.py defines them; a test keeps the two lists equal): known
# here so that naming a finding's rule needs no import of every rule
VALIDITY_RULES = frozenset(
    {
        "site-settings",
        "file-name",
        "file-format",
        "yaml-syntax",
        "front-matter",
        "unknown-person",
        "review-missing",
        "reviewer-credentials",
        "reviewer-is-author",
        "date-order",
        "doi-syntax",
        "pmid-syntax",
        "url-scheme",
        "duplicate-reference",
        "unknown-citation",
        "top-heading",
        "duplicate-id",
        "markdown-limit",
        "unclosed-html",
        "content-block",
        "url-clash",
    }
)


@dataclass(frozen=True)
class Rule:
    """One editorial rule: a stable id, a default severity, a one-line description."""

    id: str  # kebab-case, stable, documented in the README
    severity: str  # ERROR or WARNING
    description: str
    category: str  # "content", "links", "evidence", "review", "readability", "structure"
    fixed: bool = False  # a rule of valid content: it cannot be turned off or re-graded


def field_text(source: Source, field: str) -> str:
    """The Markdown text of ``body``, ``summary``, ``key_points[i]`` or ``faq[i].answer``
    as the editor wrote it ("" when there is none)."""
    if field == "body":
        return source.body
    value: object = source.meta
    for part in field.replace("]", "").replace("[", ".").split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return ""
    return value if isinstance(value, str) else ""


def locate(source: Source, field: str, needle: str) -> tuple[int | None, int | None]:
    """The line and column of ``needle`` in a Markdown field, as near as can be told.

    In the body both are exact. Front matter texts may be folded by YAML, so there the
    line is that of the field's first line of text and the column is left out."""
    if field == "body":
        for offset, text in enumerate(source.body.split("\n")):
            column = text.find(needle) if needle else -1
            if column >= 0:
                return source.body_line + offset, column + 1
        return source.body_line, None
    return line_of(field, source.lines, 1), None


def finding(source: Source, field: str, message: str, rule: Rule, needle: str = "") -> Problem:
    """A rule's finding in one field of a file, placed at ``needle`` when it is found."""
    line, column = locate(source, field, needle)
    return Problem(source.display, line, field, message, rule.id, rule.severity, column)
