"""Edits that change no card: re-render just the edited pages, without re-planning the site.

When every edited file keeps its card (title, dates, topics, reading time…), the site index,
and with it every list, related article and navigation, is what the last build made; only the
edited documents' own pages can differ. The outputs this path renders are made by the same
plan functions as a full build, from the same inputs, so the result is byte-identical.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TypeVar

from b12site import codec
from b12site.cache import Cache, CachedSource, OutputRecord
from b12site.cards import ArticleCard, PageCard
from b12site.errors import ContentError, Problem
from b12site.governance import review_findings
from b12site.lastbuild import BuildResult, LastBuild, save_state
from b12site.links import BROKEN_ANCHOR, BROKEN_LINK
from b12site.models import SiteConfig
from b12site.outputs import render_outputs
from b12site.plan import Output, article_output, navigation, page_output
from b12site.search import SearchIndex
from b12site.site import is_published, live_pages
from b12site.sources import Row, SourceFile, cached_source, decode_entry, file_hash
from b12site.stage import Entry, process_source
from b12site.writer import write_site

LINK_RULES = frozenset({BROKEN_LINK.id, BROKEN_ANCHOR.id})

__all__ = ["MOST_EDITS", "Edited", "apply_edits", "edited_documents", "index_only"]

T = TypeVar("T", list, dict)  # type: ignore[type-arg]
MOST_EDITS = 32  # more edited files than this take the full path


@dataclass(frozen=True)
class Edited:
    """Edited files whose cards are unchanged: their new entries and their pages to render."""

    rows: tuple[Row, ...]  # what the cache should learn
    entries: dict[str, Entry]  # by "article:<slug>" / "page:<slug>"
    outputs: tuple[Output, ...]
    warnings: tuple[Problem, ...]
    searched: tuple[str, ...]  # the pages the search index is made from


def edited_documents(
    last: LastBuild | None,
    sources: Sequence[SourceFile],
    static_keys: Mapping[str, str],
    present: Mapping[str, tuple[int, int]],
    cache: Cache,
    config: SiteConfig,
    *,
    site_key: str,
    made_with: str,
    today: date,
    drafts: bool,
    strict: bool = False,
) -> Edited | None:
    """The edits to make, or None when this build needs the full path."""
    if last is None or last.site_key != site_key or not last.holds_on(today):
        return None
    if not last.left_as_is(present) or last.static_keys != static_keys:
        return None  # the output was changed by hand, or a static file came, went or changed
    records = cache.sources(entries=False)  # the few entries needed are read one by one
    if set(records) != {s.shown for s in sources}:
        return None  # a file was added or removed
    edited = [
        s
        for s in sources
        if (records[s.shown].size, records[s.shown].mtime_ns) != (s.size, s.mtime_ns)
    ]
    if not edited or len(edited) > MOST_EDITS:
        return None
    if any(r.made_with != made_with for r in records.values()):
        return None
    rows: list[Row] = []
    entries: dict[str, Entry] = {}
    processed: list[Entry] = []
    for source in edited:
        record = records[source.shown]
        sha = file_hash(source.path)
        if sha == record.sha:  # touched, not changed
            touched = replace(
                record, size=source.size, mtime_ns=source.mtime_ns, entry=cache.entry(source.shown)
            )
            rows.append((source.shown, touched, None))
            continue
        try:
            entry = process_source(source.path, source.kind, config, today)
        except ContentError:
            return None  # the full build reports the problems of every file together
        rows.append((source.shown, cached_source(source, sha, made_with, entry), entry.document))
        if (entry.kind, entry.card.slug, entry.card_digest) != (
            record.kind,
            record.slug,
            record.card_digest,
        ) or _judged_differently(entry, cache.entry(source.shown)):
            cache.save({}, rows, ())  # so the full build reuses what was read here
            return None  # a card changed: lists and related articles may change
        processed.append(entry)
        if entry.digest != record.digest:
            entries[entry.key] = entry
    outputs = _outputs(entries, records, cache, today, drafts)
    if outputs is None:
        return None
    warnings = _warnings(last.result, processed, config, today, drafts, strict)
    if warnings is None:
        return None  # the full build reports what stops the build, with every other finding
    searched = _stored(cache, "search", list)
    if searched is None:
        return None
    return Edited(tuple(rows), entries, tuple(outputs), warnings, tuple(searched))


def index_only(last: LastBuild, cache: Cache) -> Edited | None:
    """No edit at all since a build that left the search index for later: only the index's
    bundles are to be made (``apply_edits`` makes those whose pages changed)."""
    searched = _stored(cache, "search", list)
    if searched is None:
        return None
    return Edited((), {}, (), last.result.warnings, tuple(searched))


def apply_edits(
    edited: Edited,
    last: LastBuild,
    cache: Cache,
    config: SiteConfig,
    *,
    out: Path,
    inputs: str,
    source_dirs: list[Path],
    jobs: int,
    search_later: bool = False,
    stop: threading.Event | None = None,
) -> BuildResult:
    """Render and write the pages of edited documents; everything else stays as it is."""
    cache.save({}, edited.rows, ())
    outputs = edited.outputs
    documents = {key: entry.document for key, entry in edited.entries.items()}
    files = render_outputs(outputs, documents.__getitem__, config, last.site_key, jobs, _quiet)
    keys = {output.path: output.key(last.site_key) for output in outputs}
    every = {**{path: record.key for path, record in last.outputs.items()}, **keys}
    search = SearchIndex(out, edited.searched, every, last.outputs, None, jobs, search_later, stop)
    # the output is as the last build left it (edited_documents checked): the bundles of the
    # index whose pages changed are made anew, the others kept
    files = search.with_index(files)
    report = write_site(out, files, {}, search.stale(), config.root, source_dirs, stop)
    keys |= search.made
    records = {p: r for p, r in last.outputs.items() if p not in report.removed}
    for path, stat in report.stats.items():
        key = keys.get(path) or records[path].key  # the marker keeps its record's key
        records[path] = OutputRecord(key, *stat)
    written = len(report.written)
    result = replace(
        last.result,
        warnings=edited.warnings,
        written=written,
        unchanged=len(records) - 1 - written,
        removed=len(report.removed),
        changed=(*report.written, *report.removed),
    )
    window = (date.fromisoformat(last.holds_from), date.fromisoformat(last.holds_until))
    save_state(cache, out, inputs, window, result, records, last.outputs, last.site_key)
    return result


def _quiet(done: int) -> None:
    """No progress to report: a handful of pages."""


def _outputs(
    entries: Mapping[str, Entry],
    records: Mapping[str, CachedSource],
    cache: Cache,
    today: date,
    drafts: bool,
) -> list[Output] | None:
    """The pages of the edited, published documents, planned as a full build plans them."""
    by_slug = {(r.kind, r.slug): shown for shown, r in records.items()}
    page_cards = [
        decode_entry(cache.entry(shown)).card for shown, r in records.items() if r.kind == "page"
    ]
    nav = navigation(tuple(live_pages([c for c in page_cards if isinstance(c, PageCard)], drafts)))
    related = _related_slugs(cache)
    pagers = _stored(cache, "pager", dict)
    outputs = []
    for key, entry in entries.items():
        card = entry.card
        digests = {key: entry.digest, f"card:{card.slug}": entry.card_digest}
        if isinstance(card, PageCard):
            if drafts or not card.draft:
                outputs.append(page_output(card, nav, digests))
            continue
        if not is_published(entry.article.published, card.draft, today, drafts):
            continue
        if related is None or card.slug not in related or pagers is None:
            return None

        def article_card(slug: str) -> ArticleCard | None:
            card = decode_entry(cache.entry(by_slug[("article", slug)])).card
            return card if isinstance(card, ArticleCard) else None

        before, after = pagers.get(card.slug, ("", ""))
        if any(("article", s) not in by_slug for s in (*related[card.slug], before, after) if s):
            return None
        linked = tuple(c for slug in related[card.slug] if (c := article_card(slug)))
        around = (article_card(before) if before else None, article_card(after) if after else None)
        outputs.append(article_output(entry.article, linked, nav, digests, around=around))
    return outputs


def _related_slugs(cache: Cache) -> dict[str, list[str]] | None:
    """The related articles the last build chose, by slug."""
    stored = cache.meta("related")
    try:
        related = json.loads(stored.split("\n", 1)[1])
    except (IndexError, ValueError):
        return None
    return related if isinstance(related, dict) else None


def _stored(cache: Cache, key: str, kind: type[T]) -> T | None:
    """A list or mapping the last full build stored as JSON, or None."""
    try:
        stored = json.loads(cache.meta(key))
    except ValueError:
        return None
    return stored if isinstance(stored, kind) else None


def _judged_differently(entry: Entry, stored: str) -> bool:
    """Whether site-wide rules could judge the edited file, or files linking to it, anew:
    its links, ids, links to other files or overrides changed."""
    try:
        old = decode_entry(stored)
    except codec.DecodeError:
        return True
    # links to other files need the full plan to be resolved (their targets are in the card)
    changed = (old.links_digest, old.overrides) != (entry.links_digest, entry.overrides)
    return changed or bool(entry.card.md_links)


def _warnings(
    last: BuildResult,
    processed: Sequence[Entry],
    config: SiteConfig,
    today: date,
    drafts: bool,
    strict: bool,
) -> tuple[Problem, ...] | None:
    """The last build's warnings, with those of the files read again judged anew (their
    link findings stay: their links and ids are unchanged); None when a finding stops
    the build."""
    redone = {e.shown for e in processed}
    kept = [w for w in last.warnings if w.path not in redone or w.rule in LINK_RULES]
    live = [
        e
        for e in processed
        if (e.kind == "page" and (drafts or not e.card.draft))
        or (e.kind == "article" and is_published(e.article.published, e.card.draft, today, drafts))
    ]
    articles = [e for e in live if e.kind == "article"]
    new = [w for e in live for w in e.findings] + review_findings(
        ((e.shown, e.review_line, e.article.next_review) for e in articles), today
    )
    from b12site.verdict import judge  # the rules: imported only when judging

    verdict = judge(new, config.rules, {e.shown: e.overrides for e in live})
    if verdict.blocking(strict):
        return None
    return tuple(sorted([*kept, *verdict.findings], key=lambda p: p.sort_key))
