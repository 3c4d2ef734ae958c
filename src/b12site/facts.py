"""What the rules learn of one document as it is rendered: its findings, links, ids, grade."""

from __future__ import annotations

from dataclasses import dataclass

from b12site.errors import WARNING, Problem, line_of
from b12site.evidence import uncited_statistics
from b12site.findings import Rule
from b12site.links import Link, document_links, page_ids
from b12site.models import RenderedArticle, RenderedPage, SiteConfig, Source
from b12site.newarticle import PLACEHOLDER, placeholder_problems
from b12site.readability import readability, readability_findings
from b12site.structure import structure_findings

__all__ = ["UNCITED_REFERENCE", "DocumentFacts", "document_facts"]

UNCITED_REFERENCE = Rule(
    "uncited-reference",
    WARNING,
    "A reference in the list is never cited in the article",
    "evidence",
)


@dataclass(frozen=True)
class DocumentFacts:
    """A document's own findings (before overrides) and what site-wide rules need of it."""

    findings: tuple[Problem, ...]
    links: tuple[Link, ...]
    ids: tuple[str, ...]  # every id on its page, sorted
    grade: float | None  # reading grade of an article


def document_facts(doc: RenderedArticle | RenderedPage, config: SiteConfig) -> DocumentFacts:
    """Run every rule that needs only this document (it must still hold its source text)."""
    found = structure_findings(doc)
    grade = None
    if isinstance(doc, RenderedArticle):
        source = doc.article.source
        found += _uncited_references(doc)
        found += uncited_statistics(doc)
        result = readability(doc, config.readability)
        found += readability_findings(doc, config.readability, result)
        grade = result.grade
    else:
        source = doc.page.source
    found += _placeholders(source)
    found.sort(key=lambda p: p.sort_key)
    return DocumentFacts(tuple(found), document_links(doc), tuple(sorted(page_ids(doc))), grade)


def _uncited_references(doc: RenderedArticle) -> list[Problem]:
    """A reference listed but never cited: either the citation or the reference is missing."""
    source = doc.article.source
    cited = {c.reference.id for c in doc.citations if c.anchors}
    found = []
    for index, reference in enumerate(doc.article.references):
        if reference.id not in cited:
            field = f"references[{index}]"
            found.append(
                Problem(
                    source.display,
                    line_of(field, source.lines, 1),
                    field,
                    f"'{reference.id}' is never cited in the article",
                    UNCITED_REFERENCE.id,
                    UNCITED_REFERENCE.severity,
                )
            )
    return found


def _placeholders(source: Source) -> list[Problem]:
    """The placeholders ``b12site new`` left that an editor has not filled in yet."""
    if PLACEHOLDER not in source.body and PLACEHOLDER not in repr(source.meta):
        return []
    try:
        text = source.path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return placeholder_problems(text, source.display)
