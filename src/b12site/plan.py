"""The page plan: every output of the site as a value, with its typed context and inputs."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from b12site.bundles import bundle_dir, bundles
from b12site.cards import ArticleCard, ListedArticle, PageCard, Site, TopicLink

__all__ = [
    "AZContext",
    "ArticleContext",
    "Context",
    "FeedContext",
    "HomeContext",
    "Nav",
    "Output",
    "PageContext",
    "Pager",
    "SearchContext",
    "SitemapContext",
    "SitemapEntry",
    "TopicContext",
    "TopicListing",
    "TopicSummary",
    "TopicsContext",
    "a_to_z",
    "article_output",
    "navigation",
    "page_output",
    "pager_slugs",
    "plan_site",
    "resolved_links",
]


@dataclass(frozen=True)
class Nav:
    """What the header and footer of every page show: the plain pages and the policy."""

    pages: tuple[PageCard, ...]
    policy: str  # site path of the editorial policy page, or ""


@dataclass(frozen=True)
class TopicSummary:
    """A topic in a list of topics: name, description, size and newest change."""

    slug: str
    name: str
    description: str
    count: int
    modified: date | None

    @property
    def path(self) -> str:
        """Site path of the topic page."""
        return f"topics/{self.slug}/"


@dataclass(frozen=True)
class Context:
    """What every template receives: where the page is and the site navigation."""

    page_path: str
    nav: Nav

    @property
    def size(self) -> int:
        """How many articles the page lists: its rendering time grows with it."""
        return 0


@dataclass(frozen=True)
class HomeContext(Context):
    """The home page: the latest articles and every topic."""

    latest: tuple[ListedArticle, ...]
    article_count: int
    topics: tuple[TopicSummary, ...]

    @property
    def size(self) -> int:
        """How many articles the page lists."""
        return len(self.latest)


@dataclass(frozen=True)
class Pager:
    """The articles before and after one in its first topic, as the topic's page lists them."""

    topic: TopicLink
    previous: ListedArticle | None
    next: ListedArticle | None

    @property
    def key(self) -> str:
        """All the pager shows, as an input."""
        around = (a.key if a else "" for a in (self.previous, self.next))
        return f"pager:{self.topic.slug}={self.topic.name}\n" + "\n".join(around)


@dataclass(frozen=True)
class ArticleContext(Context):
    """An article page: its topics, related articles and neighbours in its first topic (the
    rendered article is loaded)."""

    card: ArticleCard
    topics: tuple[TopicLink, ...]
    related: tuple[ListedArticle, ...]
    links: tuple[tuple[str, str], ...] = ()  # links to source files and their site paths
    pager: Pager | None = None


@dataclass(frozen=True)
class PageContext(Context):
    """A plain page (its rendered body is loaded)."""

    card: PageCard
    links: tuple[tuple[str, str], ...] = ()  # links to source files and their site paths


@dataclass(frozen=True)
class TopicsContext(Context):
    """The list of topics."""

    topics: tuple[TopicSummary, ...]


@dataclass(frozen=True)
class TopicListing:
    """A topic as its page shows it: name, description and its articles as lists show them."""

    slug: str
    name: str
    description: str
    articles: tuple[ListedArticle, ...]

    @property
    def path(self) -> str:
        """Site path of the topic page."""
        return f"topics/{self.slug}/"


@dataclass(frozen=True)
class TopicContext(Context):
    """One topic's page."""

    topic: TopicListing

    @property
    def size(self) -> int:
        """How many articles the page lists."""
        return len(self.topic.articles)


@dataclass(frozen=True)
class AZContext(Context):
    """The A to Z index: articles grouped by first letter."""

    groups: tuple[tuple[str, tuple[ListedArticle, ...]], ...]

    @property
    def size(self) -> int:
        """How many articles the page lists."""
        return sum(len(items) for _, items in self.groups)


@dataclass(frozen=True)
class SearchContext(Context):
    """The search page: the site paths of the search index's bundles."""

    bundles: tuple[str, ...]


@dataclass(frozen=True)
class FeedContext(Context):
    """The Atom feed."""

    updated: date
    articles: tuple[ArticleCard, ...]

    @property
    def size(self) -> int:
        """How many articles the feed lists."""
        return len(self.articles)


@dataclass(frozen=True)
class SitemapEntry:
    """A page as the sitemap lists it: where it is and when it last changed."""

    path: str
    modified: date | None


