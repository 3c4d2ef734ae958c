"""The build command as a person runs it: summary line, --quiet, progress bar, --jobs."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from b12site.cli import main
from b12site.progress import LONG_STAGE, progress_bar

from .conftest import SiteMaker, article_text, front_matter

SUMMARY = re.compile(
    r"^Built 1 article, 0 pages and 1 topic into (?P<out>.+): (?P<written>\d+) files? written, "
    r"(?P<unchanged>\d+) unchanged, (?P<removed>\d+) removed in \d+\.\d\d s$"
)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def files(out: Path) -> dict[str, bytes]:
    """Every file of an output folder but b12site's marker, with its bytes."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and p.name != ".b12site"
    }


def test_summary_counts_written_unchanged_and_removed(
    make_site: SiteMaker, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795996800")  # 2026-11-30
    root = make_site()
    args = ["build", "--config", str(root / "site.yaml")]
    code, out, err = run(args, capsys)
    first = SUMMARY.match(out.strip())
    assert code == 0 and err == "" and first, out
    total = int(first["written"])
    assert (int(first["unchanged"]), int(first["removed"])) == (0, 0)
    assert total == sum(1 for p in (root / "_site").rglob("*") if p.is_file()) - 1  # marker
    again = SUMMARY.match(run(args, capsys)[1].strip())
    assert again and (again["written"], again["unchanged"]) == ("0", str(total))
    body = "Intro paragraph, edited.\n\n## What it is\n\nText with a citation [@smith2020].\n"
    (root / "content" / "low-b12.md").write_text(article_text(front_matter(), body), "utf-8")
    before = files(root / "_site")
    edited = SUMMARY.match(run(args, capsys)[1].strip())
    after = files(root / "_site")
    # the page, and the search index made anew from it (its fragments are named by content)
    changed = {p for p in after if before.get(p) != after[p]}
    assert {p for p in changed if not p.startswith("pagefind/")} == {"low-b12/index.html"}
    assert edited and (int(edited["written"]), int(edited["removed"])) == (
        len(changed),
        len(before.keys() - after.keys()),
    )
    (root / "content" / "low-b12.md").rename(root / "content" / "tired.md")
    before = files(root / "_site")
    renamed = SUMMARY.match(run(args, capsys)[1].strip())
    gone = before.keys() - files(root / "_site").keys()
    assert {p for p in gone if not p.startswith("pagefind/")} == {"low-b12/index.html"}
    assert renamed and renamed["removed"] == str(len(gone))
    assert not (root / "_site" / "low-b12").exists()


def test_quiet_prints_nothing_but_problems(
    make_site: SiteMaker, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795996800")
    root = make_site()
    assert run(["build", "--config", str(root / "site.yaml"), "--quiet"], capsys) == (0, "", "")
    (root / "content" / "bad.md").write_text(article_text(front_matter(author="nobody")), "utf-8")
    code, out, err = run(["build", "--config", str(root / "site.yaml"), "-q"], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == "error: 1 problem in 1 file; nothing was written"


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_jobs_must_be_a_positive_number(
    value: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["build", "--config", str(tmp_path / "site.yaml"), "--jobs", value])
    assert exc.value.code == 2
    assert f"'{value}' is not a positive whole number" in capsys.readouterr().err


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_and_only_for_long_stages() -> None:
    assert progress_bar(io.StringIO())("Reading", 10_000) is not None
    silent = io.StringIO()
    advance = progress_bar(silent)("Reading", 10_000)
    advance(10_000)
    assert silent.getvalue() == ""
    screen = Terminal()
    short = progress_bar(screen)("Reading", LONG_STAGE - 1)
    short(LONG_STAGE - 1)
    assert screen.getvalue() == ""
    advance = progress_bar(screen)("Rendering", 1_000)
    for done in range(1, 1_001):
        advance(done)
    drawn = screen.getvalue()
    assert "Rendering:" in drawn and "/1000 [" in drawn
    assert drawn.endswith("\r") and drawn.rsplit("\r", 2)[-2].strip() == ""  # cleared when done


def test_problems_in_several_edited_files_are_all_reported(
    make_site: SiteMaker, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795996800")
    files = {f"{name}.md": article_text(front_matter(title=name.title())) for name in ("a", "b")}
    root = make_site(files)
    args = ["build", "--config", str(root / "site.yaml"), "--quiet"]
    assert run(args, capsys)[0] == 0
    for name in ("a", "b"):  # body edits that keep every card: the quick path's kind of edit
        broken = "Intro paragraph.\n\n## What it is\n\nText citing [@nobody2020].\n"
        meta = front_matter(title=name.title())
        (root / "content" / f"{name}.md").write_text(article_text(meta, broken))
    code, out, err = run(args, capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "content/a.md:35: body: unknown citation '@nobody2020'",
        "content/b.md:35: body: unknown citation '@nobody2020'",
        "error: 2 problems in 2 files; nothing was written",
    ]
