"""Render the Markdown fields of validated articles and pages into sanitised HTML."""

from __future__ import annotations

import math
import re

from b12site.citations import KEY, number_citations
from b12site.errors import ContentError, Problem, line_of
from b12site.markup import Converter, Where, strip_tags
from b12site.models import Article, Page, RenderedArticle, RenderedPage, Source

__all__ = ["markup_problems", "render_article", "render_page", "word_count"]

KEY_RE = re.compile(KEY)
_MOST_ITEMS = 50  # the longest list the schema allows (FAQ)
_WORD = re.compile(r"[\w\u2019'-]+")


def word_count(text: str) -> int:
    """Count the words in plain text."""
    return len(_WORD.findall(text))


def render_article(article: Article, words_per_minute: int = 200) -> RenderedArticle:
    """Render an article's summary, key points, body and FAQ with numbered citations; raise
    ContentError for what breaks the page's rules (headings, ids, unknown citations)."""
    source = article.source
    convert = Converter(ref.id for ref in article.references)
    summary = convert.inline(article.summary, _where(source, "summary"))
    key_points = tuple(
        convert.inline(point, _where(source, f"key_points[{i}]"))
        for i, point in enumerate(article.key_points)
    )
    body = convert.block(article.body, True, Where(source.display, "body", source.body_line))
    toc = convert.toc
    faq = tuple(
        (item, convert.block(item.answer, where=_where(source, f"faq[{i}].answer")))
        for i, item in enumerate(article.faq)
    )
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
    references = meta.get("references")
    keys = [
        ref["id"]
        for ref in (references if isinstance(references, list) else [])
        if isinstance(ref, dict) and isinstance(ref.get("id"), str) and KEY_RE.fullmatch(ref["id"])
    ]
    convert = Converter(keys)
    if isinstance(summary := meta.get("summary"), str):
        convert.inline(summary, _where(source, "summary"))
    for i, point in enumerate(_items(meta.get("key_points"))):
        if isinstance(point, str):
            convert.inline(point, _where(source, f"key_points[{i}]"))
    convert.block(source.body, True, Where(source.display, "body", source.body_line))
    for i, item in enumerate(_items(meta.get("faq"))):
        if isinstance(item, dict) and isinstance(answer := item.get("answer"), str):
            convert.block(answer, where=_where(source, f"faq[{i}].answer"))
    return convert.problems


def _items(value: object) -> list[object]:
    """A raw list's first items (a list longer than the schema allows is reported there)."""
    return value[:_MOST_ITEMS] if isinstance(value, list) else []


def _where(source: Source, field: str) -> Where:
    """Where a front matter field's text starts."""
    return Where(source.display, field, line_of(field, source.lines, 1) or 1)


def render_page(page: Page) -> RenderedPage:
    """Render a plain page's body; raise ContentError for what breaks the page's rules."""
    source = page.source
    convert = Converter()
    body = convert.block(page.body, True, Where(source.display, "body", source.body_line))
    if convert.problems:
        raise ContentError(convert.problems)
    return RenderedPage(page=page, body_html=body, toc=convert.toc)
