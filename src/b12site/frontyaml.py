"""YAML as editors write it: the 1.2 core schema, no aliases or object tags, every field's line.

PyYAML follows YAML 1.1, where ``no``, ``off`` and ``y`` are booleans, ``1:30`` is a number
and ``010`` is eight. Front matter and ``site.yaml`` are read with the C parser (about ten
times faster than the Python one) and this module's resolver, which knows only the YAML 1.2
core schema: ``true``/``false`` are the booleans, numbers are decimal (or ``0o``/``0x``), dates
stay text for validation to judge. Aliases of a single value (which tools such as PyYAML write
for a repeated date) are read; aliases of lists and mappings are refused before anything is
built from them, so neither a self-referring alias nor an alias bomb can hang or crash a build.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import yaml

from b12site.errors import ContentError, Problem, tagged

__all__ = ["YAML_RULE", "parse_yaml"]

_Parser: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where it is installed

_NULL, _BOOL, _INT, _FLOAT, _STR = (
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "str")
)
_SEQ, _MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_CORE_TAGS = frozenset({_NULL, _BOOL, _INT, _FLOAT, _STR, _SEQ, _MAP})
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_CORE_RESOLVERS = [  # the YAML 1.2 core schema, section 10.3.2
    (_NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), [*"~nN", ""]),
    (_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")),
    (_INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")),
    (_FLOAT, _FLOAT_RE, list("-+.0123456789")),
]


class _CoreLoader(_Parser):  # type: ignore[misc]
    """The C (or Python) parser with YAML 1.2 core resolution and plain-data constructors."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, re.Pattern[str]]]]] = {}


for _tag, _pattern, _first in _CORE_RESOLVERS:
    for _char in _first:
        _CoreLoader.yaml_implicit_resolvers.setdefault(_char, []).append((_tag, _pattern))


def _core_int(loader: Any, node: yaml.ScalarNode) -> int | str:
    text = str(node.value)
    try:
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text, 10)
    except ValueError:  # more digits than Python converts: no number a page needs
        return text


def _core_float(loader: Any, node: yaml.ScalarNode) -> float:
    text = str(node.value).lower()
    if text.endswith((".inf", ".nan")):
        return float(text.replace(".", ""))
    return float(text)


def _core_bool(loader: Any, node: yaml.ScalarNode) -> bool:
    return str(node.value).lower() == "true"


_CoreLoader.add_constructor(_INT, _core_int)
_CoreLoader.add_constructor(_FLOAT, _core_float)
_CoreLoader.add_constructor(_BOOL, _core_bool)


YAML_RULE = "yaml-syntax"


def parse_yaml(
    text: str, shown: str, first_line: int, what: str = "front matter"
) -> tuple[dict[str, object], dict[str, int], list[Problem]]:
    """A YAML mapping, the file line of every field path, and the fields given twice (the
    last one counts, as in YAML); raise ContentError when the text cannot be read at all.
    Every problem is one of the rule ``yaml-syntax``."""
    try:
        data, lines, twice = _parse_yaml(text, shown, first_line, what)
    except ContentError as exc:
        raise ContentError(tagged(exc.problems, YAML_RULE)) from exc
    return data, lines, tagged(twice, YAML_RULE)


def _parse_yaml(
    text: str, shown: str, first_line: int, what: str
) -> tuple[dict[str, object], dict[str, int], list[Problem]]:
    loader = _CoreLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ContentError([Problem(shown, first_line, "", f"{what} is empty")])
        if not isinstance(node, yaml.MappingNode):
            line = node.start_mark.line + first_line
            message = f"{what} must be a mapping of 'field: value' lines"
            raise ContentError([Problem(shown, line, "", message)])
        lines, twice = _field_lines(node, shown, first_line)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise ContentError([_syntax_problem(exc, text, shown, first_line)]) from exc
    except yaml.YAMLError as exc:
        raise ContentError([Problem(shown, first_line, "", f"YAML error: {exc}")]) from exc
    except RecursionError as exc:  # the pure-Python parser, where libyaml is missing
        message = "YAML syntax error: lists or mappings nested too deeply"
        raise ContentError([Problem(shown, first_line, "", message)]) from exc
    finally:
        loader.dispose()
    return data, lines, twice


