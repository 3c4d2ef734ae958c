"""The error hierarchy: every problem carries the file, line and field it concerns."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = [
    "ERROR",
    "WARNING",
    "B12Error",
    "BuildError",
    "BuildStopped",
    "ConfigError",
    "ContentError",
    "Problem",
    "UpdateInterrupted",
    "WriteError",
    "line_of",
    "suggest",
    "tagged",
]


ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding in one file: ``path:line:column: field: message``, and the rule that
    found it."""

    path: str
    line: int | None
    field: str
    message: str
    rule: str = ""  # the id of the rule that found it (see rules.py)
    severity: str = ERROR  # ERROR or WARNING
    column: int | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        """Order problems by file, then line, column, field, message and rule."""
        return (self.path, self.line or 0, self.column or 0, self.field, self.message, self.rule)

    @property
    def is_error(self) -> bool:
        """Whether it stops a build (warnings stop only a ``--strict`` one)."""
        return self.severity == ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        if self.line and self.column:
            where += f":{self.column}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


def tagged(problems: Iterable[Problem], rule: str) -> list[Problem]:
    """The problems, each found by ``rule`` unless another rule already claims it."""
    return [p if p.rule else replace(p, rule=rule) for p in problems]


def display_path(path: Path, root: Path | None = None) -> str:
    """Show ``path`` relative to ``root`` (or the working directory) when it lies inside it,
    else absolute; never relative to the filesystem root, which would read as relative."""
    resolved = path.resolve()
    for base in (root, Path.cwd()):
        if base is None or (base := base.resolve()) == Path(base.anchor):
            continue
        if resolved.is_relative_to(base):
            return resolved.relative_to(base).as_posix()
    return resolved.as_posix()


def suggest(name: str, choices: list[str]) -> str:
    """A "did you mean" hint for a mistyped name, or an empty string."""
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def line_of(path: str, lines: Mapping[str, int], default: int | None) -> int | None:
    """The line of a field path, or of its nearest parent that has one."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return default


class B12Error(Exception):
    """Base class of every error b12site reports to the user."""


class ProblemsError(B12Error):
    """An error made of one or more located problems, reported all at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: p.sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(ProblemsError):
    """``site.yaml`` is missing or invalid (rule ``site-settings``)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(tagged(problems, "site-settings"))


class ContentError(ProblemsError):
    """One or more content files are invalid, or break a rule that stops the build."""

    def __init__(self, problems: list[Problem], warnings: Iterable[Problem] = ()) -> None:
        super().__init__(problems)
        self.warnings = sorted(set(warnings), key=lambda p: p.sort_key)  # shown, not stopping


class BuildError(B12Error):
    """Templates or assembling the site failed."""


class WriteError(B12Error):
    """The output folder could not be written safely."""


class UpdateInterrupted(KeyboardInterrupt):
    """Stopped while committed files were moved into the output; the next build finishes."""


class BuildStopped(Exception):
    """A build was asked to stop before it changed the output (``b12site serve`` does, when a
    new edit comes in while the search index is being made)."""
