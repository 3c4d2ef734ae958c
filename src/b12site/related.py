"""Related articles from a topic index: bit sets of articles per topic, never all pairs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from b12site.cards import ArticleCard

__all__ = ["RELATED_COUNT", "related_articles"]

RELATED_COUNT = 3


def related_articles(
    articles: Sequence[ArticleCard], count: int = RELATED_COUNT
) -> dict[str, tuple[ArticleCard, ...]]:
    """For each article, those sharing the most topics with it; site order among equals.

    Bit ``i`` of a topic's mask is set when ``articles[i]`` is filed under it, so "shares at
    least k of my topics" is a handful of big-integer operations over the whole site.
    """
    masks: dict[str, int] = {}
    for index, card in enumerate(articles):
        for tag in card.tags:
            masks[tag] = masks.get(tag, 0) | (1 << index)
    return {
        card.slug: tuple(articles[i] for i in _best(index, card.tags, masks, count))
        for index, card in enumerate(articles)
    }


def _best(index: int, tags: Sequence[str], masks: Mapping[str, int], count: int) -> list[int]:
    """Indices of the ``count`` best matches: most shared topics first, then lowest index."""
    at_least = _at_least(tuple(dict.fromkeys(tags)), masks)
    chosen: list[int] = []
    taken = 1 << index
    for shared in range(len(at_least) - 1, 0, -1):
        pool = at_least[shared] & ~taken
        while pool and len(chosen) < count:
            low = pool & -pool
            chosen.append(low.bit_length() - 1)
            taken |= low
            pool ^= low
        if len(chosen) == count:
            break
    return chosen


def _at_least(tags: Sequence[str], masks: Mapping[str, int]) -> list[int]:
    """``result[k]``: the articles filed under at least ``k`` of ``tags`` (k >= 1)."""
    counts = [-1]  # every article is under at least 0 of them
    for tag in tags:
        mask = masks.get(tag, 0)
        counts.append(0)
        for k in range(len(counts) - 1, 0, -1):
            counts[k] |= counts[k - 1] & mask
    return counts
