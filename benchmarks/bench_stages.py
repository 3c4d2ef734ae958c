"""Time each build stage on the sample articles, with ratios against baselines from the same run.

Run: .venv/bin/python benchmarks/bench_stages.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import frontmatter
import markdown
import yaml
from frontmatter.default_handlers import YAMLHandler

from b12site.build import build
from b12site.config import load_config
from b12site.content import split_source
from b12site.dates import build_date
from b12site.documents import render_article
from b12site.schema import validate_article
from b12site.sources import scan

REPO = Path(__file__).resolve().parent.parent


def per_call(fn: Callable[[], object], repeat: int = 7, number: int = 20) -> float:
    """Median seconds per call over several rounds."""
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - start) / number)
    return statistics.median(rounds)


def main() -> int:
    config = load_config(REPO / "site.yaml")
    today = build_date()
    files = [s.path for s in scan(config.content_dir, config.root).sources if s.kind == "article"]
    texts = [(path, path.read_text("utf-8")) for path in files]
    n = len(texts)

    def ours_split() -> None:
        for path, text in texts:
            split_source(text, path, path.name, "article")

    def frontmatter_default() -> None:
        for _, text in texts:
            frontmatter.loads(text)

    handler = YAMLHandler()

    def frontmatter_pure() -> None:
        for _, text in texts:
            yaml.load(handler.split(text)[0], Loader=yaml.SafeLoader)

    sources = [split_source(text, path, path.name, "article") for path, text in texts]
    articles = [validate_article(s, config, today) for s in sources]

    def plain_markdown() -> None:
        for article in articles:
            markdown.markdown(article.body, extensions=["tables", "toc"])

    def validate() -> None:
        for source in sources:
            validate_article(source, config, today)

    def render() -> None:
        for article in articles:
            render_article(article)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        whole = per_call(lambda: build(REPO / "site.yaml", out, use_cache=False), number=3)

    split_t, fm_t = per_call(ours_split), per_call(frontmatter_default)
    pure_t = per_call(frontmatter_pure)
    md_t, val_t, ren_t = per_call(plain_markdown), per_call(validate), per_call(render)
    ms = 1000 / n
    print(f"{n} sample articles, per article:")
    print(f"  front matter, b12site (C loader, lines kept): {split_t * ms:.3f} ms")
    print(
        f"  front matter, python-frontmatter default:     {fm_t * ms:.3f} ms "
        f"(ratio to b12site {fm_t / split_t:.2f})"
    )
    print(
        f"  front matter, pure-Python yaml.SafeLoader:    {pure_t * ms:.3f} ms "
        f"(ratio to b12site {pure_t / split_t:.2f})"
    )
    print(f"  validate (pydantic + citations + people):    {val_t * ms:.3f} ms")
    print(f"  plain Markdown body (tables, toc) baseline:  {md_t * ms:.3f} ms")
    print(
        f"  render all fields + sanitise:                {ren_t * ms:.3f} ms "
        f"({ren_t / md_t:.1f}x the plain Markdown body)"
    )
    print(f"whole build of the sample site, without the cache: {whole * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
