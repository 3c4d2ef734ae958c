"""``b12site check``: the build's stages up to the page plan, in memory, and every rule."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from b12site.build import collecting_less, entry_digests
from b12site.cache import CACHE_DIR, open_cache
from b12site.cards import ArticleCard, Site
from b12site.config import load_config
from b12site.dashboard import ArticleStatus
from b12site.dates import build_date
from b12site.errors import Problem
from b12site.external import ExternalSettings, LinkUse, check_external
from b12site.keys import content_key
from b12site.models import SiteConfig
from b12site.plan import plan_site
from b12site.site import assemble, url_clashes
from b12site.sources import load_entries, scan
from b12site.stage import Entry
from b12site.static import collect_static
from b12site.theme import THEME_DIR
from b12site.verdict import Verdict, site_verdict
from b12site.workers import Progress, default_jobs, no_progress

__all__ = ["EXTERNAL_CACHE", "CheckResult", "check_site", "report_statuses"]

EXTERNAL_CACHE = "external-links.json"  # in .b12site-cache/, the only file check may write


@dataclass(frozen=True)
class CheckResult:
    """What ``check`` found: the verdict, and what the review dashboard lists."""

    config: SiteConfig
    verdict: Verdict
    files: int  # content files checked
    site: Site  # of the files that could be read
    entries: tuple[Entry, ...]  # the valid files'
    today: date


@collecting_less
def check_site(
    config_path: Path,
    base_url: str | None = None,
    drafts: bool = False,
    today: date | None = None,
    *,
    jobs: int | None = None,
    external: ExternalSettings | None = None,
    progress: Progress = no_progress,
) -> CheckResult:
    """Load, validate, render, assemble and plan the site as a build does, reading the build
    cache but writing nothing, and judge every finding of every file at once."""
    today, jobs = today or build_date(), jobs or default_jobs()
    config = load_config(config_path, base_url)  # nothing can be judged without it
    scanned = scan(config.content_dir, config.root)
    cache = open_cache(config.root / CACHE_DIR, read_only=True)
    try:
        cached = cache.sources() if cache.enabled else {}
        loaded = load_entries(
            scanned.sources,
            config,
            today,
            cached,
            content_key(config),
            jobs,
            progress("Reading", sum(1 for s in scanned.sources if s.shown not in cached)),
        )
    finally:
        cache.close()
    invalid = [*scanned.problems, *loaded.problems]
    clashes = url_clashes(loaded.entries)  # reported; the files that clash are left out
    clashing = {p.path for p in clashes}
    entries = [e for e in loaded.entries if e.shown not in clashing]
    site = assemble(config, entries, today, drafts)
    plan = plan_site(site, entry_digests(entries))
    static = collect_static([THEME_DIR / "static", config.static_dir])
    more = [*invalid, *clashes]
    if external is not None:
        cache_file = config.root / CACHE_DIR / EXTERNAL_CACHE
        found = check_external(_external_uses(site, entries), cache_file, external, time.time())
        site_file = config.config_path.name  # what a finding of no one file is told of
        more += [p if p.path else replace(p, path=site_file) for p in found]
    unreadable = {p.path for p in invalid} | clashing
    verdict = site_verdict(
        site, entries, [*(o.path for o in plan), *static], more, sorted(unreadable)
    )
    files = len(scanned.sources) + sum(1 for p in scanned.problems if p.path.endswith(".md"))
    return CheckResult(config, verdict, files, site, tuple(entries), today)


def _external_uses(site: Site, entries: Sequence[Entry]) -> list[LinkUse]:
    """Every use of a link to another site in the published files."""
    uses = []
    for entry in entries:
        if entry.shown not in site.sources:
            continue
        for link in entry.links:
            href = link.href
            if href.startswith(("http://", "https://")) and not href.startswith(
                site.config.base_url
            ):
                uses.append(LinkUse(href, entry.shown, link.line, link.column, link.field))
    return uses


def article_cards(result: CheckResult) -> list[tuple[Entry, ArticleCard]]:
    """The published articles with their entries, for the review dashboard."""
    return [
        (e, e.article)
        for e in result.entries
        if e.kind == "article" and e.shown in result.site.sources
    ]


def report_statuses(result: CheckResult) -> tuple[list[ArticleStatus], list[Problem]]:
    """Every published article's review status and findings, and the findings of other
    files (pages, site.yaml, files that could not be read), for the review dashboard."""
    by_file: dict[str, list[Problem]] = {}
    for problem in result.verdict.findings:
        by_file.setdefault(problem.path, []).append(problem)
    statuses = []
    for entry, card in article_cards(result):
        found = tuple(by_file.pop(entry.shown, ()))
        statuses.append(
            ArticleStatus(
                file=entry.shown,
                path=card.path,
                title=card.title,
                author=card.author_name,
                reviewer=card.reviewer_name,
                last_reviewed=card.last_reviewed,
                next_review=card.next_review,
                grade=entry.grade,
                errors=sum(1 for p in found if p.is_error),
                warnings=sum(1 for p in found if not p.is_error),
                findings=found,
            )
        )
    elsewhere = [p for problems in by_file.values() for p in problems]
    return statuses, sorted(elsewhere, key=lambda p: p.sort_key)
