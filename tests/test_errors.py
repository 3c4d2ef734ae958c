"""What an editor sees for each kind of bad input: one exact line per problem, exit code 1."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from b12site.cli import main

from .conftest import SITE_YAML, SiteMaker, article_text, front_matter


def run_build(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["build", "--config", str(root / "site.yaml"), "--output", str(root / "_site")])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err.splitlines()


GOOD = article_text(front_matter())
SLUG_LINE = article_text(front_matter(slug="x")).split("\n").index("slug: x") + 1

CASES = [
    (
        "yaml syntax error",
        {"bad.md": "---\ntitle: [unclosed\ndescription: x\n---\nBody\n"},
        [
            "content/bad.md:2: YAML syntax error: this list '[' is never closed (column 8): "
            "close it, or put the whole value in quotes if the bracket belongs to the text"
        ],
    ),
    (
        "missing front matter",
        {"bad.md": "Just a body, no front matter.\n"},
        ["content/bad.md:1: missing front matter: the file must start with a '---' line"],
    ),
    (
        "unclosed front matter",
        {"bad.md": "---\ntitle: x\n"},
        ["content/bad.md:1: front matter is not closed: add a '---' line after it"],
    ),
    (
        "front matter not a mapping",
        {"bad.md": "---\n- just\n- a list\n---\nBody\n"},
        ["content/bad.md:2: front matter must be a mapping of 'field: value' lines"],
    ),
    (
        "wrong type",
        {
            "bad.md": GOOD.replace("draft", "x").replace(
                "title: Low B12 and tiredness", "title: Low B12\ndraft: maybe"
            )
        },
        ["content/bad.md:3: draft: expected true or false, got text ('maybe')"],
    ),
    (
        "field given twice",
        {"bad.md": GOOD.replace("summary:", "title: Second title\nsummary:")},
        ["content/bad.md:10: title: given twice (first on line 2)"],
    ),
    (
        "unknown field",
        {"bad.md": GOOD.replace("summary:", "sumary:")},
        [
            "content/bad.md:1: summary: required",
            "content/bad.md:10: sumary: unknown field (did you mean 'summary'?)",
        ],
    ),
    (
        "bad date",
        {"bad.md": GOOD.replace("published: 2026-01-10", "published: 2026-13-01")},
        ["content/bad.md:4: published: '2026-13-01' is not a real calendar date"],
    ),
    (
        "unknown citation",
        {"bad.md": GOOD.replace("Text with a citation [@smith2020].", "Text [@smiht2020].")},
        ["content/bad.md:35: body: unknown citation '@smiht2020' (did you mean 'smith2020'?)"],
    ),
    (
        "unknown person",
        {"bad.md": GOOD.replace("reviewed_by: rex-reviewer", "reviewed_by: rex")},
        ["content/bad.md:7: reviewed_by: unknown person 'rex': add them to people in site.yaml"],
    ),
    (
        "two articles with one URL",
        {"a.md": GOOD, "b.md": article_text(front_matter(slug="a"))},
        [
            "content/a.md:1: slug: '/a/' is also the URL of content/b.md",
            f"content/b.md:{SLUG_LINE}: slug: '/a/' is also the URL of content/a.md",
        ],
    ),
    (
        "a draft with the URL of a published article",
        {"a.md": GOOD, "b.md": article_text(front_matter(slug="a", draft=True))},
        [
            "content/a.md:1: slug: '/a/' is also the URL of content/b.md",
            f"content/b.md:{SLUG_LINE}: slug: '/a/' is also the URL of content/a.md",
        ],
    ),
    (
        "article and page with one URL",
        {"about.md": GOOD, "pages/about.md": "---\ntitle: About\ndescription: Us.\n---\nHi\n"},
        [
            "content/about.md:1: slug: '/about/' is also the URL of content/pages/about.md",
            "content/pages/about.md:1: slug: '/about/' is also the URL of content/about.md",
        ],
    ),
    (
        "slug not a plain URL segment",
        {"bad.md": article_text(front_matter(slug="../../etc"))},
        [
            f"content/bad.md:{SLUG_LINE}: slug: '../../etc' is not a plain URL segment: use "
            "lowercase letters, digits and single hyphens, like 'b12-and-metformin'"
        ],
    ),
    (
        "reserved slug",
        {"bad.md": article_text(front_matter(slug="topics"))},
        [f"content/bad.md:{SLUG_LINE}: slug: '/topics/' is reserved for the site's own pages"],
    ),
    (
        "file name that is not a slug",
        {"Low B12.md": GOOD},
        [
            "content/Low B12.md:1: slug: 'Low B12' (from the file name) is not a plain URL "
            "segment: use lowercase letters, digits and single hyphens, like 'b12-and-metformin'"
        ],
    ),
    (
        "not UTF-8",
        {},
        [
            "content/latin1.md:2: not UTF-8 text (byte 0xe9 invalid continuation byte): save "
            "the file as UTF-8, as editors and Git expect"
        ],
    ),
]


@pytest.mark.parametrize(("name", "files", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_message(
    make_site: SiteMaker,
    capsys: pytest.CaptureFixture[str],
    name: str,
    files: dict[str, str],
    expected: list[str],
) -> None:
    root = make_site(files or {"ok.md": GOOD})
    if name == "not UTF-8":
        (root / "content" / "latin1.md").write_bytes("---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    code, lines = run_build(root, capsys)
    assert code == 1
    assert lines[:-1] == expected
    assert lines[-1].startswith(f"error: {len(expected)} problem")
    assert lines[-1].endswith("; nothing was written")
    assert not (root / "_site").exists()


def test_problems_in_several_files_are_reported_together(
    make_site: SiteMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_site(
        {
            "a.md": GOOD.replace("summary:", "sumary:"),
            "b.md": "no front matter",
            "c.md": GOOD,
        }
    )
    code, lines = run_build(root, capsys)
    assert code == 1
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "content/a.md",
        "content/a.md",
        "content/b.md",
    ]
    assert lines[-1] == "error: 3 problems in 2 files; nothing was written"


def test_schema_and_citation_problems_are_reported_together(
    make_site: SiteMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD.replace("summary:", "sumary:").replace("[@smith2020].\n", "[@smiht2020].\n")
    text = text.replace("author: ann-author", "author: ann")
    code, lines = run_build(make_site({"a.md": text}), capsys)
    assert code == 1
    assert [line.split(": ", 2)[1] for line in lines[:-1]] == [
        "summary",
        "author",
        "sumary",
        "key_points[0]",
        "body",
    ]
    assert "unknown citation '@smiht2020' (did you mean 'smith2020'?)" in lines[-2]


SETTINGS_CASES = [
    (
        {"base_url": "example.org"},
        "site.yaml:2: base_url: 'example.org' is not a web address starting with https:// or "
        "http://",
    ),
    (
        {"review_cycle_months": 0},
        "site.yaml:26: review_cycle_months: input should be greater than or equal to 1",
    ),
    ({"titel": "x"}, "site.yaml:26: titel: unknown field (did you mean 'title'?)"),
]


@pytest.mark.parametrize(("settings", "expected"), SETTINGS_CASES)
def test_bad_settings_message(
    make_site: SiteMaker,
    capsys: pytest.CaptureFixture[str],
    settings: dict[str, object],
    expected: str,
) -> None:
    root = make_site(None, **settings)
    code, lines = run_build(root, capsys)
    assert code == 1
    assert lines[0] == expected


def test_missing_settings_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--config", str(tmp_path / "site.yaml")]) == 1
    err = capsys.readouterr().err
    assert err.endswith(
        "site.yaml: not found: run b12site in a site folder or pass --config\n"
        "error: 1 problem in 1 file; nothing was written\n"
    )
    assert "Traceback" not in err


def test_broken_template_is_one_clear_line(
    make_site: SiteMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_site()
    (root / "templates").mkdir()
    (root / "templates" / "404.html").write_text("{% if %}", "utf-8")
    code, lines = run_build(root, capsys)
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert "404.html:1: template syntax error: " in lines[0]


def test_python_error_inside_a_template_is_one_clear_line(
    make_site: SiteMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_site()
    (root / "templates").mkdir()
    (root / "templates" / "404.html").write_text("{{ page_path + 1 }}", "utf-8")
    code, lines = run_build(root, capsys)
    assert code == 1
    assert lines == [
        "error: templates/404.html:1: cannot render 404.html: TypeError: can only concatenate str "
        '(not "int") to str'
    ]


def test_warnings_are_printed_but_the_site_is_built(
    make_site: SiteMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    meta = front_matter(
        description="x" * 170,
        faq=[{"question": "Q?", "answer": "A."}],  # jones2019 is now never cited
    )
    text = article_text(meta, "Intro [@smith2020], no sections.")
    root = make_site({"old.md": text}, rules={})  # every rule as it comes
    code = main(["build", "--config", str(root / "site.yaml")])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out.startswith("Built 1 article, 0 pages and 1 topic ")
    lines = text.split("\n")
    desc = lines.index("description: " + "x" * 170) + 1
    points = lines.index("key_points:") + 1
    jones = lines.index("- id: jones2019") + 1
    body = lines.index("Intro [@smith2020], no sections.") + 1
    assert captured.err.splitlines() == [
        f"warning: content/old.md:{desc}: description: 170 characters; search results show "
        "about 160 [description-length]",
        f"warning: content/old.md:{points}: key_points: 1 key point; 3 to 7 is a sensible "
        "number [key-points-count]",
        f"warning: content/old.md:{jones}: references[1]: 'jones2019' is never cited in the "
        "article [uncited-reference]",
        f"warning: content/old.md:{body}: body: no '## ' sections, so the page has no "
        "contents list [no-sections]",
    ]
    assert (root / "_site" / "old" / "index.html").is_file()


def test_an_overdue_review_stops_the_build_unless_the_site_says_why_not(
    make_site: SiteMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    meta = front_matter(last_reviewed=date(2022, 1, 5), published=date(2022, 1, 5))
    text = article_text(meta)
    reviewed = text.split("\n").index("last_reviewed: 2022-01-05") + 1
    root = make_site({"old.md": text})
    argv = ["build", "--config", str(root / "site.yaml"), "--quiet"]
    assert main(argv) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"content/old.md:{reviewed}: last_reviewed: review overdue since 2025-01-05 "
        "[review-overdue]",
        "error: 1 problem in 1 file; nothing was written",
    ]
    assert not (root / "_site").exists()
    reason = "reviews of the archive are booked for January"
    rules = {**SITE_YAML["rules"], "review-overdue": {"severity": "warning", "reason": reason}}  # type: ignore[dict-item]
    root = make_site({"old.md": text}, rules=rules)
    assert main(argv) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"warning: content/old.md:{reviewed}: last_reviewed: review overdue since 2025-01-05 "
        "[review-overdue]",
    ]
    assert (root / "_site" / "old" / "index.html").is_file()
