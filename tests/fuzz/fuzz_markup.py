"""Fuzz target: any bytes, as Markdown with citations or as raw HTML, give sanitised HTML in
which no script can run, judged on the tree html5lib (a browser's parser) builds.

Each input is decoded as UTF-8 (errors replaced) and
  * converted with ``Converter`` (two known citation keys) as blocks with a contents list,
    then as one inline paragraph; and passed to ``sanitise`` as raw HTML;
  * each output is parsed and walked: no script element, SVG or MathML, event handler,
    ``style`` attribute or URL whose scheme is not http, https, mailto or tel; nothing outside
    ``markup``'s allow-lists.
A ``B12Error`` is a fine answer; any other exception, or a failed check, is a finding.

It also checks that every in-text citation anchor the converter counted is on the page once
(so the reference list's back links never point at nothing).

tests/test_fuzz.py runs this for 25 s on a copy of the seed corpus. To fuzz longer by hand,
from the repository root (findings are written as ``crash-<sha1>`` into the working folder):

    mkdir -p /tmp/b12-corpus && cp tests/fuzz/corpus/* /tmp/b12-corpus/
    .venv/bin/python tests/fuzz/fuzz_markup.py -max_total_time=3600 -timeout=10 \\
        -rss_limit_mb=2048 -artifact_prefix=/tmp/ /tmp/b12-corpus
    # replay (and see the traceback of) one finding:
    .venv/bin/python tests/fuzz/fuzz_markup.py /tmp/crash-<sha1>
    # shrink it before adding it to the corpus or a test:
    .venv/bin/python tests/fuzz/fuzz_markup.py -minimize_crash=1 -runs=10000 /tmp/crash-<sha1>

Add ``-jobs=2 -workers=2`` to use both cores, ``-dict=`` for a token list. New inputs that
cover new code land in /tmp/b12-corpus; copy the small, interesting ones to tests/fuzz/corpus/.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris  # type: ignore[import-untyped]

# Only Python is instrumented: b12site and Python-Markdown, not nh3 (Rust) or html5lib.
with atheris.instrument_imports(include=["b12site", "markdown"]):
    from b12site.errors import B12Error
    from b12site.markup import Converter, sanitise

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for tests.*
from tests.fuzz.html_checks import (
    allow_list_problems,
    fragment_problems,
    parse_fragment,
)

KEYS = ("smith2020", "jones2019")


def check(html: str, what: str, text: str) -> None:
    """Raise AssertionError, naming the input, when ``html`` could run script."""
    problems = fragment_problems(html) + allow_list_problems(html)
    if problems:
        raise AssertionError(f"{what} of {text!r} gave {html!r}: {problems}")


def check_anchors(html: str, convert: Converter, text: str) -> None:
    """Every in-text citation anchor written is on the page exactly once."""
    ids = [element.get("id") for element in parse_fragment(html).iter()]
    for anchors in convert.citations.emitted.values():
        for anchor in anchors:
            if ids.count(anchor) != 1:
                raise AssertionError(f"anchor {anchor} of {text!r} is not once in {html!r}")


def TestOneInput(data: bytes) -> None:  # the name atheris examples use
    """One input: convert, sanitise, check."""
    text = data.decode("utf-8", errors="replace")
    try:
        convert = Converter(KEYS)
        block = str(convert.block(text, collect_toc=True))
        check(block, "block", text)
        check_anchors(block, convert, text)
        check(str(Converter(KEYS).inline(text)), "inline", text)
        check(str(sanitise(text)), "sanitise", text)
    except B12Error:
        return


def main() -> None:
    """Hand the target to libFuzzer with the command line's options."""
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
