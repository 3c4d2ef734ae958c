"""Front matter schemas: raw YAML mappings in, validated frozen models out, every error at once."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Protocol

from pydantic import Field, ValidationError, field_validator, model_validator

from b12site.citations import find_keys
from b12site.dates import add_months
from b12site.errors import ContentError, Problem
from b12site.fields import (
    Doi,
    IsoDate,
    Pmid,
    RefId,
    Slug,
    StrictModel,
    Text,
    WebUrl,
    line_of,
    problems_from,
    slug_problem,
    suggest,
)
from b12site.models import Article, FAQItem, Page, Person, Reference, SiteConfig, Source

__all__ = ["ArticleFrontMatter", "PageFrontMatter", "validate_article", "validate_page"]


class Report(Protocol):
    """Records one problem of the file being validated."""

    def __call__(self, field: str, message: str, line: int | None = None) -> None: ...


class ReferenceModel(StrictModel):
    """One reference; at least one of doi, pmid or url locates it."""

    id: RefId
    title: Text
    authors: Text
    publication: Text
    year: Annotated[int, Field(ge=1800, le=2100)]
    doi: Doi | None = None
    pmid: Pmid | None = None
    url: WebUrl | None = None
    volume: str | None = None
    pages: str | None = None

    @field_validator("pmid", "volume", "pages", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        """YAML reads ``pmid: 23301732`` or ``volume: 368`` as numbers; they are identifiers."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _locatable(self) -> ReferenceModel:
        if not (self.doi or self.pmid or self.url):
            raise ValueError("needs at least one of doi, pmid or url")
        return self


class FAQModel(StrictModel):
    """A question and its answer."""

    question: Text
    answer: Text


class ArticleFrontMatter(StrictModel):
    """Front matter of a medical article."""

    title: Annotated[Text, Field(max_length=150)]
    description: Annotated[Text, Field(max_length=300)]
    slug: Slug | None = None
    published: IsoDate
    updated: IsoDate | None = None
    last_reviewed: IsoDate
    next_review: IsoDate | None = None
    author: Text
    reviewed_by: Text
    about: Text | None = None
    tags: Annotated[list[Slug], Field(min_length=1)]
    summary: Text
    key_points: Annotated[list[Text], Field(min_length=1)]
    faq: Annotated[list[FAQModel], Field(min_length=1)]
    references: Annotated[list[ReferenceModel], Field(min_length=1)]
    disclaimer: Text | None = None
    draft: bool = False


class PageFrontMatter(StrictModel):
    """Front matter of a plain page such as "About us"."""

    title: Annotated[Text, Field(max_length=150)]
    description: Annotated[Text, Field(max_length=300)]
    slug: Slug | None = None
    updated: IsoDate | None = None
    draft: bool = False


def validate_article(source: Source, config: SiteConfig, today: date) -> Article:
    """Validate front matter and citations; raise ContentError listing every problem."""
    problems: list[Problem] = []

    def problem(field: str, message: str, line: int | None = None) -> None:
        problems.append(
            Problem(source.display, line or line_of(field, source.lines, 1), field, message)
        )

    try:
        fm: ArticleFrontMatter | None = ArticleFrontMatter.model_validate(dict(source.meta))
    except ValidationError as exc:
        fm = None
        problems.extend(problems_from(exc, source.display, source.lines, ArticleFrontMatter))
    # These checks read the raw values, so they run even when the schema found problems.
    meta = source.meta
    if not meta.get("slug") and (bad := slug_problem(source.path.stem, " (from the file name)")):
        problem("slug", bad)
    author = _person(meta.get("author"), "author", config, problem)
    reviewer = _person(meta.get("reviewed_by"), "reviewed_by", config, problem)
    _check_citations(source, problem)
    for offset, line in enumerate(source.body.split("\n")):
        if line.startswith("# "):
            problem(
                "body",
                "use '## ' for sections: the title is the page's only top heading",
                source.body_line + offset,
            )
    if fm is not None:
        if author and reviewer and author.id == reviewer.id:
            problem("reviewed_by", "the medical reviewer must be someone other than the author")
        if reviewer and not reviewer.credentials:
            problem("reviewed_by", f"'{reviewer.id}' has no credentials in site.yaml people")
        _check_dates(fm, today, problem)
        _check_tags(fm.tags, config, problem)
        ref_ids = [ref.id for ref in fm.references]
        for index, ref_id in enumerate(ref_ids):
            if ref_id in ref_ids[:index]:
                problem(f"references[{index}].id", f"'{ref_id}' is listed twice")
    if problems or fm is None or author is None or reviewer is None:
        raise ContentError(problems)
    return Article(
        source=source,
        slug=fm.slug or source.path.stem,
        title=fm.title,
        description=fm.description,
        published=fm.published,
        updated=fm.updated,
        last_reviewed=fm.last_reviewed,
        next_review=fm.next_review or add_months(fm.last_reviewed, config.review_cycle_months),
        author=author,
        reviewed_by=reviewer,
        tags=tuple(fm.tags),
        summary=fm.summary,
        key_points=tuple(fm.key_points),
        faq=tuple(FAQItem(item.question, item.answer) for item in fm.faq),
        references=tuple(_reference(ref) for ref in fm.references),
        disclaimer=fm.disclaimer or config.disclaimer,
        draft=fm.draft,
        about=fm.about or "",
        body=source.body,
    )


