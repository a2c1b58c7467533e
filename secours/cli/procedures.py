"""``secours procedures``: the fallback procedures and their checks as Markdown (docs/procedures.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from secours.cli.common import Subcommands, print_or_write
from secours.contract.procedures import procedures_markdown

__all__ = ["register"]


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "procedures", help="the fallback procedures and their checks, as Markdown generated from the oracle"
    )
    p.add_argument("--out", metavar="FILE", type=Path, help="write it to FILE (docs/procedures.md) instead of printing")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    return print_or_write(procedures_markdown(), args.out)
