"""Structured data and sharing: JSON-LD, Open Graph, Twitter card and Highwire meta, read from
built pages by real parsers (extruct for JSON-LD and Open Graph, html5lib for what readers see)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import extruct  # type: ignore[import-untyped]  # it ships no type hints
import html5lib
import pytest
import yaml

from b12site.build import build, load_site
from b12site.models import Reference
from b12site.structured import faq_answer_text, jsonld, og_locale

from .conftest import TODAY, SiteMaker, article_text, front_matter

REPO = Path(__file__).resolve().parent.parent
BASE = "https://example.org/health/"
BLOCKS = {"p", "li", "ul", "ol", "div", "br", "blockquote", "pre", "table", "tr", "td", "th"}
REQUIRED = {
    "MedicalWebPage": (
        "@id",
        "url",
        "name",
        "description",
        "inLanguage",
        "datePublished",
        "dateModified",
        "lastReviewed",
        "author",
        "reviewedBy",
        "publisher",
        "isPartOf",
        "citation",
    ),
    "FAQPage": ("@id", "mainEntity"),
    "BreadcrumbList": ("@id", "itemListElement"),
    "WebSite": ("@id", "name", "url", "description", "inLanguage", "publisher"),
    "Organization": ("@id", "name", "url"),
}


@dataclass(frozen=True)
class Page:
    """A built page: its URL, its HTML, and what the parsers found in it."""

    url: str
    html: str
    tree: ET.Element
    nodes: dict[str, dict[str, Any]]  # JSON-LD graph nodes by @type
    og: dict[str, list[str]]  # Open Graph properties, each with its values in page order

    def meta(self, name: str) -> list[str]:
        """The contents of every ``<meta name=…>`` of that name, in page order."""
        return [m.get("content", "") for m in self.tree.iter("meta") if m.get("name") == name]


def read_page(out: Path, path: str, base: str = BASE) -> Page:
    """Parse one built page under ``out`` (``path`` is its site path)."""
    url = base + path
    file = out / (path + "index.html" if path.endswith("/") or not path else path)
    html = file.read_text("utf-8")
    data = extruct.extract(html, base_url=url, syntaxes=["json-ld", "opengraph"], uniform=False)
    assert len(data["json-ld"]) <= 1, "one JSON-LD graph per page"
    nodes: dict[str, dict[str, Any]] = {}
    for item in data["json-ld"]:
        assert item["@context"] == "https://schema.org"
        for node in item["@graph"]:
            assert node["@type"] not in nodes, f"two {node['@type']} nodes"
            nodes[node["@type"]] = node
    og: dict[str, list[str]] = {}
    for block in data["opengraph"]:
        for key, value in block["properties"]:
            og.setdefault(key, []).append(value)
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    return Page(url, html, tree, nodes, og)


def front(slug: str) -> dict[str, Any]:
    """An article's front matter as written in the repository's content folder."""
    text = (REPO / "content" / f"{slug}.md").read_text("utf-8")
    meta = yaml.safe_load(text.split("---\n", 2)[1])
    assert isinstance(meta, dict)
    return meta


def people() -> dict[str, dict[str, str]]:
    """The people of the repository's ``site.yaml`` by id."""
    settings = yaml.safe_load((REPO / "site.yaml").read_text("utf-8"))
    return {p["id"]: p for p in settings["people"]}


def text_of(element: ET.Element) -> str:
    """The text readers see in an element, words separated at block edges, spaces collapsed."""
    parts: list[str] = []

    def walk(el: ET.Element) -> None:
        block = el.tag in BLOCKS
        parts.append(" " if block else "")
        parts.append(el.text or "")
        for child in el:
            walk(child)
            parts.append(child.tail or "")
        parts.append(" " if block else "")

    walk(element)
    return " ".join("".join(parts).split())


