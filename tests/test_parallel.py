"""Builds in several processes give exactly what one process gives: files, warnings, errors."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

import b12site.site
import b12site.workers
from b12site.build import BuildResult, build
from b12site.cli import main
from b12site.errors import ConfigError

from .conftest import BODY, TODAY, SiteMaker, article_text, front_matter
from .test_build import REPO, tree
from .test_incremental import EPOCH, same_tree, spy_processing

TAGS = ["vitamin-b12", "deficiency", "diet", "nerves", "treatment", "tests"]


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The worker count of every process pool started (the pool is not faked, only counted)."""
    started: list[int] = []

    class Counted(ProcessPoolExecutor):
        def __init__(self, max_workers: int | None = None, **options: Any) -> None:
            started.append(max_workers or 0)
            super().__init__(max_workers, **options)

    monkeypatch.setattr(b12site.workers, "ProcessPoolExecutor", Counted)
    yield started


def one_and_two(root: Path, tmp_path: Path, **options: Any) -> tuple[BuildResult, BuildResult]:
    """The site built in one process and in two, each into a fresh folder, without the cache."""
    results = []
    for jobs in (1, 2):
        results.append(
            build(
                root / "site.yaml",
                tmp_path / f"jobs{jobs}",
                today=TODAY,
                jobs=jobs,
                use_cache=False,
                **options,
            )
        )
    return results[0], results[1]


def test_sample_site_in_two_processes_equals_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pools: list[int]
) -> None:
    site = tmp_path / "site"
    for name in ("content", "templates", "static"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, site / name)
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    monkeypatch.setattr(b12site.workers, "MIN_PARALLEL", 1)
    one, two = one_and_two(site, tmp_path)
    assert pools == [2, 2]  # reading and rendering each ran in a pool of two
    same_tree(tree(tmp_path / "jobs2"), tree(tmp_path / "jobs1"))
    assert (two.articles, two.pages, two.topics) == (one.articles, one.pages, one.topics)
    assert two.articles >= 5
    assert [str(w) for w in two.warnings] == [str(w) for w in one.warnings]


def many_articles(count: int) -> dict[str, str]:
    """``count`` articles with overlapping tags, some with warnings, one in the future."""
    files = {}
    for n in range(count):
        tags = [TAGS[n % 6], TAGS[(n * 7 + 1) % 6]] if n % 3 else [TAGS[n % 6]]
        day = date(2025, 1, 1) + timedelta(days=5 * n)
        meta = front_matter(
            title=f"Article {n:02d} about {tags[0]}",
            published=day,
            last_reviewed=day + timedelta(days=2),
            tags=list(dict.fromkeys(tags)),
        )
        body = BODY + f"\n## Part {n}\n\n" + "More words here. " * (n * 40) + "\n"
        if n % 10 == 4:
            body = "No sections at all [@smith2020].\n"  # a warning: no contents list
        files[f"article-{n:02d}.md"] = article_text(meta, body)
    files["pages/about.md"] = "---\ntitle: About\ndescription: Us.\n---\n\n## Team\n\nText.\n"
    return files


def test_large_site_in_two_processes_equals_one(
    make_site: SiteMaker, tmp_path: Path, pools: list[int]
) -> None:
    # reading uses a pool from MIN_PARALLEL files, rendering when two processes save that many
    # pages (half of them, with two jobs), so both stages really run in a pool
    count = 2 * b12site.workers.MIN_PARALLEL + 4
    root = make_site(many_articles(count))
    one, two = one_and_two(root, tmp_path)
    assert pools == [2, 2]  # reading and rendering, in the two-process build only
    same_tree(tree(tmp_path / "jobs2"), tree(tmp_path / "jobs1"))
    assert two.articles == count
    assert [str(w) for w in two.warnings] == [str(w) for w in one.warnings]
    assert len(two.warnings) == count // 10


