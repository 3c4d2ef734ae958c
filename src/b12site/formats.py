"""The findings of ``b12site check`` as text for people, JSON, GitHub annotations or SARIF.

Every function is pure: findings in (already sorted by ``Problem.sort_key``, an order that
is kept), the whole output out as a string that ends in a newline (``as_github`` with no
findings returns an empty string).

JSON output (``--format json``)
-------------------------------
One object; keys sorted (shown here in reading order), indented by two spaces, UTF-8 text
kept as it is (no ``\\u`` escapes)::

    {
      "version": 1,                  integer: the version of this layout; bumped on a change
                                     that could break a reader (a new key does not)
      "files_checked": 41,           integer >= 0: files read, with or without findings
      "errors": 3,                   integer >= 0: findings whose severity is "error"
      "warnings": 2,                 integer >= 0: findings whose severity is "warning"
      "findings": [                  array, in the order of the human output (file, line,
        {                            column, field, message, rule)
          "rule": "uncited-statistic",    string: the rule's id ("" for none)
          "severity": "error",            "error" | "warning"
          "file": "content/a.md",         string: the file, relative to the site folder
                                          when it lies inside it
          "line": 12,                     integer >= 1 | null when not known
          "column": 3,                    integer >= 1 | null when not known
          "field": "body",                string: the front matter field or "body" ("" if none)
          "message": "..."                string
        }
      ],
      "overrides": [                 array: the site's first, then by file, line, rule
        {
          "rule": "reading-grade",        string: the rule's id
          "severity": "warning",          "error" | "warning" | "off": what it was set to
          "reason": "...",                string: why, as the editor wrote it
          "file": "content/x.md",         string: the file that says so (site.yaml or article)
          "line": 7,                      integer >= 1 | null when not known
          "scope": "content/x.md"         string: the article it applies to, "" for the site
        }
      ]
    }

Findings that an override turned off are not listed; those it re-graded are listed with
their new severity.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from b12site.errors import ERROR, WARNING, Problem
from b12site.findings import OFF, VALIDITY_RULES, Override, Rule

__all__ = [
    "JSON_VERSION",
    "SARIF_SCHEMA",
    "as_github",
    "as_json",
    "as_sarif",
    "escape_data",
    "escape_property",
    "finding_dict",
    "github_command",
    "human",
    "human_override",
    "one_line",
    "override_dict",
    "plural",
    "scope",
    "summary_line",
]

JSON_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/b12site/b12site"
_ABSOLUTE = re.compile(r"^(/|[A-Za-z]:[/\\])")


# ---------- shared ----------


def plural(count: int, noun: str) -> str:
    """``1 error``, ``2 errors``, ``0 files``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _counts(problems: Sequence[Problem]) -> tuple[int, int]:
    """The number of errors and of warnings."""
    errors = sum(1 for p in problems if p.is_error)
    return errors, len(problems) - errors


def _files(problems: Sequence[Problem]) -> dict[str, list[Problem]]:
    """Problems grouped by file, files in order of first appearance."""
    groups: dict[str, list[Problem]] = {}
    for problem in problems:
        groups.setdefault(problem.path, []).append(problem)
    return groups


def scope(override: Override) -> str:
    """The article an override applies to, "" for the whole site.

    Its own ``scope`` when it has one; else the file that says so, unless that is the
    site's settings (YAML), whose overrides apply to every file."""
    own = getattr(override, "scope", None)
    if isinstance(own, str):
        return own
    return "" if override.path.endswith((".yaml", ".yml")) else override.path


def _sorted_overrides(overrides: Sequence[Override]) -> list[Override]:
    """Overrides in a stable order: the site's first, then by file, line, rule."""
    return sorted(
        overrides,
        key=lambda o: (scope(o) != "", o.path, o.line or 0, scope(o), o.rule, o.severity, o.reason),
    )


