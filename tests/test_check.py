"""``b12site check`` as an editor and a CI job use it: every rule found, nothing written."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from b12site.cli import main
from b12site.rules import RULES

from .test_build import tree
from .test_incremental import EPOCH

REPO = Path(__file__).resolve().parent.parent
RULES_SITE = Path(__file__).parent / "fixtures" / "rules"
MARK = re.compile(r"expect(?:@(\d+))?: ([a-z0-9-]+)")


class _Handler(http.server.BaseHTTPRequestHandler):
    """A publisher's site: one page gone, one that always fails, one that works."""

    def _answer(self) -> None:
        status = {"/gone": 404, "/flaky": 503}.get(self.path, 200)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = do_GET = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _build_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)  # 24 November 2026


def rules_site(tmp_path: Path, port: int) -> Path:
    """The fixture site, with its local links on ``port`` and the two files Git should not
    hold: a name Windows cannot check out, and a Latin-1 file."""
    root = tmp_path / "rules"
    shutil.copytree(RULES_SITE, root)
    links = root / "content" / "links.md"
    links.write_text(links.read_text("utf-8").replace("{PORT}", str(port)), "utf-8")
    (root / "content" / "aux.md").write_text((root / "content" / "good.md").read_text("utf-8"))
    (root / "content" / "latin-1.md").write_bytes("---\ntitle: Caf\xe9\n---\n".encode("latin-1"))
    return root


def expected_findings(root: Path) -> set[tuple[str, str, int | None]]:
    """Every (rule, file, line) the fixture's files mark with ``expect: rule`` on the line the
    finding belongs to (``expect@N: rule`` for line N), and the two files made above."""
    found: set[tuple[str, str, int | None]] = {
        ("file-name", "content/aux.md", None),
        ("file-format", "content/latin-1.md", 2),
    }
    for path in [root / "site.yaml", *sorted((root / "content").rglob("*.md"))]:
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError:
            continue
        shown = path.relative_to(root).as_posix()
        for number, line in enumerate(text.split("\n"), start=1):
            for match in MARK.finditer(line):
                found.add((match.group(2), shown, int(match.group(1) or number)))
    return found


def check(root: Path, capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, str]:
    code = main(["check", "--config", str(root / "site.yaml"), "--jobs", "1", *options])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out