def without_citation_marks(element: ET.Element) -> ET.Element:
    """The element with every ``sup.citation`` removed, and the space before each one."""
    for parent in list(element.iter()):
        kept: ET.Element | None = None  # the last child left in place
        for child in list(parent):
            if child.tag != "sup" or "citation" not in (child.get("class") or "").split():
                kept = child
                continue
            parent.remove(child)
            if kept is None:
                parent.text = (parent.text or "").rstrip() + (child.tail or "")
            else:
                kept.tail = (kept.tail or "").rstrip() + (child.tail or "")
    return element


def by_class(tree: ET.Element, name: str) -> Iterator[ET.Element]:
    """Every element carrying the class ``name``."""
    return (el for el in tree.iter() if name in (el.get("class") or "").split())


def visible_faq(page: Page) -> list[tuple[str, str]]:
    """The FAQ as readers see it: each question with its answer's text (citation marks out)."""
    section = next(el for el in page.tree.iter("section") if el.get("id") == "faq")
    questions = [text_of(h) for h in section.iter("h3")]
    answers = [text_of(without_citation_marks(a)) for a in by_class(section, "faq__answer")]
    assert len(questions) == len(answers) > 0
    return list(zip(questions, answers, strict=True))


def visible_breadcrumbs(page: Page) -> list[tuple[str, str]]:
    """The breadcrumb trail readers see: each label with its absolute link."""
    nav = next(el for el in by_class(page.tree, "breadcrumbs"))
    return [(text_of(a), urljoin(page.url, a.get("href", ""))) for a in nav.iter("a")]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's sample site built under a base-URL subpath."""
    out = tmp_path_factory.mktemp("structured") / "out"
    build(REPO / "site.yaml", out, base_url=BASE, today=TODAY, use_cache=False)
    return out


SLUGS = sorted(p.stem for p in (REPO / "content").glob("*.md"))


def test_every_sample_article_is_checked() -> None:
    site = load_site(REPO / "site.yaml", today=TODAY).site
    assert sorted(a.slug for a in site.articles) == SLUGS


@pytest.mark.parametrize("slug", SLUGS)
def test_article_is_a_medical_web_page_as_its_front_matter_says(sample: Path, slug: str) -> None:
    page = read_page(sample, f"{slug}/")
    fm, who = front(slug), people()
    node = page.nodes["MedicalWebPage"]
    assert [p for p in REQUIRED["MedicalWebPage"] if not node.get(p)] == []
    assert node["@id"] == node["url"] == page.url == f"{BASE}{slug}/"
    assert node["name"] == fm["title"]
    assert node["description"] == fm["description"]
    assert node["inLanguage"] == "en-GB"
    dates = [fm["published"], fm.get("updated"), fm["last_reviewed"]]
    assert node["datePublished"] == fm["published"].isoformat()
    assert node["dateModified"] == max(d for d in dates if isinstance(d, date)).isoformat()
    assert node["lastReviewed"] == fm["last_reviewed"].isoformat()
    for key, person_id in (("author", fm["author"]), ("reviewedBy", fm["reviewed_by"])):
        person, expected = node[key], who[person_id]
        assert person["@type"] == "Person"
        assert person["name"] == expected["name"]
        assert person["honorificSuffix"] == expected["credentials"]
        assert person["jobTitle"] == expected["role"]
        assert person["url"] == urljoin(BASE, expected["url"])  # site-relative in site.yaml
        assert person["url"].startswith(BASE)
    publisher = node["publisher"]
    assert publisher["@type"] == "Organization"
    assert publisher["name"] == "B12 Health Notes"
    assert publisher["url"] == "https://example.org/"
    assert publisher["logo"] == {"@type": "ImageObject", "url": f"{BASE}static/favicon.svg"}
    assert node["isPartOf"]["@type"] == "WebSite"
    assert node["isPartOf"]["url"] == BASE
    assert node["about"] == {"@type": "MedicalCondition", "name": fm["about"]}
    assert node["breadcrumb"] == {"@id": page.nodes["BreadcrumbList"]["@id"]}


