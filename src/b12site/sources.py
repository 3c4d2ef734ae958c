"""Find the content files and turn each into an entry: from the cache when unchanged."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import cast

from b12site import codec
from b12site.cache import CachedSource
from b12site.cards import ArticleCard, PageCard, TopicLink
from b12site.errors import ContentError, Problem, display_path, tagged
from b12site.links import Link
from b12site.models import Override, SiteConfig
from b12site.names import file_name_problem, folded
from b12site.stage import Entry, process_or_problems
from b12site.workers import stream

__all__ = [
    "FILE_NAME_RULE",
    "Loaded",
    "Scan",
    "SourceFile",
    "decode_entry",
    "encode_entry",
    "load_entries",
    "scan",
]

PAGES_DIR = "pages"
STORE_BATCH = 256  # files processed between two cache writes
Row = tuple[str, CachedSource, str | None]  # a source's path, record and document (None: kept)


@dataclass(frozen=True)
class SourceFile:
    """A content file found on disk, with the size and mtime seen when it was found."""

    shown: str  # relative to the site folder
    file: str  # its path as found (a string: a Path for each of 10,000 files costs 0.1 s)
    kind: str
    size: int
    mtime_ns: int

    @property
    def path(self) -> Path:
        """The file's path."""
        return Path(self.file)


@dataclass(frozen=True)
class Loaded:
    """Every valid entry, in source order, and what the cache should learn."""

    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]
    changed: tuple[Row, ...]  # what the cache should learn, if no ``store`` took it


@dataclass(frozen=True)
class Scan:
    """The content files found, and what makes others unusable (links, unportable names)."""

    sources: list[SourceFile]
    problems: list[Problem]


FILE_NAME_RULE = "file-name"


def scan(content_dir: Path, root: Path) -> Scan:
    """Every ``.md`` file under content/, sorted; files and folders starting with . or _ skipped.

    A link is followed only to a file inside content/. Links elsewhere, links to folders,
    broken or looping links, and names that Windows or a case-insensitive disk cannot hold
    are problems, so a site never builds differently on another machine or leaks a file.
    """
    if not content_dir.is_dir():
        raise ContentError([Problem(str(content_dir), None, "", "content folder not found")])
    found: list[tuple[tuple[str, ...], SourceFile]] = []
    problems: list[Problem] = []
    inside = content_dir.resolve()
    prefix = content_dir.relative_to(root).parts if content_dir.is_relative_to(root) else ()
    stack: list[tuple[str, tuple[str, ...]]] = [(str(content_dir), ())]
    while stack:
        folder, parts = stack.pop()
        try:
            listing = os.scandir(folder)
        except OSError as exc:
            shown = display_path(Path(folder), root)
            message = f"cannot read the folder: {exc.strerror}"
            raise ContentError([Problem(shown, None, "", message)]) from exc
        with listing:
            items = [item for item in listing if not item.name.startswith((".", "_"))]
        problems += _collisions(items, prefix, parts)
        for item in items:
            here = (*parts, item.name)
            shown = "/".join((*prefix, *here)) if prefix else Path(item.path).as_posix()
            is_md = item.name.endswith(".md")
            linked = item.is_symlink() and (is_md or item.is_dir() or not os.path.exists(item.path))
            if linked and (problem := _link_problem(item.path, inside)):
                problems.append(Problem(shown, None, "", problem))
                continue
            if (is_md or item.is_dir()) and (bad := file_name_problem(item.name)):
                problems.append(Problem(shown, None, "", f"{bad}: rename it"))
            elif item.is_dir():
                stack.append((item.path, here))
            elif is_md and item.is_file():
                st = item.stat()
                kind = "page" if here[0] == PAGES_DIR and len(here) > 1 else "article"
                found.append((here, SourceFile(shown, item.path, kind, st.st_size, st.st_mtime_ns)))
    sources = [source for _, source in sorted(found, key=lambda pair: pair[0])]
    return Scan(sources, tagged(problems, FILE_NAME_RULE))


def _link_problem(path: str, inside: Path) -> str:
    """Why a symbolic link in content/ cannot be read, or an empty string if it can."""
    try:
        target = Path(os.path.realpath(path, strict=True))
    except OSError as exc:
        reason = "loops back on itself" if exc.errno == errno.ELOOP else "points to nothing"
        return f"a symbolic link that {reason}: remove it"
    if not target.is_relative_to(inside):
        return f"a symbolic link to {target}, outside the content folder: copy the file in instead"
    if target.is_dir():
        return "a symbolic link to a folder, which b12site does not follow: move the folder here"
    return ""


