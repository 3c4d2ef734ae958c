"""The rule set: ids, overrides with reasons, review dates, and build and check agreeing."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from b12site.build import build
from b12site.checking import check_site
from b12site.errors import ContentError, Problem
from b12site.models import Override
from b12site.rules import RULES, rule_table
from b12site.verdict import judge

from .conftest import BODY, SiteMaker, article_text, front_matter

TODAY = date(2026, 11, 24)


def test_rule_ids_are_unique_kebab_case_and_described_in_one_line() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", rule.id)
        assert rule.severity in ("error", "warning")
        assert "\n" not in rule.description and rule.description[0].isupper()
        assert not (rule.fixed and rule.severity == "warning")


def test_the_validity_rules_are_those_that_cannot_be_turned_off() -> None:
    from b12site.findings import VALIDITY_RULES

    assert {rule.id for rule in RULES if rule.fixed} == VALIDITY_RULES


def test_the_readme_lists_every_rule_as_the_code_has_it() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    assert rule_table() in readme


def _warning(path: str, rule: str) -> Problem:
    return Problem(path, 3, "body", "something", rule, "warning")


def test_a_files_override_comes_before_the_sites_and_fixed_rules_stay() -> None:
    site = [Override("heading-skip", "error", "we never skip", "site.yaml", 4)]
    own = {"content/a.md": [Override("heading-skip", "off", "a sidebar", "content/a.md", 9)]}
    fixed = Problem("content/b.md", 2, "title", "required", "front-matter", "error")
    verdict = judge(
        [_warning("content/a.md", "heading-skip"), _warning("content/b.md", "heading-skip"), fixed],
        site,
        own,
    )
    assert [(p.path, p.rule, p.severity) for p in verdict.findings] == [
        ("content/b.md", "front-matter", "error"),
        ("content/b.md", "heading-skip", "error"),  # re-graded by the site
    ]
    assert [p.path for p in verdict.suppressed] == ["content/a.md"]
    assert verdict.overrides == (site[0], own["content/a.md"][0])


def test_overrides_of_unknown_or_fixed_rules_are_errors_in_the_file_that_gives_them() -> None:
    given = [
        Override("heading-skp", "off", "typo", "site.yaml", 5),
        Override("unknown-citation", "off", "we know better", "content/a.md", 7),
    ]
    verdict = judge([], given[:1], {"content/a.md": given[1:]})
    assert [str(p) for p in verdict.findings] == [
        "content/a.md:7: rules.unknown-citation: 'unknown-citation' keeps content valid: it "
        "cannot be turned off or re-graded",
        "site.yaml:5: rules.heading-skp: unknown rule 'heading-skp' (did you mean 'heading-skip'?)",
    ]
    assert verdict.blocking(strict=False) == verdict.findings


def test_an_override_needs_a_reason(make_site: SiteMaker) -> None:
    rules = {"heading-skip": {"severity": "off"}}
    root = make_site({"a.md": article_text(front_matter(rules=rules))})
    with pytest.raises(ContentError) as caught:
        build(root / "site.yaml", root / "_site", today=TODAY)
    assert [p.field for p in caught.value.problems] == ["rules.heading-skip.reason"]


def test_an_articles_override_turns_its_finding_off_in_build_and_check(
    make_site: SiteMaker,
) -> None:
    body = BODY + "\n#### A sidebar\n\nNote.\n"
    reason = "the sidebar heading is a design choice"
    rules = {"heading-skip": {"severity": "off", "reason": reason}}
    root = make_site(
        {
            "a.md": article_text(front_matter(rules=rules), body),
            "b.md": article_text(front_matter(title="B"), body),
        }
    )
    result = build(root / "site.yaml", root / "_site", today=TODAY)
    assert [(p.path, p.rule) for p in result.warnings] == [("content/b.md", "heading-skip")]
    checked = check_site(root / "site.yaml", today=TODAY)
    assert checked.verdict.findings == result.warnings  # build and check agree
    off = [(p.path, p.rule) for p in checked.verdict.suppressed if p.rule == "heading-skip"]
    assert off == [("content/a.md", "heading-skip")]
    assert [o.reason for o in checked.verdict.overrides if o.path == "content/a.md"] == [reason]


@pytest.mark.parametrize(
    ("days", "rule"),
    [(-1, "review-overdue"), (0, "review-due-soon"), (60, "review-due-soon"), (61, None)],
)
def test_review_dates(make_site: SiteMaker, days: int, rule: str | None) -> None:
    due = TODAY + timedelta(days=days)
    root = make_site({"a.md": article_text(front_matter(next_review=due))})
    checked = check_site(root / "site.yaml", today=TODAY)
    assert [p.rule for p in checked.verdict.findings] == ([rule] if rule else [])


def test_a_rebuild_after_edits_reports_what_a_cold_build_reports(make_site: SiteMaker) -> None:
    root = make_site(
        {
            "a.md": article_text(front_matter(), BODY),
            "b.md": article_text(front_matter(title="B"), BODY),
        }
    )
    build(root / "site.yaml", root / "_site", today=TODAY)
    page = root / "content" / "a.md"
    page.write_text(page.read_text("utf-8") + "\nAbout 30% of adults have it.\n", "utf-8")
    warm = build(root / "site.yaml", root / "_site", today=TODAY)
    cold = build(root / "site.yaml", root / "cold", today=TODAY, use_cache=False)
    assert [p.rule for p in warm.warnings] == ["uncited-statistic"]
    assert warm.warnings == cold.warnings
    page.write_text(page.read_text("utf-8").replace("30% of", "many"), "utf-8")
    assert build(root / "site.yaml", root / "_site", today=TODAY).warnings == ()
