"""Render the Markdown fields of validated articles and pages into sanitised HTML."""

from __future__ import annotations

import math
import re

from b12site.citations import number_citations
from b12site.markup import Converter, strip_tags
from b12site.models import Article, Citation, Page, RenderedArticle, RenderedPage

__all__ = ["render_article", "render_page", "word_count"]

_WORD = re.compile(r"[\w\u2019'-]+")


def word_count(text: str) -> int:
    """Count the words in plain text."""
    return len(_WORD.findall(text))


def render_article(article: Article, words_per_minute: int = 200) -> RenderedArticle:
    """Render an article's summary, key points, body and FAQ with numbered citations."""
    cited_in_order = [
        article.summary,
        *article.key_points,
        article.body,
        *(item.answer for item in article.faq),
    ]
    numbered = number_citations(cited_in_order, article.references)
    convert = Converter({c.reference.id: c.number for c in numbered})
    summary = convert.inline(article.summary)
    key_points = tuple(convert.inline(point) for point in article.key_points)
    body = convert.block(article.body, collect_toc=True)
    toc = convert.toc
    faq = tuple((item, convert.block(item.answer)) for item in article.faq)
    emitted = convert.emitted_anchors
    citations = tuple(
        Citation(c.number, c.reference, emitted.get(c.reference.id, ())) for c in numbered
    )
    text = " ".join(strip_tags(part) for part in (summary, *key_points, body, *(a for _, a in faq)))
    words = word_count(text) + sum(word_count(item.question) for item in article.faq)
    return RenderedArticle(
        article=article,
        summary_html=summary,
        key_points_html=key_points,
        faq_html=faq,
        body_html=body,
        toc=toc,
        citations=citations,
        reading_minutes=max(1, math.ceil(words / words_per_minute)),
        word_count=words,
    )


def render_page(page: Page) -> RenderedPage:
    """Render a plain page's body."""
    convert = Converter()
    body = convert.block(page.body, collect_toc=True)
    return RenderedPage(page=page, body_html=body, toc=convert.toc)