def test_check_finds_every_rule_in_the_fixture_site_where_it_is_marked(
    tmp_path: Path, port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    root = rules_site(tmp_path, port)
    code, out = check(root, capsys, "--format", "json", "--external")
    report = json.loads(out)
    found = {(f["rule"], f["file"], f["line"]) for f in report["findings"]}
    assert found == expected_findings(root)
    assert {rule for rule, _, _ in found} == {rule.id for rule in RULES}  # one of every rule
    assert code == 1
    overrides = {(o["rule"], o["file"], o["severity"]) for o in report["overrides"]}
    assert overrides == {
        ("no-such-rule", "site.yaml", "off"),
        ("uncited-statistic", "site.yaml", "warning"),
        ("heading-skip", "content/overridden.md", "off"),
    }
    by_rule = {f["rule"]: f for f in report["findings"]}
    assert by_rule["uncited-statistic"]["column"] == 7  # "1 in 5", in its line
    assert by_rule["broken-link"]["message"] == (
        "'missing-article.md' links to content/missing-article.md, which is not a published page"
    )


def test_check_reports_nothing_on_the_sample_site(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(REPO, capsys, "--strict")
    assert out == "No problems in 7 files checked.\n"
    assert code == 0


def test_check_writes_nothing(
    tmp_path: Path, port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    root = rules_site(tmp_path, port)
    before = tree(root)
    check(root, capsys)
    assert tree(root) == before  # no output, no cache, nothing else


def test_check_reads_the_build_cache_without_changing_it(
    make_site: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "site"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".*", "_site", "tests", "*.egg*"))
    assert main(["build", "--config", str(root / "site.yaml"), "--quiet"]) == 0
    capsys.readouterr()
    cache = root / ".b12site-cache" / "cache.sqlite"
    stat = cache.stat()
    article = root / "content" / "b12-for-vegans.md"
    article.write_text(article.read_text("utf-8").replace("## ", "#### ", 1), "utf-8")
    code, out = check(root, capsys, "--format", "json")
    cold = json.loads(out)
    assert [f["rule"] for f in cold["findings"]] == ["heading-skip"]
    assert code == 0
    assert (cache.stat().st_mtime_ns, cache.stat().st_size) == (stat.st_mtime_ns, stat.st_size)
    shutil.rmtree(root / ".b12site-cache")
    assert json.loads(check(root, capsys, "--format", "json")[1]) == cold  # same, cold


def test_strict_fails_on_warnings_in_check_and_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "site"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".*", "_site", "tests", "*.egg*"))
    article = root / "content" / "b12-for-vegans.md"
    text = article.read_text("utf-8")
    article.write_text(text.replace("## ", "#### ", 1), "utf-8")
    line = text.split("\n").index(next(x for x in text.split("\n") if x.startswith("## "))) + 1
    assert check(root, capsys)[0] == 0
    assert check(root, capsys, "--strict")[0] == 1
    build = ["build", "--config", str(root / "site.yaml"), "--quiet"]
    assert main([*build, "--strict"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"warning: content/b12-for-vegans.md:{line}:1: body: '")
    assert err[0].endswith("don't skip heading levels [heading-skip]")
    assert err[-1] == "error: 1 problem in 1 file; nothing was written"
    assert not (root / "_site").exists()
    assert main(build) == 0
    assert main([*build, "--strict"]) == 1  # nothing changed, and it is still a warning


def test_github_and_sarif_formats_name_the_rule_and_place(
    tmp_path: Path, port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    root = rules_site(tmp_path, port)
    github = check(root, capsys, "--format", "github")[1].splitlines()
    assert (
        "::error file=content/links.md,line=46,col=18,title=broken-anchor::'#dosage-guide': "
        "the page has no '#dosage-guide'" in github
    )
    assert all(line.startswith(("::error ", "::warning ")) for line in github)
    sarif = json.loads(check(root, capsys, "--format", "sarif")[1])
    results = sarif["runs"][0]["results"]
    assert len(results) == len(github)
    anchor = next(r for r in results if r["ruleId"] == "broken-anchor")
    region = anchor["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (46, 18)


def test_the_review_dashboard_lists_articles_by_urgency(
    tmp_path: Path, port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    root = rules_site(tmp_path, port)
    check(root, capsys, "--report", str(tmp_path / "report"))
    data = json.loads((tmp_path / "report" / "report.json").read_text("utf-8"))
    files = [a["file"] for a in data["articles"]]
    assert files[0] == "content/review-overdue.md"
    assert files.index("content/review-due-soon.md") < files.index("content/good.md")
    page = (tmp_path / "report" / "index.html").read_text("utf-8")
    assert "content/review-overdue.md" in page and "<table" in page


def test_new_article_is_refused_by_check_until_its_placeholders_are_filled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "site"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".*", "_site", "tests", "*.egg*"))
    argv = ["new", "Folate and B12 together", "--config", str(root / "site.yaml")]
    argv += ["--tag", "diet", "--author", "hannah-reid", "--reviewer", "samuel-okoye"]
    assert main(argv) == 0
    made = root / "content" / "folate-and-b12-together.md"
    assert made.is_file()
    assert f"Created {made}" in capsys.readouterr().out
    code, out = check(root, capsys, "--format", "json")
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert code == 1
    assert rules <= {"placeholder", "front-matter", "pmid-syntax", "doi-syntax"}
    assert all(
        f["file"] == "content/folate-and-b12-together.md" for f in json.loads(out)["findings"]
    )
    assert main(argv) == 1  # the file exists: never overwritten


def test_a_broken_site_yaml_is_a_finding_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "site.yaml").write_text("title: Health\nbase_url: example.org\n", "utf-8")
    code, out = check(tmp_path, capsys, "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert {(f["rule"], f["file"], f["line"], f["field"]) for f in report["findings"]} >= {
        ("site-settings", "site.yaml", 2, "base_url")
    }
    code, out = check(tmp_path, capsys, "--format", "github")
    assert code == 1
    assert "::error file=site.yaml,line=2,title=site-settings::" in out
