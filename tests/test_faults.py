"""Faults: builds killed or stopped at any point, output folders that cannot be written,
unreadable sources, hidden static files, the machine's locale and template errors."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from b12site.build import build
from b12site.cli import main
from b12site.errors import display_path
from b12site.render import format_date
from b12site.static import collect_static
from b12site.theme import THEME_DIR
from b12site.writer import recover

from .conftest import TODAY, SiteMaker
from .test_build import tree
from .test_incremental import EPOCH, article_file, edit, health_site, leftovers, same_tree, write

# A build in its own process, so that it can be killed: ``spec`` names the command line and,
# optionally, a function of b12site's writer (or one it calls) to stop on its nth call whose
# arguments contain a text, a file size limit, and a user to run the build as.
HARNESS = r"""
import json, os, pathlib, resource, shutil, signal, sys
import b12site.cli, b12site.rules, b12site.writer

spec = json.loads(sys.argv[1])
if spec["hook"]:
    where, name, nth, needle, how = spec["hook"]
    owner = {"os": os, "shutil": shutil, "Path": pathlib.Path, "writer": b12site.writer}[where]
    real, calls = getattr(owner, name), []

    def hooked(*args, **kwargs):
        if needle in " ".join(map(str, args)):
            calls.append(args)
            if len(calls) == nth:
                if how == "kill":
                    os.kill(os.getpid(), signal.SIGKILL)
                raise KeyboardInterrupt
        return real(*args, **kwargs)

    setattr(owner, name, hooked)
if spec["fsize"]:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (spec["fsize"], spec["fsize"]))
if spec["user"]:
    # the interpreter's own files are readable by root only: import what a build needs first
    import b12site.config, b12site.content, b12site.documents, b12site.render, b12site.schema
    import encodings.unicode_escape  # Jinja decodes string literals with it
    import b12site.facts, b12site.readability
    b12site.readability._hyphenator()  # the dictionary file is read once, on first use

    os.setgroups([])
    os.setgid(spec["user"][1])
    os.setuid(spec["user"][0])
