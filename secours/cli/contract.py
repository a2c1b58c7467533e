"""``secours contract``: write the message contract (AsyncAPI document, journal line schema) from the code."""

from __future__ import annotations

import argparse
from pathlib import Path

from secours.cli.common import Subcommands, write_document
from secours.contract.asyncapi import Format, asyncapi_document, dump, journal_schema, update_markdown
from secours.errors import UsageError

__all__ = ["register"]


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "contract",
        help="write the message contract for outside systems: AsyncAPI 3.0.0 document, journal line JSON Schema",
    )
    p.add_argument("--asyncapi", metavar="FILE", type=Path, required=True, help="the AsyncAPI document to write")
    p.add_argument("--journal-schema", metavar="FILE", type=Path, help="the JSON Schema of a journal line to write")
    p.add_argument(
        "--markdown",
        metavar="FILE",
        type=Path,
        help="a Markdown file whose generated blocks (<!-- generated:NAME -->) to write anew (docs/contract.md)",
    )
    p.add_argument(
        "--format",
        choices=("yaml", "json"),
        help="output format (default: from the file's suffix, .json for JSON, else YAML for the AsyncAPI document)",
    )
    p.set_defaults(func=main)


def _format(path: Path, forced: str | None, default: Format) -> Format:
    if forced == "json" or (forced is None and path.suffix == ".json"):
        return "json"
    if forced == "yaml" or (forced is None and path.suffix in (".yaml", ".yml")):
        return "yaml"
    return default


def main(args: argparse.Namespace) -> int:
    write_document(args.asyncapi, dump(asyncapi_document(), _format(args.asyncapi, args.format, "yaml")))
    if args.journal_schema is not None:
        write_document(args.journal_schema, dump(journal_schema(), _format(args.journal_schema, args.format, "json")))
    if args.markdown is not None:
        try:
            text = args.markdown.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read {args.markdown}: {exc.strerror}") from exc
        write_document(args.markdown, update_markdown(text))
    return 0
