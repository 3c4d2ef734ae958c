"""Front matter schemas: raw YAML mappings in, validated frozen models out, every error at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Annotated, Any, Protocol

from pydantic import Field, ValidationError, field_validator, model_validator

from b12site.dates import add_months
from b12site.errors import ContentError, Problem, suggest, tagged
from b12site.fields import (
    Authors,
    Doi,
    IsoDate,
    Pmid,
    RefId,
    RuleSettings,
    Slug,
    StrictModel,
    Text,
    WebUrl,
    line_of,
    problems_from,
    rule_overrides,
)
from b12site.models import Article, FAQItem, Page, Person, Reference, SiteConfig, Source
from b12site.names import slug_problem
from b12site.styles import vancouver_authors

__all__ = [
    "DATES_RULE",
    "DUPLICATE_RULE",
    "FRONT_MATTER_RULE",
    "LOCATOR_RULES",
    "ArticleFrontMatter",
    "PageFrontMatter",
    "schema_rule",
    "validate_article",
    "validate_page",
]


MAX_TAGS, MAX_KEY_POINTS, MAX_FAQ, MAX_REFERENCES = 20, 20, 50, 500


FRONT_MATTER_RULE = "front-matter"
DATES_RULE = "date-order"
DUPLICATE_RULE = "duplicate-reference"
LOCATOR_RULES = {"doi": "doi-syntax", "pmid": "pmid-syntax", "url": "url-scheme"}


class Report(Protocol):
    """Records one problem of the file being validated, found by a rule."""

    def __call__(self, field: str, message: str, rule: str = FRONT_MATTER_RULE) -> None: ...


class ReferenceModel(StrictModel):
    """One reference; at least one of doi, pmid or url locates it."""

    id: RefId
    title: Text
    authors: Authors
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


BLOCKS_HELP = (
    "Markdown; may cite ([@id]) and hold health content blocks: a line '!!! kind' or "
    "'!!! kind \"Title\"' (kind: non-urgent, urgent, emergency, warning, do, dont) followed "
    "by Markdown indented by 4 spaces; a 'Table: caption' paragraph before a table captions it"
)


class FAQModel(StrictModel):
    """A question and its answer."""

    question: Text
    answer: Annotated[Text, Field(description=f"The answer. {BLOCKS_HELP}.")]


class ArticleFrontMatter(StrictModel):
    """Front matter of a medical article. The body after it is Markdown with sections under
    '## ' headings, citations ([@id]), tables and health content blocks: a line '!!! kind' or
    '!!! kind "Title"' (kind: non-urgent, urgent, emergency, warning, do, dont) followed by
    Markdown indented by 4 spaces. A 'Table: caption' paragraph before a table captions it."""

    title: Annotated[Text, Field(max_length=150)]
    description: Annotated[Text, Field(max_length=300)]
    slug: Slug | None = None
    published: IsoDate
    updated: IsoDate | None = None
    last_reviewed: IsoDate
    next_review: IsoDate | None = None
    author: Text
    reviewed_by: Text
    about: Annotated[Text, Field(max_length=150)] | None = None
    index_title: Annotated[Text, Field(max_length=150)] | None = None
    # upper bounds far above any real article, so a slip (or a hostile file) fails fast
    tags: Annotated[list[Slug], Field(min_length=1, max_length=MAX_TAGS)]
    summary: Text
    key_points: Annotated[list[Text], Field(min_length=1, max_length=MAX_KEY_POINTS)]
    faq: Annotated[list[FAQModel], Field(min_length=1, max_length=MAX_FAQ)]
    references: Annotated[list[ReferenceModel], Field(min_length=1, max_length=MAX_REFERENCES)]
    disclaimer: Text | None = None
    draft: bool = False
    rules: RuleSettings = Field(default_factory=dict)


class PageFrontMatter(StrictModel):
    """Front matter of a plain page such as "About us"."""

    title: Annotated[Text, Field(max_length=150)]
    description: Annotated[Text, Field(max_length=300)]
    slug: Slug | None = None
    updated: IsoDate | None = None
    draft: bool = False
    rules: RuleSettings = Field(default_factory=dict)


def validate_article(source: Source, config: SiteConfig, today: date) -> Article:
    """Validate front matter and citations; raise ContentError listing every problem.

    Every check that can run on the raw values does, even when others fail, so an editor
    sees every problem of a file in one run.
    """
    problems: list[Problem] = list(source.problems)

    def problem(field: str, message: str, rule: str = FRONT_MATTER_RULE) -> None:
        line = line_of(field, source.lines, 1)
        problems.append(Problem(source.display, line, field, message, rule))

    try:
        fm: ArticleFrontMatter | None = ArticleFrontMatter.model_validate(dict(source.meta))
    except ValidationError as exc:
        fm = None
        found = problems_from(exc, source.display, source.lines, ArticleFrontMatter)
        problems.extend(replace(p, rule=schema_rule(p)) for p in found)
    meta = source.meta
    if not meta.get("slug") and (bad := slug_problem(source.path.stem, " (from the file name)")):
        problem("slug", bad)
    author = _person(meta.get("author"), "author", config, problem)
    reviewer = _person(meta.get("reviewed_by"), "reviewed_by", config, problem)
    if author and reviewer and author.id == reviewer.id:
        message = "the medical reviewer must be someone other than the author"
        problem("reviewed_by", message, "reviewer-is-author")
    if reviewer and not reviewer.credentials:
        message = f"'{reviewer.id}' has no credentials in site.yaml people"
        problem("reviewed_by", message, "reviewer-credentials")
    _check_dates({name: _raw_date(meta.get(name)) for name in _DATES}, today, problem)
    _check_tags(_texts(meta.get("tags"), MAX_TAGS), config, problem)
    references = [r.get("id") if isinstance(r, dict) else None for r in _list(meta, "references")]
    seen: set[str] = set()
    for index, ref_id in enumerate(_texts(references, MAX_REFERENCES)):
        if ref_id in seen:
            problem(f"references[{index}].id", f"'{ref_id}' is listed twice", DUPLICATE_RULE)
        elif ref_id is not None:
            seen.add(ref_id)
    _check_locators(_list(meta, "references")[:MAX_REFERENCES], problem)
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
        index_title=fm.index_title or "",
        body=source.body,
        overrides=rule_overrides(fm.rules, source.display, source.lines, "rules"),
    )


def validate_page(source: Source) -> Page:
    """Validate a plain page's front matter; raise ContentError listing every problem."""
    problems = list(source.problems)
    try:
        fm = PageFrontMatter.model_validate(dict(source.meta))
    except ValidationError as exc:
        problems += problems_from(exc, source.display, source.lines, PageFrontMatter)
        raise ContentError(tagged(problems, FRONT_MATTER_RULE)) from exc
    if not source.meta.get("slug") and (
        bad := slug_problem(source.path.stem, " (from the file name)")
    ):
        problems.append(Problem(source.display, line_of("slug", source.lines, 1), "slug", bad))
    if problems:
        raise ContentError(tagged(problems, FRONT_MATTER_RULE))
    return Page(
        source,
        fm.slug or source.path.stem,
        fm.title,
        fm.description,
        fm.updated,
        fm.draft,
        source.body,
        rule_overrides(fm.rules, source.display, source.lines, "rules"),
    )


