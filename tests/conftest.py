"""Shared fixtures: small sites written into a temporary folder."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml

from b12site.config import load_config
from b12site.models import SiteConfig

TODAY = date(2026, 11, 24)

SITE_YAML = {
    "title": "Test Health",
    "base_url": "https://health.example.org/",
    "language": "en-GB",
    "description": "A test site.",
    "publisher": {"name": "Test Publisher", "url": "https://example.org/"},
    "people": [
        {"id": "ann-author", "name": "Ann Author", "credentials": "BSc", "role": "Writer"},
        {"id": "rex-reviewer", "name": "Dr Rex Reviewer", "credentials": "MD", "role": "GP"},
        {"id": "no-creds", "name": "Nora Nocreds"},
    ],
    # test articles are short on purpose; the rules' own tests turn these back on
    "rules": {
        "key-points-count": {"severity": "off", "reason": "test articles have one key point"},
        "description-length": {"severity": "off", "reason": "test descriptions are short"},
    },
}


def front_matter(**changes: object) -> dict[str, object]:
    """A valid article front matter mapping, with fields changed or removed (value None)."""
    data: dict[str, object] = {
        "title": "Low B12 and tiredness",
        "description": "Why low vitamin B12 can make you tired, and what to do about it.",
        "published": date(2026, 1, 10),
        "last_reviewed": date(2026, 2, 1),
        "author": "ann-author",
        "reviewed_by": "rex-reviewer",
        "tags": ["vitamin-b12"],
        "summary": "Low B12 can cause tiredness [@smith2020].",
        "key_points": ["B12 helps make red blood cells [@smith2020]."],
        "faq": [{"question": "Is it serious?", "answer": "It can be [@jones2019]."}],
        "references": [
            {
                "id": "smith2020",
                "title": "A study",
                "authors": "Smith J",
                "publication": "BMJ",
                "year": 2020,
                "doi": "10.1136/bmj.g5226",
            },
            {
                "id": "jones2019",
                "title": "Another",
                "authors": "Jones K",
                "publication": "NEJM",
                "year": 2019,
                "pmid": "23301732",
            },
        ],
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


BODY = "Intro paragraph.\n\n## What it is\n\nText with a citation [@smith2020].\n"


def article_text(meta: dict[str, object], body: str = BODY) -> str:
    """A Markdown file with YAML front matter."""
    dumped = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    return f"---\n{dumped}---\n\n{body}"


SiteMaker = Callable[..., Path]


@pytest.fixture
def make_site(tmp_path: Path) -> SiteMaker:
    """Write a site: settings plus ``{relative path: file text}`` under content/."""

    def make(files: dict[str, str] | None = None, **settings: object) -> Path:
        root = tmp_path / "site"
        (root / "content").mkdir(parents=True, exist_ok=True)
        config = {**SITE_YAML, **settings}
        (root / "site.yaml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
        for rel, text in (files or {"low-b12.md": article_text(front_matter())}).items():
            path = root / "content" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, "utf-8")
        return root

    return make


@pytest.fixture
def config(make_site: SiteMaker) -> SiteConfig:
    """The test site's validated settings."""
    return load_config(make_site() / "site.yaml")