@dataclass(frozen=True)
class SitemapContext(Context):
    """The sitemap."""

    updated: date
    newest: date | None
    articles: tuple[SitemapEntry, ...]
    pages: tuple[SitemapEntry, ...]
    topics: tuple[SitemapEntry, ...]

    @property
    def size(self) -> int:
        """How many articles the sitemap lists."""
        return len(self.articles)


@dataclass(frozen=True)
class Output:
    """One file of the site: where, which template, its context, and what it depends on."""

    path: str
    template: str
    context: Context
    depends_on: tuple[str, ...]
    document: str = ""  # "article:<slug>" or "page:<slug>": a rendered document to load

    def key(self, site_key: str) -> str:
        """A digest that changes whenever anything this output is made from changes."""
        text = "\n".join((site_key, self.path, self.template, *self.depends_on))
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def a_to_z(
    articles: Sequence[ListedArticle],
) -> tuple[tuple[str, tuple[ListedArticle, ...]], ...]:
    """Articles grouped by the first letter of what they are about (their index term, else
    their title; ``#`` for digits and symbols), in order of term, then title."""
    groups: dict[str, list[ListedArticle]] = {}
    for article in sorted(articles, key=lambda a: (a.term.casefold(), a.title.casefold())):
        first = unicodedata.normalize("NFKD", article.term)[:1].upper()
        letter = first if first.isalpha() and first.isascii() else "#"
        groups.setdefault(letter, []).append(article)
    ordered = sorted(groups.items(), key=lambda item: (item[0] == "#", item[0]))
    return tuple((letter, tuple(items)) for letter, items in ordered)


def plan_site(site: Site, digests: Mapping[str, str]) -> tuple[Output, ...]:
    """Every output of the site; ``digests`` maps ``article:<slug>``/``page:<slug>`` to the
    digest of its rendered document and ``card:<slug>`` to the digest of its card."""
    return tuple(_outputs(site, digests))


def navigation(pages: tuple[PageCard, ...]) -> tuple[Nav, str]:
    """The header and footer navigation of every page, and the input that names it."""
    policy = next((p.path for p in pages if p.slug.startswith("editorial")), "")
    nav = Nav(pages, policy)
    return nav, "nav:" + repr(nav)


def article_output(
    card: ArticleCard,
    related: tuple[ArticleCard, ...],
    nav: tuple[Nav, str],
    digests: Mapping[str, str],
    sources: Mapping[str, str] | None = None,
    around: tuple[ArticleCard | None, ArticleCard | None] = (None, None),
) -> Output:
    """An article's page: its card, topics, related articles, the articles before and after it
    in its first topic, and its rendered document."""
    links = resolved_links(card.md_links, sources or {})
    listed = tuple(r.listed for r in related)
    pager = None
    if card.topics:
        previous, following = (a.listed if a else None for a in around)
        pager = Pager(card.topics[0], previous, following)
    return Output(
        f"{card.path}index.html",
        "article.html",
        ArticleContext(card.path, nav[0], card, card.topics, listed, links, pager),
        (
            nav[1],
            digests[f"article:{card.slug}"],
            _cards((card,), digests),
            _listed(related),
            f"links:{links}",
            pager.key if pager else "",
        ),
        f"article:{card.slug}",
    )


def pager_slugs(site: Site) -> dict[str, tuple[str, str]]:
    """For each article, the slugs of the articles before and after it in its first topic, as
    that topic's page lists them (newest first); "" at either end."""
    around: dict[str, tuple[str, str]] = {}
    for topic in site.topics:
        slugs = ["", *(a.slug for a in topic.articles), ""]
        for at, card in enumerate(topic.articles, start=1):
            if card.topics[0].slug == topic.slug:
                around[card.slug] = (slugs[at - 1], slugs[at + 1])
    return around


def page_output(
    card: PageCard,
    nav: tuple[Nav, str],
    digests: Mapping[str, str],
    sources: Mapping[str, str] | None = None,
) -> Output:
    """A plain page."""
    links = resolved_links(card.md_links, sources or {})
    return Output(
        f"{card.path}index.html",
        "page.html",
        PageContext(card.path, nav[0], card, links),
        (nav[1], digests[f"page:{card.slug}"], f"links:{links}"),
        f"page:{card.slug}",
    )


