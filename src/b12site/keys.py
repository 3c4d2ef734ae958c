"""What a build's outputs depend on, as digests: settings, templates, static files, dates."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, timedelta

import b12site
from b12site import codec
from b12site.governance import DUE_SOON_DAYS
from b12site.models import SiteConfig
from b12site.stage import Entry
from b12site.theme import template_files

__all__ = ["content_key", "date_window", "digest_of", "site_key", "version"]


_NEAR = timedelta(days=DUE_SOON_DAYS)


def version() -> str:
    """The running b12site version (read at call time, so a new version is noticed)."""
    return b12site.__version__


def digest_of(*parts: str | bytes) -> str:
    """One digest of several texts, each length-prefixed so no two lists collide."""
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hasher.update(f"{len(data)}:".encode())
        hasher.update(data)
    return hasher.hexdigest()


def content_key(config: SiteConfig) -> str:
    """Everything besides a file's own text that its entry is made from."""
    settings = (
        config.root,
        config.people,
        config.topics,
        config.disclaimer,
        config.review_cycle_months,
        config.words_per_minute,
        config.readability,
        config.care_cards,
    )
    return digest_of("content", version(), codec.dumps(settings))


def site_key(config: SiteConfig, drafts: bool) -> str:
    """Everything every output depends on: settings, every template, the b12site version."""
    files = template_files(config.templates_dir)
    templates = [name.encode() + b"\0" + path.read_bytes() for name, path in files]
    return digest_of("site", version(), codec.dumps(config), str(drafts), *templates)


def date_window(entries: Sequence[Entry], today: date, dated_by_today: bool) -> tuple[date, date]:
    """The days on which a build gives the same output and findings as on ``today``: from
    today until the next day an article comes out, or a review falls due or comes near."""
    ahead = [date.max]
    for entry in entries:
        if entry.kind == "article":
            card = entry.article
            due = card.next_review
            overdue = due + timedelta(days=1) if due < date.max else None
            near = due - timedelta(days=DUE_SOON_DAYS) if due > date.min + _NEAR else None
            ahead += [d for d in (card.published, overdue, near) if d is not None and d > today]
    if dated_by_today:  # the feed of a site with nothing dated shows the build date
        ahead.append(today + timedelta(days=1))
    return today, min(ahead)