def validate_page(source: Source) -> Page:
    """Validate a plain page's front matter; raise ContentError listing every problem."""
    try:
        fm = PageFrontMatter.model_validate(dict(source.meta))
    except ValidationError as exc:
        raise ContentError(
            problems_from(exc, source.display, source.lines, PageFrontMatter)
        ) from exc
    return Page(
        source,
        fm.slug or source.path.stem,
        fm.title,
        fm.description,
        fm.updated,
        fm.draft,
        source.body,
    )


def _person(person_id: object, field: str, config: SiteConfig, problem: Report) -> Person | None:
    if not isinstance(person_id, str) or not person_id.strip():
        return None  # the schema reports a missing or mistyped id
    person = config.people.get(person_id)
    if person is None:
        hint = suggest(person_id, sorted(config.people))
        problem(field, f"unknown person '{person_id}'{hint}: add them to people in site.yaml")
    return person


def _check_dates(fm: ArticleFrontMatter, today: date, problem: Report) -> None:
    if fm.updated and fm.updated < fm.published:
        problem("updated", f"{fm.updated} is before published ({fm.published})")
    if fm.last_reviewed < fm.published:
        problem("last_reviewed", f"{fm.last_reviewed} is before published ({fm.published})")
    if fm.last_reviewed > today and fm.published <= today:
        problem("last_reviewed", f"{fm.last_reviewed} is in the future")
    if fm.next_review and fm.next_review <= fm.last_reviewed:
        problem("next_review", f"{fm.next_review} must be after last_reviewed ({fm.last_reviewed})")


def _check_tags(tags: list[str], config: SiteConfig, problem: Report) -> None:
    for index, tag in enumerate(tags):
        if tag in tags[:index]:
            problem(f"tags[{index}]", f"'{tag}' is listed twice")
        elif config.topics and tag not in config.topics:
            hint = suggest(tag, sorted(config.topics))
            problem(f"tags[{index}]", f"unknown topic '{tag}'{hint}: add it to topics in site.yaml")


def _check_citations(source: Source, problem: Report) -> None:
    """Every citation, wherever it stands, must name a reference of this article."""
    refs = source.meta.get("references")
    if not isinstance(refs, list):
        return  # no usable reference list: the schema reports that, not every citation
    ref_ids = [str(r["id"]) for r in refs if isinstance(r, dict) and "id" in r]
    for field, text, first_line in _cited_texts(source):
        for offset, key in find_keys(text):
            if key not in ref_ids:
                hint = suggest(key, ref_ids)
                problem(field, f"unknown citation '@{key}'{hint}", first_line + offset)


def _cited_texts(source: Source) -> list[tuple[str, str, int]]:
    """Every text that may cite, in page order, with its field name and first line."""
    meta = source.meta
    texts: list[tuple[str, object]] = [("summary", meta.get("summary"))]
    points = meta.get("key_points")
    if isinstance(points, list):
        texts += [(f"key_points[{i}]", point) for i, point in enumerate(points)]
    faq = meta.get("faq")
    answers = []
    if isinstance(faq, list):
        answers = [
            (f"faq[{i}].answer", q.get("answer")) for i, q in enumerate(faq) if isinstance(q, dict)
        ]
    found = [
        (field, text, line_of(field, source.lines, 1) or 1)
        for field, text in texts
        if isinstance(text, str)
    ]
    found.append(("body", source.body, source.body_line))
    found += [
        (field, text, line_of(field, source.lines, 1) or 1)
        for field, text in answers
        if isinstance(text, str)
    ]
    return found


def _reference(ref: ReferenceModel) -> Reference:
    return Reference(
        ref.id,
        ref.title,
        ref.authors,
        ref.publication,
        ref.year,
        ref.doi or "",
        ref.pmid or "",
        ref.url or "",
        ref.volume or "",
        ref.pages or "",
    )
