"""The light site index: cards of articles and pages, topics, and the site made of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from b12site.errors import Problem
from b12site.models import SiteConfig

__all__ = ["ArticleCard", "ListedArticle", "PageCard", "Site", "Topic", "TopicLink"]


@dataclass(frozen=True)
class TopicLink:
    """A topic as an article lists it: slug, name and page path."""

    slug: str
    name: str

    @property
    def path(self) -> str:
        """Site path of the topic page."""
        return f"topics/{self.slug}/"


@dataclass(frozen=True)
class ListedArticle:
    """An article as lists show it: what a list page reads, and so all it depends on."""

    slug: str
    title: str
    description: str
    reading_minutes: int
    last_reviewed: date
    modified: date
    index_term: str = ""  # what the A-Z files it under: index_title, about, or the title

    @property
    def path(self) -> str:
        """Site path of the article page (a pretty URL)."""
        return f"{self.slug}/"

    @property
    def key(self) -> str:
        """Everything lists show of the article, as text: a list page's input."""
        return (
            f"{self.slug}\t{self.title}\t{self.description}\t{self.reading_minutes}\t"
            f"{self.last_reviewed}\t{self.modified}\t{self.index_term}"
        )

    @property
    def term(self) -> str:
        """The A-Z entry: the index term, or the title when there is none."""
        return self.index_term or self.title


@dataclass(frozen=True)
class ArticleCard:
    """What lists, feeds and other pages show of an article; never its rendered body."""

    slug: str
    title: str
    description: str
    published: date
    modified: date
    last_reviewed: date
    next_review: date
    author_name: str
    author_url: str
    reviewer_name: str
    topics: tuple[TopicLink, ...]
    reading_minutes: int
    draft: bool
    md_links: tuple[tuple[str, str], ...] = ()  # (link as written, source file it points to)
    index_term: str = ""  # index_title or about: what the A-Z files the article under

    @property
    def path(self) -> str:
        """Site path of the article page (a pretty URL)."""
        return f"{self.slug}/"

    @property
    def tags(self) -> tuple[str, ...]:
        """The slugs of the article's topics, in the order the article lists them."""
        return tuple(topic.slug for topic in self.topics)

    @cached_property
    def listed(self) -> ListedArticle:
        """The article as lists show it."""
        return ListedArticle(
            self.slug,
            self.title,
            self.description,
            self.reading_minutes,
            self.last_reviewed,
            self.modified,
            self.index_term,
        )

    @cached_property
    def listed_key(self) -> str:
        """Everything lists show of the article, as text: a list page's input."""
        return self.listed.key


@dataclass(frozen=True)
class PageCard:
    """What navigation and the sitemap show of a plain page."""

    slug: str
    title: str
    description: str
    updated: date | None
    draft: bool
    md_links: tuple[tuple[str, str], ...] = ()  # (link as written, source file it points to)

    @property
    def path(self) -> str:
        """Site path of the page (a pretty URL)."""
        return f"{self.slug}/"


@dataclass(frozen=True)
class Topic:
    """A topic (tag) and the articles filed under it, newest first."""

    slug: str
    name: str
    description: str = ""
    articles: tuple[ArticleCard, ...] = ()

    @property
    def listed(self) -> tuple[ListedArticle, ...]:
        """The topic's articles as its page lists them."""
        return tuple(article.listed for article in self.articles)

    @property
    def path(self) -> str:
        """Site path of the topic page."""
        return f"topics/{self.slug}/"

    @property
    def modified(self) -> date | None:
        """The newest change to any article of the topic."""
        return max((a.modified for a in self.articles), default=None)


@dataclass(frozen=True)
class Site:
    """The assembled site index: a pure function of the settings and the content's cards."""

    config: SiteConfig
    build_date: date
    articles: tuple[ArticleCard, ...]
    pages: tuple[PageCard, ...]
    topics: tuple[Topic, ...]
    related: Mapping[str, tuple[ArticleCard, ...]]
    findings: tuple[Problem, ...] = ()  # of every rule, after overrides
    sources: Mapping[str, str] = field(default_factory=dict)  # published file -> site path
    suppressed: tuple[Problem, ...] = ()  # findings that overrides turned off

    @property
    def updated(self) -> date:
        """The newest change to any article or page, for feeds (never the wall clock)."""
        days = [a.modified for a in self.articles]
        days += [p.updated for p in self.pages if p.updated]
        return max(days, default=self.build_date)

    @property
    def newest_article(self) -> date | None:
        """The newest change to any article."""
        return max((a.modified for a in self.articles), default=None)
