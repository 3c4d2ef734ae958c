"""Assemble the site index: what is published, topics, related articles, URL checks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from b12site.cards import ArticleCard, PageCard, Site, Topic
from b12site.errors import ContentError, Problem
from b12site.governance import review_findings
from b12site.models import SiteConfig
from b12site.names import RESERVED_PATHS
from b12site.related import related_articles
from b12site.stage import Entry

__all__ = ["RESERVED_PATHS", "assemble", "is_published", "live_pages", "url_clashes"]

Related = Callable[[Sequence[ArticleCard]], Mapping[str, tuple[ArticleCard, ...]]]


def is_published(published: date | None, draft: bool, today: date, drafts: bool) -> bool:
    """Whether an item goes into this build: no future dates; drafts only when asked for."""
    if published is not None and published > today:
        return False
    return drafts or not draft


def assemble(
    config: SiteConfig,
    entries: Sequence[Entry],
    today: date,
    drafts: bool = False,
    related: Related = related_articles,
) -> Site:
    """Build the ``Site`` index from valid entries; raise ContentError on URL clashes."""
    if clashes := url_clashes(entries):  # drafts and future articles too: they will be published
        raise ContentError(clashes)
    live = [
        e
        for e in entries
        if e.kind == "article" and is_published(e.article.published, e.card.draft, today, drafts)
    ]
    live.sort(key=lambda e: (-e.article.published.toordinal(), e.article.title.casefold()))
    articles = tuple(e.article for e in live)
    pages = live_pages([e.card for e in entries if isinstance(e.card, PageCard)], drafts)
    published = [*live, *(e for e in entries if e.card in pages)]
    findings = [p for e in published for p in e.findings] + review_findings(
        ((e.shown, e.review_line, e.article.next_review) for e in live), today
    )
    return Site(
        config=config,
        build_date=today,
        articles=articles,
        pages=tuple(pages),
        topics=_topics(config, articles),
        related=related(articles),
        findings=tuple(sorted(findings, key=lambda p: p.sort_key)),
        sources={e.shown: e.card.path for e in published},
    )


def live_pages(pages: Sequence[PageCard], drafts: bool) -> list[PageCard]:
    """The plain pages that are published, by title."""
    live = [p for p in pages if drafts or not p.draft]
    return sorted(live, key=lambda p: p.title.casefold())


def url_clashes(entries: Sequence[Entry]) -> list[Problem]:
    """Sources whose URL is another's, or a built-in page's: every URL must belong to
    exactly one source."""
    owners: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
    for entry in entries:
        owners[entry.card.slug].append((entry.shown, entry.slug_line))
    problems = []
    for slug, sources in sorted(owners.items()):
        if slug in RESERVED_PATHS:
            for shown, line in sources:
                problems.append(
                    Problem(
                        shown,
                        line,
                        "slug",
                        f"'/{slug}/' is reserved for the site's own pages",
                        "url-clash",
                    )
                )
        if len(sources) > 1:
            for shown, line in sources:
                others = ", ".join(s for s, _ in sources if s != shown)
                problems.append(
                    Problem(
                        shown, line, "slug", f"'/{slug}/' is also the URL of {others}", "url-clash"
                    )
                )
    return problems


def _topics(config: SiteConfig, articles: Sequence[ArticleCard]) -> tuple[Topic, ...]:
    filed: dict[str, list[ArticleCard]] = defaultdict(list)
    for article in articles:
        for topic in article.topics:
            filed[topic.slug].append(article)
    topics = []
    for slug, members in filed.items():
        known = config.topics.get(slug)
        name = members[0].topics[[t.slug for t in members[0].topics].index(slug)].name
        topics.append(Topic(slug, name, known.description if known else "", tuple(members)))
    return tuple(sorted(topics, key=lambda t: t.name.casefold()))
