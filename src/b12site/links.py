"""Links in rendered documents: found once per file, resolved against the whole site."""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from b12site.errors import ERROR, WARNING, Problem, line_of
from b12site.findings import Rule, locate
from b12site.models import RenderedArticle, RenderedPage, Source

__all__ = [
    "BROKEN_ANCHOR",
    "BROKEN_LINK",
    "BROKEN_LINK_EXTERNAL",
    "EXTERNAL_LINK_UNREACHABLE",
    "Link",
    "LinkFacts",
    "document_links",
    "link_findings",
    "md_target",
    "page_ids",
    "split_href",
    "theme_ids",
]

BROKEN_LINK = Rule(
    "broken-link",
    ERROR,
    "An internal link (or a link to another article's .md file) leads to no page of the site",
    "links",
)
BROKEN_ANCHOR = Rule(
    "broken-anchor",
    ERROR,
    "A link's #anchor names no id on the page it leads to",
    "links",
)

# checked only by ``check --external`` (external.py)
BROKEN_LINK_EXTERNAL = Rule(
    "external-link-broken",
    ERROR,
    "An external link answers 404 or 410, or its host does not exist",
    "links",
)
EXTERNAL_LINK_UNREACHABLE = Rule(
    "external-link-unreachable",
    WARNING,
    "An external link timed out, failed or answered with a server error after retries",
    "links",
)

_LINK = re.compile(r"<a\b([^>]*)>(.*?)</a>", re.DOTALL)
_HREF = re.compile(r'\shref="([^"]*)"')
_CLASS = re.compile(r'\sclass="([^"]*)"')
_IDS = re.compile(r'\sid="([^"]*)"')
_TAG = re.compile(r"<[^>]+>")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
PAGE_IDS = frozenset({"main", "article-body"})


@dataclass(frozen=True)
class Link:
    """One link written in a document: where it points, and where it is written."""

    href: str  # as the page's HTML has it, unescaped
    field: str
    line: int | None
    column: int | None
    text: str  # the link text, as plain text


@dataclass(frozen=True)
class LinkFacts:
    """What the link rules need of one document: its links and the ids on its page."""

    shown: str  # the source file, as messages name it
    path: str  # the page's site path, such as ``b12-for-vegans/``
    links: tuple[Link, ...]
    ids: frozenset[str]


def split_href(href: str) -> tuple[str, str]:
    """A link's target without its fragment, and the fragment (without ``#``)."""
    target, _, fragment = href.partition("#")
    return target, unquote(fragment)


def md_target(href: str, shown: str, content_prefix: str = "content/") -> str | None:
    """The source file (as messages name it) a link like ``other.md#x`` points to, or None
    when the link is not to a Markdown file of the site."""
    target, _ = split_href(href)
    if not target.endswith(".md") or _SCHEME.match(target) or target.startswith("/"):
        return None
    folder = posixpath.dirname(shown)
    joined = posixpath.normpath(posixpath.join(folder, unquote(target)))
    return joined if joined.startswith(content_prefix) else None


def page_ids(doc: RenderedArticle | RenderedPage) -> frozenset[str]:
    """The ids of a document's page that its own text decides: its headings and given ids,
    its references (``ref-…``) and FAQ entries. The theme's fixed ids are added by
    ``theme_ids``, and citation marks (``cite-…``) are judged by their reference."""
    if isinstance(doc, RenderedPage):
        return frozenset(_IDS.findall(doc.body_html))
    fields = [doc.summary_html, *doc.key_points_html, doc.body_html, *(a for _, a in doc.faq_html)]
    found = {i for text in fields for i in _IDS.findall(text) if not i.startswith("cite-")}
    found.update(f"faq-{n}" for n in range(1, len(doc.faq_html) + 1))
    found.update(c.anchor for c in doc.citations)
    return frozenset(found)


def theme_ids(kind: str) -> frozenset[str]:
    """The ids the default theme gives every article (or plain page) of its own."""
    from b12site.markup import RESERVED_IDS  # imported only when links are judged

    return (RESERVED_IDS - {"top"}) if kind == "article" else PAGE_IDS


def document_links(doc: RenderedArticle | RenderedPage) -> tuple[Link, ...]:
    """Every link an editor wrote in a document, with the line it is written on (citation
    links, which the page makes itself, are left out)."""
    source = doc.article.source if isinstance(doc, RenderedArticle) else doc.page.source
    fields: list[tuple[str, str]] = [("body", doc.body_html)]
    if isinstance(doc, RenderedArticle):
        fields = [
            ("summary", doc.summary_html),
            *((f"key_points[{i}]", text) for i, text in enumerate(doc.key_points_html)),
            *fields,
            *((f"faq[{i}].answer", text) for i, (_, text) in enumerate(doc.faq_html)),
        ]
    found = [link for field, text in fields for link in _links(source, field, text)]
    if isinstance(doc, RenderedArticle):  # the reference list links to them too
        for index, ref in enumerate(doc.article.references):
            if ref.url:
                field = f"references[{index}].url"
                line = line_of(field, source.lines, 1)
                found.append(Link(ref.url, field, line, None, ref.title))
    return tuple(found)


