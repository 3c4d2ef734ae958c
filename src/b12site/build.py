"""The build pipeline: load settings, read, validate, render, assemble, plan, render, write."""

from __future__ import annotations

import gc
import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date
from functools import partial, wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

from b12site import codec
from b12site.cache import CACHE_DIR, DATABASE, Cache, OutputRecord, open_cache
from b12site.cards import Site
from b12site.dates import build_date
from b12site.edits import Edited, apply_edits, edited_documents, index_only
from b12site.errors import B12Error, BuildStopped, ContentError, Problem
from b12site.keys import content_key, date_window, digest_of, site_key
from b12site.lastbuild import (
    STATIC_KEY,
    BuildResult,
    LastBuild,
    cached_related,
    last_build,
    nothing_changed,
    previous_outputs,
    save_state,
)
from b12site.models import RenderedArticle, RenderedPage, SiteConfig
from b12site.outputs import outdated, prepare, render_outputs
from b12site.plan import pager_slugs, plan_site
from b12site.search import SearchIndex, indexed_pages
from b12site.settings import load_settings
from b12site.site import assemble
from b12site.sources import Loaded, SourceFile, load_entries, scan
from b12site.stage import Entry, digest, process_source
from b12site.static import collect_static
from b12site.theme import THEME_DIR
from b12site.workers import Progress, default_jobs, no_progress
from b12site.writer import (
    MARKER,
    WriteReport,
    check_output,
    output_files,
    recover,
    write_site,
)

__all__ = [
    "BuildResult",
    "Content",
    "build",
    "collecting_less",
    "entry_digests",
    "load_site",
    "prepare_process",
]


@dataclass(frozen=True)
class Content:
    """The assembled site with every rendered document as pages read it (the raw front
    matter and Markdown are left out; ``Source.path`` and field lines remain)."""

    site: Site
    articles: dict[str, RenderedArticle]
    pages: dict[str, RenderedPage]


P = ParamSpec("P")
R = TypeVar("R")


def collecting_less(run: Callable[P, R]) -> Callable[P, R]:
    """Run with Python's cycle collector called less often: a build makes a great many
    long-lived objects and few cycles, and full collections over the site index took a
    fifth of an incremental build's time (the usual thresholds are put back after)."""

    @wraps(run)
    def collecting_less(*args: P.args, **kwargs: P.kwargs) -> R:
        before = gc.get_threshold()
        gc.set_threshold(10_000, 10, 100)
        try:
            return run(*args, **kwargs)
        finally:
            gc.set_threshold(*before)

    return collecting_less


@collecting_less
def build(
    config_path: Path,
    output: Path | None = None,
    drafts: bool = False,
    base_url: str | None = None,
    today: date | None = None,
    *,
    use_cache: bool = True,
    jobs: int | None = None,
    progress: Progress = no_progress,
    strict: bool = False,
    index_search: bool = True,
    stop: threading.Event | None = None,
) -> BuildResult:
    """Bring the output up to date; on any error (with ``strict``, on any warning of a rule
    too) the previous output is left untouched.

    Without ``index_search`` the search index is left as it is, for the next build to bring
    up to date; a ``stop`` set while the index is made ends the build (``BuildStopped``)
    before it changes the output."""
    started = time.perf_counter()
    today, jobs = today or build_date(), jobs or default_jobs()
    cache = open_cache(config_path.parent / CACHE_DIR, use_cache)
    try:
        later = Later(not index_search, stop)
        found = _survey(config_path, output, base_url, drafts, cache, later)
        last = last_build(cache, found.out)
        try:
            done = None
            if not found.problems:  # else a full build reports them with every other problem
                done = nothing_changed(last, found.out, found.inputs, today, found.present)
                if done is not None and strict and (stops := _ruled(done.warnings)):
                    raise ContentError(stops)
                done = done or _edits_only(found, last, cache, today, drafts, jobs, strict)
            if done is None:
                done = _full_build(found, last, cache, today, drafts, jobs, progress, strict)
        except codec.DecodeError as exc:  # stored by another build of b12site, or damaged
            cache.forget(str(exc))  # nothing was written yet: build again from the sources
            found = replace(found, later=Later(False, stop))  # nothing to keep: index it all
            done = _full_build(found, None, cache, today, drafts, jobs, progress, strict)
        return replace(_with_cache_warning(done, cache), seconds=time.perf_counter() - started)
    finally:
        cache.close()


