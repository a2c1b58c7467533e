"""A timer is handed its own simulated time, however late the timer loop gets to it.

No broker here: the timers run in the service's own loop and these send nothing.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings
from secours.clock import WallClock
from secours.codec import Codec
from secours.effects import Effects, Incoming, Timer
from secours.faults.controller import FaultController
from secours.faults.model import parse_fault
from secours.runtime import ServiceContext
from secours.topics import TopicCatalog
from tests.samples import WORLD

SPEED = 600.0  # as the shipped drills: 100 wall ms are a simulated minute


class Recorder:
    """A logic that notes the time each timer is handed, and blocks the loop at the first one."""

    def __init__(self, block_s: float) -> None:
        self.fired: list[tuple[datetime, datetime]] = []
        self.block_s = block_s

    def start(self, now: datetime) -> Effects:
        return Effects()

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        return Effects()

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        self.fired.append((timer.at, now))
        if len(self.fired) == 1:
            time.sleep(self.block_s)  # a busy machine: the next timer's turn comes late
        return Effects()


def _context(clock: WallClock, faults: FaultController | None = None) -> ServiceContext:
    bus = KafkaBus(ClientSettings(bootstrap="127.0.0.1:9"))  # never started: timers send nothing here
    return ServiceContext("probe", bus, Codec(), TopicCatalog.load(), clock, WORLD, faults)


async def _run(ctx: ServiceContext, logic: Recorder, timers: list[Timer], count: int) -> None:
    await ctx.apply(Effects(timers=timers))
    loop = asyncio.create_task(ctx._run_timers(logic))
    try:
        for _ in range(200):
            if len(logic.fired) >= count:
                break
            await asyncio.sleep(0.02)
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)


async def test_a_timer_fired_late_is_handed_its_due_time() -> None:
    """Handed the instant the loop got to it, a late timer led a restored instance, which fires it
    on time, down another course than the instance before the crash (other ids, other deadlines)."""
    clock = WallClock(WORLD.config.start, WallClock.wall_now(), SPEED)
    first = clock.now() + timedelta(seconds=30)
    second = first + timedelta(seconds=6)  # 10 wall ms after the first, which blocks the loop 150 ms
    logic = Recorder(block_s=0.15)
    await _run(_context(clock), logic, [Timer(first, "a", "1"), Timer(second, "b", "2")], 2)
    assert [at for at, _ in logic.fired] == [first, second]
    assert [now for _, now in logic.fired] == [first, second]
    assert clock.now() - second > timedelta(seconds=60)  # it did fire late: the loop was blocked


async def test_a_timer_held_by_its_components_outage_runs_at_the_outages_end() -> None:
    """A component down acts once it is back: a timer due while it was down gets the outage's end."""
    clock = WallClock(WORLD.config.start, WallClock.wall_now(), SPEED)
    faults = FaultController(WORLD.config.start, TopicCatalog.load())
    faults.add(parse_fault({"id": "d", "kind": "down", "scope": {"component": "probe"}, "start": "0s", "end": "5m"}))
    due = clock.now() + timedelta(minutes=1)
    logic = Recorder(block_s=0.0)
    await _run(_context(clock, faults), logic, [Timer(due, "a", "1")], 1)
    assert logic.fired == [(due, WORLD.config.start + timedelta(minutes=5))]


def test_back_to_back_outages_move_a_timer_to_the_last_end() -> None:
    faults = FaultController(WORLD.config.start, TopicCatalog.load())
    for i, (start, end) in enumerate([("1h", "2h"), ("2h", "3h"), ("5h", "6h")]):
        fault = {"id": f"d{i}", "kind": "queue_replay", "scope": {"component": "probe"}, "start": start, "end": end}
        faults.add(parse_fault(fault))
    faults.add(parse_fault({"id": "other", "kind": "down", "scope": {"component": "olga"}, "start": "0s"}))
    t0 = WORLD.config.start
    assert faults.timers_resume("probe", t0 + timedelta(minutes=90)) == t0 + timedelta(hours=3)
    assert faults.timers_resume("probe", t0 + timedelta(hours=4)) == t0 + timedelta(hours=4)
    assert faults.timers_resume("olga", t0 + timedelta(hours=1)) == t0 + timedelta(hours=1)  # open-ended: no end yet
    faults.clear("other", t0 + timedelta(hours=2))
    assert faults.timers_resume("olga", t0 + timedelta(hours=1)) == t0 + timedelta(hours=2)
