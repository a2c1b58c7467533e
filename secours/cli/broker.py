"""``secours broker start|stop|status --kind kafka|tansu``: a broker that outlives the command."""

from __future__ import annotations

import argparse
import json

from secours.bus.brokers import start_broker
from secours.bus.brokers.state import clear_state, load_state, save_state
from secours.cli.common import Subcommands
from secours.errors import UsageError

__all__ = ["register"]


def register(sub: Subcommands) -> None:
    p = sub.add_parser("broker", help="start, stop or inspect a local broker")
    p.add_argument("action", choices=("start", "stop", "status"))
    p.add_argument("--kind", choices=("kafka", "tansu"), default="kafka", help="Apache Kafka (default) or Tansu")
    p.add_argument("--port", type=int, default=None, help="listener port on 127.0.0.1 (default: a free one)")
    p.add_argument("--json", action="store_true", help="print the state as JSON")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    existing = load_state(args.kind)
    if args.action == "start":
        if existing is not None:
            raise UsageError(f"a {args.kind} broker is already running on {existing.bootstrap} (pid {existing.pid})")
        broker = start_broker(args.kind, port=args.port, detached=True)
        save_state(broker)
        _print(args, "started", broker.kind, broker.bootstrap, broker.pid)
        print(f"export SECOURS_BOOTSTRAP={broker.bootstrap}")
        if broker.kind == "tansu":  # a cluster given only by its address is read as Apache Kafka's would be
            print("export SECOURS_FETCH_ON_DEMAND=1")
        return 0
    if existing is None:
        if args.action == "stop":
            clear_state(args.kind)
        _print(args, "not running", args.kind, None, None)
        return 0 if args.action == "stop" else 1
    if args.action == "stop":
        existing.stop()
        clear_state(args.kind)
        _print(args, "stopped", existing.kind, existing.bootstrap, existing.pid)
        return 0
    _print(args, "running", existing.kind, existing.bootstrap, existing.pid)
    return 0


def _print(args: argparse.Namespace, status: str, kind: str, bootstrap: str | None, pid: int | None) -> None:
    if args.json:
        print(json.dumps({"kind": kind, "status": status, "bootstrap": bootstrap, "pid": pid}))
    elif bootstrap:
        print(f"{kind}: {status} on {bootstrap} (pid {pid})")
    else:
        print(f"{kind}: {status}")
