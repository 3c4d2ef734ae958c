"""Whether script could run in HTML, judged on the tree a browser builds (html5lib), not on text.

Shared by the property tests and the fuzz target. Each check returns a list of problems (empty
when the HTML is safe), so a failing assertion shows what was found and where.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as etree
from collections.abc import Iterator

import html5lib

from b12site.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES

__all__ = [
    "SAFE_SCHEMES",
    "allow_list_problems",
    "fragment_problems",
    "page_problems",
    "parse_fragment",
    "parse_page",
    "url_scheme",
]

# Elements that run script, load active content, or change where the page's URLs and forms go.
SCRIPT_ELEMENTS = frozenset(
    {
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "style",
        "svg",
        "math",
        "base",
        "form",
        "button",
        "input",
        "textarea",
        "select",
        "template",
        "noscript",
        "portal",
        "xmp",
        "noembed",
        "noframes",
        "plaintext",
    }
)
# Head elements the theme writes itself: allowed in a whole page, never in a fragment.
HEAD_ELEMENTS = frozenset({"html", "head", "body", "title", "meta", "link"})
# Attributes that hold a URL a browser may follow or load.
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "poster",
        "background",
        "cite",
        "data",
        "ping",
        "lowsrc",
        "dynsrc",
        "longdesc",
        "codebase",
        "classid",
        "manifest",
        "icon",
        "srcset",
        "imagesrcset",
    }
)
SAFE_SCHEMES = frozenset(URL_SCHEMES)  # http, https, mailto, tel; and relative URLs
# nh3 (ammonia) allows these on every element unless told otherwise; neither can run script.
GENERIC_ATTRIBUTES = frozenset({"lang", "title"})
_FOREIGN = ("{http://www.w3.org/2000/svg}", "{http://www.w3.org/1998/Math/MathML}")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def parse_fragment(html: str) -> etree.Element:
    """The tree a browser builds for ``html`` set as a ``<div>``'s content."""
    return html5lib.parseFragment(  # type: ignore[no-any-return]
        html, container="div", treebuilder="etree", namespaceHTMLElements=False
    )


def parse_page(html: str) -> etree.Element:
    """The tree a browser builds for a whole document."""
    return html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)


def url_scheme(value: str) -> str:
    """The scheme a browser reads in a URL attribute ("" for a relative URL).

    As the WHATWG URL parser does: leading and trailing C0 controls and spaces are stripped,
    tabs and newlines anywhere are removed, the scheme is case-insensitive. (html5lib has
    already decoded character references such as ``&#x09;`` or ``&colon;``.)
    """
    cleaned = _TAB_OR_NEWLINE.sub("", value.strip(_C0_AND_SPACE)).lower()
    match = _SCHEME.match(cleaned)
    return match.group(1) if match else ""


def _elements(root: etree.Element) -> Iterator[tuple[str, str, dict[str, str]]]:
    """``(local name, namespace prefix, attributes)`` of every element (not comments)."""
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag == "DOCUMENT_FRAGMENT":
            continue
        namespace, _, local = element.tag.rpartition("}")
        yield local.lower(), namespace + "}" if namespace else "", dict(element.attrib)


def _attribute_name(name: str) -> str:
    """``{xlink namespace}href`` -> ``href``: a namespaced attribute judged by its local name."""
    return name.rpartition("}")[2].rpartition(":")[2].lower()


def _url_problems(where: str, name: str, value: str) -> list[str]:
    urls = [part.strip().split(" ")[0] for part in value.split(",")] if "srcset" in name else []
    problems = []
    for url in [value, *urls]:
        scheme = url_scheme(url)
        if scheme and scheme not in SAFE_SCHEMES:
            problems.append(f"{where}: {name}={value!r} has scheme {scheme!r}")
    return problems