def _field_lines(
    root: yaml.MappingNode, shown: str, offset: int
) -> tuple[dict[str, int], list[Problem]]:
    """Every field path's line (of the last occurrence of a field given twice: YAML keeps that
    value); refuse aliases, tags beyond the core schema and field names that are not text."""
    lines: dict[str, int] = {}
    twice: list[Problem] = []
    seen: set[int] = {id(root)}
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        children: list[tuple[str, int, yaml.Node]] = []
        if isinstance(node, yaml.MappingNode):
            last: dict[str, tuple[int, yaml.Node]] = {}
            for key, value in node.value:
                name = _field_name(key, path, shown, offset)
                line = key.start_mark.line + offset
                if name in last:
                    first = last[name][0]
                    twice.append(Problem(shown, line, name, f"given twice (first on line {first})"))
                last[name] = (line, value)
            children = [(name, line, value) for name, (line, value) in last.items()]
        elif isinstance(node, yaml.SequenceNode):
            here = lines.get(path, offset)  # an alias's node is where its anchor is: use the list's
            children = [
                (f"{path}[{i}]", here if id(item) in seen else item.start_mark.line + offset, item)
                for i, item in enumerate(node.value)
            ]
        for name, line, value in children:
            if id(value) in seen and not isinstance(value, yaml.ScalarNode):
                raise ContentError([_alias_problem(shown, line, name)])
            seen.add(id(value))
            if value.tag not in _CORE_TAGS:
                message = f"the YAML tag {value.tag} is not allowed: write the value as text"
                raise ContentError([Problem(shown, value.start_mark.line + offset, name, message)])
            lines[name] = line
        stack.extend((value, name) for name, _, value in reversed(children))
    return lines, twice


def _field_name(key: yaml.Node, path: str, shown: str, offset: int) -> str:
    """The path of a mapping key; refuse keys that are not plain text."""
    if not isinstance(key, yaml.ScalarNode) or key.tag != _STR:
        line = key.start_mark.line + offset
        raise ContentError([Problem(shown, line, path, "field names must be text")])
    return f"{path}.{key.value}" if path else str(key.value)


def _alias_problem(shown: str, line: int, name: str) -> Problem:
    """An alias of a list or mapping: how YAML documents blow up, or refer to themselves."""
    return Problem(
        shown,
        line,
        name,
        "YAML aliases (*name) of lists or mappings are not allowed: write the value out "
        "in full, or put it in quotes if the '*' or '&' belongs to the text",
    )


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, shown: str, first_line: int) -> Problem:
    """The parser's complaint, located, with a hint for the mistakes editors make most."""
    mark = exc.problem_mark or exc.context_mark
    reason = exc.problem or exc.context or "invalid YAML"
    context = exc.context or ""
    never_closed = (exc.problem or "").startswith("did not find expected")
    if exc.context_mark and never_closed and "flow" in context:  # a [ or { left open
        mark = exc.context_mark
        opened = "list '['" if "sequence" in context else "mapping '{'"
        reason = f"this {opened} is never closed"
    if mark is None:
        return Problem(shown, first_line, "", f"YAML syntax error: {reason}")
    source_line = text.split("\n")[mark.line] if mark.line < text.count("\n") + 1 else ""
    hint = _hint(reason, source_line)
    message = f"YAML syntax error: {reason} (column {mark.column + 1}){hint}"
    return Problem(shown, mark.line + first_line, "", message)


_QUOTE_START = {
    "*": "'*' (as in **bold**)",
    "&": "'&'",
    "@": "'@'",
    "`": "a backtick",
    "[": "'['",
    "{": "'{'",
    "%": "'%'",
    "|": "'|'",
    ">": "'>'",
    "!": "'!'",
}


def _hint(reason: str, line: str) -> str:
    """Advice for a syntax error on ``line``, or an empty string."""
    indent = line[: len(line) - len(line.lstrip())]
    if "\t" in indent or "\\t" in reason or "tab" in reason:
        return ": indent with spaces, not tabs"
    value = line.strip()
    value = value[2:].lstrip() if value.startswith("- ") else value.partition(": ")[2].lstrip()
    if "nesting depth" in reason:
        return ": lists and mappings may be nested at most 1,000 deep"
    if "never closed" in reason:
        return ": close it, or put the whole value in quotes if the bracket belongs to the text"
    if value and value[0] in _QUOTE_START:
        return f": a value that starts with {_QUOTE_START[value[0]]} must be in quotes"
    if "mapping values are not allowed" in reason or ": " in value:
        return (
            ": a value that holds ': ' must be in quotes, "
            'like title: "B12 and tiredness: what to know"'
        )
    return ""
