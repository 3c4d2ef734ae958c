"""The per-file stage: one source file in; its card, rendered document and warnings out."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from b12site import codec
from b12site.cards import ArticleCard, PageCard, TopicLink
from b12site.errors import ContentError, Problem, line_of
from b12site.links import Link, md_target, split_href
from b12site.models import (
    Article,
    Override,
    Page,
    RenderedArticle,
    RenderedPage,
    SiteConfig,
    Source,
)

__all__ = [
    "Entry",
    "digest",
    "process_or_problems",
    "process_source",
    "render_source",
    "topic_name",
]


@dataclass(frozen=True)
class Entry:
    """Everything later stages need of one valid source file; what the cache keeps of it."""

    kind: str  # "article" or "page"
    shown: str  # the source's path relative to the site, as messages show it
    card: ArticleCard | PageCard
    findings: tuple[Problem, ...]  # of the rules that need only this document
    slug_line: int | None
    review_line: int | None
    digest: str  # of the rendered document
    card_digest: str
    document: str = ""  # the RenderedArticle or RenderedPage as JSON ("" when not loaded)
    overrides: tuple[Override, ...] = ()  # the rules its front matter turns off or re-grades
    links: tuple[Link, ...] = ()
    ids: tuple[str, ...] = ()  # every id on its page
    grade: float | None = None  # an article's reading grade

    @property
    def links_digest(self) -> str:
        """What the site-wide link rules read of this document, as one digest."""
        return digest(codec.dumps((self.links, self.ids)))

    @property
    def key(self) -> str:
        """``article:<slug>`` or ``page:<slug>``: how the plan names its document."""
        return f"{self.kind}:{self.card.slug}"

    @property
    def article(self) -> ArticleCard:
        """The card of an article entry."""
        assert isinstance(self.card, ArticleCard)
        return self.card

    def valid_on(self, today: date) -> bool:
        """Whether validation on ``today`` would still accept it (a review can't be future)."""
        card = self.card
        return not (isinstance(card, ArticleCard) and card.last_reviewed > today >= card.published)


def topic_name(slug: str, config: SiteConfig) -> str:
    """A topic's display name: from ``site.yaml``, or made from its slug."""
    known = config.topics.get(slug)
    return known.name if known else slug.replace("-", " ").capitalize()


def process_source(path: Path, kind: str, config: SiteConfig, today: date) -> Entry:
    """Read, validate and render one file, and run the rules that need only it; raise
    ContentError with every problem that makes it invalid."""
    # Imported here: a build with nothing to do never pays for pydantic or Markdown.
    from b12site.content import read_source
    from b12site.facts import document_facts

    source = read_source(path, kind, config.root)
    document = render_source(source, config, today)
    facts = document_facts(document, config)
    md_links = _md_links(facts.links, source.display)
    if isinstance(document, RenderedPage):
        card: ArticleCard | PageCard = _page_card(document, md_links)
        overrides, review_line = document.page.overrides, None
    else:
        card = _article_card(document, config, md_links)
        overrides = document.article.overrides
        review_line = line_of("last_reviewed", source.lines, 1)
    text = codec.dumps(for_pages(document))
    return Entry(
        "page" if isinstance(card, PageCard) else "article",
        source.display,
        card,
        facts.findings,
        line_of("slug", source.lines, 1),
        review_line,
        digest(text),
        digest(codec.dumps(card)),
        text,
        overrides,
        facts.links,
        facts.ids,
        facts.grade,
    )


def _md_links(links: Sequence[Link], shown: str) -> tuple[tuple[str, str], ...]:
    """The links to other source files (``other.md#part``), by target, each once."""
    found = {}
    for link in links:
        if (target := md_target(link.href, shown)) is not None:
            found[split_href(link.href)[0]] = target
    return tuple(sorted(found.items()))


def render_source(
    source: Source, config: SiteConfig, today: date
) -> RenderedArticle | RenderedPage:
    """Validate and render one split file; raise ContentError with every problem in it,
    those of its front matter and those of its Markdown, in one run."""
    from b12site.documents import markup_problems, render_article, render_page
    from b12site.schema import validate_article, validate_page

    try:
        valid: Article | Page = (
            validate_page(source)
            if source.kind == "page"
            else validate_article(source, config, today)
        )
    except ContentError as exc:
        raise ContentError(exc.problems + markup_problems(source)) from exc
    if isinstance(valid, Page):
        return render_page(valid, config.care_cards)
    return render_article(valid, config.words_per_minute, config.care_cards)


def for_pages(document: RenderedArticle | RenderedPage) -> RenderedArticle | RenderedPage:
    """The document as pages read it: without the raw front matter and Markdown it came from
    (a third of its size), which only validation and rendering read."""
    if isinstance(document, RenderedArticle):
        article = document.article
        source = replace(article.source, meta={}, body="")
        return replace(document, article=replace(article, source=source, body=""))
    page = document.page
    return replace(
        document, page=replace(page, source=replace(page.source, meta={}, body=""), body="")
    )


def digest(text: str) -> str:
    """A short content hash of text."""
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def process_or_problems(
    path: Path, kind: str, config: SiteConfig, today: date
) -> Entry | tuple[Problem, ...]:
    """The entry of one file, or its problems (for worker processes: nothing is raised)."""
    try:
        return process_source(path, kind, config, today)
    except ContentError as exc:
        return tuple(exc.problems)


def _article_card(
    rendered: RenderedArticle, config: SiteConfig, md_links: tuple[tuple[str, str], ...]
) -> ArticleCard:
    article = rendered.article
    return ArticleCard(
        slug=article.slug,
        title=article.title,
        description=article.description,
        published=article.published,
        modified=article.modified,
        last_reviewed=article.last_reviewed,
        next_review=article.next_review,
        author_name=article.author.name,
        author_url=article.author.url,
        reviewer_name=article.reviewed_by.name,
        topics=tuple(TopicLink(tag, topic_name(tag, config)) for tag in article.tags),
        reading_minutes=rendered.reading_minutes,
        draft=article.draft,
        md_links=md_links,
        index_term=article.index_title or article.about,
    )


def _page_card(rendered: RenderedPage, md_links: tuple[tuple[str, str], ...]) -> PageCard:
    page = rendered.page
    return PageCard(page.slug, page.title, page.description, page.updated, page.draft, md_links)