def _problems(root: etree.Element, allowed_elements: frozenset[str]) -> list[str]:
    problems = []
    for tag, namespace, attributes in _elements(root):
        where = f"<{tag}>"
        if namespace in _FOREIGN:
            problems.append(f"{where}: SVG or MathML element")
        if tag in SCRIPT_ELEMENTS or (tag in HEAD_ELEMENTS and tag not in allowed_elements):
            problems.append(f"{where}: element that can run script or is not allowed here")
        for raw_name, value in attributes.items():
            name = _attribute_name(raw_name)
            if name.startswith("on"):
                problems.append(f"{where}: event handler {raw_name}={value!r}")
            elif name in {"style", "srcdoc"}:
                problems.append(f"{where}: {raw_name} attribute")
            elif name in URL_ATTRIBUTES:
                problems += _url_problems(where, raw_name, value)
        if tag == "meta" and attributes.get("http-equiv", "").strip().lower() == "refresh":
            problems.append(f"{where}: refresh to {attributes.get('content', '')!r}")
    return problems


def fragment_problems(html: str) -> list[str]:
    """Every way script could run in an HTML fragment (empty when there is none)."""
    return _problems(parse_fragment(html), frozenset())


def page_problems(html: str) -> list[str]:
    """Every way script could run in a whole page (its own ``<meta>`` and ``<link>`` allowed,
    and the theme's own parts outside the content: see ``_without_theme_parts``)."""
    root = parse_page(html)
    return _without_theme_parts(root) + _problems(root, HEAD_ELEMENTS)


# the search page's: Pagefind's UI from the first bundle of the index, and the theme's starter
THEME_SCRIPT = re.compile(r"(/[\w.-]+)*/(pagefind/[0-9]+/pagefind-ui|static/js/search)\.js")


def _theme_script(script: etree.Element) -> bool:
    """A script element of the theme: one of its own files, from the site itself."""
    src = script.get("src", "")
    own = not src.startswith("//") and THEME_SCRIPT.fullmatch(src) is not None
    return own and set(script.attrib) <= {"src", "defer"} and not (script.text or "").strip()


def _without_theme_parts(root: etree.Element) -> list[str]:
    """Take out what the theme itself writes outside the content, once checked: JSON-LD data
    blocks in ``<head>`` (a type browsers never run, holding JSON whose ``<`` is escaped) and the
    search form of the site header; the search page's scripts (files of the site) and the
    note shown without JavaScript. Content sits in ``<main>``'s article, so none of it is
    taken out."""
    problems = []
    head = root.find("head")
    if head is not None:
        for script in list(head):
            if script.tag == "script" and script.get("type") == "application/ld+json":
                if set(script.attrib) != {"type"} or "<" in (script.text or ""):
                    problems.append("<script type=application/ld+json>: attributes or '<' in it")
                json.loads(script.text or "")
                head.remove(script)
            elif script.tag == "script" and _theme_script(script):
                head.remove(script)
    body = root.find("body")
    main = body.find("main") if body is not None else None
    for box in main.findall("div") if main is not None else []:  # the search page's own
        if box.get("id") == "search":
            for noscript in box.findall("noscript"):
                box.remove(noscript)
    for header in body.findall("header") if body is not None else []:
        if header.get("class") != "site-header":
            continue
        for parent in header.iter():
            for form in parent.findall("form"):
                if form.get("class") == "site-search" and form.get("method") == "get":
                    parent.remove(form)
    return problems


def allow_list_problems(html: str) -> list[str]:
    """Elements and attributes of a sanitised fragment that ``markup``'s allow-lists do not name."""
    problems = []
    for tag, namespace, attributes in _elements(parse_fragment(html)):
        if namespace or tag not in ALLOWED_TAGS:
            problems.append(f"<{namespace}{tag}>: element not in ALLOWED_TAGS")
            continue
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | GENERIC_ATTRIBUTES
        extra = sorted(attributes.keys() - allowed)
        problems += [f"<{tag}>: attribute {name!r} not allowed" for name in extra]
    return problems