def _dumps(data: object) -> str:
    """Stable JSON text: sorted keys, two-space indent, UTF-8 kept, final newline."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


# ---------- human ----------


def _location(problem: Problem) -> str:
    """``12:3``, ``12`` or ``-`` when the line is not known."""
    if not problem.line:
        return "-"
    return f"{problem.line}:{problem.column}" if problem.column else str(problem.line)


def _human_line(problem: Problem, width: int) -> str:
    """``  12:3  error    message  [rule]  (field)``, the location padded to ``width`` and
    a message's further lines indented under its first."""
    lead = f"  {_location(problem):<{width}}  {problem.severity:<7}  "
    text = lead + problem.message.replace("\n", "\n" + " " * len(lead))
    if problem.rule:
        text += f"  [{problem.rule}]"
    if problem.field:
        text += f"  ({problem.field})"
    return text.rstrip()


def _human_file(path: str, problems: Sequence[Problem]) -> list[str]:
    """A file's header line and one line per finding, locations aligned."""
    width = max(len(_location(p)) for p in problems)
    return [path, *(_human_line(p, width) for p in problems)]


def _where(override: Override) -> str:
    """The file that says so, with its line when known."""
    return f"{override.path}:{override.line}" if override.line else override.path


def human_override(override: Override) -> str:
    """``turned off in site.yaml: rule — reason`` or ``content/x.md: rule → warning: reason``."""
    applies = scope(override)
    only = f" for {applies}" if applies and applies != override.path else ""
    if override.severity == OFF:
        text = f"turned off in {_where(override)}: {override.rule}{only}"
        return f"{text} — {override.reason}" if override.reason else text
    text = f"{_where(override)}: {override.rule} → {override.severity}{only}"
    return f"{text}: {override.reason}" if override.reason else text


def one_line(problem: Problem) -> str:
    """A problem as build prints it: warnings say so, and a rule that can be turned off is
    named (``content/a.md:4: title: … [rule-id]``)."""
    named = problem.rule and problem.rule not in VALIDITY_RULES
    text = f"{problem} [{problem.rule}]" if named else str(problem)
    return text if problem.is_error else f"warning: {text}"


def summary_line(problems: Sequence[Problem], files_checked: int) -> str:
    """``3 errors and 2 warnings in 2 files (41 files checked)`` or ``No problems in …``."""
    if not problems:
        return f"No problems in {plural(files_checked, 'file')} checked."
    errors, warnings = _counts(problems)
    counted = [plural(n, noun) for n, noun in ((errors, ERROR), (warnings, WARNING)) if n]
    files = plural(len(_files(problems)), "file")
    return f"{' and '.join(counted)} in {files} ({plural(files_checked, 'file')} checked)"


def human(problems: Sequence[Problem], overrides: Sequence[Override], files_checked: int) -> str:
    """Findings grouped by file, then the overrides applied, then a summary line."""
    blocks = [_human_file(path, group) for path, group in _files(problems).items()]
    if overrides:
        applied = [f"  {human_override(o)}" for o in _sorted_overrides(overrides)]
        blocks.append(["Overrides applied:", *applied])
    blocks.append([summary_line(problems, files_checked)])
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


# ---------- JSON ----------


def finding_dict(problem: Problem) -> dict[str, Any]:
    """One finding as the JSON output lists it."""
    return {
        "rule": problem.rule,
        "severity": problem.severity,
        "file": problem.path,
        "line": problem.line or None,
        "column": problem.column or None,
        "field": problem.field,
        "message": problem.message,
    }


def override_dict(override: Override) -> dict[str, Any]:
    """One override as the JSON output lists it."""
    return {
        "rule": override.rule,
        "severity": override.severity,
        "reason": override.reason,
        "file": override.path,
        "line": override.line or None,
        "scope": scope(override),
    }


def as_json(problems: Sequence[Problem], overrides: Sequence[Override], files_checked: int) -> str:
    """The findings and overrides as one JSON object (the layout is in the module docstring)."""
    errors, warnings = _counts(problems)
    return _dumps(
        {
            "version": JSON_VERSION,
            "files_checked": files_checked,
            "errors": errors,
            "warnings": warnings,
            "findings": [finding_dict(p) for p in problems],
            "overrides": [override_dict(o) for o in _sorted_overrides(overrides)],
        }
    )


