"""Read a content file and split it into front matter (with field lines) and Markdown body."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml
from frontmatter.default_handlers import YAMLHandler

from b12site.errors import ContentError, Problem, display_path
from b12site.models import Source

__all__ = ["parse_yaml", "read_source", "split_source"]

# The C loader parses about ten times faster; fall back where libyaml is missing.
_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Safe YAML loading that keeps dates as text, so validation alone judges them."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)

_HANDLER = YAMLHandler()


def read_source(path: Path, kind: str, root: Path) -> Source:
    """Read one file from disk and split it; raise ContentError naming the file."""
    shown = display_path(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError([Problem(shown, None, "", f"not UTF-8 text ({exc.reason})")]) from exc
    except OSError as exc:
        raise ContentError([Problem(shown, None, "", f"cannot read: {exc.strerror}")]) from exc
    return split_source(text, path, shown, kind)


def split_source(text: str, path: Path, shown: str, kind: str) -> Source:
    """Split text into a front matter mapping (with a line per field) and the body."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not _HANDLER.detect(text):
        raise ContentError(
            [Problem(shown, 1, "", "missing front matter: the file must start with a '---' line")]
        )
    try:
        yaml_text, body = _HANDLER.split(text)
    except ValueError as exc:
        raise ContentError(
            [Problem(shown, 1, "", "front matter is not closed: add a '---' line after it")]
        ) from exc
    # the YAML text keeps the newline after the opening fence, so YAML line 0 is file line 1
    meta, field_lines = parse_yaml(yaml_text, shown, first_line=1)
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    if body.startswith("\n"):
        body, body_line = body[1:], body_line + 1
    return Source(path, shown, kind, meta, field_lines, body, body_line)


def parse_yaml(
    text: str, shown: str, first_line: int, what: str = "front matter"
) -> tuple[dict[str, object], dict[str, int]]:
    """Parse a YAML mapping, keeping the file line of every field path."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ContentError([Problem(shown, first_line, "", f"{what} is empty")])
        if not isinstance(node, yaml.MappingNode):
            raise ContentError(
                [
                    Problem(
                        shown,
                        node.start_mark.line + first_line,
                        "",
                        f"{what} must be a mapping of 'field: value' lines",
                    )
                ]
            )
        field_lines: dict[str, int] = {}
        twice = []
        for name, line in _node_lines(node, "", first_line):
            if name in field_lines:
                twice.append(
                    Problem(shown, line, name, f"given twice (first on line {field_lines[name]})")
                )
            else:
                field_lines[name] = line
        if twice:
            raise ContentError(twice)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        col = f" (column {mark.column + 1})" if mark else ""
        reason = exc.problem or exc.context or "invalid YAML"
        raise ContentError([Problem(shown, line, "", f"YAML syntax error: {reason}{col}")]) from exc
    except yaml.YAMLError as exc:
        raise ContentError([Problem(shown, first_line, "", f"YAML error: {exc}")]) from exc
    finally:
        loader.dispose()
    bad_keys = [k for k in data if not isinstance(k, str)]
    if bad_keys:
        raise ContentError(
            [Problem(shown, first_line, str(k), "field names must be text") for k in bad_keys]
        )
    return data, field_lines


def _node_lines(node: yaml.Node, prefix: str, offset: int) -> Iterator[tuple[str, int]]:
    """Yield ``(field path, file line)`` for every key and list item under a node."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = f"{prefix}.{key.value}" if prefix else str(key.value)
            yield name, key.start_mark.line + offset
            yield from _node_lines(value, name, offset)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            name = f"{prefix}[{index}]"
            yield name, item.start_mark.line + offset
            yield from _node_lines(item, name, offset)
