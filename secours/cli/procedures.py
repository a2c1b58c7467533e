"""``secours procedures``: the fallback procedures and their checks as Markdown (docs/procedures.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from secours.cli.common import Subcommands
from secours.contract.procedures import procedures_markdown
from secours.errors import UsageError

__all__ = ["register"]


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "procedures", help="the fallback procedures and their checks, as Markdown generated from the oracle"
    )
    p.add_argument("--out", metavar="FILE", type=Path, help="write it to FILE (docs/procedures.md) instead of printing")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    text = procedures_markdown()
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror}") from exc
    print(f"wrote {args.out}")
    return 0
