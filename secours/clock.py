"""Simulated time, and the only place that reads the wall clock or sleeps.

Two clocks behind one small interface (:class:`Clock`: a kind and a ``now``):

- :class:`WallClock`, simulated time at a fixed multiple of the wall clock
  (``sim = epoch_sim + (wall - epoch_wall) * speed``). A run announces its epoch and speed, so
  every process that knows the announcement computes the same "now" without exchanging ticks.
  What must meet the wall runs on it: live runs (``secours run``), trainers, another team's relay,
  services in several processes, faults that stop the broker.
- :class:`SteppedClock`, simulated time that moves only when the run is quiet, then jumps to the
  next thing due (:mod:`secours.stepper` drives it, as Trio's ``MockClock(autojump_threshold=0)``
  or SimPy's event loop do). A drill then costs what its work costs, not its simulated span, and
  no verdict can depend on the machine's load.

Logic never asks either clock: it receives ``now``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

__all__ = [
    "Clock",
    "ClockKind",
    "SteppedClock",
    "WallClock",
    "format_sim",
    "parse_sim",
    "sleep_wall",
    "wall_now",
    "work_timer",
]

ClockKind = Literal["wall", "stepped"]


def wall_now() -> float:
    """Wall time (unix seconds), for what the simulator itself takes: never for a deadline."""
    return time.time()


def work_timer() -> float:
    """A monotonic wall counter, in seconds, to measure what a piece of work took (metrics only)."""
    return time.perf_counter()


async def sleep_wall(seconds: float) -> None:
    """Pause for wall time: polling a broker, waiting for a quiet topic, pacing a live run."""
    await asyncio.sleep(seconds)


class Clock(Protocol):
    @property
    def kind(self) -> ClockKind: ...

    @property
    def epoch_sim(self) -> datetime: ...

    def now(self) -> datetime: ...


@dataclass(slots=True)
class WallClock:
    """Maps wall time to simulated time: ``sim = epoch_sim + (wall - epoch_wall) * speed``.

    A game day changes the pace live (:meth:`pace`: another speed, a pause): the clock is then
    re-anchored at the present instant, so simulated time never jumps, and whoever sleeps on it is
    woken (:meth:`on_change`) to count again. Paused, simulated time stands still.
    """

    epoch_sim: datetime
    epoch_wall: float
    speed: float
    paused: bool = False
    _listeners: list[Callable[[], None]] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ValueError(f"clock speed must be positive, got {self.speed}")
        if self.epoch_sim.tzinfo is None:
            raise ValueError("clock epoch must be timezone-aware (UTC)")

    @property
    def kind(self) -> ClockKind:
        return "wall"

    @classmethod
    def starting_now(cls, epoch_sim: datetime, speed: float) -> WallClock:
        return cls(epoch_sim=epoch_sim, epoch_wall=time.time(), speed=speed)

    def now(self) -> datetime:
        if self.paused:
            return self.epoch_sim
        return self.epoch_sim + timedelta(seconds=(time.time() - self.epoch_wall) * self.speed)

    def wall_at(self, sim: datetime) -> float:
        """The wall-clock instant (unix seconds) at which simulated time reaches ``sim`` at the present
        pace (never, while paused, for an instant still ahead)."""
        ahead = (sim - self.epoch_sim).total_seconds()
        if self.paused:
            return self.epoch_wall if ahead <= 0 else math.inf
        return self.epoch_wall + ahead / self.speed

    def wall_seconds(self, sim_seconds: float) -> float:
        return sim_seconds / self.speed

    def pace(self, *, speed: float | None = None, paused: bool | None = None) -> None:
        """Another speed, or a pause or resumption, from the present instant on."""
        if speed is not None and speed <= 0:
            raise ValueError(f"clock speed must be positive, got {speed}")
        self.epoch_sim, self.epoch_wall = self.now(), time.time()
        if speed is not None:
            self.speed = speed
        if paused is not None:
            self.paused = paused
        for listener in list(self._listeners):
            listener()

    def follow(self, epoch_sim: datetime, epoch_wall: float, speed: float, *, paused: bool = False) -> None:
        """Take another process's pace (a later announcement of the run): its anchor, speed and pause."""
        if speed <= 0:
            raise ValueError(f"clock speed must be positive, got {speed}")
        self.epoch_sim, self.epoch_wall, self.speed, self.paused = epoch_sim, epoch_wall, speed, paused
        for listener in list(self._listeners):
            listener()

    def on_change(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` (in the event loop) whenever the pace changes; returns what stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    wall_now = staticmethod(wall_now)
    sleep_wall = staticmethod(sleep_wall)

    async def sleep_until(self, sim: datetime) -> None:
        # Woken when the pace changes (another speed, a pause or its end), to count again.
        while (delay := self.wall_at(sim) - time.time()) > 0:
            changed = asyncio.Event()
            forget = self.on_change(changed.set)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), timeout=None if math.isinf(delay) else delay)
            finally:
                forget()

    async def sleep(self, sim_seconds: float) -> None:
        await self.sleep_until(self.now() + timedelta(seconds=max(0.0, sim_seconds)))


class SteppedClock:
    """Simulated time as far as the run has got: set by the stepper, never by the wall.

    ``now()`` is the start of the step under way (every event before it is handled); each event
    in a step is handled at its own instant, which the stepper hands to the service that owns it.
    ``transit`` is the simulated time a record takes from its writer to its readers: it is what
    lets one step hold many events (nothing sent in a step can be read in it), and it stands for
    the networks between the parties, which real messages also cross in some seconds.
    """

    def __init__(self, epoch_sim: datetime, transit: timedelta) -> None:
        if epoch_sim.tzinfo is None:
            raise ValueError("clock epoch must be timezone-aware (UTC)")
        if transit <= timedelta(0):
            raise ValueError(f"transit time must be positive, got {transit}")
        self._epoch = epoch_sim
        self._now = epoch_sim
        self.transit = transit

    @property
    def kind(self) -> ClockKind:
        return "stepped"

    @property
    def epoch_sim(self) -> datetime:
        return self._epoch

    def now(self) -> datetime:
        return self._now

    def advance(self, to: datetime) -> None:
        """Move to ``to``; simulated time never goes back."""
        self._now = max(self._now, to)

    wall_now = staticmethod(wall_now)
    sleep_wall = staticmethod(sleep_wall)


def format_sim(t: datetime) -> str:
    """ISO-8601 UTC with milliseconds and a ``Z``, the form used in headers and reports."""
    return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_sim(text: str) -> datetime:
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t
