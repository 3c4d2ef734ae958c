"""Property tests for the parsers: any input gives a model or a located error, never a crash."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from b12site.citations import find_keys
from b12site.content import split_source
from b12site.errors import ContentError
from b12site.markup import Converter

from .test_markup import elements

yaml_ish = st.text(
    alphabet=st.sampled_from(list("abc:-[]{}'\"\n #@&*!|>%\t0123456789.")), max_size=200
)


@settings(max_examples=300, deadline=None)
@given(front=yaml_ish, body=st.text(max_size=100))
def test_split_source_gives_a_source_or_a_located_error(front: str, body: str) -> None:
    text = f"---\n{front}\n---\n{body}"
    try:
        source = split_source(text, Path("x.md"), "x.md", "article")
    except ContentError as exc:
        assert exc.problems
        assert all(p.path == "x.md" and (p.line is None or p.line >= 1) for p in exc.problems)
    else:
        assert isinstance(source.meta, dict)
        assert source.body_line >= 3


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_markdown_renders_without_script(text: str) -> None:
    html = str(Converter({"a": 1}).block(text))
    for tag, attrs in elements(html):
        assert tag not in {"script", "iframe", "style", "object", "embed"}
        for name, value in attrs:
            assert not name.startswith("on") and name != "style"
            assert not (value or "").strip().lower().startswith(("javascript:", "data:"))


@given(
    st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,8}[a-z0-9]", fullmatch=True), min_size=1, max_size=4)
)
def test_every_cited_key_is_found(keys: list[str]) -> None:
    text = "Text [" + "; ".join(f"@{k}" for k in keys) + "]."
    assert [key for _, key in find_keys(text)] == keys
