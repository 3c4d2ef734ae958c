"""Generate a deterministic corpus of realistic health articles for build benchmarks.

Run: .venv/bin/python benchmarks/corpus.py N DIR [--seed S] [--hugo HUGO_DIR]

DIR gets ``site.yaml``, ``content/<slug>.md`` for N articles and ``content/pages/`` (about,
editorial policy), all valid for b12site with no warnings. With ``--hugo`` the same files are
also set up as a Hugo site (see hugo_site.py). Every choice comes from ``random.Random`` seeded
per article, so the same N and seed give byte-identical files, and the first N articles of a
larger corpus are (almost always) the same files.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import shutil
import sys
import textwrap
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from random import Random

import corpus_words as W
import yaml

__all__ = [
    "DEFAULT_SEED",
    "article_files",
    "edit_body",
    "edit_tags",
    "edit_title",
    "generate",
    "topic_slugs",
]

DEFAULT_SEED = 20261130
BODY_WORDS = 890  # the target; sections overshoot it to about 1,100 words
FIRST_PUBLISHED = date(2024, 1, 1)
LAST_PUBLISHED = date(2026, 9, 30)
LAST_REVIEWED = date(2026, 10, 31)  # everything is dated before 2026-11-01
WRAP = 88
REVIEWERS = [p for p in W.PEOPLE if p[1].startswith("Dr ") or p[2].endswith(("PharmD", "RD"))]
TOPIC_WEIGHTS = [1 / (rank + 1) ** 0.9 for rank in range(len(W.TOPICS))]
MARKER = ".b12-bench-corpus"


def cap(text: str) -> str:
    """Capitalise the first letter only (keeps 'COPD' and 'B12')."""
    return text[:1].upper() + text[1:]


class Slots(dict[str, str]):
    """Template slots filled on first use from the article's random generator."""

    def __init__(self, rng: Random, subject: str) -> None:
        super().__init__(s=subject, S=cap(subject))
        self.rng = rng

    def __missing__(self, key: str) -> str:
        lower = key[:1].lower() + key[1:]
        value = cap(self[lower]) if lower != key else self._draw(key)
        self[key] = value
        return value

    def _draw(self, key: str) -> str:
        rng = self.rng
        pools = {
            "g": W.GROUPS,
            "c": W.CLINICIANS,
            "t": W.TESTS,
            "tr": W.TREATMENTS,
            "l": W.LIFESTYLE,
            "sy": W.SYMPTOMS,
            "co": W.COUNTRIES,
            "o": W.ORGANS,
            "out": W.OUTCOMES,
            "f": W.FACTORS,
            "d": W.DESIGNS,
        }
        if key in pools:
            return rng.choice(pools[key])
        if key == "sy2":
            return rng.choice([s for s in W.SYMPTOMS if s != self["sy"]])
        if key == "st":
            return rng.choice(W.STUDIES).format(k=rng.randint(4, 40))
        ranges = {"p": (5, 60), "k": (2, 90), "w": (2, 12), "m": (3, 18), "y": (5, 20)}
        low, high = ranges[key]
        return str(rng.randint(low, high))


@dataclass
class Citer:
    """Hands out citations, citing every reference at least once before repeating."""

    rng: Random
    ids: list[str]
    pending: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pending = list(self.ids)
        self.rng.shuffle(self.pending)

    def key(self) -> str:
        return self.pending.pop() if self.pending else self.rng.choice(self.ids)

    def cite(self, sentence: str, many: bool = False) -> str:
        """The sentence with ``[@id]`` or ``[@a; @b]`` before its final full stop."""
        keys = [self.key()]
        if many or self.rng.random() < 0.25:
            second = self.key()
            if second != keys[0]:
                keys.append(second)
        mark = " [" + "; ".join("@" + k for k in keys) + "]"
        return sentence[:-1] + mark + sentence[-1] if sentence[-1] in ".?" else sentence + mark


@dataclass(frozen=True)
class Reference:
    """One fictional reference, in b12site's front matter fields."""

    id: str
    title: str
    authors: str
    publication: str
    year: int
    volume: str
    pages: str
    doi: str
    pmid: str


