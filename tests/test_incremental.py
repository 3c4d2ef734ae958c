"""Incremental rebuilds: after any change the output equals a cold build, and only what changed
is written; interrupted builds leave the output as it was or are finished by the next build."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

import b12site
import b12site.build
import b12site.edits
import b12site.outputs
import b12site.plan
import b12site.stage
import b12site.writer
from b12site.build import BuildResult, build
from b12site.cli import main
from b12site.theme import THEME_DIR
from b12site.writer import MARKER

from .conftest import BODY, SITE_YAML, TODAY, SiteMaker, article_text, front_matter
from .test_build import tree

# file stem, title, published, tags (site order is newest first)
ARTICLES = [
    ("anaemia", "Anaemia and vitamin B12", date(2026, 1, 5), ["vitamin-b12", "deficiency"]),
    ("b12-in-food", "B12 in food", date(2026, 2, 10), ["vitamin-b12", "diet"]),
    ("blood-tests", "Blood tests for B12", date(2026, 3, 15), ["deficiency", "tests"]),
    ("nerve-damage", "Nerve damage from low B12", date(2026, 4, 20), ["deficiency", "nerves"]),
    ("vegan-diet", "Vegan diets and B12", date(2026, 5, 25), ["diet", "vitamin-b12"]),
    ("injections", "B12 injections", date(2026, 6, 30), ["treatment", "deficiency"]),
    ("tablets", "Tablets or injections?", date(2026, 7, 4), ["treatment", "vitamin-b12"]),
    ("pregnancy", "Pregnancy and B12", date(2026, 8, 8), ["pregnancy"]),
]
FUTURE = date(2026, 12, 1)  # "coming-soon" is published on this day, after TODAY
EPOCH = str(int(datetime(2026, 11, 24, 12, tzinfo=UTC).timestamp()))  # TODAY, for the CLI
REVIEW_DUE = date(2026, 11, 28)  # "anaemia" is due for review on this day, after TODAY
TOPICS = [
    {"slug": "vitamin-b12", "name": "Vitamin B12", "description": "What B12 does."},
    {"slug": "deficiency", "name": "B12 deficiency", "description": "Low B12."},
    {"slug": "diet", "name": "Diet", "description": "B12 in food."},
    {"slug": "tests", "name": "Tests"},
    {"slug": "nerves", "name": "Nerve health"},
    {"slug": "treatment", "name": "Treatment"},
    {"slug": "pregnancy", "name": "Pregnancy"},
    {"slug": "medicines", "name": "Medicines"},
]
ABOUT = "---\ntitle: About us\ndescription: Who we are.\n---\n\n## Who we are\n\nA small team.\n"
OWN_404 = "<p>Lost on {{ config.title }}</p>\n"
THEME_FOOTER = THEME_DIR / "templates" / "partials" / "footer.html"
# rebuilds are stepped past a review date, so an overdue review is a warning here
HEALTH_SITE_YAML = {
    **SITE_YAML,
    "topics": TOPICS,
    "rules": {
        **SITE_YAML["rules"],  # type: ignore[dict-item]
        "review-overdue": {"severity": "warning", "reason": "rebuilds step past review dates"},
    },
}


def article_file(
    title: str, published: date, tags: list[str], body: str = BODY, **changes: object
) -> str:
    """An article's text: the conftest article with a title, dates and tags of its own."""
    fields: dict[str, object] = {
        "title": title,
        "description": f"All about {title.lower()}.",
        "published": published,
        "last_reviewed": published + timedelta(days=1),
        "tags": tags,
    }
    return article_text(front_matter(**{**fields, **changes}), body)


def health_site(root: Path) -> Path:
    """Eight live articles with overlapping tags, a draft, a future article, a page, a site
    template override, a misplaced (unused) template, and static files of the site's own."""
    files = {
        f"{stem}.md": article_file(title, published, tags)
        for stem, title, published, tags in ARTICLES
    }
    files["anaemia.md"] = article_file(*ARTICLES[0][1:], next_review=REVIEW_DUE)
    files["coming-soon.md"] = article_file(
        "Metformin and B12", FUTURE, ["medicines", "deficiency"], last_reviewed=FUTURE
    )
    files["draft-notes.md"] = article_file(
        "Notes in progress", date(2026, 9, 9), ["diet"], draft=True
    )
    files["pages/about.md"] = ABOUT
    write(root / "site.yaml", yaml.safe_dump(HEALTH_SITE_YAML, sort_keys=False))
    for name, text in files.items():
        write(root / "content" / name, text)
    write(root / "templates" / "404.html", OWN_404)
    footer = THEME_FOOTER.read_text("utf-8").replace("Published by", "Brought to you by")
    write(root / "templates" / "footer.html", footer)  # not where the theme looks for it
    write(root / "static" / "notes.txt", "Notes for readers.\n")
    write(root / "static" / "favicon.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>\n")
    return root


