"""Structured data for search engines and link previews: JSON-LD graphs built from the models.

Every builder is a pure function of the site settings and what the page's template context
already holds (so a page is re-rendered exactly when its structured data changes), and returns
plain dicts in a fixed key order. ``jsonld`` serialises them for a ``<script>`` element.

Choices, each checked against schema.org and Google's structured data documentation:

- One ``@graph`` per page in one ``<script type="application/ld+json">``: the ``@context`` is
  written once, and nodes point at each other by ``@id`` (the page at its breadcrumb trail,
  the site at its publisher) instead of repeating themselves.
- Credentials are ``honorificSuffix`` (schema.org: "an honorific suffix following a Person's
  name such as M.D./PhD"): ``people[].credentials`` is exactly that, free text such as
  "MBBS, FRCPath". ``hasCredential`` wants one ``EducationalOccupationalCredential`` per
  qualification with who awards it, which the settings do not hold; splitting the text on
  commas would guess.
- A reference's ``author`` is its authors as printed (Vancouver style, or an organisation):
  schema.org accepts text for any property, and parsing names back into people would guess.
  DOI and PubMed links go in ``sameAs`` as the resolver URLs (``https://doi.org/…`` is the
  DOI's canonical form); ``url`` is the reference's own link, else the first of those.
- The page carries no ``mainEntityOfPage``: that property names the page an entity is the
  main subject of, and for a ``MedicalWebPage`` it would point at itself; ``@id`` and ``url``
  already give its canonical URL.
- FAQ answers are plain text: the sanitised HTML's text as readers see it, with the
  citation marks ("[1]") and the space before them left out, since reference numbers mean
  nothing outside the page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from html.parser import HTMLParser
from urllib.parse import quote, urljoin

from markupsafe import Markup

from b12site.cards import TopicLink
from b12site.models import Person, Reference, RenderedArticle, SiteConfig

__all__ = [
    "article_graph",
    "breadcrumb_list",
    "faq_answer_text",
    "faq_page",
    "home_graph",
    "jsonld",
    "medical_web_page",
    "og_image",
    "og_locale",
    "organization",
    "person",
    "reference",
    "search_target",
    "website",
]

Node = dict[str, object]

CONTEXT = "https://schema.org"
_RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp")  # what link previews show; never SVG
_UNSAFE = re.compile("[<>&\u2028\u2029]")
_BLOCK = re.compile(  # elements whose edges separate words
    r"address|blockquote|br|d[dlt]|details|div|fig(?:caption|ure)|h[1-6]|hr|li|ol|p|pre"
    r"|section|summary|t[dhr]|table|ul"
)


def jsonld(data: object) -> Markup:
    """JSON safe inside a ``<script>`` element: ``<``, ``>``, ``&``, U+2028 and U+2029 escaped,
    so no field can close the element or open a comment; compact, keys in the order built."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Markup(_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text))


def _abs(config: SiteConfig, path: str) -> str:
    """A site path as an absolute URL under the base URL (as the templates' ``abs_url``)."""
    return config.base_url + quote(path.lstrip("/"))


def _link(config: SiteConfig, href: str) -> str:
    """A link from the settings (absolute, ``/x`` or site-relative) as an absolute URL."""
    return urljoin(config.base_url, href) if href else ""


def og_locale(language: str) -> str:
    """A ``lang`` value as Open Graph writes locales: ``en-GB`` becomes ``en_GB``."""
    parts = language.split("-")
    if len(parts) > 1 and len(parts[1]) == 2:
        return f"{parts[0].lower()}_{parts[1].upper()}"
    return parts[0].lower()


def og_image(config: SiteConfig) -> str:
    """The publisher's logo as an absolute URL when previews can show it (not SVG), or ``""``."""
    logo = config.publisher.logo
    return _link(config, logo) if logo.lower().endswith(_RASTER) else ""


def search_target(config: SiteConfig) -> str:
    """The search page's URL template for a ``SearchAction``."""
    return _abs(config, "search/") + "?q={search_term_string}"


def organization(config: SiteConfig) -> Node:
    """The publisher as an ``Organization``, with its logo when the settings name one."""
    publisher = config.publisher
    node: Node = {
        "@type": "Organization",
        "@id": config.base_url + "#organization",
        "name": publisher.name,
        "url": _link(config, publisher.url) or config.base_url,
    }
    if publisher.logo:
        node["logo"] = {"@type": "ImageObject", "url": _link(config, publisher.logo)}
    return node


def website(config: SiteConfig, full: bool = False) -> Node:
    """The site as a ``WebSite``; ``full`` adds what the home page says of it (with search)."""
    node: Node = {
        "@type": "WebSite",
        "@id": config.base_url + "#website",
        "name": config.title,
        "url": config.base_url,
    }
    if full:
        node["description"] = config.description
        node["inLanguage"] = config.language
        node["publisher"] = {"@id": config.base_url + "#organization"}
        node["potentialAction"] = {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": search_target(config)},
            "query-input": "required name=search_term_string",
        }
    return node