class ArticleWriter:
    """Writes one article's body and front matter from seeded choices."""

    def __init__(self, rng: Random, subject: str, topics: tuple[str, ...]) -> None:
        self.rng = rng
        self.subject = subject
        self.topics = topics
        self.references = self._references()
        self.citer = Citer(rng, [r.id for r in self.references])
        self.pools: dict[str, list[str]] = {}

    def fill(self, template: str) -> str:
        return template.format_map(Slots(self.rng, self.subject))

    def sentence(self, kind: str, cite_chance: float = 0.3) -> str:
        pool = self.pools.get(kind)
        if not pool:
            pool = self.pools[kind] = list(W.SENTENCES[kind])
            self.rng.shuffle(pool)
        text = self.fill(pool.pop())
        return self.citer.cite(text) if self.rng.random() < cite_chance else text

    def paragraph(self, kind: str, sentences: int) -> str:
        """Sentences of one kind, mostly; every paragraph cites at least once, as the figures
        its sentences state must be sourced (``b12site check``'s uncited-statistic rule)."""
        kinds = [
            self.rng.choices((kind, "evidence", "general"), (6, 2, 2))[0] for _ in range(sentences)
        ]
        texts = [self.sentence(k) for k in kinds]
        if not any("[@" in text for text in texts):
            texts[-1] = self.citer.cite(texts[-1])
        return _wrap(" ".join(texts))

    def body(self) -> str:
        """Intro, then H2 sections (some with H3s), a bullet list or two and one table."""
        rng = self.rng
        chosen = sorted(rng.sample(range(1, len(W.SECTIONS)), rng.randint(5, 7)))
        if 5 not in chosen:  # the treatment section carries the table
            chosen = sorted([*chosen[1:], 5])
        blocks = [self.paragraph("intro", 3), self.paragraph("intro", rng.randint(2, 3))]
        budget = (BODY_WORDS - _words(blocks)) // len(chosen)
        for index in chosen:
            blocks += self.section(*W.SECTIONS[index], budget=budget)
        last = max(i for i, b in enumerate(blocks) if not b.startswith(("#", "-", "|")))
        while self.citer.pending:  # cite whatever is left, in the last plain paragraph
            blocks[last] += "\n" + self.fill(self.citer.cite("This is an active research area."))
        return "\n\n".join(blocks) + "\n"

    def section(self, heading: str, kind: str, subheads: tuple[str, ...], budget: int) -> list[str]:
        rng = self.rng
        blocks = ["## " + self.fill(heading)]
        if kind == "symptoms":
            blocks += [self.paragraph(kind, 2), self.symptom_list()]
        if kind == "lifestyle":
            blocks += [self.paragraph(kind, 2), self.tip_list()]
        if kind == "treatment":
            blocks += [self.paragraph(kind, 2), self.table()]
        if subheads and rng.random() < 0.6:
            for sub in rng.sample(subheads, 2):
                blocks += ["### " + self.fill(sub), self.paragraph(kind, rng.randint(3, 4))]
        while _words(blocks) < budget:
            blocks.append(self.paragraph(kind, rng.randint(3, 5)))
        return blocks

    def symptom_list(self) -> str:
        items = self.rng.sample(W.SYMPTOMS, self.rng.randint(4, 6))
        return "Common symptoms include:\n\n" + "\n".join(f"- {cap(s)}" for s in items)

    def tip_list(self) -> str:
        items = self.rng.sample(W.LIFESTYLE, self.rng.randint(4, 5))
        lines = [f"- **{cap(item)}:** {self.sentence('lifestyle', 1.0)}" for item in items]
        return "Things that can help:\n\n" + "\n".join(lines)

    def table(self) -> str:
        rng = self.rng
        heads, kind = rng.choice(W.TABLES)
        firsts = {"diagnosis": W.TESTS, "lifestyle": W.LIFESTYLE}.get(kind, W.TREATMENTS)
        rows = [f"| {' | '.join(heads)} |", "| --- | --- | --- |"]
        for first in rng.sample(firsts, rng.randint(3, 5)):
            middle = self.fill(rng.choice(W.TABLE_CELLS["what"] + W.TABLE_CELLS["shows"]))
            last = self.fill(rng.choice(W.TABLE_CELLS["time"] + W.TABLE_CELLS["when"]))
            rows.append(f"| {cap(first)} | {cap(middle)} | {cap(last)} |")
        return "\n".join(rows)

    def _references(self) -> list[Reference]:
        rng = self.rng
        refs: list[Reference] = []
        used: set[str] = set()
        for _ in range(rng.randint(8, 15)):
            names = rng.sample(W.SURNAMES, rng.randint(1, 6))
            year = rng.randint(1998, 2025)
            ref_id = f"{names[0].lower()}{year}"
            for suffix in "bcdefgh":
                if ref_id not in used:
                    break
                ref_id = f"{names[0].lower()}{year}{suffix}"
            used.add(ref_id)
            authors = [f"{n} {_initials(rng)}" for n in names]
            shown = ", ".join(authors[:3]) + (", et al." if len(authors) > 3 else "")
            journal, prefix = rng.choice(W.JOURNALS)
            has_doi, has_pmid = rng.random() < 0.85, rng.random() < 0.7
            refs.append(
                Reference(
                    id=ref_id,
                    title=cap(self.fill(rng.choice(W.REF_TITLES))),
                    authors=shown,
                    publication=journal,
                    year=year,
                    volume=str(rng.randint(1, 400)) if rng.random() < 0.5 else "",
                    pages=_pages(rng) if rng.random() < 0.5 else "",
                    doi=f"10.{prefix}.{year}.{rng.randint(100, 99999)}"
                    if has_doi or not has_pmid
                    else "",
                    pmid=str(rng.randint(10_000_000, 39_999_999)) if has_pmid else "",
                )
            )
        return refs

    def front_matter(self, title: str, tags: list[str]) -> str:
        """The YAML front matter, written as an editor would (folded blocks, quoted points)."""
        rng = self.rng
        published = _day(rng, FIRST_PUBLISHED, LAST_PUBLISHED)
        reviewed = _day(rng, published, LAST_REVIEWED)
        author = rng.choice(W.PEOPLE)[0]
        reviewer = rng.choice([p for p in REVIEWERS if p[0] != author])[0]
        lines = [
            "---",
            f"title: {_scalar(title)}",
            f"description: {_scalar(self._description())}",
            f"published: {published.isoformat()}",
        ]
        if rng.random() < 0.5:
            lines.append(f"updated: {_day(rng, published, LAST_REVIEWED).isoformat()}")
        lines += [
            f"last_reviewed: {reviewed.isoformat()}",
            f"author: {author}",
            f"reviewed_by: {reviewer}",
            f"about: {_scalar(cap(self.subject))}",
            f"tags: [{', '.join(tags)}]",
            "summary: >-",
            _wrap(self._summary(), 2),
            "key_points:",
        ]
        lines += [f"  - {json.dumps(point, ensure_ascii=False)}" for point in self._key_points()]
        lines.append("faq:")
        for question, answer in self._faq():
            lines += [f"  - question: {_scalar(question)}", "    answer: >-", _wrap(answer, 6)]
        lines.append("references:")
        for ref in self.references:
            lines += _reference_lines(ref)
        lines.append("---")
        return "\n".join(lines) + "\n"

    def _description(self) -> str:
        for template in self.rng.sample(W.DESCRIPTIONS, len(W.DESCRIPTIONS)):
            text = self.fill(template)
            if len(text) <= 160:
                return text
        return cap(self.subject) + ": causes, symptoms and treatment."

    def _summary(self) -> str:
        kinds = ["intro", "treatment", "doctor"]
        return " ".join(self.citer.cite(self.fill(self.rng.choice(W.SENTENCES[k]))) for k in kinds)

    def _key_points(self) -> list[str]:
        labels = self.rng.sample(W.KEY_POINT_LABELS, self.rng.randint(5, 6))
        kinds = ["symptoms", "diagnosis", "treatment", "lifestyle", "evidence", "outlook"]
        return [
            f"**{label}:** {self.citer.cite(self.fill(self.rng.choice(W.SENTENCES[kind])))}"
            for label, kind in zip(labels, kinds, strict=False)
        ]

    def _faq(self) -> list[tuple[str, str]]:
        items = self.rng.sample(W.FAQ, self.rng.randint(5, 6))
        out = []
        for question, opening in items:
            more = self.sentence(self.rng.choice(["treatment", "doctor", "evidence"]), 0.0)
            answer = f"{self.fill(opening)} {self.citer.cite(more, many=self.rng.random() < 0.3)}"
            out.append((self.fill(question), answer))
        return out


