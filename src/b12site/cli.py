"""Command line interface: parse arguments, call one function, report errors without tracebacks."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from b12site import __version__
from b12site.build import BuildResult, build
from b12site.errors import B12Error, Problem, ProblemsError, UpdateInterrupted
from b12site.findings import Rule
from b12site.formats import one_line
from b12site.models import Override
from b12site.progress import progress_bar
from b12site.scaffold import copy_theme_files, init_site, theme_files
from b12site.workers import default_jobs, no_progress

__all__ = ["main"]

SCHEMAS = ("article", "page", "site")
FORMATS = ("human", "json", "github", "sarif")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="b12site", description="Build trustworthy health websites from Markdown articles."
    )
    parser.add_argument("--version", action="version", version=f"b12site {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    build_cmd = commands.add_parser("build", help="build the site into an output folder")
    build_cmd.add_argument(
        "--config",
        type=Path,
        default=Path("site.yaml"),
        help="site settings file (default: site.yaml)",
    )
    build_cmd.add_argument(
        "--output",
        type=Path,
        default=None,
        help="output folder (default: _site beside the settings file)",
    )
    build_cmd.add_argument("--drafts", action="store_true", help="include draft articles")
    build_cmd.add_argument("--base-url", default=None, help="override base_url from site.yaml")
    build_cmd.add_argument(
        "--no-cache",
        action="store_true",
        help="ignore the build cache (.b12site-cache/ beside site.yaml) and leave it untouched",
    )
    build_cmd.add_argument(
        "--jobs",
        type=_positive,
        default=default_jobs(),
        help="worker processes for reading and rendering (default: one per CPU core)",
    )
    build_cmd.add_argument(
        "--quiet", "-q", action="store_true", help="no progress bar and no summary line"
    )
    build_cmd.add_argument(
        "--strict", action="store_true", help="fail on warnings of the rules too, as check --strict"
    )
    check_cmd = commands.add_parser(
        "check", help="check every file against the editorial rules; write nothing"
    )
    _site_options(check_cmd)
    check_cmd.add_argument(
        "--format",
        choices=FORMATS,
        default="human",
        help="human (default), json, github (workflow commands) or sarif",
    )
    check_cmd.add_argument("--strict", action="store_true", help="fail on warnings too")
    check_cmd.add_argument(
        "--external",
        action="store_true",
        help="also check links to other sites (concurrently; good answers cached 7 days)",
    )
    check_cmd.add_argument(
        "--report", type=Path, default=None, metavar="DIR", help="write the review dashboard"
    )
    check_cmd.add_argument(
        "--jobs", type=_positive, default=default_jobs(), help="worker processes"
    )
    new_cmd = commands.add_parser("new", help="start a new article with every section in place")
    new_cmd.add_argument("title", help="the article's title, in quotes")
    new_cmd.add_argument("--tag", action="append", default=[], help="a topic (repeatable)")
    new_cmd.add_argument("--author", default=None, help="the author's id from people")
    new_cmd.add_argument("--reviewer", default=None, help="the medical reviewer's id")
    new_cmd.add_argument(
        "--config", type=Path, default=Path("site.yaml"), help="site settings file"
    )
    serve_cmd = commands.add_parser(
        "serve", help="build, serve on this machine and rebuild on every save, with live reload"
    )
    serve_cmd.add_argument(
        "--config", type=Path, default=Path("site.yaml"), help="site settings file"
    )
    serve_cmd.add_argument(
        "--port", type=_port, default=8000, help="port to serve on (default: 8000; 0: any free)"
    )
    serve_cmd.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to serve on (default: 127.0.0.1, this machine only)",
    )
    serve_cmd.add_argument("--drafts", action="store_true", help="include draft articles")
    serve_cmd.add_argument("--open", action="store_true", help="open the site in a browser")
    serve_cmd.add_argument(
        "--jobs", type=_positive, default=default_jobs(), help="worker processes"
    )
    init_cmd = commands.add_parser("init", help="create a new site to start from")
    init_cmd.add_argument("directory", type=Path, help="folder to create the site in")
    theme_cmd = commands.add_parser(
        "theme", help="list the theme's files, or copy some into the site to adapt them"
    )
    theme_cmd.add_argument("files", nargs="*", help="theme files to copy (none: list them all)")
    theme_cmd.add_argument(
        "--config", type=Path, default=Path("site.yaml"), help="site settings file"
    )
    schema_cmd = commands.add_parser(
        "schema", help="print the JSON Schema of article or page front matter, or site.yaml"
    )
    schema_cmd.add_argument("kind", choices=SCHEMAS, help="which schema to print")
    return parser


def _site_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--config", type=Path, default=Path("site.yaml"), help="site settings file"
    )
    command.add_argument("--drafts", action="store_true", help="include draft articles")
    command.add_argument("--base-url", default=None, help="override base_url from site.yaml")


def main(argv: Sequence[str] | None = None) -> int:
    """Run b12site; return the process exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "check":
            return _check(args)
        if args.command == "new":
            return _new(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "schema":
            print(json.dumps(_schema(args.kind), indent=2, sort_keys=True, ensure_ascii=False))
            return 0
        if args.command == "init":
            made = init_site(args.directory)
            print(f"Created a new site in {made}.\nNext: cd {args.directory} && b12site build")
            return 0
        if args.command == "theme":
            return _theme(args)
    except ProblemsError as exc:
        for problem in exc.problems:
            print(one_line(problem), file=sys.stderr)
        for warning in getattr(exc, "warnings", ()):
            print(one_line(warning), file=sys.stderr)
        files = len({p.path for p in exc.problems})
        print(
            f"error: {_count(len(exc.problems), 'problem')} in {_count(files, 'file')}; "
            "nothing was written",
            file=sys.stderr,
        )
        return 1
    except B12Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except UpdateInterrupted:
        print(
            "error: interrupted while updating the output; the next build finishes it",
            file=sys.stderr,
        )
        return 130
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written", file=sys.stderr)
        return 130
    _parser().print_help()
    return 2


def _theme(args: argparse.Namespace) -> int:
    """List the packaged theme's files, or copy the named ones into the site."""
    if not args.files:
        print("\n".join(theme_files()))
        return 0
    site = args.config.resolve().parent
    for rel in copy_theme_files(site, args.files):
        print(f"Copied {rel}: edit it there; it overrides the theme's copy")
    return 0


def _schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one kind of file (pydantic is imported only for this command)."""
    from pydantic import BaseModel

    from b12site.config import SiteSettings
    from b12site.schema import ArticleFrontMatter, PageFrontMatter

    models: dict[str, type[BaseModel]] = {
        "article": ArticleFrontMatter,
        "page": PageFrontMatter,
        "site": SiteSettings,
    }
    return models[kind].model_json_schema()


def _build(args: argparse.Namespace) -> int:
    progress = no_progress if args.quiet else progress_bar(sys.stderr)
    result = build(
        args.config,
        args.output,
        drafts=args.drafts,
        base_url=args.base_url,
        use_cache=not args.no_cache,
        jobs=args.jobs,
        progress=progress,
        strict=args.strict,
    )
    for warning in result.warnings:
        print(one_line(warning), file=sys.stderr)
    if not args.quiet:
        print(_summary(result))
    return 0


def _check(args: argparse.Namespace) -> int:
    from b12site.checking import check_site, report_statuses
    from b12site.dashboard import report_files
    from b12site.external import ExternalSettings
    from b12site.rules import RULES

    progress = progress_bar(sys.stderr) if args.format == "human" else no_progress
    try:
        result = check_site(
            args.config,
            args.base_url,
            args.drafts,
            jobs=args.jobs,
            external=ExternalSettings() if args.external else None,
            progress=progress,
        )
    except ProblemsError as exc:  # site.yaml or the content folder: nothing else can be read
        print(_formatted(args.format, tuple(exc.problems), (), 0, RULES))
        return 1
    verdict = result.verdict
    text = _formatted(args.format, verdict.findings, verdict.overrides, result.files, RULES)
    if text:
        print(text)
    if args.report is not None:
        statuses, elsewhere = report_statuses(result)
        files = report_files(statuses, result.today, result.config.title, elsewhere)
        args.report.mkdir(parents=True, exist_ok=True)
        for name, data in sorted(files.items()):
            (args.report / name).write_bytes(data)
        print(f"Review dashboard: {args.report / 'index.html'}", file=sys.stderr)
    return 1 if verdict.blocking(args.strict) else 0


def _formatted(
    form: str,
    findings: Sequence[Problem],
    overrides: Sequence[Override],
    files: int,
    rules: Sequence[Rule],
) -> str:
    """Findings in one of check's output formats."""
    from b12site.formats import as_github, as_json, as_sarif, human

    if form == "json":
        text = as_json(findings, overrides, files)
    elif form == "github":
        text = as_github(findings)
    elif form == "sarif":
        text = as_sarif(findings, rules, overrides, __version__)
    else:
        text = human(findings, overrides, files)
    return text.rstrip("\n")


def _new(args: argparse.Namespace) -> int:
    from b12site.config import load_config
    from b12site.dates import build_date
    from b12site.newarticle import create_article

    config = load_config(args.config)
    made = create_article(config, args.title, args.tag, args.author, args.reviewer, build_date())
    print(f"Created {made}: fill in every TODO, then run b12site check")
    return 0


def _summary(result: BuildResult) -> str:
    """``Built 5 articles, 2 pages and 4 topics into _site: 3 files written, …``."""
    return (
        f"Built {_count(result.articles, 'article')}, {_count(result.pages, 'page')} and "
        f"{_count(result.topics, 'topic')} into {result.output}: "
        f"{_count(result.written, 'file')} written, {result.unchanged} unchanged, "
        f"{result.removed} removed in {result.seconds:.2f} s"
    )


def _serve(args: argparse.Namespace) -> int:
    from b12site.serve import ServeOptions, serve

    options = ServeOptions(args.config, args.host, args.port, args.drafts, args.open, args.jobs)
    return serve(options, lambda line: print(line, flush=True))


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (0 to 65535)")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive whole number")
    return value


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