def home_graph(config: SiteConfig) -> Node:
    """The home page's graph: the ``WebSite`` with its search action, and the publisher."""
    return {"@context": CONTEXT, "@graph": [website(config, full=True), organization(config)]}


def person(config: SiteConfig, who: Person) -> Node:
    """An author or reviewer as a ``Person``: name, credentials, role and profile link."""
    node: Node = {"@type": "Person", "name": who.name}
    if who.credentials:
        node["honorificSuffix"] = who.credentials
    if who.role:
        node["jobTitle"] = who.role
    if who.url:
        node["url"] = _link(config, who.url)
    return node


def reference(ref: Reference) -> Node:
    """A reference as a ``ScholarlyArticle`` (with a DOI or PMID) or a ``CreativeWork``."""
    scholarly = bool(ref.doi or ref.pmid)
    node: Node = {"@type": "ScholarlyArticle" if scholarly else "CreativeWork", "name": ref.title}
    if ref.authors:
        node["author"] = ref.authors
    node["datePublished"] = str(ref.year)
    if ref.publication:
        kind, key = ("Periodical", "isPartOf") if scholarly else ("Organization", "publisher")
        node[key] = {"@type": kind, "name": ref.publication}
    links = [link for link in (ref.url, ref.doi_url, ref.pubmed_url) if link]
    if links:
        node["url"] = links[0]
    if links[1:]:
        node["sameAs"] = links[1:]
    return node


class _Text(HTMLParser):
    """Collects the text of sanitised HTML, leaving out citation marks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0  # depth inside a citation mark

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            self.skipping += tag not in ("br", "hr", "img", "wbr")
        elif tag == "sup" and "citation" in (dict(attrs).get("class") or "").split():
            self.skipping = 1
            self.parts = ["".join(self.parts).rstrip()]  # "it [1]." reads "it."
        elif _BLOCK.fullmatch(tag):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            self.skipping -= 1
        elif _BLOCK.fullmatch(tag):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def faq_answer_text(html_text: str) -> str:
    """An FAQ answer's text as readers see it, without citation marks, whitespace collapsed."""
    parser = _Text()
    parser.feed(html_text)
    parser.close()
    return " ".join("".join(parser.parts).split())


def medical_web_page(
    config: SiteConfig, article: RenderedArticle, topics: Sequence[TopicLink]
) -> Node:
    """The article as a ``MedicalWebPage``: dates, people, publisher, subject and sources."""
    a = article.article
    url = _abs(config, a.path)
    node: Node = {
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": a.title,
        "description": a.description,
        "inLanguage": config.language,
        "datePublished": a.published.isoformat(),
        "dateModified": a.modified.isoformat(),
        "lastReviewed": a.last_reviewed.isoformat(),
        "author": person(config, a.author),
        "reviewedBy": person(config, a.reviewed_by),
        "publisher": organization(config),
        "isPartOf": website(config),
        "breadcrumb": {"@id": url + "#breadcrumb"},
    }
    if a.about:
        node["about"] = {"@type": "MedicalCondition", "name": a.about}
    if article.citations:
        node["citation"] = [reference(c.reference) for c in article.citations]
    return node


def faq_page(config: SiteConfig, article: RenderedArticle) -> Node | None:
    """The article's FAQ as an ``FAQPage``, questions and answers as the page shows them."""
    if not article.faq_html:
        return None
    url = _abs(config, article.path)
    return {
        "@type": "FAQPage",
        "@id": url + "#faq",
        "mainEntity": [
            {
                "@type": "Question",
                "name": " ".join(item.question.split()),  # as HTML shows it
                "acceptedAnswer": {"@type": "Answer", "text": faq_answer_text(answer)},
            }
            for item, answer in article.faq_html
        ],
    }


def breadcrumb_list(
    config: SiteConfig, article: RenderedArticle, topics: Sequence[TopicLink]
) -> Node:
    """The article's trail as its breadcrumbs show it (Home, its first topic), ending at it."""
    url = _abs(config, article.path)
    trail = [("Home", config.base_url)]
    trail += [(t.name, _abs(config, t.path)) for t in topics[:1]]
    trail.append((article.article.title, url))
    return {
        "@type": "BreadcrumbList",
        "@id": url + "#breadcrumb",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": link}
            for n, (name, link) in enumerate(trail, start=1)
        ],
    }


def article_graph(
    config: SiteConfig, article: RenderedArticle, topics: Sequence[TopicLink]
) -> Node:
    """An article page's graph: the page, its FAQ (when it has one) and its breadcrumb trail."""
    nodes = [medical_web_page(config, article, topics), faq_page(config, article)]
    nodes.append(breadcrumb_list(config, article, topics))
    return {"@context": CONTEXT, "@graph": [n for n in nodes if n is not None]}