def _collisions(
    items: list[os.DirEntry[str]], prefix: tuple[str, ...], parts: tuple[str, ...]
) -> list[Problem]:
    """Names in one folder that Windows or macOS would take for the same file."""
    groups: dict[str, list[str]] = {}
    for item in items:
        groups.setdefault(folded(item.name), []).append(item.name)
    problems = []
    for names in groups.values():
        if len(names) > 1:
            names.sort()
            for name in names:
                others = ", ".join(n for n in names if n != name)
                shown = "/".join((*prefix, *parts, name))
                message = (
                    f"'{name}' and {others} differ only in upper and lower case or in how "
                    "accents are encoded: they are one file on Windows and macOS; rename one"
                )
                problems.append(Problem(shown, None, "", message))
    return problems


def encode_entry(entry: Entry) -> str:
    """An entry as JSON for the cache, without its document (stored on its own)."""
    return codec.dumps(
        (
            entry.kind,
            entry.shown,
            entry.card,
            entry.findings,
            entry.slug_line,
            entry.review_line,
            entry.digest,
            entry.card_digest,
            entry.overrides,
            [_link_row(link) for link in entry.links],
            "\n".join(entry.ids),  # ids hold no white space: one text decodes fastest
            entry.grade,
        )
    )


def decode_entry(text: str) -> Entry:
    """An entry from the cache (its document is loaded only if a page needs it).

    Cards are decoded by hand rather than by the generic codec: a no-change-but-one rebuild
    decodes every card of the site, and this is about five times faster.
    """
    data = codec.loads(list, text)
    try:
        (kind, shown, card, findings, slug_line, review_line, digest, card_digest, overrides,
         links, ids, grade) = data  # fmt: skip
        strings = (kind, shown, digest, card_digest)
        if not all(isinstance(value, str) for value in strings):
            raise codec.DecodeError("entry fields have the wrong types")
        if not (grade is None or type(grade) in (int, float)) or type(ids) is not str:
            raise codec.DecodeError("entry fields have the wrong types")
        return Entry(
            kind,
            shown,
            _page_card(card) if kind == "page" else _article_card(card),
            tuple(_problem(row) for row in findings),
            _line(slug_line),
            _line(review_line),
            digest,
            card_digest,
            "",
            codec.decode(tuple[Override, ...], overrides) if overrides else (),
            tuple(_link(row) for row in links),
            tuple(ids.split("\n")) if ids else (),
            grade,
        )
    except (TypeError, ValueError) as exc:
        raise codec.DecodeError(f"not a cache entry: {exc}") from exc


