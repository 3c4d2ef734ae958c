"""URL, slug and path rules: pretty URLs, base-URL subpaths, and writes that stay inside."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from b12site.dates import add_months, build_date
from b12site.errors import ConfigError, WriteError
from b12site.names import SLUG_RE
from b12site.writer import safe_join

SLUGS = [
    ("b12-and-metformin", True),
    ("a", True),
    ("b12", True),
    ("B12", False),
    ("b12--metformin", False),
    ("-b12", False),
    ("b12-", False),
    ("b12 metformin", False),
    ("b12/metformin", False),
    ("..", False),
    ("b12_metformin", False),
    ("vitamín-b12", False),
    ("", False),
]


@pytest.mark.parametrize(("slug", "ok"), SLUGS)
def test_slug_is_a_plain_url_segment(slug: str, ok: bool) -> None:
    assert bool(SLUG_RE.match(slug)) is ok


@pytest.mark.parametrize(
    ("relative", "ok"),
    [
        ("index.html", True),
        ("a/b/index.html", True),
        ("../x", False),
        ("/etc/passwd", False),
        ("a/../../x", False),
        ("", False),
        ("a\\..\\x", False),
    ],
)
def test_safe_join_refuses_paths_outside(tmp_path: Path, relative: str, ok: bool) -> None:
    if ok:
        assert safe_join(tmp_path, relative).is_relative_to(tmp_path)
    else:
        with pytest.raises(WriteError):
            safe_join(tmp_path, relative)


def test_safe_join_refuses_a_symlink_out(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path)
    with pytest.raises(WriteError):
        safe_join(tmp_path / "out", "link/escape.html")


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 2, 29), 36, date(2027, 2, 28)),
        (date(2026, 11, 24), 36, date(2029, 11, 24)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_build_date_honours_source_date_epoch() -> None:
    assert build_date({"SOURCE_DATE_EPOCH": "1700000000"}) == date(2023, 11, 14)
    with pytest.raises(ConfigError):
        build_date({"SOURCE_DATE_EPOCH": "yesterday"})
