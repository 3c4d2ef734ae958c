"""The review dashboard of ``b12site check --report``: order by urgency, safe HTML, same bytes."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, timedelta

import html5lib
import pytest

from b12site.dashboard import (
    TEMPLATE,
    ArticleStatus,
    report_files,
    review_state,
    review_text,
    urgency_order,
)
from b12site.errors import Problem
from b12site.theme import THEME_DIR

TODAY = date(2026, 11, 24)
HOSTILE = '<script>alert("x")</script>'


def status(
    name: str,
    next_review: int,
    errors: int = 0,
    warnings: int = 0,
    grade: float | None = 8.0,
    title: str = "",
) -> ArticleStatus:
    """An article ``name`` whose next review is ``next_review`` days from TODAY."""
    findings = tuple(
        Problem(f"content/{name}.md", n + 1, "body", f"finding {n}", "some-rule", severity)
        for n, severity in enumerate(["error"] * errors + ["warning"] * warnings)
    )
    return ArticleStatus(
        file=f"content/{name}.md",
        path=f"{name}/",
        title=title or name.replace("-", " ").capitalize(),
        author="Ann Author",
        reviewer="Dr Rex Reviewer",
        last_reviewed=TODAY - timedelta(days=300),
        next_review=TODAY + timedelta(days=next_review),
        grade=grade,
        errors=errors,
        warnings=warnings,
        findings=findings,
    )


STATUSES = [
    status("calm", 400),
    status("later", 200),
    status("warned", 300, warnings=1),
    status("very-warned", 300, warnings=3),
    status("soon", 30),
    status("today", 0),
    status("sixty", 60),
    status("sixty-one", 61),
    status("broken", 500, errors=1),
    status("very-broken", 500, errors=2, warnings=5),
    status("late", -3, errors=4),
    status("very-late", -100),
    status("broken-and-soon", 10, errors=1),
]
ELSEWHERE = [Problem("site.yaml", 3, "people[0]", "unknown field 'x'", "site-settings", "error")]


def files(statuses: list[ArticleStatus] = STATUSES, today: date = TODAY) -> dict[str, bytes]:
    """The report's files for ``statuses``."""
    return report_files(statuses, today, "B12 Health Notes", ELSEWHERE)


def html(statuses: list[ArticleStatus] = STATUSES) -> str:
    """The report's page as text."""
    return files(statuses)["index.html"].decode("utf-8")


# ---------- order ----------


def test_urgency_order() -> None:
    names = [s.path.removesuffix("/") for s in urgency_order(STATUSES, TODAY)]
    assert names == [
        "very-late",  # overdue, most overdue first
        "late",
        "very-broken",  # errors, most first
        "broken-and-soon",  # then by next review
        "broken",
        "today",  # due within 60 days, soonest first
        "soon",
        "sixty",
        "very-warned",  # warnings, most first
        "warned",
        "sixty-one",  # the rest by next review
        "later",
        "calm",
    ]


def test_urgency_order_does_not_depend_on_the_input_order() -> None:
    assert urgency_order(STATUSES[::-1], TODAY) == urgency_order(STATUSES, TODAY)


@pytest.mark.parametrize(
    ("days", "state", "text"),
    [
        (-2, "overdue", "Overdue by 2 days"),
        (-1, "overdue", "Overdue by 1 day"),
        (0, "due-soon", "Due today"),
        (1, "due-soon", "Due in 1 day"),
        (60, "due-soon", "Due in 60 days"),
        (61, "not-due", "Due in 61 days"),
    ],
)
def test_review_state_and_text(days: int, state: str, text: str) -> None:
    assert review_state(status("x", days), TODAY) == state
    assert review_text(days) == text


# ---------- files ----------


def test_report_files_are_the_page_and_the_data() -> None:
    assert sorted(files()) == ["index.html", "report.json"]


def test_report_files_are_deterministic() -> None:
    first = files()
    assert files() == first
    assert files(STATUSES[::-1]) == first


def test_report_depends_on_the_day_given() -> None:
    later = files(today=TODAY + timedelta(days=1))
    assert later["index.html"] != files()["index.html"]
    assert json.loads(later["report.json"])["made"] == "2026-11-25"


