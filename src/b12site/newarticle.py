"""``b12site new``: a new article with every section scaffolded, and the check that it is done.

The article is written with placeholders, each holding ``PLACEHOLDER``: it validates once they
are replaced by real text, and ``placeholder_problems`` refuses it while any is left. Authors and
reviewers are never guessed: unless given, they are placeholders too.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import yaml

from b12site.content import split_source
from b12site.errors import B12Error, ContentError, Problem, suggest
from b12site.findings import ERROR, Rule
from b12site.frontyaml import parse_yaml
from b12site.models import Person, SiteConfig
from b12site.names import RESERVED_PATHS, SLUG_MAX, WINDOWS_RESERVED, folded, slug_problem

__all__ = [
    "PLACEHOLDER",
    "PLACEHOLDER_RULE",
    "TITLE_MAX",
    "article_template",
    "create_article",
    "placeholder_problems",
    "slug_for",
]

PLACEHOLDER = "TODO"  # the marker every placeholder contains
PLACEHOLDER_RULE = Rule(
    "placeholder", ERROR, "A placeholder from `b12site new` is still in the article", "content"
)
TITLE_MAX = 150  # characters, as the article schema allows
MAX_TAGS = 20  # as the article schema allows

_MARKER_RE = re.compile(rf"\b{PLACEHOLDER}\b")
_SHOWN = 60  # characters of a placeholder quoted in a problem
# letters that Unicode does not decompose into an ASCII letter and a mark; apostrophes vanish
# ("don't" -> "dont") and "&" reads as "and"
_FOLD = str.maketrans(
    {
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "þ": "th",
        "\u0131": "i",  # dotless i
        "&": " and ",
        "'": "",
        "\u2019": "",
        "\u2018": "",
    }
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_FENCE = re.compile(r"-{3,}\s*\Z")  # a front matter fence line, as the content reader knows it
_TOP_KEY = re.compile(r"([A-Za-z_][\w-]*)\s*:")


def slug_for(title: str) -> str:
    """The URL segment and file name a title gives; raise B12Error when it gives none."""
    # imported here: the rules import this module, and the site index imports the rules

    text = unicodedata.normalize("NFKD", title.casefold()).translate(_FOLD)
    text = "".join(char for char in text if not unicodedata.combining(char))  # accents go
    slug = _NOT_SLUG.sub("-", text).strip("-")  # other letters and signs part words
    if len(slug) > SLUG_MAX:
        head = slug[: SLUG_MAX + 1]
        slug = head.rsplit("-", 1)[0] if "-" in head else slug[:SLUG_MAX]
    slug = slug.strip("-")
    if not slug:
        raise B12Error(
            f"the title {_quoted(title)} has no letters or digits from a to z or 0 to 9 "
            "to make a file name from: reword it"
        )
    if slug in WINDOWS_RESERVED:
        raise B12Error(
            f"the title makes the file name '{slug}.md', and Windows reserves '{slug}' for a "
            "device: reword the title"
        )
    if slug in RESERVED_PATHS:
        raise B12Error(
            f"the title makes the URL '/{slug}/', which is reserved for the site's own pages: "
            "reword the title"
        )
    if bad := slug_problem(slug, " (from the title)"):  # never: the steps above rule it out
        raise B12Error(bad)
    return slug


def article_template(
    title: str, tags: Sequence[str], author: str, reviewer: str, today: date
) -> str:
    """The text of a new article: front matter and body, with placeholders to fill in."""
    tag_list = ", ".join(_scalar(tag) for tag in tags) or f"{PLACEHOLDER}-topic"
    front = [
        f"title: {_scalar(title.strip())}",
        f'description: "{PLACEHOLDER}: one sentence for search results, under 160 characters"',
        f"published: {today.isoformat()}",
        f"last_reviewed: {today.isoformat()}",
        f"author: {_scalar(author)}",
        f"reviewed_by: {_scalar(reviewer)}",
        f'about: "{PLACEHOLDER}: the condition or topic, like Vitamin B12 deficiency"',
        f"tags: [{tag_list}]",
        "summary: >-",
        f"  {PLACEHOLDER}: two to four plain sentences for the Quick summary box [@ref1]",
        "key_points:",
        *(f'  - "{PLACEHOLDER}: the {n} key point, in one sentence [@ref1]"' for n in _NTH),
        "faq:",
        *_faq(2),
        "references:",
        "  - id: ref1",
        f'    title: "{PLACEHOLDER}: title of the study, review or guideline"',
        f'    authors: "{PLACEHOLDER}: Surname Initials, Surname Initials, or an organisation"',
        f'    publication: "{PLACEHOLDER}: journal or publisher"',
        f"    year: {PLACEHOLDER}",
        f'    doi: "{PLACEHOLDER}: a bare DOI like 10.1136/bmj.g5226, or pmid: or url: instead"',
        "# optional fields: updated, next_review, slug, disclaimer, draft (see the README)",
    ]
    return "---\n" + "\n".join(front) + "\n---\n\n" + _BODY


def create_article(
    config: SiteConfig,
    title: str,
    tags: Sequence[str],
    author: str | None,
    reviewer: str | None,
    today: date,
) -> Path:
    """Write ``content/<slug>.md`` for a new article; raise B12Error, in one line, if it can't."""
    title = _checked_title(title)
    slug = slug_for(title)
    _check_people(config.people, author, reviewer)
    tag_list = _checked_tags(tags, config)
    text = article_template(
        title,
        tag_list,
        author or f"{PLACEHOLDER}-author-id",
        reviewer or f"{PLACEHOLDER}-reviewer-id",
        today,
    )
    _check_round_trip(text, title)
    if clash := _slug_owner(config.content_dir, slug):
        raise B12Error(f"'{slug}' is taken already: {clash}; choose another title")
    path = config.content_dir / f"{slug}.md"
    try:
        config.content_dir.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as file:
            file.write(text)
    except FileExistsError as exc:
        raise B12Error(f"{path} exists already; choose another title") from exc
    except OSError as exc:
        raise B12Error(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path


def placeholder_problems(source_text: str, path: str) -> list[Problem]:
    """A problem for every line that still holds a placeholder, naming its field."""
    if PLACEHOLDER not in source_text:  # finished articles: nothing more to do
        return []
    text = source_text.removeprefix("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    fields = _field_lines(text, lines, path)
    problems = []
    for number, line in enumerate(lines, start=1):
        found = _MARKER_RE.search(line)
        if found is None:
            continue
        shown = line[found.start() :].strip()
        if len(shown) > _SHOWN:
            shown = shown[: _SHOWN - 1] + "…"
        problems.append(
            Problem(
                path,
                number,
                fields(number),
                f"placeholder left in: {shown}",
                PLACEHOLDER_RULE.id,
                PLACEHOLDER_RULE.severity,
                found.start() + 1,
            )
        )
    return problems


_NTH = ("first", "second", "third")

_BODY = f"""\
{PLACEHOLDER}: an opening paragraph: who this article is for and what it explains; then \
rename, add or remove the sections below to fit the topic [@ref1].

## What is it?

{PLACEHOLDER}: what the condition or topic is, in plain words [@ref1].

## Who is at risk?

{PLACEHOLDER}: who is most likely to be affected, and why [@ref1].

## Symptoms

{PLACEHOLDER}: the signs to look out for [@ref1].

## Treatment

{PLACEHOLDER}: how it is treated or prevented, and what to expect [@ref1].

## When to see a doctor

{PLACEHOLDER}: when to see a GP, and when to get medical help urgently [@ref1].
"""


def _faq(count: int) -> list[str]:
    """The lines of ``count`` placeholder questions and answers."""
    lines = []
    for _ in range(count):
        lines += [
            f'  - question: "{PLACEHOLDER}: a question readers ask?"',
            "    answer: >-",
            f"      {PLACEHOLDER}: a short, plain answer [@ref1]",
        ]
    return lines


def _scalar(value: str) -> str:
    """A YAML scalar that reads back as exactly ``value`` under the front matter's rules."""
    plain = yaml.safe_dump(value, allow_unicode=True, width=1_000_000).removesuffix("\n")
    plain = plain.removesuffix("\n...")
    if "\n" not in plain and _reads_back(plain, value):
        return plain
    quoted = yaml.safe_dump(value, allow_unicode=True, width=1_000_000, default_style='"')
    return quoted.strip()


def _reads_back(scalar: str, value: str) -> bool:
    """Whether a one-line YAML scalar reads as ``value`` under the YAML 1.2 core rules."""
    try:
        data, _, _ = parse_yaml(f"v: {scalar}", "", first_line=1)
    except ContentError:
        return False
    return data.get("v") == value


def _quoted(text: str) -> str:
    """Text quoted for a message, shortened and with invisible characters escaped."""
    short = text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
    return "'" + (short if short.isprintable() else short.encode("unicode_escape").decode()) + "'"


def _checked_title(title: str) -> str:
    """The title without surrounding spaces; raise B12Error if no article can have it."""
    title = title.strip()
    if not title:
        raise B12Error("the title is empty: give the article a title")
    if any(unicodedata.category(c) in {"Cc", "Zl", "Zp"} for c in title):
        raise B12Error(f"the title {_quoted(title)} must be one line without control characters")
    if len(title) > TITLE_MAX:
        raise B12Error(
            f"the title is {len(title)} characters long; shorten it to {TITLE_MAX} at most"
        )
    return title


def _person_problem(people: Mapping[str, Person], person_id: str, role: str) -> str:
    """Why ``person_id`` cannot be the article's ``role``, or an empty string."""
    if person_id in people:
        return ""
    hint = suggest(person_id, sorted(people))
    return f"unknown {role} '{person_id}'{hint}: use an id from people in site.yaml"


def _check_people(people: Mapping[str, Person], author: str | None, reviewer: str | None) -> None:
    """Raise B12Error unless the author and reviewer given are people of the site who may be."""
    for person_id, role in ((author, "author"), (reviewer, "reviewer")):
        if person_id is not None and (bad := _person_problem(people, person_id, role)):
            raise B12Error(bad)
    if author is not None and author == reviewer:
        raise B12Error("the medical reviewer must be someone other than the author")
    if reviewer is not None and not people[reviewer].credentials:
        raise B12Error(
            f"'{reviewer}' has no credentials in site.yaml people, so cannot review an article"
        )


def _checked_tags(tags: Sequence[str], config: SiteConfig) -> list[str]:
    """The tags, each once, in order; raise B12Error for one that cannot be a topic."""
    unique = list(dict.fromkeys(tags))
    if len(unique) > MAX_TAGS:
        raise B12Error(f"{len(unique)} tags given: an article has {MAX_TAGS} at most")
    for tag in unique:
        if bad := slug_problem(tag, " (a tag)"):
            raise B12Error(bad)
        if config.topics and tag not in config.topics:
            hint = suggest(tag, sorted(config.topics))
            raise B12Error(f"unknown topic '{tag}'{hint}: add it to topics in site.yaml")
    return unique


def _check_round_trip(text: str, title: str) -> None:
    """Raise B12Error unless the scaffold reads back with the title as given."""
    try:
        source = split_source(text, Path("new.md"), "new.md", "article")
    except ContentError as exc:  # never, for a title that passed the checks above
        raise B12Error(f"cannot write the title {_quoted(title)} into an article") from exc
    if source.meta.get("title") != title:
        raise B12Error(f"cannot write the title {_quoted(title)} into an article")


def _slug_owner(content_dir: Path, slug: str) -> str:
    """What owns ``slug`` already in content/ (a file of that name or a ``slug:`` field),
    or an empty string; names are compared as Windows and macOS do."""
    if not content_dir.is_dir():
        return ""
    wanted = folded(slug)
    for folder, dirs, files in os.walk(content_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            if name.startswith((".", "_")) or not name.endswith(".md"):
                continue
            path = Path(folder) / name
            shown = path.relative_to(content_dir.parent).as_posix()
            if folded(name.removesuffix(".md")) == wanted:
                return f"{shown} exists"
            if _front_matter_slug(path) == slug:
                return f"{shown} sets it as its slug"
    return ""


def _front_matter_slug(path: Path) -> str:
    """The ``slug:`` a content file's front matter sets, or an empty string."""
    try:
        with path.open(encoding="utf-8", errors="replace") as file:
            head = file.read(64 * 1024)
    except OSError:
        return ""
    lines = head.removeprefix("\ufeff").split("\n")
    if not lines or not _FENCE.match(lines[0]):
        return ""
    for line in lines[1:]:
        if _FENCE.match(line):
            break
        if line.startswith("slug:"):
            value = line.removeprefix("slug:").split(" #", 1)[0].strip()
            return value.strip("'\"")
    return ""


def _field_lines(text: str, lines: list[str], path: str) -> _FieldAt:
    """How to tell the field of a line: from the parsed front matter, else from its keys."""
    body_line = _body_line(lines)
    starts: list[tuple[int, int, str]] = []
    try:
        source = split_source(text, Path(path or "article.md"), path, "article")
    except ContentError:
        starts = [
            (number, 0, found.group(1))
            for number, line in enumerate(lines[1 : body_line - 1], start=2)
            if (found := _TOP_KEY.match(line))
        ]
    else:
        body_line = source.body_line
        starts = [(start, len(name), name) for name, start in source.lines.items()]
    return _FieldAt(starts, body_line)


class _FieldAt:
    """The field a file line belongs to: the last field starting on or before it, or body."""

    def __init__(self, starts: list[tuple[int, int, str]], body_line: int) -> None:
        self.starts = sorted(starts)
        self.body_line = body_line

    def __call__(self, line: int) -> str:
        """The field of ``line``: a front matter path, "body", or "" before any field."""
        if line >= self.body_line:
            return "body"
        before = [start for start in self.starts if start[0] <= line]
        return before[-1][2] if before else ""


def _body_line(lines: list[str]) -> int:
    """The first body line of a file split into lines (1 when it has no front matter)."""
    if not lines or not _FENCE.match(lines[0]):
        return 1
    for index, line in enumerate(lines[1:], start=2):
        if _FENCE.match(line):
            return index + 1
    return len(lines) + 1