def expected_citation(ref: Reference) -> dict[str, Any]:
    """A reference as the JSON-LD should cite it, written out from the reference itself."""
    links = [u for u in (ref.url, f"https://doi.org/{ref.doi}" if ref.doi else "") if u]
    if ref.pmid:
        links.append(f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/")
    scholarly = bool(ref.doi or ref.pmid)
    cited: dict[str, Any] = {
        "@type": "ScholarlyArticle" if scholarly else "CreativeWork",
        "name": ref.title,
        "author": ref.authors,
        "datePublished": str(ref.year),
        ("isPartOf" if scholarly else "publisher"): {
            "@type": "Periodical" if scholarly else "Organization",
            "name": ref.publication,
        },
        "url": links[0],
    }
    if links[1:]:
        cited["sameAs"] = links[1:]
    return cited


@pytest.mark.parametrize("slug", SLUGS)
def test_citations_equal_the_reference_list(sample: Path, slug: str) -> None:
    page = read_page(sample, f"{slug}/")
    refs = {
        r.id: r
        for r in load_site(REPO / "site.yaml", today=TODAY).articles[slug].article.references
    }
    shown = [
        li.get("id", "")[4:] for li in page.tree.iter("li") if li.get("id", "").startswith("ref-")
    ]
    assert sorted(shown) == sorted(refs)  # every reference is listed, in the order shown
    assert page.nodes["MedicalWebPage"]["citation"] == [expected_citation(refs[i]) for i in shown]
    raw = {r["id"]: r for r in front(slug)["references"]}
    for cited, ref_id in zip(page.nodes["MedicalWebPage"]["citation"], shown, strict=True):
        if doi := raw[ref_id].get("doi"):
            assert f"https://doi.org/{doi}" in [cited["url"], *cited.get("sameAs", [])]
        if pmid := raw[ref_id].get("pmid"):
            assert f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" in [
                cited["url"],
                *cited.get("sameAs", []),
            ]
        assert cited["datePublished"] == str(raw[ref_id]["year"])


@pytest.mark.parametrize("slug", SLUGS)
def test_faq_page_equals_the_visible_faq(sample: Path, slug: str) -> None:
    page = read_page(sample, f"{slug}/")
    faq = page.nodes["FAQPage"]
    assert [p for p in REQUIRED["FAQPage"] if not faq.get(p)] == []
    pairs = []
    for question in faq["mainEntity"]:
        assert question["@type"] == "Question"
        assert question["acceptedAnswer"]["@type"] == "Answer"
        pairs.append((question["name"], question["acceptedAnswer"]["text"]))
    assert pairs == visible_faq(page)
    assert [q for q, _ in pairs] == [item["question"] for item in front(slug)["faq"]]
    assert not any(re.search(r"\[\d", answer) for _, answer in pairs)  # no citation marks


@pytest.mark.parametrize("slug", SLUGS)
def test_breadcrumb_list_equals_the_visible_trail(sample: Path, slug: str) -> None:
    page = read_page(sample, f"{slug}/")
    trail = page.nodes["BreadcrumbList"]
    assert [p for p in REQUIRED["BreadcrumbList"] if not trail.get(p)] == []
    items = trail["itemListElement"]
    assert [i["position"] for i in items] == list(range(1, len(items) + 1))
    assert all(i["@type"] == "ListItem" for i in items)
    visible = visible_breadcrumbs(page)
    title = text_of(next(page.tree.iter("h1")))
    if visible[-1][1] != page.url:  # the trail shows the way to the page: the page ends it
        visible.append((title, page.url))
    assert [(i["name"], i["item"]) for i in items] == visible
    topic = front(slug)["tags"][0]
    assert visible[0] == ("Home", BASE)
    assert visible[1][1] == f"{BASE}topics/{topic}/"