sys.exit(b12site.cli.main(spec["argv"]))
"""

NOTHING_WRITTEN = "error: interrupted; nothing was written"
FINISHED_NEXT = "error: interrupted while updating the output; the next build finishes it"

try:
    _nobody = pwd.getpwnam("nobody")
    NOBODY: tuple[int, int] | None = (_nobody.pw_uid, _nobody.pw_gid)
except KeyError:
    NOBODY = None
as_root = pytest.mark.skipif(
    os.geteuid() != 0 or NOBODY is None, reason="needs root, to run a build as user nobody"
)


def run_build(
    root: Path,
    out: Path | None = None,
    *,
    hook: tuple[str, str, int, str, str] | None = None,
    user: tuple[int, int] | None = None,
    fsize: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """``b12site build`` of a site in a process of its own."""
    argv = ["build", "--config", str(root / "site.yaml"), "--quiet", "--jobs", "1"]
    argv += ["--output", str(out)] if out else []
    spec = json.dumps({"argv": argv, "hook": hook, "user": user, "fsize": fsize})
    return subprocess.run(
        [sys.executable, "-c", HARNESS, spec],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root.parent,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        check=False,
    )


def cli(root: Path, capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, list[str]]:
    """``b12site build`` of a site in this process: the exit code and the lines on stderr."""
    argv = ["build", "--config", str(root / "site.yaml"), "--quiet", "--jobs", "1", *options]
    code = main(argv)
    return code, [line for line in capsys.readouterr().err.splitlines() if line != DUE_SOON]


# the health site's "anaemia" falls due for review four days after the build date
DUE_SOON = (
    "warning: content/anaemia.md:5: last_reviewed: review due on 2026-11-28, in 4 days "
    "[review-due-soon]"
)


def chown_tree(top: Path, owner: tuple[int, int]) -> None:
    """Give a folder and everything in it to a user and group."""
    os.chown(top, *owner)
    for here, dirs, names in os.walk(top):
        for name in (*dirs, *names):
            os.chown(os.path.join(here, name), *owner, follow_symlinks=False)


def change(root: Path) -> None:
    """An edit that re-renders every list, removes pages and a static file, and adds one."""
    edit(root / "content" / "tablets.md", "Tablets or injections?", "Oral tablets")
    (root / "content" / "pregnancy.md").unlink()
    (root / "static" / "notes.txt").unlink()
    write(root / "static" / "new.css", "body { margin: 0 }\n")


@pytest.fixture(autouse=True)
def _build_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every build in this file, in this process or another, is made on TODAY."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture(scope="module")
def base() -> Iterator[Path]:
    """A folder every user can pass through (pytest's temporary folders are root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="b12site-faults-")).resolve()
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture(scope="module")
def pristine(base: Path) -> Path:
    """The health site with its output and cache, as a first build left them."""
    root = health_site(base / "site")
    build(root / "site.yaml", root / "_site", today=TODAY, jobs=1)
    shutil.copytree(root, base / "pristine")
    shutil.rmtree(root)
    return base / "pristine"


@pytest.fixture
def site(base: Path, pristine: Path) -> Path:
    """A fresh copy of the built health site, always at one place (so its cache holds)."""
    root = base / "site"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(pristine, root)
    return root


@pytest.fixture(scope="module")
def expected(base: Path, pristine: Path) -> dict[str, bytes]:
    """What a cold build gives once the site has had ``change``."""
    root = base / "changed"
    shutil.copytree(pristine, root, ignore=shutil.ignore_patterns("_site", ".b12site-cache"))
    change(root)
    build(root / "site.yaml", base / "cold", today=TODAY, use_cache=False, jobs=1)
    return tree(base / "cold")


# 1. Builds killed (SIGKILL: no clean-up runs) or stopped with Ctrl-C at any point


@dataclass(frozen=True)
class Stop:
    """A point to stop a build at: a call to hook, and whether the update was committed."""

    hook: tuple[str, str, int, str]  # where, function, nth call, text its arguments contain
    committed: bool


STOPS = {
    "while staging files": Stop(("writer", "_write", 2, ""), committed=False),
    "with the journal written, not yet in place": Stop(
        ("Path", "rename", 1, ".b12site-commit.tmp"), committed=False
    ),
    "right after the commit, before removing stale files": Stop(
        ("writer", "_apply", 1, ""), committed=True
    ),
    "while removing stale files": Stop(("Path", "unlink", 2, "/_site/"), committed=True),
    "while moving files in": Stop(("os", "replace", 3, ".b12site-new-"), committed=True),
    "before removing the staging folder": Stop(
        ("shutil", "rmtree", 1, ".b12site-new-"), committed=True
    ),
}


@pytest.mark.parametrize("how", ["kill", "ctrl-c"])
@pytest.mark.parametrize("point", list(STOPS))
def test_a_stopped_build_leaves_the_old_site_or_one_the_next_build_completes(
    site: Path,
    expected: dict[str, bytes],
    capsys: pytest.CaptureFixture[str],
    point: str,
    how: str,
) -> None:
    out, stop = site / "_site", STOPS[point]
    before = tree(out)
    change(site)
    stopped = run_build(site, hook=(*stop.hook, how))
    if how == "kill":
        assert stopped.returncode == -signal.SIGKILL, stopped.stderr
        assert len(leftovers(out)) == 1  # nothing cleaned up after itself
    else:
        assert (stopped.returncode, stopped.stderr.splitlines()) == (
            130,
            [FINISHED_NEXT if stop.committed else NOTHING_WRITTEN],
        )
        assert len(leftovers(out)) == (1 if stop.committed else 0)
    if not stop.committed:
        assert tree(out) == before
    code, err = cli(site, capsys)
    assert code == 0, err
    same_tree(tree(out), expected)
    assert leftovers(out) == []


@pytest.mark.parametrize("how", ["kill", "ctrl-c"])
def test_a_first_build_stopped_leaves_no_output_and_the_next_is_complete(
    site: Path, pristine: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    out = site / "_site"
    shutil.rmtree(out)
    shutil.rmtree(site / ".b12site-cache")
    stopped = run_build(site, hook=("writer", "_write", 2, "", how))
    assert stopped.returncode == (-signal.SIGKILL if how == "kill" else 130)
    assert not out.exists()
    assert cli(site, capsys)[0] == 0
    same_tree(tree(out), tree(pristine / "_site"))
    assert leftovers(out) == []


def test_only_this_outputs_staging_folders_are_cleared(tmp_path: Path) -> None:
    """Matched by exact name: not as a pattern (``[1]``), nor another output's, nor links."""
    out = tmp_path / "_site[1]"
    write(out / ".b12site", "")
    ours = tmp_path / "._site[1].b12site-new-x1"
    write(ours / "index.html", "half made")
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere / ".b12site-commit", '{"move": ["index.html"], "delete": []}')
    write(elsewhere / "index.html", "not ours")
    (tmp_path / "._site[1].b12site-new-link").symlink_to(elsewhere)
    others = ["._site1.b12site-new-x1", "._site.b12site-new-x1", "_site[1].b12site-new-x1"]
    for name in others:
        write(tmp_path / name / "index.html", "someone else's")
    recover(out)
    assert not ours.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["_site[1]", "._site[1].b12site-new-link", "elsewhere", *others]
    )
    assert tree(out) == {".b12site": b""}
    assert tree(elsewhere)["index.html"] == b"not ours"


