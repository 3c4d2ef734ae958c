"""Names that are safe as a URL segment, a file and a folder on every system."""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "RESERVED_PATHS",
    "SLUG_MAX",
    "SLUG_RE",
    "WINDOWS_RESERVED",
    "file_name_problem",
    "folded",
    "slug_problem",
]

# \Z, not $: "$" also matches before a final newline, which would end up in a folder name
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
SLUG_MAX = 120  # characters: far under any file system's name limit, and a URL still readable
# names Windows refuses for a file or folder, with or without an extension
WINDOWS_RESERVED = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{n}" for n in range(1, 10)),
        *(f"lpt{n}" for n in range(1, 10)),
    }
)


def slug_problem(value: str, origin: str = "") -> str:
    """Why a value is not a plain URL segment, or an empty string when it is one."""
    if len(value) > SLUG_MAX:
        return f"'{value[:40]}…'{origin} is longer than {SLUG_MAX} characters: shorten it"
    if not SLUG_RE.match(value):
        shown = value.encode("unicode_escape").decode("ascii") if not value.isprintable() else value
        return (
            f"'{shown}'{origin} is not a plain URL segment: use lowercase letters, digits and "
            "single hyphens, like 'b12-and-metformin'"
        )
    if value in WINDOWS_RESERVED:
        return f"'{value}'{origin} is a name Windows reserves for a device: choose another"
    return ""


_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*\\]')


def file_name_problem(name: str) -> str:
    """Why a file or folder name cannot be checked out everywhere, or an empty string."""
    stem = name.split(".", 1)[0].lower()
    if stem in WINDOWS_RESERVED:
        return (
            f"'{name}' is a name Windows reserves for a device, so it cannot be checked out there"
        )
    if _WINDOWS_FORBIDDEN.search(name) or name.endswith((" ", ".")):
        return f"'{name}' holds characters Windows does not allow in file names"
    return ""


def folded(name: str) -> str:
    """A name as case-insensitive file systems (Windows, macOS) compare it."""
    return unicodedata.normalize("NFC", name).casefold()


# the site's own pages: no source file may take their URL
RESERVED_PATHS = frozenset(
    {
        "topics",
        "a-z",
        "static",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "index.html",
        "search",
    }
)