def write(path: Path, text: str) -> None:
    """Write a file, making its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def edit(path: Path, old: str, new: str) -> None:
    """Replace text that must be in the file."""
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), "utf-8")


def edit_settings(root: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Change site.yaml through its parsed form."""
    path = root / "site.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")


def mtimes(folder: Path) -> dict[str, int]:
    """The mtime_ns of every file under a folder, by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file()
    }


def leftovers(out: Path) -> list[str]:
    """Hidden staging folders left beside the output."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def rebuild(root: Path, day: date = TODAY, **options: Any) -> BuildResult:
    """``b12site build`` of a site into its ``_site``, with the cache, in one process."""
    return build(root / "site.yaml", root / "_site", today=day, jobs=1, **options)


def cold(
    root: Path, folder: Path, day: date = TODAY, **options: Any
) -> tuple[dict[str, bytes], BuildResult]:
    """A build without the cache into a fresh folder: what any rebuild must give."""
    assert not folder.exists()
    result = build(root / "site.yaml", folder, today=day, use_cache=False, **options)
    return tree(folder), result


def same_tree(actual: dict[str, bytes], expected: dict[str, bytes]) -> None:
    """Assert two output trees are byte-identical, naming what differs."""
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    different = sorted(p for p in set(actual) & set(expected) if actual[p] != expected[p])
    assert not (missing or extra or different), f"{missing=} {extra=} {different=}"


def warnings_of(result: BuildResult) -> list[str]:
    """Warnings as the command line prints them."""
    return [str(w) for w in result.warnings]


@dataclass(frozen=True)
class Edit:
    """A change an editor makes between two builds, and what it must visibly do."""

    apply: Callable[[Path, pytest.MonkeyPatch], object]
    day: date = TODAY  # the day of the rebuild
    changes: tuple[str, ...] = ()  # outputs that must be new or different after it
    vanish: tuple[str, ...] = ()  # outputs that must be gone after it
    warning: str = ""  # text a warning of the rebuild must contain
    options: Mapping[str, Any] = field(default_factory=dict)  # of the rebuild


def _settings(change: Callable[[dict[str, Any]], None]) -> Callable[[Path, Any], None]:
    return lambda root, _: edit_settings(root, change)


def _rename_person(data: dict[str, Any]) -> None:
    data["people"][0]["name"] = "Ann Writer"


def _rename_topic(data: dict[str, Any]) -> None:
    data["topics"][2]["name"] = "Food and diet"


def _new_article(root: Path, _: object) -> None:
    write(
        root / "content" / "folate.md",
        article_file("Folate and B12", date(2026, 9, 1), ["deficiency", "diet"]),
    )


def _card_template(root: Path, _: object) -> None:
    card = (THEME_DIR / "templates" / "partials" / "article-card.html").read_text("utf-8")
    write(root / "templates" / "partials" / "article-card.html", card.replace("min read", "min"))


def _move_footer(root: Path, _: object) -> None:
    (root / "templates" / "partials").mkdir(exist_ok=True)
    (root / "templates" / "footer.html").rename(root / "templates" / "partials" / "footer.html")


def _unlink_and_edit(root: Path) -> None:
    (root / "static" / "notes.txt").unlink()
    edit(root / _article("injections"), "Intro paragraph.", "Intro, edited.")


def _new_version(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(b12site, "__version__", b12site.__version__ + ".post1")


def _future_article(root: Path, _: object) -> None:
    assert not (root / "_site" / "coming-soon").exists()


def _rename_keeping_slug(root: Path, _: object) -> None:
    old = root / _article("b12-in-food")
    write(
        root / _article("food"),
        old.read_text("utf-8").replace("---\n", "---\nslug: b12-in-food\n", 1),
    )
    old.unlink()


def _touch(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 3_000_000_000))


