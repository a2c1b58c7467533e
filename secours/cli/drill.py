"""``secours drill run|check|validate|list``."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shlex
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from secours.bus.settings import ClientSettings
from secours.cli.common import Subcommands, add_broker_options, broker_session, print_or_write
from secours.contract.drillfields import drill_fields_markdown
from secours.drills.catalogue import run_catalogue
from secours.drills.checking import check_journal
from secours.drills.crashes import with_crashes
from secours.drills.model import Drill, load_drill
from secours.drills.oracle.registry import REGISTRY
from secours.drills.runner import run_drill
from secours.drills.sweep import SweepRow, Variation, failed_checks, parse_vary, table, variant_text, variation
from secours.errors import DrillFileError, UsageError
from secours.external import ExternalActor, external_speed, parse_external, refuse_unplayable
from secours.metrics import add_metrics_option, served
from secours.resources import drill_file, shipped_drills

__all__ = ["register", "shipped_drills"]


def _add_child_run_options(p: argparse.ArgumentParser) -> None:
    """The options of a command that runs drills as child ``drill run`` processes (run-all, sweep)."""
    add_clock_options(p)
    add_crash_options(p)
    add_broker_options(p)
    p.add_argument("--plain-journal", action="store_true", help="each run's journal uncompressed (journal.jsonl)")


def _child_run_args(args: argparse.Namespace) -> list[str]:
    """What each child ``drill run`` is given of those options (the broker goes its own way)."""
    return [*_clock_args(args), *_crash_args(args), *(["--plain-journal"] if args.plain_journal else [])]


def register(sub: Subcommands) -> None:
    p = sub.add_parser("drill", help="run, check, validate or list drills")
    dsub = p.add_subparsers(dest="drill_command", required=True, metavar="{run,run-all,sweep,check,validate,list}")
    r = dsub.add_parser("run", help="run a drill and write its report folder")
    r.add_argument("file", type=drill_file, metavar="FILE|NAME", help="a drill file, or a shipped drill's name")
    r.add_argument("--out", type=Path, default=None, help="report folder (default: out/<drill id>)")
    add_metrics_option(r)
    r.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    r.add_argument(
        "--external",
        metavar="ACTOR[,ACTOR]",
        default="",
        help="actors an outside system plays (edi_provider, or one provider: edi_provider:P002): not started "
        "here; the run waits for them, runs on the wall clock and judges their records like any other's",
    )
    r.add_argument(
        "--expect-fail",
        metavar="ID[,ID]",
        default=None,
        help="this run's expectation instead of the drill's: exactly these checks fail (for example an outside "
        "system run in a non-compliant mode on purpose); an empty value: every check passes",
    )
    r.add_argument(
        "--external-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="with --external: wall seconds the outside system gets to subscribe or say it is ready (default 60)",
    )
    r.add_argument(
        "--plain-journal", action="store_true", help="write journal.jsonl uncompressed (default: journal.jsonl.gz)"
    )
    add_clock_options(r)
    add_crash_options(r)
    add_broker_options(r)
    r.set_defaults(func=run)
    a = dsub.add_parser("run-all", help="run many drills at once on one broker (default: every shipped drill)")
    a.add_argument(
        "files",
        type=drill_file,
        nargs="*",
        metavar="FILE|NAME",
        help="drill files or names (default: every shipped drill)",
    )
    a.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="drills at once (default 1); each needs about half a core, and the broker its share too",
    )
    a.add_argument("--out", type=Path, default=Path("out/catalogue"), help="one report folder per drill in here")
    a.add_argument("--json", type=Path, metavar="FILE", help="also write the runs and the total wall time as JSON")
    _add_child_run_options(a)
    a.set_defaults(func=run_all)
    w = dsub.add_parser(
        "sweep",
        help="run drills on many seeds and check that every run ends as its drill declares",
        description="Run a drill (or several, or --all) on N seeds (each run: the drill file unchanged but for "
        "its seed, written to OUT/runs/<drill>-s<seed>.yaml and run as run-all runs drills: a process each, "
        "--jobs at once, one broker). "
        "--vary also changes, by an amount drawn from the seed (the same command gives the same runs): "
        "volume, the traffic's message counts x0.5..x3; fault-start, every fault moved by one offset within "
        "+-1h that keeps it inside the drill. Prints a table (seed, variation, verdict, failed checks, as "
        "declared, wall time) and writes sweep.json. Exit 0 when every run ends as the drill declares, 1 "
        "otherwise (with the command that reruns each run that did not), 2 on bad input.",
    )
    w.add_argument(
        "files", nargs="*", type=drill_file, metavar="FILE|NAME", help="drill files or shipped drills' names"
    )
    w.add_argument(
        "--all",
        action="store_true",
        help="every shipped drill, on the same seeds (without --from: fresh seeds each time, printed first)",
    )
    w.add_argument("--seeds", type=int, required=True, metavar="N", help="how many runs (seeds)")
    w.add_argument(
        "--from",
        dest="first_seed",
        type=int,
        default=None,
        metavar="S",
        help="seeds S, S+1, ... (default: N seeds drawn at random, printed first)",
    )
    w.add_argument("--jobs", type=int, default=1, help="runs at once (default 1); each needs about half a core")
    w.add_argument(
        "--vary",
        default="",
        metavar="ITEM[,ITEM]",
        help="also vary each run, as drawn from its seed: volume (x0.5..x3), fault-start (+-1h)",
    )
    w.add_argument(
        "--out", type=Path, default=None,
        help="variant files and run folders (default: out/sweep/<drill>, or out/sweep/all for several drills)",
    )  # fmt: skip
    w.add_argument("--json", type=Path, metavar="FILE", help="write the rows here (default: OUT/sweep.json)")
    _add_child_run_options(w)
    w.set_defaults(func=sweep)
    c = dsub.add_parser("check", help="run the oracle again on a saved journal (no broker needed)")
    c.add_argument("journal", type=Path, help="journal.jsonl.gz or journal.jsonl, or the run folder holding it")
    c.add_argument("--out", type=Path, default=None, help="write summary.json, junit.xml, report.html here")
    c.set_defaults(func=check)
    v = dsub.add_parser("validate", help="check a drill file")
    v.add_argument("file", type=drill_file, metavar="FILE|NAME")
    v.set_defaults(func=validate)
    ls = dsub.add_parser("list", help="list the shipped drills")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=list_drills)
    f = dsub.add_parser("fields", help="every field a drill file takes: type, default, meaning (Markdown)")
    f.add_argument("--out", type=Path, default=None, metavar="FILE", help="write it here (docs/drill-fields.md)")
    f.set_defaults(func=fields)


def add_clock_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--clock",
        choices=("stepped", "wall"),
        default=None,
        help="stepped (default): simulated time jumps from one thing due to the next as soon as the run is "
        "quiet; wall: simulated time runs at --speed times the wall clock (drills whose faults act on the "
        "broker or the network always run on it)",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=None,
        metavar="N",
        help="with --clock wall: simulated seconds per wall second (default: the drill's speed)",
    )


def _clock_args(args: argparse.Namespace) -> list[str]:
    out = ["--clock", args.clock] if args.clock else []
    return out + (["--speed", str(args.speed)] if args.speed is not None else [])


def _with_speed(drill: Drill, args: argparse.Namespace) -> Drill:
    if args.speed is None:
        return drill
    if args.clock != "wall":
        raise UsageError("--speed sets the pace of the wall clock: give --clock wall with it")
    if args.speed <= 0:
        raise UsageError(f"--speed must be positive, got {args.speed:g}")
    return drill.model_copy(update={"speed": args.speed})


def add_crash_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--crash-each",
        action="store_true",
        help="also kill every service of the run once (kill -9, one after another) and restart it from its checkpoint",
    )
    p.add_argument(
        "--restart-after",
        default="30s",
        metavar="DURATION",
        help="with --crash-each: simulated time each service stays dead (default 30s)",
    )


def _crash_args(args: argparse.Namespace) -> list[str]:
    return ["--crash-each", "--restart-after", args.restart_after] if args.crash_each else []


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
    problems = summary.get("problems") or []
    assert isinstance(problems, list)
    for problem in problems:
        print(f"  problem: {problem}", file=sys.stderr)


def _outside(drill: Drill, args: argparse.Namespace) -> tuple[Drill, list[ExternalActor]]:
    """The drill as it runs with outside actors (``--external``): on the wall clock, at a speed they can follow."""
    config = drill.run_config()
    actors = parse_external(args.external, config)
    if args.clock == "stepped":
        raise UsageError("--external: outside systems live in wall time; a run with them cannot use --clock stepped")
    if args.external_timeout <= 0:
        raise UsageError(f"--external-timeout must be positive, got {args.external_timeout:g}")
    if args.speed is not None and args.speed <= 0:
        raise UsageError(f"--speed must be positive, got {args.speed:g}")
    refuse_unplayable(actors, drill.faults, config.params, drill.drill)
    speed, warning = external_speed(drill.speed, args.speed)
    if warning:
        print(f"secours: warning: {warning}", file=sys.stderr)
    return drill.model_copy(update={"speed": speed}), actors


def _expecting(drill: Drill, text: str) -> Drill:
    ids = tuple(sorted({part.strip() for part in text.split(",") if part.strip()}))
    unknown = [i for i in ids if i not in REGISTRY]
    if unknown:
        raise UsageError(f"--expect-fail: unknown check {unknown[0]!r} (secours procedures lists them)")
    return drill.model_copy(update={"expect_fail": ids, "may_fail": {}})


def run(args: argparse.Namespace) -> int:
    if args.external:
        drill, external = _outside(load_drill(args.file), args)
    else:
        drill, external = _with_speed(load_drill(args.file), args), []
    if args.expect_fail is not None:
        drill = _expecting(drill, args.expect_fail)
    if args.crash_each:
        try:
            drill = with_crashes(drill, args.restart_after)
        except ValueError as exc:
            raise UsageError(f"--restart-after: {exc}") from None
    out = args.out or Path("out") / drill.drill
    network = any(f.through_proxy for f in drill.faults)
    with served(args.metrics) as metrics, broker_session(args, behind_proxy=network) as choice:
        settings = ClientSettings.from_env(choice.bootstrap, args.prefix, choice.kind)
        result = asyncio.run(
            run_drill(
                drill, settings, out, broker=choice.kind, launched=choice.broker, proxy_port=choice.proxy_port,
                progress=not args.no_progress, clock=args.clock or "auto",
                external=external, external_timeout_s=args.external_timeout,
                compress_journal=not args.plain_journal, metrics=metrics,
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
    if result.outcome.external is not None:
        print(f"  {result.outcome.external.line(result.outcome.checks)}")
    restarts = s.get("restarts") or []
    if restarts:
        back = sum(1 for r in restarts if r["restored_from"] is not None)
        print(f"  {len(restarts)} services killed and restarted, {back} of them from a checkpoint")
    return result.exit_code


def run_all(args: argparse.Namespace) -> int:
    files = args.files or shipped_drills()
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    for f in files:
        _with_speed(load_drill(f), args)  # every file and option valid before anything starts
    with broker_session(args) as choice:
        settings = ClientSettings.from_env(choice.bootstrap, args.prefix, choice.kind)
        # Each run starts a broker of its own, unless the cluster was given: then they all share it.
        own = [] if choice.broker is None else ["--broker", choice.kind]
        runs, wall = asyncio.run(
            run_catalogue(
                files,
                args.out,
                settings,
                args.jobs,
                own or ["--bootstrap", choice.bootstrap],
                _child_run_args(args),
            )
        )
    met = sum(r.expectation_met for r in runs)
    busy = sum(r.wall_seconds for r in runs)
    print(
        f"{len(runs)} drills, {met} as expected, {len(runs) - met} not; {wall:.1f} s wall with {args.jobs} at once "
        f"({busy:.1f} s of drill time) on {choice.kind}"
    )
    if args.json:
        doc = {"broker": choice.kind, "jobs": args.jobs, "wall_seconds": wall, "runs": [asdict(r) for r in runs]}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0 if met == len(runs) else 1


def _seeds(args: argparse.Namespace) -> list[int]:
    if args.first_seed is not None:
        if args.first_seed < 0:
            raise UsageError(f"--from must be a seed of 0 or more, got {args.first_seed}")
        return list(range(args.first_seed, args.first_seed + args.seeds))
    # Drawn, not fixed: a sweep without --from explores new seeds each time; printed so that a run
    # that fails can be found again.
    seeds = random.SystemRandom().sample(range(1, 100_000_000), args.seeds)
    print(f"seeds (drawn at random): {', '.join(map(str, seeds))}", flush=True)
    return seeds


def _variants(
    file: Path, drill: Drill, seeds: list[int], vary: tuple[str, ...], runs_dir: Path
) -> tuple[dict[int, tuple[Variation, Path]], dict[int, str]]:
    """Each seed's variant drill file, written in ``runs_dir``; and the ones that do not validate, with why."""
    source = file.read_text(encoding="utf-8")
    variations = {}
    invalid: dict[int, str] = {}
    for seed in seeds:
        v = variation(drill, seed, vary)
        path = runs_dir / f"{drill.drill}-s{seed}.yaml"
        path.write_text(variant_text(source, v), encoding="utf-8")
        variations[seed] = (v, path)
        try:  # a variation the drill cannot take (too little traffic for an actor it names) is a finding
            load_drill(path)
        except DrillFileError as exc:
            invalid[seed] = str(exc)
    return variations, invalid


