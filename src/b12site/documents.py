"""Render the Markdown fields of validated articles and pages into sanitised HTML."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from markupsafe import Markup

from b12site.citations import KEY, number_citations
from b12site.errors import ContentError, Problem, line_of
from b12site.markup import Converter, Where, strip_tags
from b12site.models import (
    Article,
    CareCardSettings,
    Page,
    RenderedArticle,
    RenderedPage,
    Source,
)

__all__ = ["markup_problems", "render_article", "render_page", "word_count"]

_CITABLE = re.compile(KEY)  # a reference id that citations can name
_MOST_ITEMS = 500  # the longest list the schema allows (references)
_WORD = re.compile(r"[\w\u2019'-]+")
FAQ_LEVEL = 3  # an FAQ answer sits under its question, an h3


def word_count(text: str) -> int:
    """Count the words in plain text."""
    return len(_WORD.findall(text))


def render_article(
    article: Article, words_per_minute: int = 200, care_cards: CareCardSettings | None = None
) -> RenderedArticle:
    """Render an article's summary, key points, body and FAQ with numbered citations; raise
    ContentError for what breaks the page's rules (headings, ids, unknown citations)."""
    convert = Converter((ref.id for ref in article.references), care_cards)
    summary, key_points, body, answers = _convert_fields(
        convert,
        article.source,
        article.summary,
        article.key_points,
        article.body,
        [item.answer for item in article.faq],
    )
    toc = convert.toc
    faq = tuple(zip(article.faq, answers, strict=True))
    if convert.problems:
        raise ContentError(convert.problems)
    text = " ".join(strip_tags(part) for part in (summary, *key_points, body, *(a for _, a in faq)))
    words = word_count(text) + sum(word_count(item.question) for item in article.faq)
    return RenderedArticle(
        article=article,
        summary_html=summary,
        key_points_html=key_points,
        faq_html=faq,
        body_html=body,
        toc=toc,
        citations=number_citations(convert.citations, article.references),
        reading_minutes=max(1, math.ceil(words / words_per_minute)),
        word_count=words,
    )


def markup_problems(source: Source) -> list[Problem]:
    """The page-rule problems of an article whose front matter did not validate, found by
    converting its Markdown fields as they stand, so they are reported in the same run."""
    meta = source.meta
    keys = [
        ref["id"]
        for ref in _items(meta, "references")
        if isinstance(ref, dict)
        and isinstance(ref.get("id"), str)
        and _CITABLE.fullmatch(ref["id"])
    ]
    convert = Converter(keys)
    faq = [item.get("answer") if isinstance(item, dict) else None for item in _items(meta, "faq")]
    _convert_fields(
        convert, source, meta.get("summary"), _items(meta, "key_points"), source.body, faq
    )
    return convert.problems


def _convert_fields(
    convert: Converter,
    source: Source,
    summary: object,
    key_points: Sequence[object],
    body: str,
    answers: Sequence[object],
) -> tuple[Markup, tuple[Markup, ...], Markup, tuple[Markup, ...]]:
    """An article's Markdown fields converted in page order, each named for its problems
    (a raw value that is not text, which the schema reports, gives no HTML)."""

    def inline(text: object, field: str) -> Markup:
        return convert.inline(text, _where(source, field)) if isinstance(text, str) else Markup()

    summary_html = inline(summary, "summary")
    points = tuple(inline(point, f"key_points[{i}]") for i, point in enumerate(key_points))
    body_html = convert.block(body, True, Where(source.display, "body", source.body_line))
    faq = tuple(
        convert.block(answer, where=_where(source, f"faq[{i}].answer"), level=FAQ_LEVEL)
        if isinstance(answer, str)
        else Markup()
        for i, answer in enumerate(answers)
    )
    return summary_html, points, body_html, faq


def _items(meta: Mapping[str, object], name: str) -> list[object]:
    """A raw list's first items (a list longer than the schema allows is reported there)."""
    value = meta.get(name)
    return value[:_MOST_ITEMS] if isinstance(value, list) else []


def _where(source: Source, field: str) -> Where:
    """Where a front matter field's text starts."""
    return Where(source.display, field, line_of(field, source.lines, 1) or 1)


def render_page(page: Page, care_cards: CareCardSettings | None = None) -> RenderedPage:
    """Render a plain page's body; raise ContentError for what breaks the page's rules."""
    source = page.source
    convert = Converter(care_cards=care_cards)
    body = convert.block(page.body, True, Where(source.display, "body", source.body_line))
    if convert.problems:
        raise ContentError(convert.problems)
    return RenderedPage(page=page, body_html=body, toc=convert.toc)