def _article(stem: str) -> Path:
    return Path("content") / f"{stem}.md"


EDITS: dict[str, Edit] = {
    "body": Edit(
        lambda root, _: edit(root / _article("injections"), "Intro paragraph.", "Intro, edited."),
        changes=("injections/index.html",),
    ),
    "tags": Edit(
        lambda root, _: edit(root / _article("blood-tests"), "- deficiency\n- tests", "- diet"),
        changes=("blood-tests/index.html", "topics/diet/index.html", "index.html", "feed.xml"),
        vanish=("topics/tests/index.html",),
    ),
    "title": Edit(
        lambda root, _: edit(root / _article("tablets"), "Tablets or injections?", "Oral tablets"),
        changes=("tablets/index.html", "a-z/index.html", "index.html", "feed.xml"),
    ),
    "new article": Edit(_new_article, changes=("folate/index.html", "sitemap.xml")),
    "deleted article": Edit(
        lambda root, _: (root / _article("pregnancy")).unlink(),
        changes=("index.html", "sitemap.xml"),
        vanish=("pregnancy/index.html", "topics/pregnancy/index.html"),
    ),
    "renamed file": Edit(
        lambda root, _: (root / _article("b12-in-food")).rename(root / _article("food-sources")),
        changes=("food-sources/index.html", "a-z/index.html"),
        vanish=("b12-in-food/index.html",),
    ),
    "renamed file keeping its slug": Edit(_rename_keeping_slug),
    "draft": Edit(
        lambda root, _: edit(
            root / _article("nerve-damage"), "---\ntitle:", "---\ndraft: true\ntitle:"
        ),
        vanish=("nerve-damage/index.html", "topics/nerves/index.html"),
    ),
    "page title": Edit(
        lambda root, _: edit(root / "content" / "pages" / "about.md", "About us", "Our team"),
        changes=("about/index.html", "index.html", "pregnancy/index.html", "topics/index.html"),
    ),
    "page updated": Edit(
        lambda root, _: edit(
            root / "content" / "pages" / "about.md",
            "description:",
            "updated: 2026-01-05\ndescription:",
        ),
        changes=("about/index.html", "sitemap.xml"),
    ),
    "template edited": Edit(
        lambda root, _: edit(root / "templates" / "404.html", "Lost on", "Nothing here on"),
        changes=("404.html",),
    ),
    "template added": Edit(_card_template, changes=("index.html", "topics/diet/index.html")),
    "template removed": Edit(
        lambda root, _: (root / "templates" / "404.html").unlink(), changes=("404.html",)
    ),
    "template moved into place": Edit(
        _move_footer, changes=("index.html", "tablets/index.html", "a-z/index.html")
    ),
    "site title": Edit(
        _settings(lambda data: data.update(title="Better Health")),
        changes=("index.html", "feed.xml", "404.html", "anaemia/index.html"),
    ),
    "person name": Edit(
        _settings(_rename_person), changes=("anaemia/index.html", "feed.xml", "tablets/index.html")
    ),
    "topic name": Edit(
        _settings(_rename_topic),
        changes=("topics/diet/index.html", "topics/index.html", "vegan-diet/index.html"),
    ),
    "static added": Edit(
        lambda root, _: write(root / "static" / "img" / "new.txt", "New.\n"),
        changes=("static/img/new.txt",),
    ),
    "static modified": Edit(
        lambda root, _: write(root / "static" / "notes.txt", "Other notes.\n"),
        changes=("static/notes.txt",),
    ),
    "static deleted": Edit(
        lambda root, _: (root / "static" / "notes.txt").unlink(), vanish=("static/notes.txt",)
    ),
    "static deleted with a body edit": Edit(
        lambda root, _: _unlink_and_edit(root),
        changes=("injections/index.html",),
        vanish=("static/notes.txt",),
    ),
    "static touched": Edit(lambda root, _: _touch(root / "static" / "notes.txt")),
    "static override deleted": Edit(
        lambda root, _: (root / "static" / "favicon.svg").unlink(),
        changes=("static/favicon.svg",),
    ),
    "future article due": Edit(
        _future_article,
        day=FUTURE,
        changes=("coming-soon/index.html", "topics/medicines/index.html", "index.html"),
    ),
    "review falls due": Edit(
        lambda root, _: None,
        day=REVIEW_DUE + timedelta(days=1),
        warning=f"review overdue since {REVIEW_DUE}",
    ),
    "next_review edited": Edit(
        lambda root, _: edit(
            root / _article("b12-in-food"),
            "last_reviewed:",
            "next_review: 2026-11-01\nlast_reviewed:",
        ),
        changes=("b12-in-food/index.html",),
        warning="review overdue since 2026-11-01",
    ),
    "last_reviewed edited": Edit(
        lambda root, _: edit(
            root / _article("vegan-diet"), "last_reviewed: 2026-05-26", "last_reviewed: 2026-10-02"
        ),
        changes=("vegan-diet/index.html", "index.html", "topics/diet/index.html"),
    ),
    "b12site version": Edit(_new_version),
    "drafts included": Edit(
        lambda root, _: None,
        options={"drafts": True},
        changes=("draft-notes/index.html", "topics/diet/index.html"),
    ),
    "base URL given": Edit(
        lambda root, _: None,
        options={"base_url": "https://preview.example.net/b12/"},
        changes=("index.html", "sitemap.xml", "feed.xml", "tablets/index.html"),
    ),
}


