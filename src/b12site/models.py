"""Frozen, typed models of a site and its content; no I/O happens here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from markupsafe import Markup

from b12site.errors import Problem

__all__ = [
    "Article",
    "CareCardSettings",
    "Citation",
    "FAQItem",
    "Override",
    "Page",
    "Person",
    "Publisher",
    "ReadabilitySettings",
    "Reference",
    "RenderedArticle",
    "RenderedPage",
    "SiteConfig",
    "Source",
    "TocEntry",
    "TopicInfo",
    "url_path",
]


def url_path(base_url: str) -> str:
    """The URL path a site lives under, always starting and ending with ``/``."""
    path = urlsplit(base_url).path or "/"
    return path if path.endswith("/") else path + "/"


@dataclass(frozen=True)
class Person:
    """An author or medical reviewer from the site's people registry."""

    id: str
    name: str
    credentials: str = ""
    role: str = ""
    url: str = ""
    bio: str = ""

    @property
    def display_name(self) -> str:
        """The name followed by credentials, as shown in a byline."""
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


@dataclass(frozen=True)
class Publisher:
    """The organisation that publishes the site."""

    name: str
    url: str = ""
    logo: str = ""


@dataclass(frozen=True)
class TopicInfo:
    """A topic as ``site.yaml`` describes it."""

    slug: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Override:
    """A rule turned off or re-graded, for a whole site or one file, and why."""

    rule: str
    severity: str  # "error", "warning" or "off"
    reason: str
    path: str  # the file that says so: site.yaml or the article
    line: int | None = None


@dataclass(frozen=True)
class ReadabilitySettings:
    """The site's reading level target, and the words its readers are expected to know."""

    target_grade: float = 8.0
    allowed_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class CareCardSettings:
    """The visible headings of the three care cards (the hidden prefixes are fixed)."""

    non_urgent: str = "See a GP if:"
    urgent: str = "Ask for an urgent GP appointment or call 111 if:"
    emergency: str = "Call 999 or go to A&E if:"


@dataclass(frozen=True)
class SiteConfig:
    """Settings from ``site.yaml`` plus where the site's folders are."""

    root: Path
    title: str
    base_url: str
    language: str
    description: str
    publisher: Publisher
    disclaimer: str
    review_cycle_months: int
    people: Mapping[str, Person]
    topics: Mapping[str, TopicInfo]
    latest_count: int = 10
    feed_count: int = 50
    words_per_minute: int = 200
    rules: tuple[Override, ...] = ()
    readability: ReadabilitySettings = field(default_factory=ReadabilitySettings)
    care_cards: CareCardSettings = field(default_factory=CareCardSettings)
    content_dir: Path = field(default=Path("content"))
    templates_dir: Path = field(default=Path("templates"))
    static_dir: Path = field(default=Path("static"))
    config_path: Path = field(default=Path("site.yaml"))

    @property
    def path_prefix(self) -> str:
        """The URL path the site lives under, always starting and ending with ``/``."""
        return url_path(self.base_url)


@dataclass(frozen=True)
class Source:
    """A content file split into front matter and body, before validation."""

    path: Path
    display: str
    kind: str  # "article" or "page"
    meta: Mapping[str, object]
    lines: Mapping[str, int]
    body: str
    body_line: int
    problems: tuple[Problem, ...] = ()  # found while reading, reported with validation's


@dataclass(frozen=True)
class FAQItem:
    """One question and its answer (inline Markdown)."""

    question: str
    answer: str


@dataclass(frozen=True)
class Reference:
    """One entry of an article's reference list."""

    id: str
    title: str
    authors: str
    publication: str
    year: int
    doi: str = ""
    pmid: str = ""
    url: str = ""
    volume: str = ""
    pages: str = ""

    @property
    def doi_url(self) -> str:
        """The resolver link for the DOI, or an empty string."""
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self) -> str:
        """The PubMed link for the PMID, or an empty string."""
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""


@dataclass(frozen=True)
class Article:
    """A validated medical article; Markdown fields are still source text."""

    source: Source
    slug: str
    title: str
    description: str
    published: date
    updated: date | None
    last_reviewed: date
    next_review: date
    author: Person
    reviewed_by: Person
    tags: tuple[str, ...]
    summary: str
    key_points: tuple[str, ...]
    faq: tuple[FAQItem, ...]
    references: tuple[Reference, ...]
    disclaimer: str
    draft: bool
    about: str
    body: str
    overrides: tuple[Override, ...] = ()
    index_title: str = ""  # what the A-Z files it under, when not `about` or the title

    @property
    def path(self) -> str:
        """Site path of the article page (a pretty URL)."""
        return f"{self.slug}/"

    @property
    def modified(self) -> date:
        """The most recent of published, updated and last reviewed."""
        return max(d for d in (self.published, self.updated, self.last_reviewed) if d)


@dataclass(frozen=True)
class Page:
    """A validated plain page such as "About" or "Editorial policy"."""

    source: Source
    slug: str
    title: str
    description: str
    updated: date | None
    draft: bool
    body: str
    overrides: tuple[Override, ...] = ()

    @property
    def path(self) -> str:
        """Site path of the page (a pretty URL)."""
        return f"{self.slug}/"


@dataclass(frozen=True)
class TocEntry:
    """One H2 heading in an article's "In this article" contents."""

    id: str
    title: str


@dataclass(frozen=True)
class Citation:
    """A reference as cited on a page: its number and the ids of its in-text links."""

    number: int
    reference: Reference
    anchors: tuple[str, ...]

    @property
    def anchor(self) -> str:
        """The id of the reference list entry."""
        return f"ref-{self.reference.id}"


@dataclass(frozen=True)
class RenderedArticle:
    """An article with its Markdown rendered to sanitised HTML and derived values set."""

    article: Article
    summary_html: Markup
    key_points_html: tuple[Markup, ...]
    faq_html: tuple[tuple[FAQItem, Markup], ...]
    body_html: Markup
    toc: tuple[TocEntry, ...]
    citations: tuple[Citation, ...]
    reading_minutes: int
    word_count: int

    @property
    def path(self) -> str:
        """Site path of the article page."""
        return self.article.path


@dataclass(frozen=True)
class RenderedPage:
    """A plain page with its body rendered to sanitised HTML."""

    page: Page
    body_html: Markup
    toc: tuple[TocEntry, ...]

    @property
    def path(self) -> str:
        """Site path of the page."""
        return self.page.path
