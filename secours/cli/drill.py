"""``secours drill run|check|validate|list``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from secours.bus.settings import ClientSettings
from secours.cli.common import Subcommands, add_broker_options, broker_session
from secours.drills.checking import check_journal
from secours.drills.model import Drill, load_drill
from secours.drills.runner import run_drill

__all__ = ["register", "shipped_drills"]


def shipped_drills() -> list[Path]:
    return sorted((Path(__file__).resolve().parents[2] / "drills").glob("*.yaml"))


def register(sub: Subcommands) -> None:
    p = sub.add_parser("drill", help="run, check, validate or list drills")
    dsub = p.add_subparsers(dest="drill_command", required=True, metavar="{run,check,validate,list}")
    r = dsub.add_parser("run", help="run a drill and write its report folder")
    r.add_argument("file", type=Path)
    r.add_argument("--out", type=Path, default=None, help="report folder (default: out/<drill id>)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_broker_options(r)
    r.set_defaults(func=run)
    c = dsub.add_parser("check", help="run the oracle again on a saved journal (no broker needed)")
    c.add_argument("journal", type=Path)
    c.add_argument("--out", type=Path, default=None, help="write summary.json, junit.xml, report.html here")
    c.set_defaults(func=check)
    v = dsub.add_parser("validate", help="check a drill file")
    v.add_argument("file", type=Path)
    v.set_defaults(func=validate)
    ls = dsub.add_parser("list", help="list the shipped drills")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=list_drills)


def _report_line(summary: dict[str, object], out: Path) -> None:
    checks = summary["checks"]
    assert isinstance(checks, list)
    by_status: dict[str, int] = {}
    for c in checks:
        by_status[c["status"]] = by_status.get(c["status"], 0) + 1
    failed = [c["id"] + (" (expected)" if c["expected_failure"] else "") for c in checks if c["status"] == "fail"]
    tally = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(by_status.items()))
    met = "expectation met" if summary["expectation_met"] else "expectation NOT met"
    print(f"{summary['drill']}: {str(summary['verdict']).upper()} ({met}); checks: {tally}  -> {out}")
    for c in checks:
        if c["status"] == "fail":
            print(f"  {c['id']}: {c['message']}", file=sys.stderr)
    if failed:
        print(f"  failed: {', '.join(failed)}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    drill = load_drill(args.file)
    out = args.out or Path("out") / drill.drill
    network = any(f.kind == "network" for f in drill.faults)
    with broker_session(args, behind_proxy=network) as choice:
        settings = ClientSettings.from_env(choice.bootstrap, args.prefix)
        result = asyncio.run(
            run_drill(
                drill, settings, out, broker=choice.kind, launched=choice.broker, proxy_port=choice.proxy_port,
                progress=not args.no_progress,
            )
        )  # fmt: skip
    s = result.summary
    c = s["counts"]
    print(
        f"{s['drill']}: {c['ens_lodged']} ENS lodged, {c['mrn_issued']} MRN issued, {c['ie3n99']} IE3N99, "
        f"{c['ie3n01']} IE3N01, {c['duplicate_mrn']} duplicate MRN; {s['wall_seconds']} s wall "
        f"({s['ens_per_second']} ENS/s)"
    )
    _report_line(s, out)
    return result.exit_code


def check(args: argparse.Namespace) -> int:
    summary, code = check_journal(args.journal, args.out)
    _report_line(summary, args.out or args.journal)
    return code


def validate(args: argparse.Namespace) -> int:
    drill = load_drill(args.file)
    size = f"{drill.traffic.consignments} consignments, {len(drill.faults)} faults"
    print(f"{args.file}: valid drill {drill.drill!r} ({size})")
    return 0


def _listing(path: Path, d: Drill) -> dict[str, object]:
    return {
        "file": str(path),
        "drill": d.drill,
        "title": d.title,
        "scenarios": list(d.scenarios),
        "faults": [f"{f.kind} {f.target}" for f in d.faults],
        "expect_fail": list(d.expect_fail),
        "expectation": "fails exactly the staged checks" if d.expect_fail else "every check passes",
    }


def list_drills(args: argparse.Namespace) -> int:
    drills = [(path, load_drill(path)) for path in shipped_drills()]
    if args.json:
        print(json.dumps([_listing(path, d) for path, d in drills], indent=2))
    else:
        for path, d in drills:
            expect = f"  expect_fail: {', '.join(d.expect_fail)}" if d.expect_fail else ""
            print(f"{d.drill:<28} {d.title}  ({path.name}){expect}")
    return 0