@pytest.mark.parametrize("becomes", ["folder", "file"])
def test_a_static_file_and_a_folder_of_the_same_name_swap_places(
    site: Path, base: Path, capsys: pytest.CaptureFixture[str], becomes: str
) -> None:
    """The old one is removed before the new one moves in, so the update never blocks."""
    static = site / "static"
    first, then = (
        ("notes", "notes/today.txt") if becomes == "folder" else ("notes/old.txt", "notes")
    )
    write(static / first, "first\n")
    assert cli(site, capsys)[0] == 0
    if becomes == "file":
        shutil.rmtree(static / "notes")
    else:
        (static / "notes").unlink()
    write(static / then, "then\n")
    assert cli(site, capsys) == (0, [])
    assert leftovers(site / "_site") == []
    build(site / "site.yaml", base / "swapped", today=TODAY, use_cache=False, jobs=1)
    same_tree(tree(site / "_site"), tree(base / "swapped"))
    shutil.rmtree(base / "swapped")


# 2. Output folders that cannot be written, sources that cannot be read, a full disk


@as_root
def test_an_output_folder_the_user_cannot_write(site: Path) -> None:
    assert NOBODY is not None
    out = site / "_site"
    before = tree(out)
    change(site)
    chown_tree(site, NOBODY)
    chown_tree(out, (0, 0))
    result = run_build(site, user=NOBODY)
    assert (result.returncode, result.stderr.splitlines()) == (
        1,
        [f"error: cannot write the site to {out}: {out} is not writable (nothing was changed)"],
    )
    assert tree(out) == before
    assert leftovers(out) == []


@as_root
def test_a_folder_for_the_output_the_user_cannot_write(site: Path, base: Path) -> None:
    assert NOBODY is not None
    holder = Path(tempfile.mkdtemp(dir=base))
    holder.chmod(0o755)
    out = holder / "_site"
    build(site / "site.yaml", out, today=TODAY, jobs=1)
    before = tree(out)
    change(site)
    chown_tree(site, NOBODY)
    result = run_build(site, out, user=NOBODY)
    assert (result.returncode, result.stderr.splitlines()) == (
        1,
        [
            f"error: cannot write the site to {out}: cannot create a folder in {holder}: "
            "Permission denied"
        ],
    )
    assert tree(out) == before
    assert sorted(p.name for p in holder.iterdir()) == ["_site"]