def sweep(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    try:
        vary = parse_vary(args.vary)
    except ValueError as exc:
        raise UsageError(f"--vary: {exc}") from None
    if args.seeds < 1:
        raise UsageError(f"--seeds must be at least 1, got {args.seeds}")
    if args.all and args.files:
        raise UsageError("give drills or --all, not both")
    files: list[Path] = shipped_drills() if args.all else args.files
    if not files:
        raise UsageError("name a drill (FILE|NAME), several, or give --all")
    drills = [(f, _with_speed(load_drill(f), args)) for f in files]  # all valid before anything runs
    seeds = _seeds(args)
    single = len(drills) == 1
    out: Path = args.out or Path("out") / "sweep" / (drills[0][1].drill if single else "all")
    runs_dir = out / "runs"  # variant files and run folders, named <drill>-s<seed>
    runs_dir.mkdir(parents=True, exist_ok=True)
    plans = [(f, d, *_variants(f, d, seeds, vary, runs_dir)) for f, d in drills]
    extra = _child_run_args(args)
    todo = [
        path for _, _, variations, invalid in plans for seed, (_, path) in variations.items() if seed not in invalid
    ]
    with broker_session(args) as choice:
        settings = ClientSettings.from_env(choice.bootstrap, args.prefix, choice.kind)
        broker_args = ["--broker", choice.kind] if choice.broker is not None else ["--bootstrap", choice.bootstrap]
        runs, wall = asyncio.run(run_catalogue(todo, runs_dir, settings, args.jobs, broker_args, extra))
    by_file = {r.file: r for r in runs}
    docs = []
    for f, d, variations, invalid in plans:
        rows = _sweep_rows(variations, invalid, by_file, [*broker_args, *extra])
        docs.append(_drill_sweep(f, d, rows, vary, seeds))
        _print_sweep(d, rows, f"{sum(r.wall_seconds for r in rows):.1f} s of runs" if not single else
                     f"{wall:.1f} s wall with {args.jobs} at once on {choice.kind}")  # fmt: skip
    met = sum(doc["as_declared"] for doc in docs)
    total = sum(len(doc["rows"]) for doc in docs)
    command = shlex.join(["secours", *sys.argv[1:]])
    common = {"command": command, "seeds": seeds, "broker": choice.kind, "jobs": args.jobs, "wall_seconds": wall}
    if single:
        doc: dict[str, Any] = {"command": command, **docs[0], **common}
    else:
        drifted = [doc["drill"] for doc in docs if doc["as_declared"] < len(doc["rows"])]
        print(
            f"{len(docs)} drills, {total} runs, {met} as declared, {total - met} not; {wall:.1f} s wall with "
            f"{args.jobs} at once on {choice.kind}" + (f"; not as declared: {', '.join(drifted)}" if drifted else "")
        )
        doc = {**common, "as_declared": met, "runs": total, "drills": docs}
    target: Path = args.json or out / "sweep.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"  -> {target}")
    return 0 if met == total else 1


def _sweep_rows(
    variations: dict[int, tuple[Variation, Path]], invalid: dict[int, str], by_file: dict[str, Any], rerun: list[str]
) -> list[SweepRow]:
    """One row a seed: how its run ended, or why its variant could not run; the command that reruns it."""
    rows = []
    for seed, (v, path) in variations.items():
        repro = shlex.join(["secours", "drill", "run", str(path), *rerun])
        r = by_file.get(str(path))
        if r is None:
            rows.append(SweepRow(seed, v.label(), v.volume_factor, v.fault_shift_minutes, "invalid", (), False, 2,
                                 0.0, str(path), "", invalid.get(seed, "not run"), repro))  # fmt: skip
            continue
        rows.append(SweepRow(seed, v.label(), v.volume_factor, v.fault_shift_minutes, r.verdict,
                             failed_checks(Path(r.out)), r.expectation_met, r.exit_code, r.wall_seconds, str(path),
                             r.out, r.error, "" if r.expectation_met else repro))  # fmt: skip
    return rows


def _print_sweep(drill: Drill, rows: list[SweepRow], took: str) -> None:
    print()
    for line in table(rows):
        print(line)
    met = sum(r.expectation_met for r in rows)
    expected = f"fails exactly {', '.join(drill.expect_fail)}" if drill.expect_fail else "every check passes"
    print(f"{drill.drill} ({expected}): {len(rows)} runs, {met} as declared, {len(rows) - met} not; {took}")
    for row in rows:
        if not row.expectation_met:
            why = f" ({row.error})" if row.error else ""
            print(f"  seed {row.seed} ({row.variation}) not as declared{why}; rerun: {row.repro}")


def _drill_sweep(
    file: Path, drill: Drill, rows: list[SweepRow], vary: tuple[str, ...], seeds: list[int]
) -> dict[str, Any]:
    return {
        "drill": drill.drill,
        "file": str(file),
        "expect_fail": list(drill.expect_fail),
        "vary": list(vary),
        "seeds": seeds,
        "as_declared": sum(r.expectation_met for r in rows),
        "rows": [asdict(r) for r in rows],
    }


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
        "may_fail": dict(d.may_fail),
        "expectation": "fails exactly the staged checks" if d.expect_fail else "every check passes",
    }


def list_drills(args: argparse.Namespace) -> int:
    drills = [(path, load_drill(path)) for path in shipped_drills()]
    if args.json:
        print(json.dumps([_listing(path, d) for path, d in drills], indent=2))
    else:
        for path, d in drills:
            expect = f"  expect_fail: {', '.join(d.expect_fail)}" if d.expect_fail else ""
            expect += f" (may also fail: {', '.join(d.may_fail)})" if d.may_fail else ""
            print(f"{d.drill:<28} {d.title}  ({path.name}){expect}")
    return 0


def fields(args: argparse.Namespace) -> int:
    return print_or_write(drill_fields_markdown(), args.out)
