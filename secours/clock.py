"""Accelerated simulated time, shared by every service of a run.

A run announces one epoch (a simulated instant and the wall-clock instant it maps to) and
one speed (simulated seconds per wall second). Every process that knows the announcement
computes the same simulated "now", so services in different processes agree on deadlines
without exchanging ticks. This module is the only place that reads the wall clock or sleeps.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["SimClock", "format_sim", "parse_sim"]


@dataclass(frozen=True, slots=True)
class SimClock:
    """Maps wall time to simulated time: ``sim = epoch_sim + (wall - epoch_wall) * speed``."""

    epoch_sim: datetime
    epoch_wall: float
    speed: float

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ValueError(f"clock speed must be positive, got {self.speed}")
        if self.epoch_sim.tzinfo is None:
            raise ValueError("clock epoch must be timezone-aware (UTC)")

    @classmethod
    def starting_now(cls, epoch_sim: datetime, speed: float) -> SimClock:
        return cls(epoch_sim=epoch_sim, epoch_wall=time.time(), speed=speed)

    def now(self) -> datetime:
        return self.epoch_sim + timedelta(seconds=(time.time() - self.epoch_wall) * self.speed)

    def wall_at(self, sim: datetime) -> float:
        """The wall-clock instant (unix seconds) at which simulated time reaches ``sim``."""
        return self.epoch_wall + (sim - self.epoch_sim).total_seconds() / self.speed

    def wall_seconds(self, sim_seconds: float) -> float:
        return sim_seconds / self.speed

    @staticmethod
    def wall_now() -> float:
        """Wall time, for measuring how long the simulator itself takes (never for deadlines)."""
        return time.time()

    async def sleep_until(self, sim: datetime) -> None:
        delay = self.wall_at(sim) - time.time()
        if delay > 0:
            await asyncio.sleep(delay)

    async def sleep(self, sim_seconds: float) -> None:
        await asyncio.sleep(max(0.0, sim_seconds / self.speed))

    @staticmethod
    async def sleep_wall(seconds: float) -> None:
        """Pause for wall time: polling a broker, waiting for a quiet topic."""
        await asyncio.sleep(seconds)


def format_sim(t: datetime) -> str:
    """ISO-8601 UTC with milliseconds and a ``Z``, the form used in headers and reports."""
    return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_sim(text: str) -> datetime:
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t
