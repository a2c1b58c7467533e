"""``secours bench``: ENS round trips through the simulated services beside a bare aiokafka chain.

Prints a table; ``--json FILE`` writes every figure for machines. Targets are reported, not enforced:
the exit code is 0 whenever every side could be measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from secours.bench.pipeline import LAYOUTS
from secours.bench.run import BenchOptions, run_bench
from secours.bench.soak import run_soak
from secours.bench.viewers import run_viewers
from secours.bus.settings import ClientSettings
from secours.cli.common import Subcommands, add_broker_options, broker_session
from secours.drills.model import load_drill
from secours.errors import UsageError
from secours.resources import drill_file

__all__ = ["register"]


def _layouts(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in LAYOUTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"layouts are {', '.join(LAYOUTS)}; got {text!r}")
    return names


def register(sub: Subcommands) -> None:
    p = sub.add_parser("bench", help="measure the simulated ENS round trip against a bare aiokafka chain")
    p.add_argument("--ens", type=int, default=5000, help="ENS filed at once in the maximum-rate phase (default 5000)")
    p.add_argument("--rate", type=float, default=1000.0, help="ENS per second of the fixed-rate phase (default 1000)")
    p.add_argument("--seconds", type=float, default=10.0, help="length of the fixed-rate phase (default 10)")
    p.add_argument(
        "--layouts",
        type=_layouts,
        default=tuple(LAYOUTS),
        metavar="L1,L2",
        help="process layouts of the services: one (one process), two (two processes), each (one per service)",
    )
    p.add_argument(
        "--soak",
        type=int,
        metavar="N",
        help="instead: file N ENS at --rate through the services in one process, sampling memory and lag",
    )
    p.add_argument("--sample-s", type=float, default=10.0, help="soak: seconds between samples (default 10)")
    p.add_argument(
        "--viewers",
        type=int,
        metavar="N",
        help="instead: a drill live with its game-day page, watched by nobody then by N viewers, for --seconds "
        "each: how late the run's loop wakes, its CPU, records handled, events the viewers got",
    )
    p.add_argument(
        "--drill", type=drill_file, metavar="FILE|NAME", help="viewers: the drill to run (default: baseline)"
    )
    p.add_argument("--speed", type=float, default=600.0, help="viewers: the run's speed (default 600, the page's most)")
    p.add_argument("--logs", type=Path, metavar="DIR", help="keep the child processes' logs in DIR")
    p.add_argument("--profile", type=Path, metavar="DIR", help="run each child process under cProfile; profiles in DIR")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write every figure to FILE as JSON")
    add_broker_options(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if args.ens < 1 or args.rate <= 0 or args.seconds <= 0 or args.sample_s <= 0:
        raise UsageError("--ens, --rate, --seconds and --sample-s must be positive")
    if args.soak is not None and args.soak < 1:
        raise UsageError("--soak must be a positive number of ENS")
    if args.viewers is not None and args.viewers < 1:
        raise UsageError("--viewers must be a positive number of viewers")
    if args.speed <= 0:
        raise UsageError("--speed must be positive")
    opts = BenchOptions(
        ens=args.ens, rate=args.rate, seconds=args.seconds, layouts=args.layouts, logs=args.logs,
        profile=args.profile, sample_s=args.sample_s,
    )  # fmt: skip
    with broker_session(args) as choice:
        settings = ClientSettings.from_env(choice.bootstrap, args.prefix, choice.kind)
        if args.viewers is not None:
            path = args.drill or drill_file("baseline")
            config = load_drill(path).run_config().model_copy(update={"speed": args.speed})
            doc = asyncio.run(run_viewers(settings, config, path.stem, args.viewers, args.seconds))
            doc["broker"] = choice.kind
        elif args.soak is not None:
            doc = asyncio.run(run_soak(settings, opts, args.soak, choice.kind))
        else:
            doc = asyncio.run(run_bench(settings, opts, choice.kind))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    if args.viewers is not None:
        print(render_viewers(doc))
    else:
        print(render_soak(doc) if args.soak is not None else render(doc))
    return 0


def render_viewers(doc: dict[str, Any]) -> str:
    v = doc["viewers"]
    lines = [
        f"secours bench --viewers on {doc['broker']} ({doc['bootstrap']}): {v['drill']} live at x{v['speed']:g}, "
        f"{v['seconds']:g} s of wall time per run, with its game-day page",
        "",
        f"{'viewers':>8} {'late p50 ms':>12} {'late p99 ms':>12} {'late max ms':>12} {'CPU s':>7} "
        f"{'records':>8} {'events':>8} {'least/viewer':>13}",
    ]
    for r in v["runs"]:
        lines.append(
            f"{r['viewers']:>8} {r['late_p50_ms']:>12.2f} {r['late_p99_ms']:>12.2f} {r['late_max_ms']:>12.1f} "
            f"{r['cpu_s']:>7.2f} {r['records_handled']:>8} {r['events_received']:>8} {r['events_per_viewer_min']:>13}"
        )
    lines += ["", "late: how much later than asked the run's event loop woke a 50 ms sleep (every timer and "
              "handler of the run waits that long on top of its due time)"]  # fmt: skip
    return "\n".join(lines)


def render_soak(doc: dict[str, Any]) -> str:
    s, met = doc["soak"], doc["targets"]
    lines = [f"secours bench --soak on {doc['broker']} ({doc['bootstrap']}): {s['ens']} ENS at {s['rate']:.0f}/s", ""]
    lines.append(f"{'t s':>8} {'sent':>9} {'answered':>9} {'lag':>7} {'RSS MB':>8} {'CPU s':>8} {'p99 ms':>8}")
    for x in s["samples"]:
        lines.append(
            f"{x['t_s']:>8.0f} {x['sent']:>9} {x['answered']:>9} {x['lag']:>7} {x['rss_mb']:>8.1f} "
            f"{x['cpu_s']:>8.1f} {x['p99_ms']:>8.1f}"
        )
    lines += [
        "",
        f"answered {s['answered']} of {s['ens']} in {s['seconds']:.0f} s (lost {s['lost']})",
        f"RSS {s['rss_after_warmup_mb']:.1f} MB after warm-up -> {s['rss_final_mb']:.1f} MB at the end: "
        f"{s['rss_growth_pct']:+.1f} % (target < 10 %: {'met' if met['rss_growth_under_10pct'] else 'NOT met'})",
        f"largest lag: {s['max_lag_first_half']} in the first half, {s['max_lag_second_half']} in the second "
        f"(no lag growth: {'met' if met['no_lag_growth'] else 'NOT met'})",
    ]
    return "\n".join(lines)


def render(doc: dict[str, Any]) -> str:
    lines = [
        f"secours bench on {doc['broker']} ({doc['bootstrap']}), {doc['machine']['cpus']} CPUs, "
        f"Python {doc['machine']['python']}, aiokafka {doc['machine']['aiokafka']}; {doc['hops']} hops per round trip",
        "",
        f"{'side':<40} {'ENS/s':>8} {'hop-msg/s':>10} {'rec/ENS':>8} "
        f"{'@rate':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'answered':>12}",
    ]
    for s in doc["sides"].values():
        lines.append(
            f"{s['side']:<40} {s['ens_per_s']:>8.0f} {s['hop_messages_per_s']:>10.0f} {s['records_per_ens']:>8.1f} "
            f"{s['offered_rate']:>6.0f} {s['p50_ms']:>8.1f} {s['p95_ms']:>8.1f} {s['p99_ms']:>8.1f} "
            f"{s['answered']:>6}/{s['offered']:<5}"
        )
    lines += ["", f"{'process':<40} {'CPU s (max phase)':>18} {'CPU s (fixed)':>14} {'peak RSS MB':>12}"]
    for key, s in doc["sides"].items():
        for p in s["processes"]:
            lines.append(
                f"{key + ': ' + p['name']:<40} {p['cpu_s_max_phase']:>18.2f} {p['cpu_s_fixed_phase']:>14.2f} "
                f"{p['peak_rss_mb']:>12.1f}"
            )
    if "ratio" in doc:
        met = doc["targets"]
        lines += [
            "",
            f"ratio services (one process) / bare chain: {doc['ratio']:.2f} "
            f"(target >= 0.5: {'met' if met['ratio_at_least_0.5'] else 'NOT met'})",
            f"p99 filing -> IE3R01 at {doc['options']['rate']:.0f} ENS/s: {doc['sides']['one']['p99_ms']:.1f} ms "
            f"(target < 50 ms at 1000 ENS/s: {'met' if met['p99_under_50ms_at_1000_ens_s'] else 'NOT met'})",
        ]
    return "\n".join(lines)
