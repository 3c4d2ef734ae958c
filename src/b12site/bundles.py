"""Which search bundle each searched page is indexed in: the site's search index is split into
bundles of about ``BUNDLE_PAGES`` pages, so an edit indexes one bundle again, not the site."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

__all__ = ["BUNDLE_PAGES", "SEARCH_DIR", "bundle_dir", "bundle_of", "bundles"]

SEARCH_DIR = "pagefind/"  # every bundle is a folder in it: pagefind/0/, pagefind/1/, …
BUNDLE_PAGES = 1000  # pages per bundle, about: Pagefind indexes one in about 5 s and 600 MB


def bundle_count(pages: int) -> int:
    """How many bundles a site of ``pages`` searched pages has."""
    return max(1, -(-pages // BUNDLE_PAGES))


def bundle_of(path: str, count: int) -> int:
    """The bundle a page is in: fixed by its path, so a page stays in its bundle while the
    number of bundles stays the same."""
    digest = hashlib.blake2b(path.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def bundles(paths: Iterable[str]) -> dict[int, list[str]]:
    """The searched pages of each bundle that has any, in order of bundle and path."""
    pages = sorted(paths)
    count = bundle_count(len(pages))
    found: dict[int, list[str]] = {}
    for path in pages:
        found.setdefault(bundle_of(path, count), []).append(path)
    return dict(sorted(found.items()))


def bundle_dir(bundle: int) -> str:
    """Where a bundle is published, relative to the site."""
    return f"{SEARCH_DIR}{bundle}/"
