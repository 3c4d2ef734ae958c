"""The build cache: never trusted when damaged or foreign, bypassed on request, keyed by content."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b12site import codec
from b12site.build import build
from b12site.cache import CACHE_DIR, DATABASE
from b12site.cli import main
from b12site.config import load_config
from b12site.content import read_source
from b12site.documents import render_article, render_page
from b12site.models import RenderedArticle, RenderedPage
from b12site.schema import validate_article, validate_page

from .conftest import BODY, TODAY, SiteMaker, article_text, front_matter
from .test_build import REPO, tree
from .test_incremental import cold, rebuild, same_tree, spy_processing, spy_renders


def small_site(make_site: SiteMaker) -> Path:
    """Three articles and a page."""
    return make_site(
        {
            "low-b12.md": article_text(front_matter()),
            "b12-food.md": article_text(front_matter(title="B12 in food", tags=["diet"])),
            "b12-tests.md": article_text(front_matter(title="B12 tests")),
            "pages/about.md": "---\ntitle: About\ndescription: Us.\n---\n\nText.\n",
        }
    )


def database(root: Path) -> Path:
    """Where a site's build cache lives."""
    return root / CACHE_DIR / DATABASE


def cache_warnings(warnings: tuple[Any, ...]) -> list[str]:
    """The warnings about the cache itself."""
    return [str(w) for w in warnings if w.path == f"{CACHE_DIR}/{DATABASE}"]


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00\xffnot a database at all" * 300)


def _foreign(path: Path) -> None:
    path.unlink()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        db.execute("INSERT INTO notes VALUES (1, 'hello')")
    db.close()


