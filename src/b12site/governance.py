"""Review governance: medical reviews that are overdue or fall due soon."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from b12site.errors import ERROR, WARNING, Problem
from b12site.findings import Rule

__all__ = ["DUE_SOON_DAYS", "REVIEW_DUE_SOON", "REVIEW_OVERDUE", "review_findings"]

DUE_SOON_DAYS = 60
REVIEW_OVERDUE = Rule(
    "review-overdue",
    ERROR,
    "The article's next medical review date has passed",
    "review",
)
REVIEW_DUE_SOON = Rule(
    "review-due-soon",
    WARNING,
    f"The article's next medical review falls due within {DUE_SOON_DAYS} days",
    "review",
)


def review_findings(articles: Iterable[tuple[str, int | None, date]], today: date) -> list[Problem]:
    """A finding for every published article, given as (file, line of ``last_reviewed``,
    next review), whose review is overdue or due soon."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    found = []
    for shown, line, due in articles:
        if due < today:
            rule, message = REVIEW_OVERDUE, f"review overdue since {due}"
        elif due <= soon:
            days = (due - today).days
            when = "today" if days == 0 else f"in {days} day{'' if days == 1 else 's'}"
            rule, message = REVIEW_DUE_SOON, f"review due on {due}, {when}"
        else:
            continue
        found.append(Problem(shown, line, "last_reviewed", message, rule.id, rule.severity))
    return found
