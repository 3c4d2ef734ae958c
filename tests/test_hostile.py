"""Hostile and broken input: a clear answer for anything an editor can write.

Every build here runs as its own process with limits on memory and CPU time, after a good
build of the same site: the answer must be the exact messages (or a safe page), exit code 1
for problems, no traceback, nothing written outside the output folder, the previous site
intact, in bounded time and memory.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from b12site.build import build

from .conftest import TODAY, SiteMaker

EPOCH = int(datetime.combine(TODAY, time(12), UTC).timestamp())
MEMORY = 1536 * 1024 * 1024  # bytes of address space a build may use
CPU_SECONDS = 60
RAW = """---
title: Low B12 and tiredness
description: Why low vitamin B12 can make you tired.
published: 2026-01-10
last_reviewed: 2026-02-01
author: ann-author
reviewed_by: rex-reviewer
tags: [vitamin-b12]
summary: Low B12 can cause tiredness [@smith2020].
key_points:
  - B12 helps make red blood cells [@smith2020].
faq:
  - question: Is it serious?
    answer: It can be [@smith2020].
references:
  - id: smith2020
    title: A study
    authors: Smith J
    publication: BMJ
    year: 2020
    doi: 10.1136/bmj.g5226
---

Intro paragraph.

## What it is

Text with a citation [@smith2020].
"""
BODY_LINE = RAW.split("\n").index("Intro paragraph.") + 1  # 24


def raw(*changes: tuple[str, str], body: str | None = None) -> str:
    """The article above with lines replaced (``(old, new)``) and maybe another body."""
    text = RAW
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    if body is not None:
        text = text[: text.index("Intro paragraph.")] + body
    return text


@dataclass(frozen=True)
class Run:
    """One build in a process of its own."""

    code: int
    out: str
    err: str

    @property
    def problems(self) -> list[str]:
        """The problem lines, without the closing summary line."""
        return [line for line in self.err.splitlines() if not line.startswith("error: ")]


def _limited() -> None:  # runs in the child before b12site starts
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def run_build(root: Path, out: Path) -> Run:
    """``b12site build`` as a user runs it, with limits: a hang or a blow-up fails the test."""
    command = [sys.executable, "-m", "b12site", "build", "--config", str(root / "site.yaml")]
    command += ["--output", str(out), "--jobs", "1", "--quiet"]
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, preexec_fn=_limited
    )
    assert "Traceback" not in done.stderr, done.stderr
    return Run(done.returncode, done.stdout, done.stderr)


def everything(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` but the build cache, links not followed."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if ".b12site-cache" in rel.split("/") or path.is_dir() or path.is_symlink():
            continue
        found[rel] = path.read_bytes()
    return found


Files = dict[str, str | bytes]
Setup = Callable[[Path], None]


def refused(make_site: SiteMaker, tmp_path: Path, files: Files, setup: Setup | None = None) -> Run:
    """Build a good site, add hostile files, build again: the problems it reports, having
    checked the build failed cleanly and changed nothing anywhere."""
    root = make_site({"good.md": RAW})
    out = tmp_path / "out"
    build(root / "site.yaml", out, today=TODAY)
    for rel, text in files.items():
        path = root / rel if rel == "site.yaml" else root / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    if setup is not None:
        setup(root)
    before = everything(tmp_path)
    run = run_build(root, out)
    assert run.code == 1, run.err
    assert run.out == ""
    assert everything(tmp_path) == before  # the old site stands, nothing else was written
    return run


LAUGHS = "lol: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"l{n}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]\n" for n in range(9)
)

CASES: list[tuple[str, Files, list[str]]] = [
    (
        "yaml syntax error, with a hint",
        {"bad.md": raw(("tags: [vitamin-b12]", "tags: [vitamin-b12"))},
        [
            "content/bad.md:8: YAML syntax error: this list '[' is never closed (column 7): "
            "close it, or put the whole value in quotes if the bracket belongs to the text"
        ],
    ),
    (
        "tab used to indent",
        {"bad.md": raw(("  - B12 helps", "\t- B12 helps"))},
        [
            "content/bad.md:11: YAML syntax error: found character that cannot start any "
            "token (column 1): indent with spaces, not tabs"
        ],
    ),
    (
        "unquoted colon in a title",
        {"bad.md": raw(("title: Low B12 and tiredness", "title: B12 and tiredness: what to know"))},
        [
            "content/bad.md:2: YAML syntax error: mapping values are not allowed in this "
            "context (column 25): a value that holds ': ' must be in quotes, like "
            'title: "B12 and tiredness: what to know"'
        ],
    ),
    (
        "unquoted bold key point",
        {"bad.md": raw(("  - B12 helps", "  - **Anaemia:** tiredness\n  - B12 helps"))},
        [
            "content/bad.md:11: YAML syntax error: did not find expected alphabetic or numeric "
            "character (column 6): a value that starts with '*' (as in **bold**) must be in quotes"
        ],
    ),
    (
        "key point read as a mapping",
        {"bad.md": raw(("  - B12 helps", "  - Anaemia: tiredness\n  - B12 helps"))},
        [
            "content/bad.md:11: key_points[0]: expected text, got a mapping: a value that holds "
            "': ' must be in quotes"
        ],
    ),
    (
        "draft: yes is not a boolean",
        {"bad.md": raw(("tags:", "draft: yes\ntags:"))},
        ["content/bad.md:8: draft: expected true or false, got text ('yes')"],
    ),
    (
        "Latin-1 file",
        {"bad.md": RAW.replace("Intro paragraph.", "Caf\xe9 au lait.").encode("latin-1")},
        [
            f"content/bad.md:{BODY_LINE}: not UTF-8 text (byte 0xe9 invalid continuation byte): "
            "save the file as UTF-8, as editors and Git expect"
        ],
    ),
    (
        "UTF-16 file",
        {"bad.md": RAW.encode("utf-16")},
        ["content/bad.md:1: saved as UTF-16: save it as UTF-8 instead"],
    ),
    (
        "empty file",
        {"bad.md": ""},
        ["content/bad.md:1: missing front matter: the file must start with a '---' line"],
    ),
    (
        "front matter not closed",
        {"bad.md": RAW.replace("---\n\nIntro", "\nIntro")},
        ["content/bad.md:1: front matter is not closed: add a '---' line after it"],
    ),
    (
        "front matter is a list",
        {"bad.md": "---\n- a\n- b\n---\n\nText.\n"},
        ["content/bad.md:2: front matter must be a mapping of 'field: value' lines"],
    ),
    (
        "front matter is one word",
        {"bad.md": "---\njust words\n---\n\nText.\n"},
        ["content/bad.md:2: front matter must be a mapping of 'field: value' lines"],
    ),
    (
        "alias bomb",
        {"bad.md": "---\n" + LAUGHS + "---\n\nText.\n"},
        [
            "content/bad.md:3: l0[0]: YAML aliases (*name) of lists or mappings are not allowed: "
            "write the value out in full, or put it in quotes if the '*' or '&' belongs to the text"
        ],
    ),
    (
        "alias that refers to itself",
        {"bad.md": raw(("title: Low B12 and tiredness", "title: &a [*a]"))},
        [
            "content/bad.md:2: title[0]: YAML aliases (*name) of lists or mappings are not "
            "allowed: write the value out in full, or put it in quotes if the '*' or '&' "
            "belongs to the text"
        ],
    ),
    (
        "python object tag",
        {
            "bad.md": raw(
                ("author: ann-author", "author: !!python/object/apply:os.system [touch x]")
            )
        },
        [
            "content/bad.md:6: author: the YAML tag tag:yaml.org,2002:python/object/apply:"
            "os.system is not allowed: write the value as text"
        ],
    ),
    (
        "wrong types everywhere",
        {
            "bad.md": raw(
                ("title: Low B12 and tiredness", "title: 5"),
                ("tags: [vitamin-b12]", "tags: vitamin-b12"),
                ("    year: 2020", "    year: twenty"),
                ("published: 2026-01-10", "published: [2026]"),
            )
        },
        [
            'content/bad.md:2: title: expected text, got a number (5) (put it in quotes: "5")',
            "content/bad.md:4: published: expected a date like 2024-05-01, got a list",
            "content/bad.md:8: tags: expected a list, got text",
            "content/bad.md:20: references[0].year: expected a whole number, got text",
        ],
    ),
    (
        "impossible date",
        {"bad.md": raw(("published: 2026-01-10", "published: 2026-02-30"))},
        ["content/bad.md:4: published: '2026-02-30' is not a real calendar date"],
    ),
    (
        "very long title",
        {"bad.md": raw(("title: Low B12 and tiredness", "title: " + "B12 " * 60))},
        ["content/bad.md:2: title: is longer than 150 characters"],
    ),
    (
        "thousands of tags",
        {"bad.md": raw(("tags: [vitamin-b12]", "tags: [" + ", ".join(["b12"] * 5000) + "]"))},
        ["content/bad.md:8: tags: has more than 20 items"],
    ),
    (
        "control character in the title",
        {"bad.md": raw(("title: Low B12 and tiredness", "title: Low B12\x07 and tiredness"))},
        [
            "content/bad.md:2: title: U+0007 is a control character, not allowed in a page "
            "(only tab and line breaks are): delete it"
        ],
    ),
    (
        "control character in the body",
        {"bad.md": raw(body="Intro\x1b[31m paragraph.\n")},
        [
            f"content/bad.md:{BODY_LINE}: body: U+001B is a control character, not allowed in "
            "a page (only tab and line breaks are): delete it"
        ],
    ),
    (
        "slug with a slash",
        {"bad.md": raw(("tags:", "slug: a/b\ntags:"))},
        [
            "content/bad.md:8: slug: 'a/b' is not a plain URL segment: use lowercase letters, "
            "digits and single hyphens, like 'b12-and-metformin'"
        ],
    ),
    (
        "slug leading out of the site",
        {"bad.md": raw(("tags:", "slug: ../../etc\ntags:"))},
        [
            "content/bad.md:8: slug: '../../etc' is not a plain URL segment: use lowercase "
            "letters, digits and single hyphens, like 'b12-and-metformin'"
        ],
    ),
    (
        "absolute slug",
        {"bad.md": raw(("tags:", "slug: /etc/passwd\ntags:"))},
        [
            "content/bad.md:8: slug: '/etc/passwd' is not a plain URL segment: use lowercase "
            "letters, digits and single hyphens, like 'b12-and-metformin'"
        ],
    ),
    (
        "slug with a NUL",
        {"bad.md": raw(("tags:", 'slug: "low\\0b12"\ntags:'))},
        [
            "content/bad.md:8: slug: 'low\\x00b12' is not a plain URL segment: use lowercase "
            "letters, digits and single hyphens, like 'b12-and-metformin'"
        ],
    ),
    (
        "slug with a final newline",
        {"bad.md": raw(("tags:", 'slug: "low-b12\\n"\ntags:'))},
        [
            "content/bad.md:8: slug: 'low-b12\\n' is not a plain URL segment: use lowercase "
            "letters, digits and single hyphens, like 'b12-and-metformin'"
        ],
    ),
    (
        "slug of several hundred characters",
        {"bad.md": raw(("tags:", "slug: " + "-".join(["b12"] * 100) + "\ntags:"))},
        [
            "content/bad.md:8: slug: 'b12-b12-b12-b12-b12-b12-b12-b12-b12-b12-…' is longer "
            "than 120 characters: shorten it"
        ],
    ),
    (
        "file name of several hundred characters",
        {"b12-" * 60 + "x.md": RAW},
        [
            "content/" + "b12-" * 60 + "x.md:1: slug: 'b12-b12-b12-b12-b12-b12-b12-b12-b12-b12-…' "
            "(from the file name) is longer than 120 characters: shorten it"
        ],
    ),
    (
        "Unicode slug",
        {"bad.md": raw(("tags:", "slug: café-b12\ntags:"))},
        [
            "content/bad.md:8: slug: 'café-b12' is not a plain URL segment: use lowercase "
            "letters, digits and single hyphens, like 'b12-and-metformin'"
        ],
    ),
    (
        "Windows device name as a file name",
        {"con.md": raw(("tags:", "slug: console\ntags:"))},
        [
            "content/con.md: 'con.md' is a name Windows reserves for a device, so it cannot be "
            "checked out there: rename it"
        ],
    ),
    (
        "Windows device name as a slug",
        {"bad.md": raw(("tags:", "slug: aux\ntags:"))},
        ["content/bad.md:8: slug: 'aux' is a name Windows reserves for a device: choose another"],
    ),
    (
        "names differing only in case",
        {"Low-b12.md": raw(("tags:", "slug: one\ntags:")), "low-B12.md": RAW},
        [
            "content/Low-b12.md: 'Low-b12.md' and low-B12.md differ only in upper and lower "
            "case or in how accents are encoded: they are one file on Windows and macOS; "
            "rename one",
            "content/low-B12.md: 'low-B12.md' and Low-b12.md differ only in upper and lower "
            "case or in how accents are encoded: they are one file on Windows and macOS; "
            "rename one",
            "content/low-B12.md:1: slug: 'low-B12' (from the file name) is not a plain URL "
            "segment: use lowercase letters, digits and single hyphens, like 'b12-and-metformin'",
        ],
    ),
    (
        "names differing only in Unicode normalisation",
        {
            unicodedata.normalize("NFC", "café.md"): raw(("tags:", "slug: one\ntags:")),
            unicodedata.normalize("NFD", "café.md"): raw(("tags:", "slug: two\ntags:")),
        },
        [],  # checked in the test: the two names print alike
    ),
    (
        "duplicate key and other problems in one run",
        {
            "bad.md": raw(
                ("tags: [vitamin-b12]", "tags: [vitamin-b12]\ntags: [diet]"),
                ("reviewed_by: rex-reviewer", "reviewed_by: ann-author"),
                ("published: 2026-01-10", "published: 2026-01-40"),
                ("  - id: smith2020", "  - id: Smith 2020"),
                ("tags:", "slug: Bad_Slug\ntags:"),
            ).replace("## What it is", "# What it is")
        },
        [
            "content/bad.md:4: published: '2026-01-40' is not a real calendar date",
            "content/bad.md:7: reviewed_by: the medical reviewer must be someone other than "
            "the author",
            "content/bad.md:8: slug: 'Bad_Slug' is not a plain URL segment: use lowercase "
            "letters, digits and single hyphens, like 'b12-and-metformin'",
            "content/bad.md:10: tags: given twice (first on line 9)",
            "content/bad.md:11: summary: unknown citation '@smith2020'",
            "content/bad.md:13: key_points[0]: unknown citation '@smith2020'",
            "content/bad.md:16: faq[0].answer: unknown citation '@smith2020'",
            "content/bad.md:18: references[0].id: 'Smith 2020' cannot be cited: use letters, "
            "digits and hyphens, like smith2020",
            "content/bad.md:28: body: use '## ' for sections: the title is the page's only "
            "top heading",
            "content/bad.md:30: body: unknown citation '@smith2020'",
        ],
    ),
    (
        "problems of several files and of the site in one run",
        {
            "a.md": raw(("published: 2026-01-10", "published: 2026-01-40")),
            "b.md": raw(("tags:", "slug: same\ntags:")),
            "c.md": raw(("tags:", "slug: same\ntags:")),
        },
        [
            "content/a.md:4: published: '2026-01-40' is not a real calendar date",
            "content/b.md:8: slug: '/same/' is also the URL of content/c.md",
            "content/c.md:8: slug: '/same/' is also the URL of content/b.md",
        ],
    ),
    (
        "underlined top heading",
        {"bad.md": raw(body="Intro.\n\nWhat it is\n==========\n\nText [@smith2020].\n")},
        [
            f"content/bad.md:{BODY_LINE + 2}: body: use '## ' for sections: the title is the "
            "page's only top heading"
        ],
    ),
    (
        "id the page uses itself",
        {"bad.md": raw(body="Intro.\n\n## Sources {: #references}\n\nText [@smith2020].\n")},
        [
            f"content/bad.md:{BODY_LINE + 2}: body: the id 'references' is one the page gives "
            "its own parts"
        ],
    ),
    (
        "id given twice on one page",
        {
            "bad.md": raw(
                ("    answer: It can be [@smith2020].", "    answer: |-\n      ## Dose {#dosage}"),
                body="Intro.\n\n## Dosage {#dosage}\n\nText [@smith2020].\n",
            )
        },
        ["content/bad.md:14: faq[0].answer: the id 'dosage' is used twice on this page"],
    ),
    (
        "brackets nested twenty thousand deep",
        {"bad.md": raw(body="Intro [@smith2020].\n\n" + "[" * 20000 + "\n")},
        ["LIMIT"],  # checked in the test against the documented limit
    ),
    (
        "block quotes nested five thousand deep",
        {"bad.md": raw(body="Intro [@smith2020].\n\n" + "> " * 5000 + "deep\n")},
        ["LIMIT"],
    ),
    (
        "lists nested five hundred deep",
        {
            "bad.md": raw(
                body="Intro [@smith2020].\n\n"
                + "".join("    " * n + "- item\n" for n in range(500))
            )
        },
        ["LIMIT"],
    ),
    (
        "site.yaml alias bomb",
        {"site.yaml": "title: x\n" + LAUGHS},
        [
            "site.yaml:3: l0[0]: YAML aliases (*name) of lists or mappings are not allowed: "
            "write the value out in full, or put it in quotes if the '*' or '&' belongs to "
            "the text"
        ],
    ),
    (
        "site.yaml with an object tag",
        {"site.yaml": "title: !!python/object/new:os.system [echo]\n"},
        [
            "site.yaml:1: title: the YAML tag tag:yaml.org,2002:python/object/new:os.system "
            "is not allowed: write the value as text"
        ],
    ),
]


@pytest.mark.parametrize(("name", "files", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hostile_input_is_refused_clearly(
    make_site: SiteMaker, tmp_path: Path, name: str, files: Files, expected: list[str]
) -> None:
    run = refused(make_site, tmp_path, files)
    if expected == ["LIMIT"]:  # the first problem is where the Markdown starts
        assert run.problems[0].startswith(f"content/bad.md:{BODY_LINE + 2}: body: ")
        assert all(": body: " in line and "the limit is" in line for line in run.problems)
        assert len(run.problems) <= 10
    elif not expected:  # two names that print alike
        assert len(run.problems) == 2
        assert all("how accents are encoded" in line for line in run.problems)
    else:
        assert run.problems == expected


def test_object_tags_are_never_run(make_site: SiteMaker, tmp_path: Path) -> None:
    witness = tmp_path / "ran"
    tag = f"!!python/object/apply:os.system ['touch {witness}']"
    refused(make_site, tmp_path, {"bad.md": raw(("author: ann-author", f"author: {tag}"))})
    assert not witness.exists()


def test_link_to_a_file_outside_content_is_refused(make_site: SiteMaker, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text(RAW.replace("Intro paragraph.", "Private notes."), "utf-8")
    run = refused(make_site, tmp_path, {}, lambda root: link(root, "leak.md", secret))
    assert run.problems == [
        f"content/leak.md: a symbolic link to {secret}, outside the content folder: copy the "
        "file in instead"
    ]


def test_looping_and_broken_links_are_refused(make_site: SiteMaker, tmp_path: Path) -> None:
    def setup(root: Path) -> None:
        link(root, "loop-a.md", root / "content" / "loop-b.md")
        link(root, "loop-b.md", root / "content" / "loop-a.md")
        link(root, "gone.md", root / "content" / "nowhere.md")
        link(root, "folder", root / "content")

    run = refused(make_site, tmp_path, {}, setup)
    assert run.problems == [
        "content/folder: a symbolic link to a folder, which b12site does not follow: move the "
        "folder here",
        "content/gone.md: a symbolic link that points to nothing: remove it",
        "content/loop-a.md: a symbolic link that loops back on itself: remove it",
        "content/loop-b.md: a symbolic link that loops back on itself: remove it",
    ]


def link(root: Path, name: str, target: Path) -> None:
    """A symbolic link in content/."""
    (root / "content" / name).symlink_to(target)


def test_huge_file_is_refused_unread(make_site: SiteMaker, tmp_path: Path) -> None:
    from b12site.limits import MAX_FILE_BYTES

    body = "Words and more words. " * (MAX_FILE_BYTES // 20)
    run = refused(make_site, tmp_path, {"huge.md": raw(body=body)})
    assert len(run.problems) == 1
    assert run.problems[0].startswith("content/huge.md: ")
    assert f"the limit is {MAX_FILE_BYTES:,}" in run.problems[0]


SCRIPT = "<script>alert(1)</script>"
TEMPLATE = "{{ 7 * 7 }} {% for x in y %}"
HOSTILE = raw(
    ("title: Low B12 and tiredness", f'title: "{SCRIPT} {TEMPLATE}"'),
    (
        "description: Why low vitamin B12 can make you tired.",
        """description: '" onmouseover="alert(1)" Why'""",
    ),
    ("summary: Low", "summary: <img src=x alt='a drawing' onerror=alert(1)> Low"),
    ("  - B12 helps", '  - "[click](javascript:alert(1)) <svg onload=alert(1)>"\n  - B12 helps'),
    ("  - question: Is it serious?", "  - question: <iframe src=https://evil.example/></iframe>"),
    (
        "    answer: It can be [@smith2020].",
        "    answer: >-\n      <style>body{display:none}</style> [x](data:text/html,hi)"
        " [y](vbscript:msgbox) It can be [@smith2020].",
    ),
    ("    title: A study", f"    title: '{TEMPLATE}'"),
    ("    authors: Smith J", f"    authors: ['{SCRIPT}', Jones K]"),
)
HOSTILE_BODY = (
    f'Intro {SCRIPT} [@smith2020].\n\n## Safe {{: onclick="alert(1)" }}\n\n'
    '<a href="jav&#x09;ascript:alert(1)">tab</a> <a href="JaVaScRiPt:alert(1)">case</a>\n\n'
    "<svg><script>alert(1)</script></svg>\n"
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>\n\n'
    f"{TEMPLATE} {{{{ config.base_url }}}} <details open ontoggle=alert(1)>x</details>\n"
)


def test_odd_but_valid_input_builds_safe_pages(make_site: SiteMaker, tmp_path: Path) -> None:
    from .fuzz.html_checks import page_problems

    files = {
        "good.md": RAW,
        "bom-crlf.md": "\ufeff" + raw(("tags:", "slug: bom-crlf\ntags:")).replace("\n", "\r\n"),
        "front-matter-only.md": raw(("tags:", "slug: only\ntags:"), body=""),
        "unicode.md": raw(
            ("title: Low B12 and tiredness", "title: Vitamin B₁₂ 💊 فيتامين Zoe\u0308\u2019s"),
        ),
        "yes-no.md": raw(
            ("title: Low B12 and tiredness", "title: Off"),
            ("    answer: It can be [@smith2020].", "    answer: No"),
        ),
        "folder.md/inside.md": raw(("tags:", "slug: inside\ntags:")),
        "code.md": raw(
            (
                "doi: 10.1136/bmj.g5226",
                "doi: 10.1136/bmj.g5226\n  - id: jones\n    title: B\n"
                "    authors: [A1 B, A2 B, A3 B, A4 B, A5 B, A6 B, A7 B]\n    publication: C\n"
                "    year: 2021\n    pmid: 23301732",
            ),
            body="Intro [@smith2020].\n\n## Dosage\n\n```\n# not a heading\n[@jones]\n```\n",
        ),
        "same-heading.md": raw(
            ("    answer: It can be [@smith2020].", "    answer: |-\n      ## Dosage\n\n      Ok."),
            body="Intro [@smith2020].\n\n## Dosage\n\nText.\n",
        ),
        "hostile.md": HOSTILE[: HOSTILE.index("Intro paragraph.")] + HOSTILE_BODY,
    }
    root = make_site(files, title=f"Health {SCRIPT} {TEMPLATE}")
    run = run_build(root, tmp_path / "out")
    assert run.code == 0, run.err
    assert run.err.splitlines() == [
        "warning: content/code.md:22: references[1]: 'jones' is never cited in the article "
        "[uncited-reference]",
        f"warning: content/front-matter-only.md:{BODY_LINE + 1}: body: no '## ' sections, so the "
        "page has no contents list [no-sections]",
    ]
    pages = {p: p.read_text("utf-8") for p in (tmp_path / "out").rglob("*.html")}
    assert len(pages) > 10
    for path, html in pages.items():
        assert page_problems(html) == [], path
    hostile = pages[tmp_path / "out" / "hostile" / "index.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7 * 7 }} {% for x in y %}</h1>" in hostile
    assert "49" not in hostile
    assert "Health &lt;script&gt;" in hostile
    code = pages[tmp_path / "out" / "code" / "index.html"]
    assert "# not a heading" in code
    assert "A1 B, A2 B, A3 B, A4 B, A5 B, A6 B, et al." in code  # Vancouver style
    same = pages[tmp_path / "out" / "same-heading" / "index.html"]
    assert 'id="dosage"' in same and 'id="dosage_1"' in same
    assert (tmp_path / "out" / "inside" / "index.html").is_file()
    assert ">Off</h1>" in pages[tmp_path / "out" / "yes-no" / "index.html"]