def _other_format(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = 'b12site-cache-0' WHERE key = 'format'")
    db.close()


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


DAMAGE: dict[str, Callable[[Path], None]] = {
    "garbage bytes": _garbage,
    "foreign database": _foreign,
    "other format": _other_format,
    "truncated": _truncated,
    "a folder": _folder,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_or_foreign_cache_is_ignored_with_a_warning(
    make_site: SiteMaker, tmp_path: Path, damage: str
) -> None:
    root = small_site(make_site)
    rebuild(root)
    edit = root / "content" / "low-b12.md"
    edit.write_text(article_text(front_matter(), BODY + "\nA new paragraph.\n"), "utf-8")
    DAMAGE[damage](database(root))
    result = rebuild(root)
    expected, cold_result = cold(root, tmp_path / "cold")
    same_tree(tree(root / "_site"), expected)
    assert len(cache_warnings(result.warnings)) == 1
    assert [str(w) for w in result.warnings if str(w) not in cache_warnings(result.warnings)] == [
        str(w) for w in cold_result.warnings
    ]


def test_a_damaged_cache_is_replaced_and_warned_about_once(make_site: SiteMaker) -> None:
    root = small_site(make_site)
    rebuild(root)
    _garbage(database(root))
    assert cache_warnings(rebuild(root).warnings)
    again = rebuild(root)
    assert cache_warnings(again.warnings) == []
    assert again.written == 0


def test_no_cache_makes_no_cache_folder(make_site: SiteMaker, tmp_path: Path) -> None:
    root = small_site(make_site)
    build(root / "site.yaml", tmp_path / "one", today=TODAY, use_cache=False)
    code = main(["build", "--config", str(root / "site.yaml"), "--no-cache", "--quiet"])
    assert code == 0
    assert (root / "_site" / "index.html").is_file()
    assert not (root / CACHE_DIR).exists()


def test_no_cache_leaves_an_existing_cache_untouched(make_site: SiteMaker) -> None:
    root = small_site(make_site)
    rebuild(root)
    before = tree(root / CACHE_DIR)
    (root / "content" / "b12-tests.md").unlink()
    build(root / "site.yaml", root / "_site", today=TODAY, use_cache=False)
    assert tree(root / CACHE_DIR) == before


def test_touched_file_is_reused_and_a_changed_file_processed_again(
    make_site: SiteMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = small_site(make_site)
    rebuild(root)
    processed, rendered = spy_processing(monkeypatch), spy_renders(monkeypatch)
    touched = root / "content" / "low-b12.md"
    stat = touched.stat()
    os.utime(touched, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    result = rebuild(root)
    assert (processed, rendered, result.written) == ([], [], 0)
    assert rebuild(root).written == 0  # the new mtime was learnt: still nothing to do
    assert processed == []
    changed = root / "content" / "b12-tests.md"
    changed.write_text(changed.read_text("utf-8").replace("Intro paragraph", "Opening"), "utf-8")
    before = tree(root / "_site")
    result = rebuild(root)
    assert processed == ["b12-tests.md"]
    assert rendered == ["b12-tests/index.html"]
    after = tree(root / "_site")
    changed_files = sorted(p for p in after if before.get(p) != after[p])
    # the page, and the search index made anew from it (test_search.py judges the index)
    assert [p for p in changed_files if not p.startswith("pagefind/")] == ["b12-tests/index.html"]
    assert result.written == len(changed_files)
    same_tree(tree(root / "_site"), cold(root, tmp_path / "cold")[0])


def _rows(root: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(database(root)) as db:
        rows = db.execute("SELECT path, entry, document FROM sources").fetchall()
    db.close()
    return {path: (entry, document) for path, entry, document in rows}


def _set(root: Path, path: str, column: str, value: str) -> None:
    with sqlite3.connect(database(root)) as db:
        db.execute(f"UPDATE sources SET {column} = ? WHERE path = ?", (value, path))
    db.close()


TAMPER: dict[str, Callable[[Path], None]] = {
    "garbage entry": lambda root: _set(root, "content/low-b12.md", "entry", "[1, 2"),
    "entry of the wrong shape": lambda root: _set(root, "content/low-b12.md", "entry", "[]"),
    "garbage document": lambda root: _set(root, "content/low-b12.md", "document", "{oops"),
    "another file's document": lambda root: _set(
        root, "content/low-b12.md", "document", _rows(root)["content/b12-tests.md"][1]
    ),
}


@pytest.mark.parametrize("tamper", list(TAMPER))
def test_damaged_cache_entries_are_never_trusted(
    make_site: SiteMaker, tmp_path: Path, tamper: str
) -> None:
    root = small_site(make_site)
    rebuild(root)
    TAMPER[tamper](root)
    (root / "_site" / "low-b12" / "index.html").unlink()  # so its page must be made again
    rebuild(root)
    same_tree(tree(root / "_site"), cold(root, tmp_path / "cold")[0])


# The codec: what the cache stores, as JSON


def sample_documents() -> list[RenderedArticle | RenderedPage]:
    """Every article and page of the repository's sample site, freshly rendered."""
    config = load_config(REPO / "site.yaml")
    articles: list[RenderedArticle | RenderedPage] = [
        render_article(
            validate_article(read_source(path, "article", REPO), config, TODAY),
            config.words_per_minute,
        )
        for path in sorted((REPO / "content").glob("*.md"))
    ]
    pages = [
        render_page(validate_page(read_source(path, "page", REPO)))
        for path in sorted((REPO / "content" / "pages").glob("*.md"))
    ]
    return articles + pages


@pytest.fixture(scope="module")
def documents() -> list[RenderedArticle | RenderedPage]:
    """The sample site's rendered documents."""
    return sample_documents()


def test_codec_round_trips_the_sample_documents_exactly(
    documents: list[RenderedArticle | RenderedPage],
) -> None:
    assert len(documents) >= 7
    for document in documents:
        text = codec.dumps(document)
        back = codec.loads(type(document), text)
        assert back == document
        assert type(back.body_html) is type(document.body_html)
        assert codec.dumps(back) == text


def _article_data(documents: list[RenderedArticle | RenderedPage]) -> list[Any]:
    article = next(d for d in documents if isinstance(d, RenderedArticle))
    data = json.loads(codec.dumps(article))
    assert isinstance(data, list)
    return data


def _set_at(data: Any, path: tuple[int, ...], value: object) -> Any:
    """A copy of nested lists with the item at ``path`` replaced."""
    if not path:
        return value
    copy = list(data)
    copy[path[0]] = _set_at(copy[path[0]], path[1:], value)
    return copy


# Positions in an encoded RenderedArticle: its fields, then Article's, then Person's.
ARTICLE, FAQ_HTML, BODY_HTML, MINUTES = 0, 3, 4, 7
PUBLISHED, AUTHOR = 4, 8

MALFORMED: dict[str, Callable[[list[Any]], object]] = {
    "a field missing": lambda d: d[:-1],
    "a field too many": lambda d: [*d, 0],
    "no fields": lambda d: [],
    "an object, not a list": lambda d: dict(enumerate(d)),
    "a string for an int": lambda d: _set_at(d, (MINUTES,), "3"),
    "a bool for an int": lambda d: _set_at(d, (MINUTES,), True),
    "a float for an int": lambda d: _set_at(d, (MINUTES,), 3.0),
    "an int for a string": lambda d: _set_at(d, (BODY_HTML,), 5),
    "null for a string": lambda d: _set_at(d, (BODY_HTML,), None),
    "a list for a string": lambda d: _set_at(d, (BODY_HTML,), ["<p>"]),
    "a bad date": lambda d: _set_at(d, (ARTICLE, PUBLISHED), "last Tuesday"),
    "an int for a date": lambda d: _set_at(d, (ARTICLE, PUBLISHED), 20260101),
    "a nested field missing": lambda d: _set_at(d, (ARTICLE, AUTHOR), d[ARTICLE][AUTHOR][:-1]),
    "a pair of one": lambda d: _set_at(d, (FAQ_HTML, 0), d[FAQ_HTML][0][:1]),
    "a pair of three": lambda d: _set_at(d, (FAQ_HTML, 0), [*d[FAQ_HTML][0], "x"]),
    "a string for a tuple": lambda d: _set_at(d, (FAQ_HTML,), "abc"),
    "null for the article": lambda d: _set_at(d, (ARTICLE,), None),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_codec_rejects_data_of_the_wrong_shape(
    documents: list[RenderedArticle | RenderedPage], case: str
) -> None:
    bad = MALFORMED[case](_article_data(documents))
    with pytest.raises(codec.DecodeError):
        codec.decode(RenderedArticle, bad)
    with pytest.raises(codec.DecodeError):
        codec.loads(RenderedArticle, json.dumps(bad))


NOT_A_MODEL = {
    "empty": "",
    "cut short": '[[["content/x.md",',
    "null": "null",
    "a string": '"text"',
    "NaN": "NaN",
    "a NUL byte": "\x00",
    "deeply nested": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("case", list(NOT_A_MODEL))
def test_codec_rejects_text_that_is_not_an_encoded_model(case: str) -> None:
    with pytest.raises(codec.DecodeError):
        codec.loads(RenderedArticle, NOT_A_MODEL[case])


class _Trap:
    """An object whose unpickling would create a file."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[Callable[..., object], tuple[object, ...]]:
        return (Path.touch, (self.target,))


def test_codec_never_runs_code_from_the_cache(tmp_path: Path) -> None:
    target = tmp_path / "ran"
    payload = pickle.dumps(_Trap(target), protocol=0).decode("latin-1")
    assert payload  # a pickle that would run Path.touch if it were unpickled
    for text in (payload, json.dumps(payload), json.dumps([payload] * 9)):
        with pytest.raises(codec.DecodeError):
            codec.loads(RenderedArticle, text)
    assert not target.exists()


@cache
def fuzz_article() -> RenderedArticle:
    """One sample article, rendered once for the fuzz test."""
    config = load_config(REPO / "site.yaml")
    source = read_source(REPO / "content" / "b12-for-vegans.md", "article", REPO)
    return render_article(validate_article(source, config, TODAY))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), value=json_values)
def test_codec_gives_a_model_or_a_decode_error_for_any_change(
    data: st.DataObject, value: object
) -> None:
    encoded = json.loads(codec.dumps(fuzz_article()))
    path: list[int] = []
    node: Any = encoded
    while isinstance(node, list) and node and data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(node) - 1))
        path.append(index)
        node = node[index]
    changed = _set_at(encoded, tuple(path), value)
    try:
        decoded = codec.decode(RenderedArticle, changed)
    except codec.DecodeError:
        return
    assert isinstance(decoded, RenderedArticle)


def test_cache_and_output_survive_a_failed_build(make_site: SiteMaker, tmp_path: Path) -> None:
    """A build that stops on an invalid file keeps what it learnt; the fixed site builds right."""
    root = small_site(make_site)
    rebuild(root)
    broken = root / "content" / "b12-tests.md"
    good = broken.read_text("utf-8")
    broken.write_text(article_text(front_matter(author="nobody")), "utf-8")
    with pytest.raises(Exception, match="nobody"):
        rebuild(root)
    broken.write_text(good, "utf-8")
    rebuild(root)
    same_tree(tree(root / "_site"), cold(root, tmp_path / "cold")[0])