def _links(source: Source, field: str, text: str) -> Iterable[Link]:
    if "<a" not in text:
        return
    for match in _LINK.finditer(text):
        attributes = match.group(1)
        classes = _CLASS.search(attributes)
        href = _HREF.search(attributes)
        if href is None or (classes and "citation-link" in classes.group(1).split()):
            continue
        target = html.unescape(href.group(1))
        line, column = locate(source, field, target)
        label = " ".join(html.unescape(_TAG.sub(" ", match.group(2))).split())
        yield Link(target, field, line, column, label)


def link_findings(
    documents: Sequence[LinkFacts],
    outputs: Iterable[str],
    sources: Mapping[str, str],
    prefix: str,
    base_url: str,
    unjudged: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Internal links that lead nowhere: to no planned output, to no published source file,
    or to an id that is not on the page. ``sources`` maps source files to site paths;
    ``prefix`` is the URL path the site lives under; links to the source files in
    ``unjudged`` (files that could not be read) are left alone."""
    planned = set(outputs)
    ids = {facts.path: facts.ids for facts in documents}
    found: list[Problem] = []
    for facts in documents:
        for link in facts.links:
            if md_target(link.href, facts.shown) in unjudged:
                continue
            problem = _judge(link, facts, planned, ids, sources, prefix, base_url)
            if problem is not None:
                rule, message = problem
                found.append(
                    Problem(
                        facts.shown,
                        link.line,
                        link.field,
                        message,
                        rule.id,
                        rule.severity,
                        link.column,
                    )
                )
    return found


def _judge(
    link: Link,
    facts: LinkFacts,
    planned: set[str],
    ids: Mapping[str, frozenset[str]],
    sources: Mapping[str, str],
    prefix: str,
    base_url: str,
) -> tuple[Rule, str] | None:
    """What is wrong with one link, if anything."""
    href = link.href
    target, fragment = split_href(href)
    if (source := md_target(href, facts.shown)) is not None:
        path = sources.get(source)
        if path is None:
            return BROKEN_LINK, f"'{href}' links to {source}, which is not a published page"
        return _anchor(href, fragment, path, ids)
    site_path = _site_path(target, facts.path, prefix, base_url)
    if site_path is None:
        return None  # another site, an e-mail address or a phone number
    if site_path == facts.path:
        return _anchor(href, fragment, site_path, ids)
    if not _planned(site_path, planned):
        return BROKEN_LINK, f"'{href}' leads to no page of the site"
    return _anchor(href, fragment, site_path, ids) if fragment else None


def _anchor(
    href: str, fragment: str, path: str, ids: Mapping[str, frozenset[str]]
) -> tuple[Rule, str] | None:
    """A broken-anchor finding when the fragment names no id of a page whose ids are known."""
    known = ids.get(path)
    if not fragment or known is None or fragment in known:
        return None
    if fragment.startswith("cite-") and f"ref-{fragment[5:].rpartition('-')[0]}" in known:
        return None  # a citation mark of a reference the page lists
    return BROKEN_ANCHOR, f"'{href}': the page has no '#{fragment}'"


def _site_path(target: str, here: str, prefix: str, base_url: str) -> str | None:
    """The site path an href leads to, or None for a link off the site."""
    if target.startswith(base_url):
        target = prefix + target[len(base_url) :]
    elif _SCHEME.match(target) or target.startswith("//"):
        return None
    if not target:
        return here
    parts = urlsplit(target)
    path = unquote(parts.path)
    if not path.startswith("/"):
        path = posixpath.join(prefix + here, path)
    keep_slash = path.endswith("/")
    path = posixpath.normpath(path) + ("/" if keep_slash else "")
    if not (path + "/").startswith(prefix) and path != prefix.rstrip("/"):
        return f"../{path}"  # above the site: never planned
    return path[len(prefix) :] if path != prefix.rstrip("/") else ""


def _planned(site_path: str, planned: set[str]) -> bool:
    """Whether a site path is an output: a file, or a folder with an index.html."""
    if site_path in ("", "/"):
        return "index.html" in planned
    if site_path.endswith("/"):
        return f"{site_path}index.html" in planned
    return site_path in planned or f"{site_path}/index.html" in planned
