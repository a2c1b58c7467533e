"""``secours checks``: every registered check, the seed it comes from, and the drills that judge it
and stage its failure (the table of docs/procedures.md, for a terminal or a script)."""

from __future__ import annotations

import argparse
import json
import sys

from secours.cli.common import Subcommands
from secours.contract.procedures import CheckEntry, check_entries
from secours.errors import UsageError

__all__ = ["register"]


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "checks",
        help="every check of the oracle: its scenario, seed, and the drills that judge it and stage its failure",
    )
    p.add_argument("--json", action="store_true", help="print JSON: {checks: [...], counts}")
    p.add_argument("--scenario", metavar="ID", help="only the checks of this scenario (or group: GLOBAL, ECS-BS...)")
    p.add_argument("--unstaged", action="store_true", help="only the checks no shipped drill stages to fail")
    p.set_defaults(func=main)


def _select(entries: list[CheckEntry], args: argparse.Namespace) -> list[CheckEntry]:
    if args.scenario is not None:
        known = {e.scenario for e in entries} | {s for e in entries for s in e.applies_to}
        if args.scenario not in known:
            raise UsageError(f"--scenario {args.scenario}: no such scenario or group of checks")
        entries = [e for e in entries if e.scenario == args.scenario or args.scenario in e.applies_to]
    if args.unstaged:
        entries = [e for e in entries if not e.staged_in]
    return entries


def _counts(entries: list[CheckEntry]) -> dict[str, int]:
    return {
        "checks": len(entries),
        "judged": sum(1 for e in entries if e.judged_in),
        "staged": sum(1 for e in entries if e.staged_in),
    }


def main(args: argparse.Namespace) -> int:
    entries = _select(check_entries(), args)
    counts = _counts(entries)
    if args.json:
        doc = {"checks": [e.as_json() for e in entries], "counts": counts}
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    width = max((len(e.id) for e in entries), default=5)
    for e in entries:
        staged = ", ".join(e.staged_in) or "-"
        print(f"{e.id:<{width}}  judged in {len(e.judged_in):>2} drills  staged in: {staged}")
        print(f"{'':<{width}}  {e.title}")
    print(f"{counts['checks']} checks; judged by a drill: {counts['judged']}; staged to fail: {counts['staged']}")
    return 0