# ---------- GitHub Actions ----------


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value, escaped as GitHub's toolkit does."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(problem: Problem) -> str:
    """``::error file=…,line=…,col=…,title=rule::message`` for one finding."""
    properties = [("file", problem.path)]
    if problem.line:
        properties.append(("line", str(problem.line)))
        if problem.column:
            properties.append(("col", str(problem.column)))
    if problem.rule:
        properties.append(("title", problem.rule))
    joined = ",".join(f"{name}={escape_property(value)}" for name, value in properties)
    command = "error" if problem.is_error else "warning"
    return f"::{command} {joined}::{escape_data(problem.message)}"


def as_github(problems: Sequence[Problem]) -> str:
    """One GitHub Actions workflow command per finding, each on its own line."""
    return "".join(github_command(p) + "\n" for p in problems)


# ---------- SARIF ----------


def _level(severity: str) -> str:
    """A SARIF level for a severity: ``error``, ``warning`` or ``none`` (turned off)."""
    return {ERROR: "error", WARNING: "warning"}.get(severity, "none")


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    """A rule as a SARIF ``reportingDescriptor``."""
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "shortDescription": {"text": rule.description},
        "defaultConfiguration": {"level": _level(rule.severity)},
    }
    if rule.category:
        descriptor["properties"] = {"tags": [rule.category]}
    return descriptor


def _artifact_location(path: str) -> dict[str, str]:
    """A file as a SARIF ``artifactLocation``: relative to ``%SRCROOT%``, or a file URI."""
    if _ABSOLUTE.match(path):
        return {"uri": "file:///" + quote(path.replace("\\", "/").lstrip("/"))}
    return {"uri": quote(path), "uriBaseId": "%SRCROOT%"}


def _sarif_location(problem: Problem) -> dict[str, Any]:
    """Where a finding is, with a region only when its line is known."""
    physical: dict[str, Any] = {"artifactLocation": _artifact_location(problem.path)}
    if problem.line and problem.line >= 1:
        region = {"startLine": problem.line}
        if problem.column and problem.column >= 1:
            region["startColumn"] = problem.column
        physical["region"] = region
    return {"physicalLocation": physical}


def _sarif_result(problem: Problem, index: dict[str, int]) -> dict[str, Any]:
    """A finding as a SARIF ``result``; ``ruleIndex`` only for a rule in ``index``."""
    result: dict[str, Any] = {
        "level": _level(problem.severity),
        "message": {"text": problem.message},
        "locations": [_sarif_location(problem)],
    }
    if problem.rule:
        result["ruleId"] = problem.rule
        if problem.rule in index:
            result["ruleIndex"] = index[problem.rule]
    if problem.field:
        result["properties"] = {"field": problem.field}
    return result


def _sarif_override(override: Override, index: dict[str, int]) -> dict[str, Any]:
    """An override as a SARIF ``configurationOverride``, why and where in its properties."""
    descriptor: dict[str, Any] = {"id": override.rule}
    if override.rule in index:
        descriptor["index"] = index[override.rule]
    where: dict[str, Any] = {"reason": override.reason, "file": override.path}
    if override.line:
        where["line"] = override.line
    if scope(override):
        where["scope"] = scope(override)
    return {
        "descriptor": descriptor,
        "configuration": {"enabled": override.severity != OFF, "level": _level(override.severity)},
        "properties": where,
    }


def as_sarif(
    problems: Sequence[Problem], rules: Sequence[Rule], overrides: Sequence[Override], version: str
) -> str:
    """A SARIF 2.1.0 log of one run: every rule, every finding, the overrides applied."""
    index = {rule.id: n for n, rule in enumerate(rules)}
    invocation = {
        "executionSuccessful": True,
        "ruleConfigurationOverrides": [
            _sarif_override(o, index) for o in _sorted_overrides(overrides)
        ],
    }
    run = {
        "tool": {
            "driver": {
                "name": "b12site",
                "version": version,
                "informationUri": INFORMATION_URI,
                "rules": [_sarif_rule(r) for r in rules],
            }
        },
        "columnKind": "unicodeCodePoints",
        "invocations": [invocation],
        "results": [_sarif_result(p, index) for p in problems],
    }
    return _dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]})
