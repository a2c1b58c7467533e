"""``secours drill run|validate|list``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from secours.bus.settings import ClientSettings
from secours.cli.common import Subcommands, add_broker_options, broker_session
from secours.drills.model import load_drill
from secours.drills.runner import run_drill

__all__ = ["register", "shipped_drills"]


def shipped_drills() -> list[Path]:
    return sorted((Path(__file__).resolve().parents[2] / "drills").glob("*.yaml"))


def register(sub: Subcommands) -> None:
    p = sub.add_parser("drill", help="run, validate or list drills")
    dsub = p.add_subparsers(dest="drill_command", required=True, metavar="{run,validate,list}")
    r = dsub.add_parser("run", help="run a drill and write its report folder")
    r.add_argument("file", type=Path)
    r.add_argument("--out", type=Path, default=None, help="report folder (default: out/<drill id>)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_broker_options(r)
    r.set_defaults(func=run)
    v = dsub.add_parser("validate", help="check a drill file")
    v.add_argument("file", type=Path)
    v.set_defaults(func=validate)
    ls = dsub.add_parser("list", help="list the shipped drills")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=list_drills)


def run(args: argparse.Namespace) -> int:
    drill = load_drill(args.file)
    out = args.out or Path("out") / drill.drill
    with broker_session(args) as choice:
        settings = ClientSettings.from_env(choice.bootstrap, args.prefix)
        result = asyncio.run(run_drill(drill, settings, out, broker=choice.kind, progress=not args.no_progress))
    s = result.summary
    c = s["counts"]
    print(
        f"{s['drill']}: {s['verdict'].upper()}  {c['ens_lodged']} ENS lodged, {c['mrn_issued']} MRN issued, "
        f"{c['ie3n99']} IE3N99, {c['ie3n01']} IE3N01, {c['duplicate_mrn']} duplicate MRN, "
        f"{s['wall_seconds']} s wall ({s['ens_per_second']} ENS/s)  -> {out / 'summary.json'}"
    )
    for problem in s["problems"]:
        print(f"  {problem}", file=sys.stderr)
    return 0 if result.passed else 1


def validate(args: argparse.Namespace) -> int:
    drill = load_drill(args.file)
    print(f"{args.file}: valid drill {drill.drill!r} ({drill.traffic.consignments} consignments)")
    return 0


def list_drills(args: argparse.Namespace) -> int:
    drills = [(path, load_drill(path)) for path in shipped_drills()]
    if args.json:
        print(
            json.dumps(
                [
                    {"file": str(path), "drill": d.drill, "title": d.title, "scenarios": list(d.scenarios)}
                    for path, d in drills
                ],
                indent=2,
            )
        )
    else:
        for path, d in drills:
            print(f"{d.drill:<24} {d.title}  ({path.name})")
    return 0