UNREADABLE = {
    "content file": (
        "content/secret.md",
        ["content/secret.md: cannot read: Permission denied"],
    ),
    "static file": (
        "static/secret.txt",
        ["error: static/secret.txt: cannot read: Permission denied"],
    ),
    "static folder": (
        "static/private/notes.txt",
        ["error: {site}/static/private: cannot read the static folder: Permission denied"],
    ),
}


@as_root
@pytest.mark.parametrize("what", list(UNREADABLE))
def test_a_source_the_user_cannot_read(site: Path, what: str) -> None:
    assert NOBODY is not None
    relative, lines = UNREADABLE[what]
    out = site / "_site"
    before = tree(out)
    write(site / relative, article_file("Secret", date(2026, 3, 3), ["diet"]))
    chown_tree(site, NOBODY)
    unreadable = site / ("static/private" if what == "static folder" else relative)
    chown_tree(unreadable, (0, 0))
    unreadable.chmod(0o700 if unreadable.is_dir() else 0o600)
    result = run_build(site, user=NOBODY)
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if not line.startswith("warning:")]
    if what == "content file":
        lines = [*lines, "error: 1 problem in 1 file; nothing was written"]
    assert errors == [line.format(site=site) for line in lines]
    assert tree(out) == before
    assert leftovers(out) == []


