"""Every rule b12site checks, as values: the one list that build, check and the docs share."""

from __future__ import annotations

from collections.abc import Mapping

from b12site.content import FILE_RULE
from b12site.errors import ERROR
from b12site.evidence import UNCITED_STATISTIC
from b12site.facts import UNCITED_REFERENCE
from b12site.findings import Rule
from b12site.frontyaml import YAML_RULE
from b12site.governance import REVIEW_DUE_SOON, REVIEW_OVERDUE
from b12site.links import (
    BROKEN_ANCHOR,
    BROKEN_LINK,
    BROKEN_LINK_EXTERNAL,
    EXTERNAL_LINK_UNREACHABLE,
)
from b12site.markup import (
    BLOCK_RULE,
    ID_RULE,
    LIMIT_RULE,
    TOP_HEADING_RULE,
    UNCLOSED_RULE,
    UNKNOWN_CITATION_RULE,
)
from b12site.newarticle import PLACEHOLDER_RULE
from b12site.readability import READING_GRADE
from b12site.schema import DATES_RULE, DUPLICATE_RULE, FRONT_MATTER_RULE, LOCATOR_RULES
from b12site.sources import FILE_NAME_RULE
from b12site.structure import STRUCTURE_RULES

__all__ = ["RULES", "SITE_RULES", "rule_table"]


def _fixed(rule_id: str, category: str, description: str) -> Rule:
    return Rule(rule_id, ERROR, description, category, fixed=True)


# Rules of valid content: a file that breaks one cannot be built, so they cannot be turned off.
_VALIDITY = (
    _fixed("site-settings", "content", "The settings file site.yaml is missing or invalid"),
    _fixed(FILE_NAME_RULE, "content", "A content file's name or link cannot be read everywhere"),
    _fixed(FILE_RULE, "content", "A content file is not UTF-8 text with front matter, or too big"),
    _fixed(YAML_RULE, "content", "The front matter is not valid YAML (or gives a field twice)"),
    _fixed(FRONT_MATTER_RULE, "content", "A front matter field is missing, unknown or invalid"),
    _fixed("unknown-person", "review", "An author or reviewer is not in site.yaml's people"),
    _fixed("review-missing", "review", "The article has no last_reviewed date"),
    _fixed("reviewer-credentials", "review", "The medical reviewer has no credentials"),
    _fixed("reviewer-is-author", "review", "The medical reviewer is the article's author"),
    _fixed(DATES_RULE, "review", "Dates are out of order (updated or reviewed before published)"),
    _fixed(LOCATOR_RULES["doi"], "evidence", "A reference's DOI is not a bare DOI (10.x/…)"),
    _fixed(LOCATOR_RULES["pmid"], "evidence", "A reference's PMID is not a positive integer"),
    _fixed(LOCATOR_RULES["url"], "evidence", "A reference's URL is not an http(s) address"),
    _fixed(DUPLICATE_RULE, "evidence", "Two references share an id, DOI, PMID or URL"),
    _fixed(UNKNOWN_CITATION_RULE, "evidence", "A citation names no reference of the article"),
    _fixed(TOP_HEADING_RULE, "structure", "A top heading (#) in the text: the title is the H1"),
    _fixed(ID_RULE, "structure", "An id is used twice on a page, or is one of the page's own"),
    _fixed(LIMIT_RULE, "content", "Markdown nested or sized beyond b12site's limits"),
    _fixed(UNCLOSED_RULE, "content", "Raw HTML left open would swallow the text after it"),
    _fixed(BLOCK_RULE, "content", "A `!!!` block is of an unknown kind, or a do/don't has no list"),
    _fixed("url-clash", "links", "Two files have one URL, or a file takes a built-in URL"),
)

RULES: tuple[Rule, ...] = (
    *_VALIDITY,
    PLACEHOLDER_RULE,
    BROKEN_LINK,
    BROKEN_ANCHOR,
    BROKEN_LINK_EXTERNAL,
    EXTERNAL_LINK_UNREACHABLE,
    UNCITED_REFERENCE,
    UNCITED_STATISTIC,
    REVIEW_OVERDUE,
    REVIEW_DUE_SOON,
    READING_GRADE,
    *STRUCTURE_RULES,
)
BY_ID: Mapping[str, Rule] = {rule.id: rule for rule in RULES}
SITE_RULES = frozenset({BROKEN_LINK.id, BROKEN_ANCHOR.id, REVIEW_OVERDUE.id, REVIEW_DUE_SOON.id})


def rule_table() -> str:
    """The rules as a Markdown table, as the README lists them."""
    rows = [
        "| rule | severity | category | can be turned off | what it finds |",
        "|---|---|---|---|---|",
    ]
    for rule in RULES:
        can = "no" if rule.fixed else "yes"
        rows.append(
            f"| `{rule.id}` | {rule.severity} | {rule.category} | {can} | {rule.description} |"
        )
    return "\n".join(rows)
