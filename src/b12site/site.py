"""Assemble the site: choose what is published, topics, related articles, URL checks."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from b12site.errors import ContentError, Problem
from b12site.fields import line_of
from b12site.models import Article, Page, RenderedArticle, RenderedPage, Site, SiteConfig, Topic

__all__ = ["RESERVED_PATHS", "assemble", "is_published"]

RESERVED_PATHS = frozenset(
    {
        "topics",
        "a-z",
        "static",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "index.html",
        "search",
    }
)
DESCRIPTION_LIMIT = 160
RELATED_COUNT = 3


def is_published(published: date | None, draft: bool, today: date, drafts: bool) -> bool:
    """Whether an item goes into this build: no future dates; drafts only when asked for."""
    if published is not None and published > today:
        return False
    return drafts or not draft


def assemble(
    config: SiteConfig,
    articles: list[RenderedArticle],
    pages: list[RenderedPage],
    today: date,
    drafts: bool = False,
) -> Site:
    """Build the ``Site`` from rendered content; raise ContentError on URL clashes."""
    _check_paths(articles, pages)  # drafts and future articles too: they will be published
    live = [
        a for a in articles if is_published(a.article.published, a.article.draft, today, drafts)
    ]
    live_pages = [p for p in pages if is_published(None, p.page.draft, today, drafts)]
    live.sort(key=lambda a: (-a.article.published.toordinal(), a.article.title.casefold()))
    live_pages.sort(key=lambda p: p.page.title.casefold())
    topics = _topics(config, live)
    return Site(
        config=config,
        build_date=today,
        articles=tuple(live),
        pages=tuple(live_pages),
        topics=topics,
        related={a.article.slug: _related(a, live) for a in live},
        warnings=tuple(sorted(_warnings(live, live_pages, today), key=lambda p: p.sort_key)),
    )


def _check_paths(articles: list[RenderedArticle], pages: list[RenderedPage]) -> None:
    """Every URL must belong to exactly one source, and none may shadow a built-in page."""
    owners: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
    items: list[Article | Page] = [*(a.article for a in articles), *(p.page for p in pages)]
    for item in items:
        src = item.source
        owners[item.slug].append((src.display, line_of("slug", src.lines, 1)))
    problems = []
    for slug, sources in sorted(owners.items()):
        if slug in RESERVED_PATHS:
            for shown, line in sources:
                problems.append(
                    Problem(shown, line, "slug", f"'/{slug}/' is reserved for the site's own pages")
                )
        if len(sources) > 1:
            for shown, line in sources:
                others = ", ".join(s for s, _ in sources if s != shown)
                problems.append(
                    Problem(shown, line, "slug", f"'/{slug}/' is also the URL of {others}")
                )
    if problems:
        raise ContentError(problems)


def _topics(config: SiteConfig, articles: list[RenderedArticle]) -> tuple[Topic, ...]:
    filed: dict[str, list[RenderedArticle]] = defaultdict(list)
    for article in articles:
        for tag in article.article.tags:
            filed[tag].append(article)
    topics = []
    for slug, members in filed.items():
        known = config.topics.get(slug)
        name = known.name if known else slug.replace("-", " ").capitalize()
        topics.append(Topic(slug, name, known.description if known else "", tuple(members)))
    return tuple(sorted(topics, key=lambda t: t.name.casefold()))


def _related(
    article: RenderedArticle, articles: list[RenderedArticle]
) -> tuple[RenderedArticle, ...]:
    """Articles sharing the most topics with this one, newest first among equals."""
    tags = set(article.article.tags)
    scored = [(len(tags & set(o.article.tags)), o) for o in articles if o is not article]
    ranked = [o for score, o in sorted(scored, key=lambda s: -s[0]) if score > 0]
    return tuple(ranked[:RELATED_COUNT])


def _warnings(
    articles: list[RenderedArticle], pages: list[RenderedPage], today: date
) -> list[Problem]:
    """Things that do not stop a build but that an editor should fix."""
    found = []
    for rendered in articles:
        art = rendered.article
        src = art.source
        if art.next_review < today:
            found.append(
                Problem(
                    src.display,
                    line_of("last_reviewed", src.lines, 1),
                    "last_reviewed",
                    f"review overdue since {art.next_review}",
                )
            )
        for index, citation in enumerate(art.references):
            if not any(c.reference.id == citation.id and c.anchors for c in rendered.citations):
                field = f"references[{index}]"
                found.append(
                    Problem(
                        src.display,
                        line_of(field, src.lines, 1),
                        field,
                        f"'{citation.id}' is never cited in the article",
                    )
                )
        if not rendered.toc:
            found.append(
                Problem(
                    src.display,
                    src.body_line,
                    "body",
                    "no '## ' sections, so the page has no contents list",
                )
            )
    items: list[Article | Page] = [*(a.article for a in articles), *(p.page for p in pages)]
    for item in items:
        if len(item.description) > DESCRIPTION_LIMIT:
            src = item.source
            found.append(
                Problem(
                    src.display,
                    line_of("description", src.lines, 1),
                    "description",
                    f"{len(item.description)} characters; search results show about "
                    f"{DESCRIPTION_LIMIT}",
                )
            )
    return found