@pytest.fixture(scope="session")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The health site built once with the cache, and a copy of it as that build left it."""
    base = tmp_path_factory.mktemp("incremental")
    root = health_site(base / "site")
    rebuild(root)
    shutil.copytree(root, base / "pristine")
    return root, base / "pristine"


@pytest.fixture
def site(pristine: tuple[Path, Path]) -> Path:
    """The built health site, as its first build left it (sources, output and cache).

    Restored in place from a copy that keeps every mtime, so the cache matches it exactly.
    """
    root, copy = pristine
    shutil.rmtree(root)
    shutil.copytree(copy, root)
    return root


@pytest.mark.parametrize("name", list(EDITS))
def test_rebuild_after_an_edit_equals_a_cold_build(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    change = EDITS[name]
    out = site / "_site"
    before, stamps = tree(out), mtimes(out)
    change.apply(site, monkeypatch)
    result = rebuild(site, change.day, **change.options)
    after = tree(out)
    expected, cold_result = cold(site, tmp_path / "cold", change.day, **change.options)
    same_tree(after, expected)
    assert warnings_of(result) == warnings_of(cold_result)
    assert leftovers(out) == []
    # The edit did what an editor expects (so the comparison above is not vacuous) ...
    for path in change.changes:
        assert before.get(path) != after.get(path), f"{path} should have changed"
    for path in change.vanish:
        assert path in before and path not in after, f"{path} should be gone"
    assert not change.warning or any(change.warning in w for w in warnings_of(result))
    # ... and only the files whose bytes changed were written; the others kept their mtime.
    differ = {p for p, data in after.items() if before.get(p) != data}
    assert result.written == len(differ)
    assert result.removed == len(set(before) - set(after))
    now = mtimes(out)
    kept = [p for p in after if p not in differ and p != MARKER]
    assert [p for p in kept if now[p] != stamps[p]] == []


def test_rebuild_with_nothing_changed_writes_nothing(site: Path) -> None:
    out = site / "_site"
    before, stamps = tree(out), mtimes(out)
    result = rebuild(site)
    assert (result.written, result.removed) == (0, 0)
    assert result.unchanged == len(before) - 1  # every file but the marker
    assert result.articles == len(ARTICLES)
    assert tree(out) == before
    assert mtimes(out) == stamps


def test_a_new_day_with_nothing_due_renders_nothing(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = site / "_site"
    before, stamps = tree(out), mtimes(out)
    processed, rendered = spy_processing(monkeypatch), spy_renders(monkeypatch)
    first = rebuild(site)
    result = rebuild(site, REVIEW_DUE)  # the last day before anything comes out or falls due
    assert (processed, rendered, result.written, result.removed) == ([], [], 0, 0)
    assert warnings_of(result) == warnings_of(first)
    assert (tree(out), mtimes(out)) == (before, stamps)


@pytest.mark.parametrize("edited", [True, False], ids=["after an edit", "nothing changed"])
def test_files_the_build_did_not_plan_are_removed(site: Path, tmp_path: Path, edited: bool) -> None:
    """The README promises it: what b12site did not plan does not stay online."""
    out = site / "_site"
    write(out / "stray.html", "left by hand")
    write(out / "old-section" / "page" / "index.html", "from some other tool")
    before = tree(out)
    if edited:
        edit(site / _article("injections"), "Intro paragraph.", "Intro, edited.")
    result = rebuild(site)
    assert not (out / "stray.html").exists()
    assert not (out / "old-section").exists()
    gone = set(before) - set(tree(out))
    # an edit also replaces the search index, whose fragment files are named by their content
    assert {p for p in gone if not p.startswith(SEARCH)} == {
        "stray.html",
        "old-section/page/index.html",
    }
    assert result.removed == len(gone)
    same_tree(tree(out), cold(site, tmp_path / "cold")[0])


SEARCH = "pagefind/"  # the search index: made anew whenever a searched page changes


def pages(files: Mapping[str, Any]) -> dict[str, Any]:
    """Files of the output other than the search index."""
    return {path: value for path, value in files.items() if not path.startswith(SEARCH)}


def test_feed_of_a_site_with_nothing_dated_follows_the_build_date(
    make_site: SiteMaker, tmp_path: Path
) -> None:
    root = make_site({"pages/about.md": "---\ntitle: About\ndescription: Us.\n---\n\nHi.\n"})
    rebuild(root)
    assert f"<updated>{TODAY}T".encode() in (root / "_site" / "feed.xml").read_bytes()
    later = TODAY + timedelta(days=1)
    result = rebuild(root, later)
    same_tree(tree(root / "_site"), cold(root, tmp_path / "cold", later)[0])
    assert result.written >= 1


def test_body_edit_writes_only_that_article(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = site / "_site"
    before, stamps = tree(out), mtimes(out)
    rendered = spy_renders(monkeypatch)
    edit(site / _article("pregnancy"), "Intro paragraph.", "Intro paragraph, reworded.")
    result = rebuild(site)
    assert rendered == ["pregnancy/index.html"]
    now = mtimes(out)
    changed = sorted(p for p in now if p != MARKER and now[p] != stamps.get(p))
    assert [p for p in changed if not p.startswith(SEARCH)] == ["pregnancy/index.html"]
    assert result.written == len(changed)  # the page and the search index made anew
    assert result.removed == len(set(stamps) - set(now))
    assert {p for p in stamps.keys() - now.keys()} <= {p for p in stamps if p.startswith(SEARCH)}
    assert b"Intro paragraph, reworded." in (out / "pregnancy" / "index.html").read_bytes()
    same_tree(tree(out), cold(site, tmp_path / "cold")[0])
    after = pages(tree(out))
    assert {p for p, d in after.items() if before[p] != d} == {"pregnancy/index.html"}


def pager_on(page: bytes) -> list[str]:
    """The links in an article page's previous and next links."""
    text = page.decode("utf-8")
    if '<nav class="pager"' not in text:
        return []
    box = text.split('<nav class="pager"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', box)


