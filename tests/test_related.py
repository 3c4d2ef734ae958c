"""Related articles: the fast topic index agrees with the obvious quadratic definition."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from hypothesis import example, given, settings
from hypothesis import strategies as st

from b12site.cards import ArticleCard, TopicLink
from b12site.related import RELATED_COUNT, related_articles

DAY = date(2026, 1, 1)
ALPHABET = ["a", "b", "c", "d", "e", "f"]


def card(slug: str, tags: Sequence[str]) -> ArticleCard:
    """An article card filed under ``tags``; every other field fixed."""
    return ArticleCard(
        slug=slug,
        title=slug.title(),
        description="",
        published=DAY,
        modified=DAY,
        last_reviewed=DAY,
        next_review=DAY,
        author_name="Ann",
        author_url="",
        reviewer_name="Rex",
        topics=tuple(TopicLink(tag, tag.upper()) for tag in tags),
        reading_minutes=1,
        draft=False,
    )


def oracle(articles: Sequence[ArticleCard], count: int) -> dict[str, tuple[str, ...]]:
    """For each article: the others sharing tags, most shared first, site order among equals."""
    result = {}
    for me in articles:
        mine = set(me.tags)
        scored = [
            (len(mine & set(other.tags)), index, other.slug)
            for index, other in enumerate(articles)
            if other is not me
        ]
        best = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))
        result[me.slug] = tuple(slug for _, _, slug in best[:count])
    return result


def slugs(related: dict[str, tuple[ArticleCard, ...]]) -> dict[str, tuple[str, ...]]:
    """Related cards by slug."""
    return {slug: tuple(c.slug for c in cards) for slug, cards in related.items()}


tag_lists = st.lists(st.sampled_from(ALPHABET), min_size=0, max_size=5, unique=True)


@settings(max_examples=400, deadline=None)
@given(tags=st.lists(tag_lists, min_size=0, max_size=14))
@example(tags=[["a"], ["a"], ["a"], ["a"], ["a"]])  # ties: site order decides
@example(tags=[["a", "b", "c"], ["a"], ["b", "c"], ["a", "b", "c"], ["c", "d"]])
@example(tags=[["a", "b"], [], ["c"], ["a", "b"]])  # no shared tag: not related
def test_related_articles_match_the_definition(tags: list[list[str]]) -> None:
    articles = [card(f"article-{n}", t) for n, t in enumerate(tags)]
    assert slugs(related_articles(articles)) == oracle(articles, RELATED_COUNT)


@settings(max_examples=150, deadline=None)
@given(
    tags=st.lists(tag_lists, min_size=1, max_size=10),
    count=st.integers(min_value=0, max_value=6),
)
def test_any_number_of_related_articles_matches_the_definition(
    tags: list[list[str]], count: int
) -> None:
    articles = [card(f"article-{n}", t) for n, t in enumerate(tags)]
    assert slugs(related_articles(articles, count)) == oracle(articles, count)


def test_more_shared_topics_beat_site_order() -> None:
    articles = [
        card("newest", ["a"]),
        card("middle", ["a", "b"]),
        card("me", ["a", "b", "c"]),
        card("oldest", ["a", "b", "c"]),
        card("elsewhere", ["d"]),
    ]
    related = slugs(related_articles(articles))
    assert related["me"] == ("oldest", "middle", "newest")
    assert related["elsewhere"] == ()
    assert related["newest"] == ("middle", "me", "oldest")