def test_home_page_has_the_website_with_search_and_the_publisher(sample: Path) -> None:
    page = read_page(sample, "")
    site, org = page.nodes["WebSite"], page.nodes["Organization"]
    for kind, node in (("WebSite", site), ("Organization", org)):
        assert [p for p in REQUIRED[kind] if not node.get(p)] == []
    assert site["url"] == BASE
    assert site["name"] == "B12 Health Notes"
    assert site["inLanguage"] == "en-GB"
    assert site["publisher"] == {"@id": org["@id"]}
    action = site["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"] == f"{BASE}search/?q={{search_term_string}}"
    assert action["query-input"] == "required name=search_term_string"
    assert (sample / "search" / "index.html").is_file()
    assert org["logo"]["url"] == f"{BASE}static/favicon.svg"
    assert page.og["og:type"] == ["website"]
    assert page.og["og:url"] == [BASE]


@pytest.mark.parametrize("slug", SLUGS)
def test_sharing_and_scholar_meta_of_an_article(sample: Path, slug: str) -> None:
    page = read_page(sample, f"{slug}/")
    fm, who = front(slug), people()
    site = yaml.safe_load((REPO / "site.yaml").read_text("utf-8"))
    topics = {t["slug"]: t["name"] for t in site["topics"]}
    canonical = [el.get("href") for el in page.tree.iter("link") if el.get("rel") == "canonical"]
    assert canonical == [page.url]
    og = page.og
    assert og["og:title"] == [fm["title"]]
    assert og["og:description"] == [fm["description"]] == page.meta("description")
    assert og["og:url"] == [page.url]
    assert og["og:type"] == ["article"]
    assert og["og:site_name"] == ["B12 Health Notes"]
    assert og["og:locale"] == ["en_GB"]
    assert "og:image" not in og  # the sample publisher's logo is an SVG: previews cannot show it
    assert og["article:published_time"] == [fm["published"].isoformat()]
    assert og["article:modified_time"] == [page.nodes["MedicalWebPage"]["dateModified"]]
    assert og["article:author"] == [who[fm["author"]]["name"]]
    assert og["article:section"] == [topics[fm["tags"][0]]]
    assert og["article:tag"] == [topics[t] for t in fm["tags"]]
    assert page.meta("twitter:card") == ["summary"]
    assert page.meta("citation_title") == [fm["title"]]
    assert page.meta("citation_author") == [who[fm["author"]]["name"]]
    assert page.meta("citation_publication_date") == [fm["published"].strftime("%Y/%m/%d")]
    assert page.meta("citation_publisher") == ["B12 Health Notes"]
    assert page.meta("citation_language") == ["en-GB"]


def test_every_page_has_link_preview_meta(sample: Path) -> None:
    pages = ["", "a-z/", "topics/", "topics/diet/", "about/", "search/"]
    for path in pages:
        page = read_page(sample, path)
        assert page.og["og:url"] == [page.url], path
        assert page.og["og:site_name"] == ["B12 Health Notes"], path
        assert page.og["og:title"] and page.og["og:description"], path
        assert page.meta("twitter:card") == ["summary"], path
    about = read_page(sample, "about/")
    assert about.og["og:title"] == [text_of(next(about.tree.iter("h1")))]


def test_a_raster_logo_becomes_the_preview_image(make_site: SiteMaker) -> None:
    publisher = {"name": "Test Publisher", "url": "https://example.org/", "logo": "static/logo.png"}
    root = make_site(publisher=publisher, base_url="https://health.example.org/sub/")
    out = build(root / "site.yaml", today=TODAY).output
    for path in ("", "low-b12/"):
        page = read_page(out, path, "https://health.example.org/sub/")
        assert page.og["og:image"] == ["https://health.example.org/sub/static/logo.png"]


HOSTILE = "</script><!--<script>alert(1)</script>\u2028 & </SCRIPT >"