def _words(blocks: list[str]) -> int:
    return sum(len(b.split()) for b in blocks)


def _initials(rng: Random) -> str:
    return "".join(rng.sample("ABCDEFGHJKLMNPRST", rng.randint(1, 2)))


def _pages(rng: Random) -> str:
    first = rng.randint(1, 2000)
    return f"{first}-{first + rng.randint(3, 15)}"


def _day(rng: Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 ,.'()/-]*[A-Za-z0-9.)]")


def _scalar(text: str) -> str:
    """A YAML scalar: plain when that is unambiguous, double-quoted otherwise."""
    return text if _PLAIN.fullmatch(text) else json.dumps(text, ensure_ascii=False)


def _wrap(text: str, indent: int = 0) -> str:
    """Wrap at WRAP columns, never inside a citation (b12site reads citations line by line)."""
    kept = text.replace("; @", ";\x00@")
    pad = " " * indent
    wrapped = textwrap.fill(
        kept, WRAP, initial_indent=pad, subsequent_indent=pad, break_on_hyphens=False
    )
    return wrapped.replace("\x00", " ")


def _reference_lines(ref: Reference) -> list[str]:
    lines = [
        f"  - id: {ref.id}",
        f"    title: {_scalar(ref.title)}",
        f"    authors: {_scalar(ref.authors)}",
        f"    publication: {_scalar(ref.publication)}",
        f"    year: {ref.year}",
    ]
    if ref.volume:
        lines.append(f'    volume: "{ref.volume}"')
    if ref.pages:
        lines.append(f"    pages: {ref.pages}")
    if ref.doi:
        lines.append(f"    doi: {ref.doi}")
    if ref.pmid:
        lines.append(f'    pmid: "{ref.pmid}"')
    return lines


def slugify(title: str) -> str:
    """A URL segment from a title: lowercase words joined by single hyphens."""
    text = title.lower().replace("'", "")
    return "-".join(re.findall(r"[a-z0-9]+", text))


def _title(rng: Random, subject: str) -> str:
    roll = rng.random()
    if roll < 0.25:
        template = rng.choice(W.TITLES)
    elif roll < 0.85:
        template = rng.choice(W.GROUP_TITLES)
    else:
        template = rng.choice(W.FACTOR_TITLES)
    return template.format(
        s=subject, S=cap(subject), g=rng.choice(W.GROUPS), f=rng.choice(W.FACTORS)
    )


def _tags(rng: Random, preferred: tuple[str, ...]) -> list[str]:
    slugs = topic_slugs()
    tags = [preferred[0]]
    want = rng.randint(2, 4)
    while len(tags) < want:
        tag = rng.choices(slugs, TOPIC_WEIGHTS)[0]
        if tag not in tags:
            tags.append(tag)
    return tags


def article(index: int, seed: int, taken: set[str]) -> tuple[str, str]:
    """``(slug, file text)`` of article ``index``; ``taken`` holds slugs already used."""
    rng = Random(f"{seed}:{index}")
    subject, preferred = rng.choice(W.SUBJECTS)
    for attempt in itertools.count():
        title = _title(rng, subject)
        if attempt > 20:
            title = f"{title} (part {attempt - 19})"
        slug = slugify(title)
        if slug not in taken:
            break
    taken.add(slug)
    writer = ArticleWriter(rng, subject, preferred)
    tags = _tags(rng, preferred)
    body = writer.body()
    return slug, writer.front_matter(title, tags) + "\n" + body


def topic_slugs() -> list[str]:
    """Every topic slug, most popular first."""
    return [slug for slug, _, _ in W.TOPICS]


def site_yaml() -> str:
    """The site settings: people, topics and publisher of the fictional benchmark site."""
    settings = {
        "title": "Healthwise Benchmark Library",
        "base_url": "https://bench.example.org/",
        "language": "en-GB",
        "description": (
            "A generated benchmark corpus of health articles. The articles, people and "
            "references are fictional and exist only to measure build times."
        ),
        "publisher": {"name": "Healthwise Benchmark Library", "url": "https://bench.example.org/"},
        "disclaimer": (
            "This article is generated text for benchmarking and is not medical advice. "
            "Always ask a doctor or other qualified health professional about your health."
        ),
        "review_cycle_months": 36,
        "latest_count": 10,
        "people": [
            {"id": pid, "name": name, "credentials": cred, "role": role, "url": "about/#our-team"}
            for pid, name, cred, role in W.PEOPLE
        ],
        "topics": [
            {"slug": slug, "name": name, "description": text} for slug, name, text in W.TOPICS
        ],
        # the generated prose reads at grades 5 to 9: a site for a general audience
        "readability": {"target_grade": 9},
    }
    header = "# Generated by benchmarks/corpus.py: a fictional site for build benchmarks.\n"
    return header + yaml.safe_dump(settings, sort_keys=False, allow_unicode=True, width=100)


def pages() -> dict[str, str]:
    """The plain pages: file name → text."""
    team = "\n".join(
        f"- **{name}{', ' + cred if cred else ''}** — {role.lower()}."
        for _, name, cred, role in W.PEOPLE
    )
    about = f"""---
title: About us
description: Who publishes this benchmark library, who writes and reviews the articles, and why.
updated: 2026-10-01
---

The Healthwise Benchmark Library is a generated site. Its articles read like health
information, but every sentence, person and reference is made up from templates so that
build tools can be timed on a realistic amount of content.

## Who we are

The library exists to measure how long static site generators take to build a large
health site. Nothing here is medical advice.

## Our team

The people below are fictional. Their credentials show how a real publisher would present
its authors and medical reviewers.

{team}

## How to contact us

This is a benchmark, so there is nobody to contact. Read our
[editorial policy](../editorial-policy/) to see how a real site would work.
"""
    policy = """---
title: Editorial policy
description: How articles in the benchmark library are written, reviewed, referenced and updated.
updated: 2026-10-01
---

A real health publisher explains here how it keeps its articles accurate. This page shows
the shape of such a policy.

## Writing

Articles are written in plain language by named authors. Each one cites its sources.

## Medical review

Every article is checked by a medical reviewer with relevant credentials, who is never
the article's author. The date of the last review is shown on the page.

## Updates

Articles are reviewed at least every three years, and sooner when the evidence changes.

## Corrections

Mistakes are corrected promptly, and substantial changes are noted with an updated date.
"""
    return {"about.md": about, "editorial-policy.md": policy}


def generate(n: int, directory: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write a corpus of ``n`` articles into ``directory``; return the article paths."""
    if directory.exists() and any(directory.iterdir()) and not (directory / MARKER).exists():
        raise FileExistsError(f"{directory} is not empty and was not made by corpus.py")
    for old in ("content", "site.yaml", ".b12site-cache"):
        target = directory / old
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    content = directory / "content"
    (content / "pages").mkdir(parents=True)
    (directory / MARKER).write_text(f"n={n} seed={seed}\n", "utf-8")
    (directory / "site.yaml").write_text(site_yaml(), "utf-8")
    for name, text in pages().items():
        (content / "pages" / name).write_text(text, "utf-8")
    taken: set[str] = set()
    paths = []
    for index in range(n):
        slug, text = article(index, seed, taken)
        path = content / f"{slug}.md"
        path.write_text(text, "utf-8")
        paths.append(path)
    return paths


def article_files(directory: Path) -> list[Path]:
    """The corpus's article files, sorted."""
    return sorted((directory / "content").glob("*.md"))


# Edits used by the rebuild benchmarks; each keeps the article valid and gives a new variant.

_REVISION = re.compile(r"^(Revision \d+: )")


def edit_body(path: Path, variant: int) -> None:
    """Change a few words in the first paragraph of the body."""
    text = path.read_text("utf-8")
    end = text.index("\n---\n", 4) + 5
    head, body = text[:end], text[end:].lstrip("\n")
    body = _REVISION.sub("", body)
    path.write_text(f"{head}\nRevision {variant}: {body}", "utf-8")


def edit_tags(path: Path, variant: int) -> None:
    """Replace every tag but the first with other topics."""
    text = path.read_text("utf-8")
    match = re.search(r"^tags: \[(.*)\]$", text, re.MULTILINE)
    if match is None:
        raise ValueError(f"{path}: no one-line tags list")
    first = match.group(1).split(", ")[0]
    slugs = [s for s in topic_slugs() if s != first]
    picked = [first, slugs[(variant * 7) % len(slugs)], slugs[(variant * 7 + 3) % len(slugs)]]
    new = f"tags: [{', '.join(picked)}]"
    path.write_text(text[: match.start()] + new + text[match.end() :], "utf-8")


def edit_title(path: Path, variant: int) -> None:
    """Append or change a revision note at the end of the title."""
    text = path.read_text("utf-8")
    match = re.search(r"^title: (.*)$", text, re.MULTILINE)
    if match is None:
        raise ValueError(f"{path}: no title line")
    title = str(yaml.safe_load(match.group(1)))
    title = re.sub(r" \(revised \d+\)$", "", title) + f" (revised {variant})"
    new = f"title: {_scalar(title)}"
    path.write_text(text[: match.start()] + new + text[match.end() :], "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("n", type=int, help="number of articles")
    parser.add_argument("directory", type=Path, help="folder to write the site into")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--hugo", type=Path, help="also write a Hugo site over the same files")
    args = parser.parse_args(argv)
    try:
        paths = generate(args.n, args.directory, args.seed)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    words = sum(len(p.read_text("utf-8").split()) for p in paths[:100]) // max(1, min(100, args.n))
    print(
        f"wrote {len(paths)} articles into {args.directory} "
        f"(about {words} words per file, front matter included)"
    )
    if args.hugo:
        import hugo_site

        hugo_site.write_hugo_site(args.directory, args.hugo)
        print(f"wrote a Hugo site into {args.hugo}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
