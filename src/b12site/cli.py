"""Command line interface: parse arguments, call one function, report errors without tracebacks."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from b12site import __version__
from b12site.build import build
from b12site.config import SiteSettings
from b12site.errors import B12Error, ProblemsError
from b12site.scaffold import init_site
from b12site.schema import ArticleFrontMatter, PageFrontMatter

__all__ = ["main"]

SCHEMAS: dict[str, type[BaseModel]] = {
    "article": ArticleFrontMatter,
    "page": PageFrontMatter,
    "site": SiteSettings,
}


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
    init_cmd = commands.add_parser("init", help="create a new site to start from")
    init_cmd.add_argument("directory", type=Path, help="folder to create the site in")
    schema_cmd = commands.add_parser(
        "schema", help="print the JSON Schema of article or page front matter, or site.yaml"
    )
    schema_cmd.add_argument("kind", choices=sorted(SCHEMAS), help="which schema to print")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run b12site; return the process exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "schema":
            schema = SCHEMAS[args.kind].model_json_schema()
            print(json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False))
            return 0
        if args.command == "init":
            made = init_site(args.directory)
            print(f"Created a new site in {made}.\nNext: cd {args.directory} && b12site build")
            return 0
    except ProblemsError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
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
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written", file=sys.stderr)
        return 130
    _parser().print_help()
    return 2


def _build(args: argparse.Namespace) -> int:
    result = build(args.config, args.output, drafts=args.drafts, base_url=args.base_url)
    for warning in result.site.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    site = result.site
    print(
        f"Built {_count(len(site.articles), 'article')}, {_count(len(site.pages), 'page')} and "
        f"{_count(len(site.topics), 'topic')} ({result.files} files) into {result.output} "
        f"in {result.seconds:.2f} s"
    )
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