def _ruled(problems: Sequence[Problem]) -> list[Problem]:
    """The findings of rules among problems (a cache warning is none)."""
    return [p for p in problems if p.rule]


def _edits_only(
    found: Survey,
    last: LastBuild | None,
    cache: Cache,
    today: date,
    drafts: bool,
    jobs: int,
    strict: bool,
) -> BuildResult | None:
    """The update when only some documents changed and none changed a card, else None."""
    config = found.config
    edited: Edited | None = None
    if (
        last is not None
        and last.inputs == found.inputs_later
        and not found.later.search
        and last.holds_on(today)
        and last.left_as_is(found.present)
    ):  # the same inputs as a build that left the search index for later
        edited = index_only(last, cache)
    edited = edited or edited_documents(
        last,
        found.sources,
        found.static_keys,
        found.present,
        cache,
        config,
        site_key=found.key,
        made_with=content_key(config),
        today=today,
        drafts=drafts,
        strict=strict,
    )
    if last is None or edited is None:
        return None
    return apply_edits(
        edited,
        last,
        cache,
        config,
        out=found.out,
        inputs=found.inputs,
        source_dirs=_source_dirs(config),
        jobs=jobs,
        search_later=found.later.search,
        stop=found.later.stop,
    )


@dataclass(frozen=True)
class Later:
    """What a build leaves for later: the search index (``search``), and whether it is to
    stop before it changes the output (``stop``, when set)."""

    search: bool = False
    stop: threading.Event | None = None


@dataclass(frozen=True)
class Survey:
    """What a build starts from: settings, sources, static files and the output as it is."""

    config: SiteConfig
    out: Path
    sources: list[SourceFile]
    problems: list[Problem]  # content that cannot be read at all (links, unportable names)
    static: dict[str, Path]
    static_keys: dict[str, str]  # each static file's source and stat
    present: dict[str, tuple[int, int]]  # every file in the output now
    key: str  # settings, templates, version and drafts
    inputs: str  # all of the above that decides the output, as one digest
    inputs_later: str  # the same for a build that leaves the search index for later
    later: Later = Later()


def _survey(
    config_path: Path,
    output: Path | None,
    base_url: str | None,
    drafts: bool,
    cache: Cache,
    later: Later,
) -> Survey:
    """Load the settings, check the output folder, and list every input and output file."""
    config = load_settings(config_path, base_url, cache)
    out = check_output(output or config.root / "_site", config.root, _source_dirs(config))
    recover(out)  # finish an update that an earlier build committed but did not complete
    with ThreadPoolExecutor(1) as walker:  # both walks wait on the disk: overlap them
        walking = walker.submit(output_files, out)
        scanned = scan(config.content_dir, config.root)
        present = walking.result()
    sources = scanned.sources
    static = collect_static([THEME_DIR / "static", config.static_dir])
    static_keys = {rel: f"{STATIC_KEY}{path}:{_stat_text(path)}" for rel, path in static.items()}
    key = site_key(config, drafts)
    parts = (
        key,
        str(out),
        *(f"{s.shown}:{s.size}:{s.mtime_ns}" for s in sources),
        *static_keys.values(),
    )
    inputs_later = digest_of(*parts, "search later")  # the next build that indexes goes on
    inputs = inputs_later if later.search else digest_of(*parts, "")
    return Survey(
        config,
        out,
        sources,
        scanned.problems,
        static,
        static_keys,
        present,
        key,
        inputs,
        inputs_later,
        later,
    )


