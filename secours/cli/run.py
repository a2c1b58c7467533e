"""``secours run``: the simulated actors, live, until interrupted (or for --hours of simulated time).

With ``--without edi_provider`` a team plugs its own relay into the topics in place of ours.
With ``--join`` the services take the clock and world of a run announced by another process, and
follow its later changes of pace. With ``--ui [HOST:]PORT`` the run serves the game-day page;
with ``--drill`` too, it keeps a journal and ends with an after-action report (the drill's checks, and
a scorecard for each actor a trainee played with ``--human``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import signal
import sys
from pathlib import Path

from secours.bus.brokers import RunningBroker
from secours.bus.settings import ClientSettings
from secours.cli.common import Subcommands, add_broker_options, broker_session
from secours.clock import WallClock, format_sim
from secours.drills.engine import Simulation, follow_pace, select_services, wait_for_announcement
from secours.drills.model import Drill, load_drill
from secours.drills.runner import lifecycle_hook
from secours.errors import UsageError
from secours.faults.signing import control_key
from secours.gameday.afteraction import AfterAction
from secours.gameday.desk import desk_key, parse_human
from secours.gameday.server import GameDay
from secours.metrics import Address, Metrics, add_metrics_option, address, served
from secours.resources import drill_file
from secours.world import RunConfig, World

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
    p.add_argument(
        "--human",
        action="append",
        default=[],
        metavar="ROLE:ID",
        help="a trainee plays this actor's fallback desk on the game-day page (e.g. edi_provider:P002; "
        "repeatable; needs --ui and --drill)",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="with --ui and --drill: the after-action report's folder (default out/gameday-RUN_ID)",
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
    if args.human and (args.ui is None or args.drill is None):
        raise UsageError("--human: a trainee plays on the game-day page of a drill: give --ui and --drill too")
    world = World(config) if args.human else None
    people = tuple(dict.fromkeys(parse_human(h, world) for h in args.human)) if world is not None else ()
    gone = [a for a in people if a.split(":", 1)[0] not in names]
    if gone:
        raise UsageError(f"--human {gone[0]}: its service must run here (it is left out by --only or --without)")
    drill = load_drill(args.drill) if args.drill and args.ui is not None else None
    game = _Game(args.ui, drill, people, args.out)
    with served(args.metrics) as metrics, broker_session(args) as choice:
        settings = ClientSettings.from_env(choice.bootstrap, args.prefix, choice.kind)
        return asyncio.run(_run(settings, config, names, hours, args.join, choice.broker, metrics, game))


class _Game:
    """What a game day adds to a run: the page, its trainees, and the after-action report."""

    def __init__(self, ui: Address | None, drill: Drill | None, people: tuple[str, ...], out: Path | None) -> None:
        self.ui, self.drill, self.people, self.out = ui, drill, people, out


async def _run(
    settings: ClientSettings,
    config: RunConfig,
    names: list[str],
    hours: float | None,
    join: bool,
    broker: RunningBroker | None,
    metrics: Metrics | None = None,
    game: _Game | None = None,
) -> int:
    ui = game.ui if game is not None else None
    joined: WallClock | None = None
    run_id = None
    if join:
        config, joined, run_id = await wait_for_announcement(settings)
    people = game.people if game is not None else ()
    sim = Simulation(settings, config, names, run_id=run_id, clock=joined, harness=not join, live=True, people=people)
    sim.metrics = metrics
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    clock = await sim.start()
    if sim.plane is not None and not join:
        sim.plane.hooks.append(lifecycle_hook(broker, None, sim))  # game day: broker faults act on our own broker
    print(
        f"secours run {sim.run_id}: {', '.join(names) or 'no services'} on {settings.bootstrap} "
        f"(prefix {settings.prefix!r}), simulated time from {format_sim(config.start)} at x{config.speed:g}",
        file=sys.stderr,
    )
    pace = asyncio.create_task(follow_pace(settings, sim.run_id, joined)) if joined is not None else None
    page = await _serve_page(sim, ui, people) if ui is not None else None
    after = None
    if page is not None and game is not None and game.drill is not None:
        after = AfterAction(sim, game.drill, people, game.out or Path("out") / f"gameday-{sim.run_id}")
        after.start(clock)
    try:
        while not stop.is_set() and not sim.failed():
            if hours is not None and (clock.now() - config.start).total_seconds() >= hours * 3600:
                break
            if after is not None and page is not None and (clock.now() >= config.end or page.ended.is_set()):
                break  # the drill's simulated end, or the trainer ended the exercise
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.5)
        if after is not None and page is not None and not sim.failed():
            await _after_action(sim, page, after, stop)
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


async def _serve_page(sim: Simulation, where: Address, people: tuple[str, ...]) -> GameDay:
    """The game-day page; its address, the trainer's key when none was configured, and each trainee's
    desk with its key, on stderr."""
    configured = control_key()
    key = configured.decode() if configured else secrets.token_urlsafe(12)
    page = GameDay(sim, key, people)
    url = await page.start(where.host, where.port)
    told = "the control key ($SECOURS_CONTROL_KEY)" if configured else f"key {key} (shown once)"
    print(f"game day: {url} - trainer controls with {told}", file=sys.stderr)
    for actor in people:
        print(f"trainee desk {actor}: {url}?desk={actor} - desk key {desk_key(key, actor)}", file=sys.stderr)
    return page


async def _after_action(sim: Simulation, page: GameDay, after: AfterAction, stop: asyncio.Event) -> None:
    """Freeze simulated time, judge the run, show the report on the page until Ctrl-C."""
    page.ended.set()
    await sim.pace(paused=True)
    result = await after.finish()
    page.after_action = result
    page.version += 1
    failed = f", failed: {', '.join(result['failed'])}" if result["failed"] else ""
    print(f"after-action report: {result['out']} ({result['checks']} checks, {result['verdict']}{failed})",
          file=sys.stderr)  # fmt: skip
    for line in result["lines"]:
        print(line, file=sys.stderr)
    if not stop.is_set():
        print("the page shows the after-action report until Ctrl-C", file=sys.stderr)
        await stop.wait()
