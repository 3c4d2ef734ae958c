"""The ``_headers`` file that Netlify and Cloudflare Pages read: its rules and its policy."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["HeaderRule", "csp_directives", "headers_for", "parse_headers_file"]


@dataclass(frozen=True)
class HeaderRule:
    """One rule of a ``_headers`` file: a path pattern and the headers it adds."""

    pattern: str
    headers: tuple[tuple[str, str], ...]

    def matches(self, path: str) -> bool:
        """Whether the rule applies to a URL path (``*`` splat, ``:name`` placeholders)."""
        parts = re.split(r"(\*|:[A-Za-z_]\w*)", self.pattern)
        regex = "".join(
            ".*" if p == "*" else "[^/]+" if p.startswith(":") else re.escape(p) for p in parts
        )
        return re.fullmatch(regex, path) is not None


def parse_headers_file(text: str) -> tuple[HeaderRule, ...]:
    """Parse the Netlify / Cloudflare Pages ``_headers`` format; raise ValueError on a
    malformed line."""
    rules: list[HeaderRule] = []
    pattern: str | None = None
    headers: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[0].isspace():
            if pattern is not None:
                rules.append(HeaderRule(pattern, tuple(headers)))
            pattern, headers = stripped, []
            continue
        name, sep, value = stripped.partition(":")
        if pattern is None or not sep or not name.strip():
            raise ValueError(f"_headers:{number}: not a 'Name: value' line under a path: {line!r}")
        headers.append((name.strip(), value.strip()))
    if pattern is not None:
        rules.append(HeaderRule(pattern, tuple(headers)))
    return tuple(rules)


def headers_for(rules: Sequence[HeaderRule], path: str) -> list[tuple[str, str]]:
    """The headers every matching rule adds to a response for ``path``, in file order."""
    return [h for rule in rules if rule.matches(path) for h in rule.headers]


def csp_directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy split into its directives and their sources."""
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out.setdefault(words[0].lower(), words[1:])
    return out