def test_an_edit_that_re_renders_a_few_lists_starts_no_pool(
    make_site: SiteMaker, tmp_path: Path, pools: list[int]
) -> None:
    count = 2 * b12site.workers.MIN_PARALLEL + 4
    root = make_site(many_articles(count))
    build(root / "site.yaml", tmp_path / "out", today=TODAY, jobs=2)
    assert pools == [2, 2]
    edited = root / "content" / f"article-{count - 1}.md"  # the newest: on home and in the feed
    edited.write_text(edited.read_text().replace("title: ", "title: Renamed ", 1))
    again = build(root / "site.yaml", tmp_path / "out", today=TODAY, jobs=2)
    # the article, pages that list it as related, its topic pages, home, A-Z and feed: a pool
    # would cost more than these take in this process
    assert again.written >= 7
    assert pools == [2, 2]
    build(root / "site.yaml", tmp_path / "cold", today=TODAY, jobs=1, use_cache=False)
    same_tree(tree(tmp_path / "out"), tree(tmp_path / "cold"))


def test_cache_filled_by_workers_is_used_by_the_next_build(
    make_site: SiteMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pools: list[int]
) -> None:
    root = make_site(many_articles(12))
    monkeypatch.setattr(b12site.workers, "MIN_PARALLEL", 1)
    build(root / "site.yaml", root / "_site", today=TODAY, jobs=2)
    assert pools
    processed = spy_processing(monkeypatch)
    (root / "_site" / "article-03" / "index.html").unlink()
    result = build(root / "site.yaml", root / "_site", today=TODAY, jobs=1)
    assert (processed, result.written) == ([], 1)
    build(root / "site.yaml", tmp_path / "cold", today=TODAY, jobs=1, use_cache=False)
    same_tree(tree(root / "_site"), tree(tmp_path / "cold"))


def broken_site(make_site: SiteMaker) -> Path:
    """Good articles, and five files each wrong in its own way."""
    files = many_articles(8)
    files["bad-author.md"] = article_text(front_matter(author="nobody"))
    files["bad-fields.md"] = article_text(front_matter(title=None, tags=[], refrences=[]))
    files["bad-citation.md"] = article_text(front_matter(), BODY + "As shown [@nobody2000].\n")
    files["bad-dates.md"] = article_text(
        front_matter(published="2026-13-45", last_reviewed=date(2020, 1, 1))
    )
    files["bad-yaml.md"] = "---\ntitle: [unclosed\ndescription: x\n---\n\nText.\n"
    files["pages/bad-page.md"] = "---\ntitle: A page\nslug: Not A Slug\n---\n\nText.\n"
    return make_site(files)


def test_problems_found_in_workers_are_all_reported_as_in_one_process(
    make_site: SiteMaker,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    pools: list[int],
) -> None:
    root = broken_site(make_site)
    monkeypatch.setattr(b12site.workers, "MIN_PARALLEL", 1)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    stderr = {}
    for jobs in ("1", "2"):
        args = ["build", "--config", str(root / "site.yaml"), "--no-cache", "--quiet"]
        assert main([*args, "--jobs", jobs]) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        stderr[jobs] = captured.err.splitlines()
    assert pools == [2]
    assert stderr["2"] == stderr["1"]
    lines = stderr["1"]
    named = {line.split(":", 1)[0] for line in lines[:-1]}
    assert named == {
        "content/bad-author.md",
        "content/bad-fields.md",
        "content/bad-citation.md",
        "content/bad-dates.md",
        "content/bad-yaml.md",
        "content/pages/bad-page.md",
    }
    assert lines[-1] == f"error: {len(lines) - 1} problems in 6 files; nothing was written"
    assert len(lines) - 1 >= 8  # several problems in some files, all reported
    assert not (root / "_site").exists()


def test_a_build_leaves_the_cycle_collector_as_it_found_it(make_site: SiteMaker) -> None:
    before = gc.get_threshold()
    seen: list[tuple[int, ...]] = []
    root = make_site({"low-b12.md": article_text(front_matter())})
    original = b12site.site.assemble

    def assemble(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_threshold())
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("b12site.build.assemble", assemble)
        build(root / "site.yaml", today=TODAY)
        with pytest.raises(ConfigError):
            build(root / "missing.yaml", today=TODAY)
    assert seen and seen[0] != before  # collecting less often during the build
    assert gc.get_threshold() == before  # and as before after it, even after an error
