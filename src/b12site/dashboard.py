"""The review dashboard that ``b12site check --report DIR`` writes: one HTML page, one JSON file.

Everything here is pure: the statuses and the day in, the files' bytes out (the caller
writes them). The day is always the ``today`` argument, never the clock, so the same
input gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import jinja2

from b12site.errors import Problem
from b12site.formats import finding_dict, plural
from b12site.render import format_date
from b12site.theme import THEME_DIR

__all__ = [
    "DUE_SOON_DAYS",
    "REPORT_VERSION",
    "TEMPLATE",
    "ArticleStatus",
    "report_data",
    "report_files",
    "report_html",
    "review_state",
    "review_text",
    "summary",
    "urgency_order",
]

DUE_SOON_DAYS = 60
REPORT_VERSION = 1
TEMPLATE = "check-report.html"

OVERDUE = "overdue"
DUE_SOON = "due-soon"
NOT_DUE = "not-due"


@dataclass(frozen=True)
class ArticleStatus:
    """One article as the dashboard shows it: who, when reviewed, how readable, what is open."""

    file: str  # the Markdown file, relative to the site folder
    path: str  # the page's site path, such as "b12-for-vegans/"
    title: str
    author: str
    reviewer: str
    last_reviewed: date
    next_review: date
    grade: float | None  # reading grade, None when not measured
    errors: int
    warnings: int
    findings: tuple[Problem, ...]


# ---------- review dates ----------


def days_left(status: ArticleStatus, today: date) -> int:
    """Days until the next review: negative when it is overdue."""
    return (status.next_review - today).days


def review_state(status: ArticleStatus, today: date) -> str:
    """``overdue``, ``due-soon`` (within ``DUE_SOON_DAYS``, today included) or ``not-due``."""
    days = days_left(status, today)
    if days < 0:
        return OVERDUE
    return DUE_SOON if days <= DUE_SOON_DAYS else NOT_DUE


def review_text(days: int) -> str:
    """``Overdue by 3 days``, ``Due today`` or ``Due in 1 day``."""
    if days < 0:
        return f"Overdue by {plural(-days, 'day')}"
    return "Due today" if days == 0 else f"Due in {plural(days, 'day')}"


# ---------- order and totals ----------


def _urgency_key(status: ArticleStatus, today: date) -> tuple[int, int, date, str]:
    """Overdue, errors, due soon, warnings, the rest; within each, the most pressing first."""
    state = review_state(status, today)
    if state == OVERDUE:
        rank, weight = 0, 0  # the earliest next review is the most overdue
    elif status.errors:
        rank, weight = 1, -status.errors
    elif state == DUE_SOON:
        rank, weight = 2, 0
    elif status.warnings:
        rank, weight = 3, -status.warnings
    else:
        rank, weight = 4, 0
    return rank, weight, status.next_review, status.file


def urgency_order(statuses: Sequence[ArticleStatus], today: date) -> list[ArticleStatus]:
    """Overdue reviews (most overdue first), then errors, then reviews due within 60 days,
    then warnings, then the rest by next review."""
    return sorted(statuses, key=lambda s: _urgency_key(s, today))


def summary(
    statuses: Sequence[ArticleStatus], today: date, problems_elsewhere: Sequence[Problem]
) -> dict[str, int]:
    """Counts for the page's header: articles, overdue, due soon, errors and warnings."""
    states = [review_state(s, today) for s in statuses]
    other_errors = sum(1 for p in problems_elsewhere if p.is_error)
    return {
        "articles": len(statuses),
        "overdue": states.count(OVERDUE),
        "due_soon": states.count(DUE_SOON),
        "errors": sum(s.errors for s in statuses) + other_errors,
        "warnings": sum(s.warnings for s in statuses) + len(problems_elsewhere) - other_errors,
    }


# ---------- report.json ----------


def _article_dict(status: ArticleStatus, today: date) -> dict[str, Any]:
    """One article as ``report.json`` lists it."""
    return {
        "file": status.file,
        "path": status.path,
        "title": status.title,
        "author": status.author,
        "reviewer": status.reviewer,
        "last_reviewed": status.last_reviewed.isoformat(),
        "next_review": status.next_review.isoformat(),
        "review_status": review_state(status, today),
        "days_to_review": days_left(status, today),
        "grade": status.grade,
        "errors": status.errors,
        "warnings": status.warnings,
        "findings": [finding_dict(p) for p in status.findings],
    }


def report_data(
    statuses: Sequence[ArticleStatus],
    today: date,
    site_title: str,
    problems_elsewhere: Sequence[Problem],
) -> dict[str, Any]:
    """Everything the dashboard shows, as plain JSON data, articles by urgency."""
    return {
        "version": REPORT_VERSION,
        "site_title": site_title,
        "made": today.isoformat(),
        "due_soon_days": DUE_SOON_DAYS,
        "summary": summary(statuses, today, problems_elsewhere),
        "articles": [_article_dict(s, today) for s in urgency_order(statuses, today)],
        "other_findings": [finding_dict(p) for p in problems_elsewhere],
    }


# ---------- index.html ----------


@cache
def _environment() -> jinja2.Environment:
    """The theme's templates, autoescaped, strict about undefined names."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(THEME_DIR / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date"] = format_date
    env.filters["plural"] = plural
    return env


def _location(problem: Problem) -> str:
    """``line 12, column 3``, ``line 12`` or "" for a finding."""
    if not problem.line:
        return ""
    where = f"line {problem.line}"
    return f"{where}, column {problem.column}" if problem.column else where


def _finding_view(problem: Problem) -> dict[str, Any]:
    """A finding as the template shows it."""
    return {**finding_dict(problem), "where": _location(problem)}


def _grade_text(grade: float | None) -> str:
    """A reading grade to one decimal place, or "" when not measured."""
    return "" if grade is None else f"{grade:.1f}"


def _article_view(status: ArticleStatus, today: date) -> dict[str, Any]:
    """An article's row as the template shows it."""
    return {
        "status": status,
        "state": review_state(status, today),
        "review_text": review_text(days_left(status, today)),
        "grade": _grade_text(status.grade),
        "findings": [_finding_view(p) for p in status.findings],
    }


def _by_file(problems: Sequence[Problem]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Findings grouped by file, files in order of first appearance."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for problem in problems:
        groups.setdefault(problem.path, []).append(_finding_view(problem))
    return list(groups.items())


def report_html(
    statuses: Sequence[ArticleStatus],
    today: date,
    site_title: str,
    problems_elsewhere: Sequence[Problem],
) -> str:
    """The dashboard page: a summary, then a table of articles by urgency."""
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            site_title=site_title,
            today=today,
            due_soon_days=DUE_SOON_DAYS,
            summary=summary(statuses, today, problems_elsewhere),
            rows=[_article_view(s, today) for s in urgency_order(statuses, today)],
            elsewhere=_by_file(problems_elsewhere),
        )
    )


def report_files(
    statuses: Sequence[ArticleStatus],
    today: date,
    site_title: str,
    problems_elsewhere: Sequence[Problem],
) -> dict[str, bytes]:
    """``index.html`` and ``report.json``, as bytes for the caller to write."""
    data = report_data(statuses, today, site_title, problems_elsewhere)
    text = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    html = report_html(statuses, today, site_title, problems_elsewhere)
    return {"index.html": html.encode("utf-8"), "report.json": text.encode("utf-8")}