def _full_build(
    found: Survey,
    last: LastBuild | None,
    cache: Cache,
    today: date,
    drafts: bool,
    jobs: int,
    progress: Progress,
    strict: bool,
) -> BuildResult:
    """Read what changed, assemble, plan and judge the site, render and write what changed."""
    config, out = found.config, found.out
    loaded = _load(found.sources, config, today, cache, jobs, progress)
    site = _assembled(
        [*found.problems, *loaded.problems],
        partial(assemble, config, loaded.entries, today, drafts, partial(cached_related, cache)),
    )
    _stop_if_asked(found)
    plan = plan_site(site, entry_digests(loaded.entries))
    cache.remember({"pager": json.dumps(pager_slugs(site), sort_keys=True)})  # for edits
    from b12site.verdict import site_verdict  # the rules: imported only when judging

    verdict = site_verdict(site, loaded.entries, [*(o.path for o in plan), *found.static])
    if stops := verdict.blocking(strict):
        raise ContentError(list(stops), [p for p in verdict.findings if p not in stops])
    _stop_if_asked(found)
    previous = previous_outputs(last, found.present)
    todo, keys, kept = outdated(plan, found.key, previous, found.present.get)
    documents = partial(_document, {e.key: e for e in loaded.entries}, cache, config, today)
    files = render_outputs(
        todo,
        documents,
        config,
        found.key,
        jobs,
        progress("Rendering", len(todo)),
    )
    pages = indexed_pages(plan)
    cache.remember({"search": json.dumps(pages)})  # the pages an edit's new index reads
    search = SearchIndex(
        out, pages, keys, previous, found.present, jobs, found.later.search, found.later.stop
    )
    report, records = _write(found, files, keys, kept, previous, search)
    result = BuildResult(
        out,
        len(site.articles),
        len(site.pages),
        len(site.topics),
        verdict.findings,
        len(report.written),
        len(records) - 1 - len(report.written),
        len(report.removed),
        0.0,
        (*report.written, *report.removed),
    )
    undated = not site.articles and not any(p.updated for p in site.pages)
    window = date_window(loaded.entries, today, undated)
    save_state(cache, out, found.inputs, window, result, records, previous, found.key)
    return result


def prepare_process(config_path: Path, base_url: str | None, drafts: bool) -> None:
    """Ready this process to rebuild at once: its renderer made and its templates compiled,
    and one content file read, so that Markdown and validation are set up (a full build does
    both in worker processes). Problems are left to the next build to report."""
    config = load_settings(config_path, base_url, open_cache(Path(), enabled=False))
    prepare(config, site_key(config, drafts))
    found = scan(config.content_dir, config.root).sources
    if found:
        first = min(found, key=lambda source: source.size)
        with suppress(B12Error):
            process_source(first.path, first.kind, config, build_date())


def _stop_if_asked(found: Survey) -> None:
    """End the build here if it was asked to stop (it has not changed the output yet)."""
    if found.later.stop is not None and found.later.stop.is_set():
        raise BuildStopped()


def load_site(
    config_path: Path, base_url: str | None = None, drafts: bool = False, today: date | None = None
) -> Content:
    """Every stage up to the assembled site with its documents, writing nothing, no cache."""
    today = today or build_date()
    config = load_settings(config_path, base_url, open_cache(Path(), enabled=False))
    scanned = scan(config.content_dir, config.root)
    loaded = load_entries(
        scanned.sources,
        config,
        today,
        {},
        content_key(config),
        1,
        lambda done: None,
    )
    site = _assembled(
        [*scanned.problems, *loaded.problems],
        partial(assemble, config, loaded.entries, today, drafts),
    )
    articles = {
        e.card.slug: codec.loads(RenderedArticle, e.document)
        for e in loaded.entries
        if e.kind == "article"
    }
    pages = {
        e.card.slug: codec.loads(RenderedPage, e.document)
        for e in loaded.entries
        if e.kind == "page"
    }
    return Content(site, articles, pages)