def _person(person_id: object, field: str, config: SiteConfig, problem: Report) -> Person | None:
    if not isinstance(person_id, str) or not person_id.strip():
        return None  # the schema reports a missing or mistyped id
    person = config.people.get(person_id)
    if person is None:
        hint = suggest(person_id, sorted(config.people))
        message = f"unknown person '{person_id}'{hint}: add them to people in site.yaml"
        problem(field, message, "unknown-person")
    return person


_DATES = ("published", "updated", "last_reviewed", "next_review")


def _raw_date(value: object) -> date | None:
    """A front matter date, if it is one (the schema reports those that are not)."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _texts(value: object, most: int) -> list[str | None]:
    """The items of a raw list, text or None: what cross-checks can compare (none when the
    list is longer than the schema allows, which the schema reports)."""
    items = value if isinstance(value, list) and len(value) <= most else []
    return [item if isinstance(item, str) else None for item in items]


def _list(meta: Mapping[str, object], name: str) -> list[object]:
    value = meta.get(name)
    return value if isinstance(value, list) else []


def _check_dates(dates: Mapping[str, date | None], today: date, problem: Report) -> None:
    published, updated = dates["published"], dates["updated"]
    reviewed, next_review = dates["last_reviewed"], dates["next_review"]
    if updated and published and updated < published:
        problem("updated", f"{updated} is before published ({published})", DATES_RULE)
    if reviewed and published and reviewed < published:
        problem("last_reviewed", f"{reviewed} is before published ({published})", DATES_RULE)
    if reviewed and reviewed > today and (published is None or published <= today):
        problem("last_reviewed", f"{reviewed} is in the future", DATES_RULE)
    if next_review and reviewed and next_review <= reviewed:
        problem(
            "next_review", f"{next_review} must be after last_reviewed ({reviewed})", DATES_RULE
        )


def _check_tags(tags: list[str | None], config: SiteConfig, problem: Report) -> None:
    for index, tag in enumerate(tags):
        if tag is None or slug_problem(tag):
            continue  # the schema reports it
        if tag in tags[:index]:  # at most MAX_TAGS of them
            problem(f"tags[{index}]", f"'{tag}' is listed twice")
        elif config.topics and tag not in config.topics:
            hint = suggest(tag, sorted(config.topics))
            problem(f"tags[{index}]", f"unknown topic '{tag}'{hint}: add it to topics in site.yaml")


def schema_rule(problem: Problem) -> str:
    """The rule a schema problem breaks, by the field it is in."""
    field = problem.field
    if field.startswith("references["):
        for name, rule in LOCATOR_RULES.items():
            if field.endswith(f".{name}"):
                return rule
    if field == "last_reviewed" and problem.message.startswith("required"):
        return "review-missing"
    return FRONT_MATTER_RULE


def _check_locators(references: Sequence[object], problem: Report) -> None:
    """No two references may share a DOI, PMID or URL: one of them is a mistake."""
    first: dict[tuple[str, str], int] = {}
    for index, ref in enumerate(references):
        if not isinstance(ref, dict):
            continue
        for name in LOCATOR_RULES:
            value = ref.get(name)
            if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
                continue
            text = str(value).strip().casefold() if name == "doi" else str(value).strip()
            if (name, text) in first:
                message = f"{name} {value} is also that of references[{first[name, text]}]"
                problem(f"references[{index}].{name}", message, DUPLICATE_RULE)
            else:
                first[name, text] = index


def _reference(ref: ReferenceModel) -> Reference:
    return Reference(
        ref.id,
        ref.title,
        vancouver_authors(ref.authors),
        ref.publication,
        ref.year,
        ref.doi or "",
        ref.pmid or "",
        ref.url or "",
        ref.volume or "",
        ref.pages or "",
    )
