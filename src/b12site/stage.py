"""The per-file stage: one source file in; its card, rendered document and warnings out."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from b12site import codec
from b12site.cards import ArticleCard, PageCard, TopicLink
from b12site.errors import ContentError, Problem, line_of
from b12site.models import Article, Page, RenderedArticle, RenderedPage, SiteConfig, Source

__all__ = [
    "DESCRIPTION_LIMIT",
    "Entry",
    "article_warnings",
    "digest",
    "process_or_problems",
    "process_source",
    "render_source",
    "topic_name",
]

DESCRIPTION_LIMIT = 160


@dataclass(frozen=True)
class Entry:
    """Everything later stages need of one valid source file; what the cache keeps of it."""

    kind: str  # "article" or "page"
    shown: str  # the source's path relative to the site, as messages show it
    card: ArticleCard | PageCard
    warnings: tuple[Problem, ...]
    slug_line: int | None
    review_line: int | None
    digest: str  # of the rendered document
    card_digest: str
    document: str = ""  # the RenderedArticle or RenderedPage as JSON ("" when not loaded)

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
    """Read, validate and render one file; raise ContentError with every problem in it."""
    # Imported here: a build with nothing to do never pays for pydantic or Markdown.
    from b12site.content import read_source

    source = read_source(path, kind, config.root)
    slug_line = line_of("slug", source.lines, 1)
    document = render_source(source, config, today)
    if isinstance(document, RenderedPage):
        page = document
        warnings = _description_warning(source.display, page.page.description, source.lines)
        return _entry(source.display, _page_card(page), page, warnings, slug_line, None)
    article = document
    return _entry(
        source.display,
        _article_card(article, config),
        article,
        article_warnings(article),
        slug_line,
        line_of("last_reviewed", source.lines, 1),
    )


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
        return render_page(valid)
    return render_article(valid, config.words_per_minute)


def _entry(
    shown: str,
    card: ArticleCard | PageCard,
    document: RenderedArticle | RenderedPage,
    warnings: list[Problem],
    slug_line: int | None,
    review_line: int | None,
) -> Entry:
    text = codec.dumps(for_pages(document))
    kind = "page" if isinstance(card, PageCard) else "article"
    return Entry(
        kind,
        shown,
        card,
        tuple(warnings),
        slug_line,
        review_line,
        digest(text),
        digest(codec.dumps(card)),
        text,
    )


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


def _article_card(rendered: RenderedArticle, config: SiteConfig) -> ArticleCard:
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
    )


def _page_card(rendered: RenderedPage) -> PageCard:
    page = rendered.page
    return PageCard(page.slug, page.title, page.description, page.updated, page.draft)


def article_warnings(rendered: RenderedArticle) -> list[Problem]:
    """What an editor should fix in an article, though it does not stop the build."""
    art = rendered.article
    src = art.source
    found = []
    cited = {c.reference.id for c in rendered.citations if c.anchors}
    for index, reference in enumerate(art.references):
        if reference.id not in cited:
            field = f"references[{index}]"
            found.append(
                Problem(
                    src.display,
                    line_of(field, src.lines, 1),
                    field,
                    f"'{reference.id}' is never cited in the article",
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
    found += _description_warning(src.display, art.description, src.lines)
    return found


def _description_warning(shown: str, description: str, lines: Mapping[str, int]) -> list[Problem]:
    if len(description) <= DESCRIPTION_LIMIT:
        return []
    line = line_of("description", lines, 1)
    return [
        Problem(
            shown,
            line,
            "description",
            f"{len(description)} characters; search results show about {DESCRIPTION_LIMIT}",
        )
    ]