def resolved_links(
    md_links: tuple[tuple[str, str], ...], sources: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """Each link to a source file (``other.md``) with the site path of its page, when that
    file is published (the link rules report the others)."""
    return tuple((href, sources[target]) for href, target in md_links if target in sources)


def _sitemap_key(sitemap: SitemapContext) -> str:
    """Everything the sitemap lists, as text (a repr of 20,000 entries is five times slower)."""
    entries = (*sitemap.articles, *sitemap.pages, *sitemap.topics)
    sizes = f"{len(sitemap.articles)},{len(sitemap.pages)},{len(sitemap.topics)}"
    dated = "\n".join(f"{e.path}\t{e.modified}" for e in entries)
    return f"{sitemap.newest}|{sizes}|{dated}"


def _cards(articles: Sequence[ArticleCard], digests: Mapping[str, str]) -> str:
    """Whole cards as an input (for pages that show more of an article than lists do)."""
    return "cards:" + ",".join(digests[f"card:{a.slug}"] for a in articles)


def _listed(articles: Sequence[ArticleCard]) -> str:
    """Articles as lists show them, as an input: a list is redone only when that changes."""
    return "listed:" + "\n".join(a.listed_key for a in articles)


def _outputs(site: Site, digests: Mapping[str, str]) -> Iterator[Output]:
    pages = site.pages
    nav, nav_dep = navigation(pages)

    def cards(articles: Sequence[ArticleCard]) -> str:
        return _cards(articles, digests)

    summaries = tuple(
        TopicSummary(t.slug, t.name, t.description, len(t.articles), t.modified)
        for t in site.topics
    )
    topics_dep = "topics:" + repr(summaries)
    latest = site.articles[: site.config.latest_count]
    yield Output(
        "index.html",
        "home.html",
        HomeContext("", nav, tuple(a.listed for a in latest), len(site.articles), summaries),
        (nav_dep, _listed(latest), f"count:{len(site.articles)}", topics_dep),
    )
    by_slug = {a.slug: a for a in site.articles}
    pagers = pager_slugs(site)
    for card in site.articles:
        related = site.related.get(card.slug, ())
        before, after = pagers.get(card.slug, ("", ""))
        around = (by_slug.get(before), by_slug.get(after))
        yield article_output(card, related, (nav, nav_dep), digests, site.sources, around)
    for page in pages:
        yield page_output(page, (nav, nav_dep), digests, site.sources)
    yield Output(
        "topics/index.html",
        "topics.html",
        TopicsContext("topics/", nav, summaries),
        (nav_dep, topics_dep),
    )
    for topic in site.topics:
        yield Output(
            f"{topic.path}index.html",
            "topic.html",
            TopicContext(
                topic.path,
                nav,
                TopicListing(topic.slug, topic.name, topic.description, topic.listed),
            ),
            (
                nav_dep,
                f"topic:{topic.slug}={topic.name}={topic.description}",
                _listed(topic.articles),
            ),
        )
    yield Output(
        "a-z/index.html",
        "a-z.html",
        AZContext("a-z/", nav, a_to_z([a.listed for a in site.articles])),
        (nav_dep, _listed(site.articles)),
    )
    searched = [f"{a.path}index.html" for a in site.articles] + [
        f"{p.path}index.html" for p in pages
    ]
    found = tuple(bundle_dir(bundle) for bundle in bundles(searched))
    yield Output(
        "search/index.html",
        "search.html",
        SearchContext("search/", nav, found),
        (nav_dep, "bundles:" + ",".join(found)),
    )
    yield Output("404.html", "404.html", Context("404.html", nav), (nav_dep,))
    newest = site.articles[: site.config.feed_count]
    updated = f"updated:{site.updated}"
    yield Output(
        "feed.xml",
        "feed.xml",
        FeedContext("feed.xml", nav, site.updated, newest),
        (updated, cards(newest)),
    )
    sitemap = SitemapContext(
        "sitemap.xml",
        nav,
        site.updated,
        site.newest_article,
        tuple(SitemapEntry(a.path, a.modified) for a in site.articles),
        tuple(SitemapEntry(p.path, p.updated) for p in pages),
        tuple(SitemapEntry(t.path, t.modified) for t in site.topics),
    )
    yield Output(
        "sitemap.xml",
        "sitemap.xml",
        sitemap,
        (updated, "sitemap:" + _sitemap_key(sitemap)),
    )
    yield Output("robots.txt", "robots.txt", Context("robots.txt", nav), ())
    yield Output("_headers", "_headers", Context("_headers", nav), ())
