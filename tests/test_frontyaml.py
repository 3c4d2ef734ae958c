"""YAML as editors write it: YAML 1.2 core values, lines, and what is refused."""

from __future__ import annotations

import pytest

from b12site.errors import ContentError
from b12site.frontyaml import parse_yaml


def value(text: str) -> object:
    """The value of ``v:`` in a one-field document."""
    data, _, twice = parse_yaml(f"v: {text}\n", "x.md", 1)
    assert twice == []
    return data["v"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("False", False),
        ("TRUE", True),
        ("yes", "yes"),  # YAML 1.1 booleans are text in 1.2
        ("No", "No"),
        ("off", "off"),
        ("On", "On"),
        ("y", "y"),
        ("n", "n"),
        ("42", 42),
        ("-7", -7),
        ("010", 10),  # decimal, not octal
        ("0o10", 8),
        ("0x1F", 31),
        ("1:30", "1:30"),  # not a sexagesimal number
        ("1_000", "1_000"),
        ("1.5", 1.5),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("~", None),
        ("null", None),
        ("", None),
        ("2024-05-01", "2024-05-01"),  # dates stay text until validated
        ("'true'", "true"),
        ("!!str 2024", "2024"),
        ("=", "="),
    ],
)
def test_core_schema_values(text: str, expected: object) -> None:
    got = value(text)
    assert got == expected and type(got) is type(expected)


def test_nan_and_infinity_are_numbers() -> None:
    assert value(".inf") == float("inf")
    nan = value(".NaN")
    assert isinstance(nan, float) and nan != nan


def test_every_field_path_has_its_line() -> None:
    text = "title: x\nfaq:\n  - question: q\n    answer: a\ntags: [a, b]\n"
    _, lines, _ = parse_yaml(text, "x.md", 1)
    assert lines == {
        "title": 1,
        "faq": 2,
        "faq[0]": 3,
        "faq[0].question": 3,
        "faq[0].answer": 4,
        "tags": 5,
        "tags[0]": 5,
        "tags[1]": 5,
    }


def test_a_field_given_twice_is_one_problem_and_the_last_value_counts() -> None:
    text = "tags: [a]\ntitle: x\ntags:\n  - b\n  - c\n"
    text += "publisher:\n  name: p\npublisher:\n  name: q\n"
    data, lines, twice = parse_yaml(text, "x.md", 1)
    assert data == {"tags": ["b", "c"], "title": "x", "publisher": {"name": "q"}}
    assert [str(p) for p in twice] == [
        "x.md:3: tags: given twice (first on line 1)",
        "x.md:8: publisher: given twice (first on line 6)",
    ]
    assert lines["tags[1]"] == 5 and lines["publisher.name"] == 9


def test_an_alias_of_one_value_is_read() -> None:
    data, _, _ = parse_yaml("published: &day 2026-01-10\nlast_reviewed: *day\n", "x.md", 1)
    assert data == {"published": "2026-01-10", "last_reviewed": "2026-01-10"}


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        ("a: &x [1, 2]\nb: *x\n", "b", 2),
        ("a: &x {k: v}\nb:\n  - *x\n", "b[0]", 2),  # the line of the list holding it
        ("title: &a [*a]\n", "title[0]", 1),
        ("a: &a\n  b: *a\n", "a.b", 2),
    ],
)
def test_an_alias_of_a_list_or_mapping_is_refused(text: str, field: str, line: int) -> None:
    with pytest.raises(ContentError) as caught:
        parse_yaml(text, "x.md", 1)
    [problem] = caught.value.problems
    assert (problem.line, problem.field) == (line, field)
    assert "aliases" in problem.message


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system [true]\n",
        "a: !!binary aGVsbG8=\n",
        "a: !!set {x}\n",
        "a: !custom x\n",
        "a: !!timestamp 2024-01-01\n",
    ],
)
def test_tags_beyond_the_core_schema_are_refused(text: str) -> None:
    with pytest.raises(ContentError) as caught:
        parse_yaml(text, "x.md", 1)
    assert "is not allowed: write the value as text" in str(caught.value)


@pytest.mark.parametrize("key", ["1", "true", "null", "[a]", "{a: b}"])
def test_field_names_must_be_text(key: str) -> None:
    with pytest.raises(ContentError, match="field names must be text"):
        parse_yaml(f"{key}: x\n", "x.md", 1)


def test_nesting_too_deep_is_a_located_problem() -> None:
    with pytest.raises(ContentError) as caught:
        parse_yaml("a: " + "[" * 5000 + "]" * 5000 + "\n", "x.md", 1)
    assert str(caught.value) == (
        "x.md:1: YAML syntax error: exceeded maximum nesting depth (column 1003): "
        "lists and mappings may be nested at most 1,000 deep"
    )