def related_on(page: bytes) -> list[str]:
    """The links in an article page's "Related articles" box."""
    text = page.decode("utf-8")
    if '<aside class="related"' not in text:
        return []
    box = text.split('<aside class="related"', 1)[1].split("</aside>", 1)[0]
    return re.findall(r'class="card__title"><a href="([^"]+)"', box)


def test_title_edit_rerenders_pages_that_show_the_title_and_no_others(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = site / "_site"
    before, stamps = tree(out), mtimes(out)
    listing = {path for path, data in pages(before).items() if "/tablets/" in related_on(data)}
    assert {"anaemia/index.html", "injections/index.html"} <= listing
    # the articles before and after it in their first topic show its title in their pager
    beside = {path for path, data in pages(before).items() if "/tablets/" in pager_on(data)}
    assert beside
    rendered = spy_renders(monkeypatch)
    edit(site / _article("tablets"), "Tablets or injections?", "Oral tablets")
    result = rebuild(site)
    shows_title = {
        "tablets/index.html",
        "index.html",
        "a-z/index.html",
        "topics/treatment/index.html",
        "topics/vitamin-b12/index.html",
        "feed.xml",
        *listing,
        *beside,
    }
    assert shows_title <= set(rendered)
    unrelated = {
        "sitemap.xml",  # lists paths and dates only
        "nerve-damage/index.html",
        "pregnancy/index.html",
        "topics/pregnancy/index.html",
        "topics/index.html",
        "about/index.html",
    }
    assert not unrelated & (listing | beside)
    assert sorted(unrelated & set(rendered)) == []
    now = mtimes(out)
    changed = sorted(p for p in now if p != MARKER and now[p] != stamps.get(p))
    assert [p for p in changed if not p.startswith(SEARCH)] == sorted(shows_title)
    assert result.written == len(changed)
    same_tree(tree(out), cold(site, tmp_path / "cold")[0])
    a_z = (out / "a-z" / "index.html").read_text("utf-8")
    assert a_z.index("Nerve damage") < a_z.index("Oral tablets") < a_z.index("Pregnancy")


def test_new_b12site_version_processes_every_source_again(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    processed = spy_processing(monkeypatch)
    rebuild(site)
    assert processed == []
    monkeypatch.setattr(b12site, "__version__", "99.0")
    result = rebuild(site)
    assert sorted(processed) == sorted(p.name for p in (site / "content").rglob("*.md"))
    assert result.written == 0
    same_tree(tree(site / "_site"), cold(site, tmp_path / "cold")[0])


def test_output_damaged_by_hand_is_repaired(site: Path, tmp_path: Path) -> None:
    out = site / "_site"
    (out / "tablets" / "index.html").write_text("oops", "utf-8")
    (out / "a-z" / "index.html").unlink()
    (out / "static" / "notes.txt").unlink()
    result = rebuild(site)
    same_tree(tree(out), cold(site, tmp_path / "cold")[0])
    assert (result.written, result.removed) == (3, 0)


def test_pages_from_an_uncached_build_go_when_their_article_goes(
    site: Path, tmp_path: Path
) -> None:
    """``--no-cache`` between cached builds must not leave a deleted article online."""
    _new_article(site, None)
    build(site / "site.yaml", site / "_site", today=TODAY, use_cache=False)
    assert (site / "_site" / "folate" / "index.html").is_file()
    (site / "content" / "folate.md").unlink()
    rebuild(site)
    assert not (site / "_site" / "folate").exists()
    same_tree(tree(site / "_site"), cold(site, tmp_path / "cold")[0])


def test_builds_in_one_process_see_a_new_template_override(site: Path, tmp_path: Path) -> None:
    """Two ``build()`` calls in one process (a watch loop, a test) use the site as it is."""
    out = site / "_site"
    build(site / "site.yaml", out, today=TODAY, jobs=1, use_cache=False)
    _card_template(site, None)
    build(site / "site.yaml", out, today=TODAY, jobs=1, use_cache=False)
    assert b"min read" not in (out / "index.html").read_bytes()
    same_tree(tree(out), cold(site, tmp_path / "cold")[0])


def spy_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the path of every output rendered (in this process: use jobs=1)."""
    rendered: list[str] = []
    real = b12site.outputs._render

    def render(task: tuple[Any, str]) -> bytes:
        rendered.append(task[0].path)
        return real(task)

    monkeypatch.setattr(b12site.outputs, "_render", render)
    return rendered


def spy_processing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the file name of every source read and rendered (in this process: jobs=1)."""
    processed: list[str] = []
    real = b12site.stage.process_source

    def process(path: Path, *args: Any) -> Any:
        processed.append(path.name)
        return real(path, *args)

    monkeypatch.setattr(b12site.stage, "process_source", process)
    monkeypatch.setattr(b12site.build, "process_source", process)
    monkeypatch.setattr(b12site.edits, "process_source", process)
    return processed


# Interrupted builds


def interrupt_on_call(real: Callable[..., Any], nth: int, when: Callable[..., bool]) -> Any:
    """``real``, raising KeyboardInterrupt on its ``nth`` call for which ``when`` holds."""
    calls = iter(range(1, 1_000_000))

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if when(*args) and next(calls) == nth:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    return wrapper


def test_interrupt_while_staging_leaves_output_as_it_was(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = site / "_site"
    before, stamps = tree(out), mtimes(out)
    edit(site / _article("tablets"), "Tablets or injections?", "Oral tablets")
    (site / _article("pregnancy")).unlink()
    real = b12site.writer._write
    monkeypatch.setattr(b12site.writer, "_write", interrupt_on_call(real, 2, lambda *args: True))
    with pytest.raises(KeyboardInterrupt):
        rebuild(site)
    monkeypatch.undo()
    assert tree(out) == before
    assert mtimes(out) == stamps
    assert leftovers(out) == []
    rebuild(site)
    same_tree(tree(out), cold(site, tmp_path / "cold")[0])
    assert leftovers(out) == []


def _staged(source: object, target: object) -> bool:
    return ".b12site-new-" in str(source)


@pytest.mark.parametrize("then", ["same sources", "edit undone"])
def test_interrupt_after_the_commit_point_is_finished_by_the_next_build(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, then: str
) -> None:
    out = site / "_site"
    tablets = site / _article("tablets")
    original = tablets.read_text("utf-8")
    before = tree(out)
    edit(tablets, "Tablets or injections?", "Oral tablets")
    (site / _article("pregnancy")).unlink()
    # writer._apply moves staged files into the output with os.replace
    monkeypatch.setattr(os, "replace", interrupt_on_call(os.replace, 2, _staged))
    with pytest.raises(KeyboardInterrupt):
        rebuild(site)
    monkeypatch.undo()
    assert tree(out) != before  # the update was under way
    assert len(leftovers(out)) == 1  # with its journal, to be carried through
    if then == "edit undone":
        tablets.write_text(original, "utf-8")
        write(site / _article("pregnancy"), article_file(*ARTICLES[7][1:]))
    result = rebuild(site)
    assert leftovers(out) == []
    expected, cold_result = cold(site, tmp_path / "cold")
    same_tree(tree(out), expected)
    assert warnings_of(result) == warnings_of(cold_result)
    if then == "edit undone":
        assert tree(out) == before


def test_staging_left_by_a_killed_build_is_discarded(site: Path, tmp_path: Path) -> None:
    """A build killed before its commit point (no clean-up ran) leaves a staging folder."""
    out = site / "_site"
    left = site / "._site.b12site-new-k1ll3d"
    write(left / "index.html", "half-made page")
    write(left / "tablets" / "index.html", "half-made page")
    write(left / ".b12site-commit.tmp", '{"move": ["index.html"], "delete": ["a-z/index.html"]}')
    before = tree(out)
    result = rebuild(site)
    assert leftovers(out) == []
    assert (tree(out), result.written) == (before, 0)
    same_tree(tree(out), cold(site, tmp_path / "cold")[0])


def test_command_line_tells_what_an_interrupted_build_left(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stopped before the commit point nothing was written; after it, some files were."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    args = ["build", "--config", str(site / "site.yaml"), "--quiet", "--jobs", "1"]
    edit(site / _article("tablets"), "Tablets or injections?", "Oral tablets")
    real = b12site.writer._write
    monkeypatch.setattr(b12site.writer, "_write", interrupt_on_call(real, 2, lambda *a: True))
    assert main(args) == 130
    assert "nothing was written" in capsys.readouterr().err
    monkeypatch.setattr(b12site.writer, "_write", real)
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", interrupt_on_call(real_replace, 2, _staged))
    assert main(args) == 130
    assert "nothing was written" not in capsys.readouterr().err
    monkeypatch.setattr(os, "replace", real_replace)
    assert main(args) == 0


def test_interrupted_fresh_build_leaves_nothing(
    make_site: SiteMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site()
    real = b12site.writer._write
    monkeypatch.setattr(b12site.writer, "_write", interrupt_on_call(real, 2, lambda *a: True))
    with pytest.raises(KeyboardInterrupt):
        rebuild(root)
    monkeypatch.undo()
    assert not (root / "_site").exists()
    assert leftovers(root / "_site") == []
    rebuild(root)
    same_tree(tree(root / "_site"), cold(root, tmp_path / "cold")[0])


@pytest.mark.parametrize(
    ("name", "planned"), [("body", False), ("tags", True), ("title", True), ("draft", True)]
)
def test_only_edits_that_change_a_card_plan_the_whole_site_again(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, planned: bool
) -> None:
    """A body edit keeps every list as it was, so only its own page is planned and rendered."""
    plans: list[int] = []
    real = b12site.plan.plan_site

    def plan(*args: Any) -> Any:
        plans.append(1)
        return real(*args)

    monkeypatch.setattr(b12site.build, "plan_site", plan)
    EDITS[name].apply(site, monkeypatch)
    rebuild(site)
    assert bool(plans) is planned
    same_tree(tree(site / "_site"), cold(site, tmp_path / "cold")[0])
