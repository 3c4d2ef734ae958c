"""What the last build into an output folder left: its inputs, result and files."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from b12site import codec
from b12site.cache import Cache, OutputRecord
from b12site.cards import ArticleCard
from b12site.errors import Problem
from b12site.keys import digest_of
from b12site.related import RELATED_COUNT, related_articles
from b12site.writer import MARKER, Stat

STATIC_KEY = "static:"  # how output records of static files begin

__all__ = [
    "STATIC_KEY",
    "BuildResult",
    "LastBuild",
    "cached_related",
    "last_build",
    "nothing_changed",
    "previous_outputs",
    "save_state",
]


@dataclass(frozen=True)
class BuildResult:
    """What a build made, for the command line to report."""

    output: Path
    articles: int
    pages: int
    topics: int
    warnings: tuple[Problem, ...]
    written: int
    unchanged: int
    removed: int
    seconds: float
    changed: tuple[str, ...] = ()  # the output files written or removed (never stored)


@dataclass(frozen=True)
class LastBuild:
    """What the last build into an output folder was made from, and what it gave."""

    inputs: str  # digest of every input's name and stat, settings and templates
    site_key: str
    holds_from: str  # the days (ISO) on which its output stays the same
    holds_until: str
    result: BuildResult
    outputs: dict[str, OutputRecord]

    @property
    def static_keys(self) -> dict[str, str]:
        """The static files that build copied, each with its source and stat."""
        return {p: r.key for p, r in self.outputs.items() if r.key.startswith(STATIC_KEY)}

    def holds_on(self, today: date) -> bool:
        """Whether the build date gives the same output as on the day of the last build."""
        return self.holds_from <= today.isoformat() < self.holds_until

    def left_as_is(self, present: Mapping[str, Stat]) -> bool:
        """Whether the output folder holds exactly the files that build left, unchanged."""
        return MARKER in self.outputs and present == {
            path: (r.size, r.mtime_ns) for path, r in self.outputs.items()
        }


def last_build(cache: Cache, out: Path) -> LastBuild | None:
    """The last build into ``out`` that this cache knows of."""
    saved = cache.meta(f"state:{out}")
    if not saved:
        return None
    try:
        state = json.loads(saved)
        result = codec.decode(BuildResult, state["result"])
        return LastBuild(
            str(state["inputs"]),
            str(state["site_key"]),
            str(state["from"]),
            str(state["until"]),
            result,
            cache.outputs(str(out)),
        )
    except (ValueError, KeyError, TypeError):
        return None


def nothing_changed(
    last: LastBuild | None, out: Path, inputs: str, today: date, present: Mapping[str, Stat]
) -> BuildResult | None:
    """The last build's result, when no input changed and its output is still as it left it."""
    if last is None or last.inputs != inputs or not last.holds_on(today):
        return None
    if not last.left_as_is(present):
        return None  # a file changed, went missing or was added since
    unchanged = len(last.outputs) - 1
    return replace(last.result, output=out, written=0, unchanged=unchanged, removed=0, changed=())


def save_state(
    cache: Cache,
    out: Path,
    inputs: str,
    window: tuple[date, date],
    result: BuildResult,
    records: dict[str, OutputRecord],
    since: dict[str, OutputRecord],
    site_key: str,
) -> None:
    """Remember a build's inputs, the days its output holds for, its result and its files
    (``since``: the records of the previous build, so only the changes are stored)."""
    state = {
        "inputs": inputs,
        "from": window[0].isoformat(),
        "until": window[1].isoformat(),
        "result": codec.encode(replace(result, changed=())),
        "site_key": site_key,
    }
    cache.save({f"state:{out}": json.dumps(state)}, (), (), str(out), records, since)


def previous_outputs(
    last: LastBuild | None, present: Mapping[str, Stat]
) -> dict[str, OutputRecord]:
    """What the last build left in its output folder, if the folder is still as that build left it.

    Every update moves in a new marker file, so a marker with another mtime means that some
    other build (``--no-cache``, another cache) changed the folder since: trust nothing then.
    """
    previous = last.outputs if last is not None else {}
    marker = previous.get(MARKER)
    if marker is None or present.get(MARKER) != (marker.size, marker.mtime_ns):
        return {}
    return previous


def cached_related(
    cache: Cache, articles: Sequence[ArticleCard]
) -> dict[str, tuple[ArticleCard, ...]]:
    """Related articles, reused from the last build when no article's topics or order changed."""
    index = digest_of(*(f"{a.slug}:{','.join(a.tags)}" for a in articles), str(RELATED_COUNT))
    stored = cache.meta("related")
    if stored.startswith(index + "\n"):
        by_slug = {a.slug: a for a in articles}
        try:
            slugs = json.loads(stored[len(index) + 1 :])
            return {slug: tuple(by_slug[s] for s in slugs[slug]) for slug in by_slug}
        except (ValueError, KeyError, TypeError):
            pass
    related = related_articles(articles)
    saved = {slug: [a.slug for a in cards] for slug, cards in related.items()}
    cache.remember({"related": f"{index}\n{json.dumps(saved)}"})
    return related
