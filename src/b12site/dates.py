"""Calendar helpers and the build date (honouring ``SOURCE_DATE_EPOCH``)."""

from __future__ import annotations

import calendar
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime

from b12site.errors import ConfigError, Problem

__all__ = ["add_months", "build_date"]


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def build_date(environ: Mapping[str, str] | None = None) -> date:
    """Today in UTC, or the day of ``SOURCE_DATE_EPOCH`` when it is set."""
    env = os.environ if environ is None else environ
    epoch = env.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC).date()
        except (ValueError, OverflowError, OSError) as exc:
            raise ConfigError(
                [Problem("SOURCE_DATE_EPOCH", None, "", f"'{epoch}' is not a Unix timestamp")]
            ) from exc
    return datetime.now(tz=UTC).date()