def test_report_json() -> None:
    data = json.loads(files()["report.json"])
    assert data["version"] == 1
    assert data["made"] == "2026-11-24"
    assert data["site_title"] == "B12 Health Notes"
    assert data["summary"] == {
        "articles": 13,
        "overdue": 2,
        "due_soon": 4,
        "errors": 8 + 1,
        "warnings": 9,
    }
    assert [a["file"] for a in data["articles"]] == [s.file for s in urgency_order(STATUSES, TODAY)]
    late = data["articles"][1]
    assert late["last_reviewed"] == "2026-01-28"
    assert late["next_review"] == "2026-11-21"
    assert (late["review_status"], late["days_to_review"]) == ("overdue", -3)
    assert late["findings"][0] == {
        "rule": "some-rule",
        "severity": "error",
        "file": "content/late.md",
        "line": 1,
        "column": None,
        "field": "body",
        "message": "finding 0",
    }
    assert data["other_findings"][0]["file"] == "site.yaml"


def test_report_json_is_stable_text() -> None:
    text = files()["report.json"].decode("utf-8")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_report_json_grade_unknown_is_null() -> None:
    data = json.loads(files([status("x", 100, grade=None)])["report.json"])
    assert data["articles"][0]["grade"] is None


# ---------- the page ----------


def test_page_is_well_formed_html5() -> None:
    for statuses in (STATUSES, []):
        page = html(statuses)
        html5lib.HTMLParser(strict=True).parse(page)  # raises on any parse error
        assert page.startswith("<!doctype html>\n<html lang=")
        assert '<meta charset="utf-8">' in page
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
        assert "<title>Review dashboard \N{EN DASH} B12 Health Notes</title>" in page


def test_page_is_self_contained() -> None:
    page = html()
    assert "<style>" in page
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert not re.search(r"\b(src|href)=", page)


def test_page_table_is_accessible() -> None:
    page = html()
    assert '<caption id="articles-caption">' in page
    assert page.count('<th scope="col">') == 7
    assert page.count('<th scope="row">') == len(STATUSES)
    assert page.count("<details") == sum(1 for s in STATUSES if s.findings)


def test_page_rows_follow_urgency() -> None:
    page = html()
    order = [page.index(f"<code>{s.file}</code>") for s in urgency_order(STATUSES, TODAY)]
    assert order == sorted(order)


def test_page_says_review_dates_in_words() -> None:
    page = html()
    assert "Overdue by 100 days" in page
    assert "Due today" in page
    assert "Due in 30 days" in page
    assert '<time datetime="2026-11-24">24 November 2026</time>' in page


def test_page_summary() -> None:
    text = re.sub(r"<[^>]+>", "", html())
    for line in (
        "13 articles",
        "2 reviews overdue",
        "4 reviews due within 60 days",
        "9 errors",
        "9 warnings",
    ):
        assert line in text


def test_page_grades_and_findings() -> None:
    page = html([status("x", 100, errors=1, warnings=1, grade=9.46), status("y", 100, grade=None)])
    assert ">9.5<" in page
    assert "not measured" in page
    assert "<summary>1 error, 1 warning</summary>" in page
    assert "(line 1): finding 0 <code>some-rule</code>" in page
    assert "unknown field &#39;x&#39;" in page  # a finding in another file


def test_page_with_no_articles() -> None:
    page = html([])
    assert "No articles were checked." in page
    assert "<table" not in page


def test_page_escapes_hostile_text() -> None:
    hostile = replace(
        status("x", -5, errors=1),
        title=HOSTILE,
        author=HOSTILE,
        reviewer=HOSTILE,
        path=f'"><{HOSTILE}',
        findings=(Problem(HOSTILE, 1, HOSTILE, HOSTILE, HOSTILE, "error"),),
    )
    page = report_files([hostile], TODAY, HOSTILE, [Problem(HOSTILE, 2, "", HOSTILE)])
    text = page["index.html"].decode("utf-8")
    assert "<script" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in text
    tree = html5lib.parse(text, namespaceHTMLElements=False)
    assert tree.find(".//script") is None
    assert json.loads(page["report.json"])["articles"][0]["title"] == HOSTILE


def test_template_is_a_theme_file_of_its_own() -> None:
    template = (THEME_DIR / "templates" / TEMPLATE).read_text(encoding="utf-8")
    assert "extends" not in template
    assert "<script" not in template
