"""``secours run``: the simulated actors, live, until interrupted (or for --hours of simulated time).

With ``--without edi_provider`` a team plugs its own relay into the topics in place of ours.
With ``--join`` the services take the clock and world of a run announced by another process, and
follow its later changes of pace. With ``--ui [HOST:]PORT`` the run serves the game-day page.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import signal
import sys

from secours.bus.brokers import RunningBroker
from secours.bus.settings import ClientSettings
from secours.cli.common import Subcommands, add_broker_options, broker_session
from secours.clock import WallClock, format_sim
from secours.drills.engine import Simulation, follow_pace, select_services, wait_for_announcement
from secours.drills.model import load_drill
from secours.drills.runner import lifecycle_hook
from secours.errors import UsageError
from secours.faults.signing import control_key
from secours.gameday.server import GameDay
from secours.metrics import Address, Metrics, add_metrics_option, address, served
from secours.resources import drill_file
from secours.world import RunConfig

__all__ = ["register"]


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def register(sub: Subcommands) -> None:
    p = sub.add_parser("run", help="run the simulated actors until interrupted")
    p.add_argument("--only", type=_names, default=[], metavar="A,B", help="run only these services")
    p.add_argument("--without", type=_names, default=[], metavar="A,B", help="run all services but these")
    p.add_argument(
        "--drill",
        type=drill_file,
        metavar="FILE|NAME",
        help="take world, traffic and speed from this drill (file or name)",
    )
    p.add_argument("--speed", type=float, help="simulated seconds per wall second (overrides the drill)")
    p.add_argument("--hours", type=float, help="stop after this many simulated hours (default: run until Ctrl-C)")
    add_metrics_option(p)
    p.add_argument(
        "--ui",
        type=address,
        metavar="[HOST:]PORT",
        help="serve the game-day page here (host 127.0.0.1 by default); the trainer's controls need the "
        "control key ($SECOURS_CONTROL_KEY), or the key printed at the start when none is set",
    )
    p.add_argument("--join", action="store_true", help="use the clock and world announced by another process")
    p.add_argument(
        "--announce-only",
        action="store_true",
        help="create the topics and announce the run (clock, world) for --join processes, then exit",
    )
    add_broker_options(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    names = [] if args.announce_only else select_services(args.only, args.without)
    hours = 0.0 if args.announce_only else args.hours
    config = load_drill(args.drill).run_config() if args.drill else RunConfig()
    if args.speed is not None:
        config = config.model_copy(update={"speed": args.speed})
    if args.ui is not None and (args.join or args.announce_only):
        raise UsageError("--ui serves the page of the run this process starts: not with --join or --announce-only")
    with served(args.metrics) as metrics, broker_session(args) as choice:
        settings = ClientSettings.from_env(choice.bootstrap, args.prefix, choice.kind)
        return asyncio.run(_run(settings, config, names, hours, args.join, choice.broker, metrics, args.ui))


async def _run(
    settings: ClientSettings,
    config: RunConfig,
    names: list[str],
    hours: float | None,
    join: bool,
    broker: RunningBroker | None,
    metrics: Metrics | None = None,
    ui: Address | None = None,
) -> int:
    joined: WallClock | None = None
    run_id = None
    if join:
        config, joined, run_id = await wait_for_announcement(settings)
    sim = Simulation(settings, config, names, run_id=run_id, clock=joined, harness=not join, live=True)
    sim.metrics = metrics
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    clock = await sim.start()
    if sim.plane is not None and not join:
        sim.plane.hooks.append(lifecycle_hook(broker, None))  # game day: broker faults act on our own broker
    print(
        f"secours run {sim.run_id}: {', '.join(names) or 'no services'} on {settings.bootstrap} "
        f"(prefix {settings.prefix!r}), simulated time from {format_sim(config.start)} at x{config.speed:g}",
        file=sys.stderr,
    )
    pace = asyncio.create_task(follow_pace(settings, sim.run_id, joined)) if joined is not None else None
    page = await _serve_page(sim, ui) if ui is not None else None
    try:
        while not stop.is_set() and not sim.failed():
            if hours is not None and (clock.now() - config.start).total_seconds() >= hours * 3600:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.5)
    finally:
        failed = sim.failed()
        if page is not None:
            await page.stop()
        if pace is not None:
            pace.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pace
        await sim.stop()
    if failed:
        print(f"services stopped with an error: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


async def _serve_page(sim: Simulation, where: Address) -> GameDay:
    """The game-day page; its address, and the trainer's key when none was configured, on stderr."""
    configured = control_key()
    key = configured.decode() if configured else secrets.token_urlsafe(12)
    page = GameDay(sim, key)
    url = await page.start(where.host, where.port)
    told = "the control key ($SECOURS_CONTROL_KEY)" if configured else f"key {key} (shown once)"
    print(f"game day: {url} - trainer controls with {told}", file=sys.stderr)
    return page
