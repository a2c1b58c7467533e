"""``secours fault inject|clear|list``: game-day mode, against a running ``secours run``.

A person (a trainer) injects a fault; the run's processes apply it at once, its harness records
its start and end, and the fault reverts by itself at the end of its duration unless cleared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

import yaml

from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings
from secours.cli.common import Subcommands
from secours.clock import WallClock, format_sim
from secours.codec import Codec
from secours.drills.engine import wait_for_announcement
from secours.errors import UsageError
from secours.faults.model import FAULT_KINDS, Fault, parse_fault
from secours.faults.plane import FAULTS, command, command_record
from secours.faults.request import fault_from_mapping
from secours.faults.signing import control_key
from secours.wire import FaultCommand, FaultEvent

__all__ = ["register"]


def register(sub: Subcommands) -> None:
    p = sub.add_parser("fault", help="inject, clear or list faults of a running simulation")
    fsub = p.add_subparsers(dest="fault_command", required=True, metavar="{inject,clear,list}")
    i = fsub.add_parser("inject", help="inject a fault now (or at --start)")
    i.add_argument("--file", type=Path, help="the fault as YAML or JSON (fields as in drill files)")
    i.add_argument("--kind", choices=FAULT_KINDS)
    i.add_argument("--id", dest="fault_id", help="fault id (default: <kind>-<n>)")
    for name in ("component", "actor", "eori", "topic", "message"):
        i.add_argument(f"--{name}", help=f"scope: {name}")
    i.add_argument("--link", nargs=2, metavar=("FROM", "TO"), help="scope: a link between two components")
    i.add_argument("--start", default=None, help="ISO instant (default: now in simulated time)")
    i.add_argument("--duration", default=None, help="how long, e.g. 45m (it reverts by itself)")
    i.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="a kind's parameter, e.g. delay_s=600"
    )
    _connection(i)
    i.set_defaults(func=inject)
    c = fsub.add_parser("clear", help="end a fault now")
    c.add_argument("fault_id")
    _connection(c)
    c.set_defaults(func=clear)
    ls = fsub.add_parser("list", help="the faults of the running simulation and their state")
    ls.add_argument("--json", action="store_true")
    _connection(ls)
    ls.set_defaults(func=list_faults)


def _connection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bootstrap", metavar="HOST:PORT", help="the run's cluster (default: $SECOURS_BOOTSTRAP)")
    p.add_argument("--prefix", default=None, help="the run's topic prefix (default: $SECOURS_TOPIC_PREFIX)")


def _settings(args: argparse.Namespace) -> ClientSettings:
    settings = ClientSettings.from_env(args.bootstrap, args.prefix)
    if not settings.bootstrap:
        raise UsageError("no cluster given: pass --bootstrap HOST:PORT or set SECOURS_BOOTSTRAP (see `secours run`)")
    return settings


def _fault_from_args(args: argparse.Namespace, now: str) -> Fault:
    if args.file is not None:
        try:
            raw: Any = yaml.safe_load(args.file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise UsageError(f"{args.file}: cannot read fault: {exc}") from None
    else:
        if args.kind is None:
            raise UsageError("give --kind (or --file)")
        scope = {k: getattr(args, k) for k in ("component", "actor", "eori", "topic", "message") if getattr(args, k)}
        if args.link:
            scope["link"] = list(args.link)
        raw = {"kind": args.kind, "id": args.fault_id or f"{args.kind}-{now[11:19].replace(':', '')}", "scope": scope}
        if args.duration:
            raw["duration"] = args.duration
        for item in args.set:
            key, sep, value = item.partition("=")
            if not sep:
                raise UsageError(f"--set {item!r}: expected KEY=VALUE")
            raw[key] = yaml.safe_load(value)
    if isinstance(raw, dict):
        raw.setdefault("start", args.start or now)
    return fault_from_mapping(raw)


async def _publish(settings: ClientSettings, cmd: FaultCommand, key: bytes | None) -> None:
    bus = KafkaBus(settings)
    await bus.start()
    try:
        await bus.settle([await bus.publish(FAULTS, *command_record(cmd, Codec(), key))])
    finally:
        await bus.stop()


def inject(args: argparse.Namespace) -> int:
    key = control_key()  # a bad key setting is an input error, reported before anything is sent
    settings = _settings(args)
    _, clock, run_id = asyncio.run(wait_for_announcement(settings, timeout_s=10))
    now = format_sim(clock.now())
    fault = _fault_from_args(args, now)
    cmd = command(fault, action="INJECT", fault_id=fault.id, issued_by="person", now=clock.now())
    asyncio.run(_publish(settings, cmd, key))
    print(f"injected {fault.id}: {fault.kind} on {fault.target}, from {fault.start}" + (
        f" for {fault.duration}" if fault.duration else " until cleared"
    ) + f" (run {run_id}, simulated now {now})")  # fmt: skip
    return 0


def clear(args: argparse.Namespace) -> int:
    key = control_key()
    settings = _settings(args)
    _, clock, _ = asyncio.run(wait_for_announcement(settings, timeout_s=10))
    cmd = command(None, action="CLEAR", fault_id=args.fault_id, issued_by="person", now=clock.now())
    asyncio.run(_publish(settings, cmd, key))
    print(f"cleared {args.fault_id} at {format_sim(clock.now())}")
    return 0


async def _read_faults(settings: ClientSettings) -> tuple[list[FaultCommand], list[FaultEvent], WallClock]:
    _, clock, _ = await wait_for_announcement(settings, timeout_s=10)
    bus = KafkaBus(settings)
    codec = Codec()
    await bus.start()
    commands: list[FaultCommand] = []
    events: list[FaultEvent] = []
    try:
        sub = await bus.subscribe(None, [FAULTS])
        idle = 0
        while idle < 3:
            records = await sub.poll(0.3)
            idle = 0 if records else idle + 1
            for r in records:
                msg = codec.decode(r.value)
                if isinstance(msg, FaultCommand):
                    commands.append(msg)
                elif isinstance(msg, FaultEvent):
                    events.append(msg)
    finally:
        await bus.stop()
    return commands, events, clock


def list_faults(args: argparse.Namespace) -> int:
    commands, events, clock = asyncio.run(_read_faults(_settings(args)))
    phases: dict[str, dict[str, str]] = {}
    for e in events:
        phases.setdefault(e.fault_id, {})[e.phase] = format_sim(e.at)
    rows = []
    for cmd in commands:
        if cmd.action != "INJECT":
            continue
        f = parse_fault(json.loads(cmd.fault_json))
        seen = phases.get(f.id, {})
        state = "ended" if "END" in seen else "active" if "START" in seen else "pending"
        rows.append({"id": f.id, "kind": f.kind, "target": f.target, "state": state, "started": seen.get("START"),
                     "ended": seen.get("END"), "issued_by": cmd.issued_by})  # fmt: skip
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"simulated now {format_sim(clock.now())}")
        for row in rows:
            print(f"{row['id']:<24} {row['kind']:<13} {row['target']:<30} {row['state']:<8} "
                  f"{row['started'] or ''} {row['ended'] or ''}")  # fmt: skip
    return 0