def _article_card(data: list[object]) -> ArticleCard:
    (slug, title, description, published, modified, reviewed, next_review, author, author_url,
     reviewer, topics, minutes, draft, md_links, index_term) = data  # fmt: skip
    texts = (slug, title, description, author, author_url, reviewer, index_term)
    days = (published, modified, reviewed, next_review)
    if not all(type(value) is str for value in (*texts, *days)) or type(topics) is not list:
        raise codec.DecodeError("article card fields have the wrong types")
    text = cast("tuple[str, str, str, str, str, str, str]", texts)
    day = [date.fromisoformat(cast(str, d)) for d in days]
    return ArticleCard(
        slug=text[0],
        title=text[1],
        description=text[2],
        published=day[0],
        modified=day[1],
        last_reviewed=day[2],
        next_review=day[3],
        author_name=text[3],
        author_url=text[4],
        reviewer_name=text[5],
        topics=tuple(TopicLink(_text(t), _text(name)) for t, name in topics),
        reading_minutes=_line(minutes) or 1,
        draft=draft is True,
        md_links=_md_links(md_links),
        index_term=text[6],
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise codec.DecodeError(f"not text: {value!r}")
    return value


def _page_card(data: list[object]) -> PageCard:
    slug, title, description, updated, draft, md_links = data
    day = date.fromisoformat(updated) if isinstance(updated, str) else None
    return PageCard(
        _text(slug), _text(title), _text(description), day, draft is True, _md_links(md_links)
    )


def _link_row(link: Link) -> list[object]:
    return [link.href, link.field, link.line, link.column, link.text]


def _link(row: list[object]) -> Link:
    href, field, line, column, text = row
    return Link(_text(href), _text(field), _line(line), _line(column), _text(text))


def _problem(row: list[object]) -> Problem:
    """A finding from the cache, by hand: an edit's rebuild decodes every file's findings."""
    path, line, field, message, rule, severity, column = row
    texts = (path, field, message, rule, severity)
    if not all(type(value) is str for value in texts):
        raise codec.DecodeError("finding fields have the wrong types")
    return Problem(
        cast(str, path),
        _line(line),
        cast(str, field),
        cast(str, message),
        cast(str, rule),
        cast(str, severity),
        _line(column),
    )


def _md_links(data: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(data, list):
        raise codec.DecodeError("links are not a list")
    return tuple((_text(href), _text(target)) for href, target in data)


def _line(value: object) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise codec.DecodeError(f"not a line number: {value!r}")


def load_entries(
    files: Sequence[SourceFile],
    config: SiteConfig,
    today: date,
    cached: Mapping[str, CachedSource],
    made_with: str,
    jobs: int,
    progress: Callable[[int], None],
    store: Callable[[Sequence[Row]], None] | None = None,
) -> Loaded:
    """An entry per file: reused when its content and settings are unchanged, else made anew;
    the problems of every invalid file are collected, not raised.

    With ``store``, what the cache should learn is handed to it in batches as files are
    done, and the entries keep no document (it is read back from the cache when a page needs
    it), so a large build never holds every rendered document in memory.
    """
    entries: dict[str, Entry] = {}
    changed: list[Row] = []
    todo: list[SourceFile] = []
    for source in files:
        record = cached.get(source.shown)
        reused = _reuse(source, record, made_with, today)
        if reused is None:
            todo.append(source)
            continue
        entry, sha = reused
        entries[source.shown] = entry
        if record is not None and (record.size, record.mtime_ns) != (source.size, source.mtime_ns):
            touched = replace(record, size=source.size, mtime_ns=source.mtime_ns, sha=sha)
            changed.append((source.shown, touched, None))
    results = stream(_process, todo, len(todo), jobs, _setup, (config, today), progress)
    problems: list[Problem] = []
    for source, result in zip(todo, results, strict=True):
        if isinstance(result, Problems):
            problems.extend(result.problems)
            continue
        entry = result.entry
        record = cached_source(source, result.sha, made_with, entry)
        changed.append((source.shown, record, entry.document))
        entries[source.shown] = entry if store is None else replace(entry, document="")
        if store is not None and len(changed) >= STORE_BATCH:
            store(changed)
            changed = []
    if store is not None and changed:
        store(changed)
        changed = []
    ordered = tuple(entries[s.shown] for s in files if s.shown in entries)
    return Loaded(ordered, tuple(problems), tuple(changed))


def _reuse(
    source: SourceFile, record: CachedSource | None, made_with: str, today: date
) -> tuple[Entry, str] | None:
    """The cached entry and hash of a file, if they are still what the file would give."""
    if record is None or record.made_with != made_with:
        return None
    same_stat = (record.size, record.mtime_ns) == (source.size, source.mtime_ns)
    if not same_stat and (record.size != source.size or file_hash(source.path) != record.sha):
        return None
    try:
        entry = decode_entry(record.entry)
    except codec.DecodeError:
        return None
    return (entry, record.sha) if entry.valid_on(today) else None


def cached_source(source: SourceFile, sha: str, made_with: str, entry: Entry) -> CachedSource:
    """What the cache keeps of a source and the entry made from it."""
    return CachedSource(
        source.size,
        source.mtime_ns,
        sha,
        made_with,
        entry.kind,
        entry.card.slug,
        entry.card_digest,
        entry.digest,
        encode_entry(entry),
    )


def file_hash(path: Path) -> str:
    """A content hash of a file (empty when it cannot be read)."""
    try:
        return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return ""


_WORKER: dict[str, object] = {}


def _setup(config: SiteConfig, today: date) -> None:
    _WORKER["config"], _WORKER["today"] = config, today


@dataclass(frozen=True)
class Processed:
    """A file processed in a worker: its entry and the hash of the text it was made from."""

    entry: Entry
    sha: str


@dataclass(frozen=True)
class Problems:
    """A file found invalid in a worker."""

    problems: tuple[Problem, ...]


def _process(source: SourceFile) -> Processed | Problems:
    """In a worker: hash and process one file."""
    config = _WORKER["config"]
    today = _WORKER["today"]
    assert isinstance(config, SiteConfig) and isinstance(today, date)
    sha = file_hash(source.path)
    result = process_or_problems(source.path, source.kind, config, today)
    return Processed(result, sha) if isinstance(result, Entry) else Problems(result)