def test_no_field_can_end_the_script_element(make_site: SiteMaker) -> None:
    meta = front_matter(
        title=f"Low B12 {HOSTILE}",
        description=f"Why low vitamin B12 can make you tired {HOSTILE}",
        about=f"Anaemia {HOSTILE}",
        faq=[
            {
                "question": f"Is it serious {HOSTILE}?",
                "answer": "It can be `</script><!--` [@jones2019].",
            }
        ],
        references=[
            {
                "id": "smith2020",
                "title": f"A study {HOSTILE}",
                "authors": f"Smith J {HOSTILE}",
                "publication": f"BMJ {HOSTILE}",
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
    )
    root = make_site({"x.md": article_text(meta)})
    out = build(root / "site.yaml", today=TODAY).output
    html = (out / "x" / "index.html").read_text("utf-8")
    scripts = re.findall(r"<script type=\"application/ld\+json\">(.*?)</script>", html, re.S)
    assert len(scripts) == 1
    assert not re.search(r"</script|<!--|<script|\u2028", scripts[0], re.I)
    page = read_page(out, "x/", "https://health.example.org/")
    node = page.nodes["MedicalWebPage"]
    assert node["name"] == f"Low B12 {HOSTILE}"
    assert node["about"]["name"] == f"Anaemia {HOSTILE}"
    assert node["citation"][0]["name"] == f"A study {HOSTILE}"
    assert node["citation"][0]["isPartOf"]["name"] == f"BMJ {HOSTILE}"
    question = page.nodes["FAQPage"]["mainEntity"][0]
    assert question["name"] == " ".join(f"Is it serious {HOSTILE}?".split())
    assert question["acceptedAnswer"]["text"] == "It can be </script><!--."
    assert visible_faq(page) == [(question["name"], question["acceptedAnswer"]["text"])]
    assert page.meta("citation_title") == [f"Low B12 {HOSTILE}"]
    body = html.split("</head>", 1)[1]
    assert "<script>alert(1)" not in body


def test_structured_data_is_deterministic(make_site: SiteMaker) -> None:
    root = make_site()
    first = build(root / "site.yaml", today=TODAY).output
    once = (first / "low-b12" / "index.html").read_bytes()
    again = build(root / "site.yaml", today=TODAY, use_cache=False).output
    assert (again / "low-b12" / "index.html").read_bytes() == once
    page = read_page(first, "low-b12/", "https://health.example.org/")
    assert list(page.nodes) == ["MedicalWebPage", "FAQPage", "BreadcrumbList"]
    assert "about" not in page.nodes["MedicalWebPage"]  # the article names no condition


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"a": "</script>"}, '{"a":"\\u003c/script\\u003e"}'),
        ({"a": "<!-- & -->"}, '{"a":"\\u003c!-- \\u0026 --\\u003e"}'),
        ({"a": "\u2028\u2029"}, '{"a":"\\u2028\\u2029"}'),
        ({"b": 1, "a": ["é"]}, '{"b":1,"a":["é"]}'),  # order as built, UTF-8 as is
    ],
)
def test_jsonld_escapes_what_could_end_a_script(value: object, expected: str) -> None:
    assert str(jsonld(value)) == expected
    assert json.loads(str(jsonld(value))) == value


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>It can be <em>serious</em>.</p>", "It can be serious."),
        (
            '<p>Yes <sup class="citation">[<a href="#ref-a">1</a>]</sup>. Then <sup '
            'class="citation">[<a href="#ref-a">1</a>, <a href="#ref-b">2</a>]</sup> more.</p>',
            "Yes. Then more.",
        ),
        ("<p>One</p>\n<ul>\n<li>two</li><li>three<br>four</li>\n</ul>", "One two three four"),
        ("<p>A &amp; B &lt;C&gt;</p>", "A & B <C>"),
    ],
)
def test_faq_answer_text(html: str, expected: str) -> None:
    assert faq_answer_text(html) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en-GB", "en_GB"), ("en", "en"), ("pt-br", "pt_BR"), ("zh-Hant", "zh")],
)
def test_og_locale(language: str, expected: str) -> None:
    assert og_locale(language) == expected