def test_a_full_disk(
    site: Path, expected: dict[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    """Writes fail with EFBIG past a file size limit, as they fail with ENOSPC on a full disk."""
    out = site / "_site"
    before = tree(out)
    change(site)
    result = run_build(site, fsize=4096)
    [line] = result.stderr.splitlines()
    assert result.returncode == 1
    assert line.startswith(f"error: cannot write the site to {out}: ")
    assert line.endswith(": File too large (nothing was changed)")
    assert tree(out) == before
    assert leftovers(out) == []
    assert cli(site, capsys)[0] == 0  # once there is room again
    same_tree(tree(out), expected)


# 3. Hidden files and folders in static/


def test_hidden_static_files_are_not_published_but_well_known_is_at_the_root(
    make_site: SiteMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_site()
    hidden = [".env", ".git/config", ".git/objects/ab/cd", "css/.DS_Store", "img/.cache/x.png"]
    hidden += ["docs/.well-known/x.txt", ".well-known/.secret", ".well-known/.git/config"]
    shown = ["notes.txt", "css/mine.css", ".well-known/security.txt", ".well-known/pki/key.txt"]
    for relative in (*hidden, *shown):
        write(root / "static" / relative, f"{relative}\n")
    assert cli(root, capsys)[0] == 0
    theme = {
        "static/" + p.relative_to(THEME_DIR / "static").as_posix()
        for p in (THEME_DIR / "static").rglob("*")
        if p.is_file()
    }
    published = {
        p: data
        for p, data in tree(root / "_site").items()
        if p.startswith((".well-known/", "static/"))
    }
    assert set(published) - theme == {
        "static/notes.txt",
        "static/css/mine.css",
        ".well-known/security.txt",
        ".well-known/pki/key.txt",
    }
    assert published[".well-known/security.txt"] == b".well-known/security.txt\n"


def test_a_later_static_folder_overrides_an_earlier_one(tmp_path: Path) -> None:
    write(tmp_path / "theme" / "css" / "site.css", "theme")
    write(tmp_path / "theme" / ".well-known" / "a.txt", "theme")
    write(tmp_path / "site" / "css" / "site.css", "site")
    found = collect_static([tmp_path / "theme", tmp_path / "missing", tmp_path / "site"])
    assert found == {
        ".well-known/a.txt": tmp_path / "theme" / ".well-known" / "a.txt",
        "static/css/site.css": tmp_path / "site" / "css" / "site.css",
    }


# 4. Month names whatever the machine's locale


def test_every_month_has_its_english_name() -> None:
    names = "January February March April May June July August September October November December"
    assert [format_date(date(2026, month, 5)) for month in range(1, 13)] == [
        f"5 {name} 2026" for name in names.split()
    ]


class NoLocaleFormatting(date):
    """A date whose locale-dependent formatting fails the test if it is used."""

    def strftime(self, format: str) -> str:
        raise AssertionError("strftime follows the machine's locale")

    def __format__(self, fmt: str, /) -> str:
        raise AssertionError("%B in a format follows the machine's locale")


def test_dates_are_not_formatted_with_the_locale() -> None:
    assert format_date(NoLocaleFormatting(2026, 3, 5)) == "5 March 2026"


# 5. Errors in a site's own templates name the template and line


TEMPLATE_ERRORS = {
    "undefined name": (
        {"article.html": "<main>\n{{ undefined_var }}\n</main>\n"},
        "templates/article.html:2: cannot render low-b12/index.html: 'undefined_var' is undefined",
    ),
    "Python error": (
        {"article.html": "{% set n = 1 %}\n<p>\n{{ n / 0 }}</p>\n"},
        "templates/article.html:3: cannot render low-b12/index.html: "
        "ZeroDivisionError: division by zero",
    ),
    "missing macro": (
        {"article.html": '{% import "partials/macros.html" as m %}\n\n\n{{ m.nope("x") }}\n'},
        "templates/article.html:4: cannot render low-b12/index.html: "
        "'jinja2.environment.TemplateModule object' has no attribute 'nope'",
    ),
    "in a block of an extended template": (
        {
            "article.html": '{% extends "base.html" %}\n{% block content %}\n'
            "<p>{{ article.article.title }}</p>\n{{ article.no_such_field }}\n{% endblock %}\n"
        },
        "templates/article.html:4: cannot render low-b12/index.html: "
        "'b12site.models.RenderedArticle object' has no attribute 'no_such_field'",
    ),
    "in an included template": (
        {
            "article.html": "<main>\n{% include 'partials/mine.html' %}\n</main>\n",
            "partials/mine.html": "<p>\n\n{{ no_such_macro() }}\n",
        },
        "templates/partials/mine.html:3: cannot render low-b12/index.html: "
        "'no_such_macro' is undefined",
    ),
    "an included template that is missing": (
        {"article.html": "<main>\n{% include 'partials/gone.html' %}\n</main>\n"},
        "templates/article.html:2: template not found: partials/gone.html "
        "(needed for low-b12/index.html)",
    ),
}


@pytest.mark.parametrize("case", list(TEMPLATE_ERRORS))
def test_an_error_in_a_sites_template_names_the_template_and_line(
    make_site: SiteMaker, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    templates, message = TEMPLATE_ERRORS[case]
    root = make_site()
    assert cli(root, capsys)[0] == 0
    before = tree(root / "_site")
    for name, text in templates.items():
        write(root / "templates" / name, text)
    assert cli(root, capsys) == (1, [f"error: {message}"])
    assert tree(root / "_site") == before


# 6. Paths in messages as the user can find them


def test_a_path_outside_the_working_folder_is_shown_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir("/")
    path = tmp_path.resolve() / "nonexist" / "site.yaml"
    assert display_path(path) == path.as_posix()
    assert display_path(path, Path("/")) == path.as_posix()
    assert display_path(path, path.parent) == "site.yaml"


def test_a_path_inside_the_working_folder_is_shown_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert display_path(tmp_path / "sites" / "site.yaml") == "sites/site.yaml"
    assert display_path(Path("sites/../site.yaml")) == "site.yaml"


def test_a_missing_settings_file_is_named_as_the_user_can_find_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir("/")
    missing = tmp_path.resolve() / "nonexist" / "site.yaml"
    assert main(["build", "--config", str(missing)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{missing}: not found: run b12site in a site folder or pass --config"
    )