def _assembled(problems: list[Problem], assemble_site: Callable[[], Site]) -> Site:
    """The site index; or every problem at once: the files' own, and the site's (such as
    two files with one URL) among the files that are valid."""
    try:
        site = assemble_site()
    except ContentError as exc:
        problems = [*problems, *exc.problems]
    if problems:
        raise ContentError(problems)
    return site


def _load(
    sources: Sequence[SourceFile],
    config: SiteConfig,
    today: date,
    cache: Cache,
    jobs: int,
    progress: Progress,
) -> Loaded:
    """Entries for every valid source, and the problems of the others; the cache learns the
    valid ones even when others fail."""
    cached = cache.sources()
    todo = sum(1 for s in sources if s.shown not in cached)
    gone = set(cached) - {s.shown for s in sources}
    cache.save({}, (), gone)
    store = (lambda rows: cache.save({}, rows, ())) if cache.enabled else None
    loaded = load_entries(
        sources, config, today, cached, content_key(config), jobs, progress("Reading", todo), store
    )
    cache.save({}, loaded.changed, ())
    return loaded


def _write(
    found: Survey,
    files: Iterable[tuple[str, bytes]],
    keys: dict[str, str],
    kept: dict[str, tuple[int, int]],
    previous: dict[str, OutputRecord],
    search: SearchIndex,
) -> tuple[WriteReport, dict[str, OutputRecord]]:
    """Write what changed (with the search index made anew when a searched page changed) and
    remove what is no longer planned; the new output records."""
    out, present, static, static_keys = found.out, found.present, found.static, found.static_keys
    kept = {**kept, **{path: stat for path, (_, stat) in search.kept.items() if stat}}
    keys = {**keys, **{path: key for path, (key, _) in search.kept.items()}}
    files = search.with_index(files)  # the bundles of the index whose pages changed
    changed_static = {
        rel: path
        for rel, path in static.items()
        if rel not in previous
        or previous[rel].key != static_keys[rel]
        or present.get(rel) != (previous[rel].size, previous[rel].mtime_ns)
    }
    made = keys.keys() | static.keys()
    stale = [p for p in present if p not in made and p != MARKER]
    config = found.config
    report = write_site(
        out, files, changed_static, stale, config.root, _source_dirs(config), found.later.stop
    )
    keys = {**keys, **search.made}
    stats = {**kept, **{rel: present.get(rel) for rel in static}, **report.stats}
    records = {
        path: OutputRecord(k, *stat)
        for path, k in {**keys, **static_keys, MARKER: MARKER}.items()
        if (stat := stats.get(path)) is not None
    }
    return report, records


def _with_cache_warning(result: BuildResult, cache: Cache) -> BuildResult:
    """The result with the cache's warning, if any (reported once, never stored)."""
    if not cache.warning:
        return result
    problem = Problem(f"{CACHE_DIR}/{DATABASE}", None, "", cache.warning)
    return replace(result, warnings=(*result.warnings, problem))


def entry_digests(entries: Iterable[Entry]) -> dict[str, str]:
    """The digests the plan keys outputs by: each document's, and each card's."""
    found = {}
    for entry in entries:
        found[entry.key], found[f"card:{entry.card.slug}"] = entry.digest, entry.card_digest
    return found


def _document(
    entries: dict[str, Entry], cache: Cache, config: SiteConfig, today: date, key: str
) -> str:
    """A rendered document as JSON: made this build, else from the cache, else made again."""
    entry = entries[key]
    text = entry.document or cache.document(entry.shown)
    if digest(text) != entry.digest:  # lost or damaged in the cache: never trusted
        text = process_source(config.root / entry.shown, entry.kind, config, today).document
    return text


def _stat_text(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def _source_dirs(config: SiteConfig) -> list[Path]:
    return [config.content_dir, config.templates_dir, config.static_dir]
