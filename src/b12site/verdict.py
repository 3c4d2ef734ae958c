"""The verdict on a site's findings: overrides applied, and whether it may be published."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from b12site.cards import Site
from b12site.errors import ERROR, Problem, suggest
from b12site.findings import OFF
from b12site.links import LinkFacts, link_findings, theme_ids
from b12site.models import Override
from b12site.rules import BY_ID
from b12site.stage import Entry

__all__ = ["Verdict", "judge", "override_problems", "site_verdict"]


@dataclass(frozen=True)
class Verdict:
    """Findings after overrides: those shown, those turned off, and the overrides used."""

    findings: tuple[Problem, ...]  # sorted
    suppressed: tuple[Problem, ...]
    overrides: tuple[Override, ...]  # every override given, site.yaml's first

    def blocking(self, strict: bool) -> tuple[Problem, ...]:
        """What stops a build: errors, and with ``strict`` warnings of rules too."""
        return tuple(p for p in self.findings if p.is_error or (strict and p.rule))

    @property
    def errors(self) -> int:
        """How many findings are errors."""
        return sum(1 for p in self.findings if p.is_error)


def judge(
    findings: Iterable[Problem],
    site_overrides: Sequence[Override],
    file_overrides: Mapping[str, Sequence[Override]],
) -> Verdict:
    """Apply the overrides: a file's own before the site's; findings of rules that cannot be
    turned off are kept as they are. Overrides that name no rule, or a fixed one, are
    findings themselves."""
    site = {o.rule: o for o in site_overrides}
    shown, off = [], []
    for problem in findings:
        rule = BY_ID.get(problem.rule)
        own = {o.rule: o for o in file_overrides.get(problem.path, ())}
        override = own.get(problem.rule) or site.get(problem.rule)
        if override is None or rule is None or rule.fixed:
            shown.append(problem)
        elif override.severity == OFF:
            off.append(problem)
        else:
            shown.append(replace(problem, severity=override.severity))
    every = [*site_overrides, *(o for f in sorted(file_overrides) for o in file_overrides[f])]
    shown += override_problems(every)
    return Verdict(
        tuple(sorted(set(shown), key=lambda p: p.sort_key)),
        tuple(sorted(set(off), key=lambda p: p.sort_key)),
        tuple(every),
    )


def override_problems(overrides: Iterable[Override]) -> list[Problem]:
    """Overrides that cannot be applied: of an unknown rule, or of one that cannot be off."""
    found = []
    for override in overrides:
        rule = BY_ID.get(override.rule)
        field = f"rules.{override.rule}"
        settings = "site-settings" if override.path.endswith(".yaml") else "front-matter"
        if rule is None:
            hint = suggest(override.rule, sorted(BY_ID))
            message = f"unknown rule '{override.rule}'{hint}"
        elif rule.fixed:
            message = f"'{rule.id}' keeps content valid: it cannot be turned off or re-graded"
        else:
            continue
        found.append(Problem(override.path, override.line, field, message, settings, ERROR))
    return found


def site_verdict(
    site: Site,
    entries: Sequence[Entry],
    outputs: Iterable[str],
    more: Iterable[Problem] = (),
    unknown_targets: Iterable[str] = (),
) -> Verdict:
    """Every finding of a planned site, judged: the documents' own, review dates, and links
    resolved against the planned ``outputs`` (links to ``unknown_targets``, files that could
    not be read, are not judged)."""
    config = site.config
    published = [e for e in entries if e.shown in site.sources]
    theme = {kind: theme_ids(kind) for kind in ("article", "page")}
    facts = [
        LinkFacts(e.shown, e.card.path, e.links, theme[e.kind].union(e.ids)) for e in published
    ]
    found = link_findings(
        facts,
        outputs,
        site.sources,
        config.path_prefix,
        config.base_url,
        frozenset(unknown_targets),
    )
    return judge(
        [*site.findings, *found, *more],
        config.rules,
        {e.shown: e.overrides for e in published if e.overrides},
    )
