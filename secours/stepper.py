"""Drives a stepped run: waits until the run is quiet, then moves simulated time to what is due next.

A *step* handles every event due in a window ``[at, at + transit)``, where ``at`` is the earliest
thing due anywhere in the run (a timer, a record to read, a fault's start or end, a held record's
release) and ``transit`` the simulated time a record takes from its writer to its readers. Every
participant (each service, and the harness that plays the faults) handles its own events of the
window in the order of their instants, each at its own instant. Nothing sent in a step can be read
in it: it arrives ``transit`` after it was sent, at or after the window's end. So the events of one
step cannot depend on each other across services, and the step's result is the same whatever the
order the services run in, the machine's load or the broker's latency. Then the stepper waits until
the run is quiet (:class:`~secours.bus.ledger.Ledger`: every record acknowledged and read by every
reader), and takes the next step.

A fault's start or end always ends a window: a step never straddles a change of what is up and what
is down, and the harness acts (kills a service, starts it again) between two steps.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from secours.bus.ledger import Ledger
from secours.clock import SteppedClock, wall_now
from secours.errors import SecoursError

__all__ = ["Participant", "StepStalled", "Stepper"]

logger = logging.getLogger(__name__)

_STALL_S = 120.0  # wall seconds a step may take to fall quiet before the run is declared stuck


class StepStalled(SecoursError):
    """The run did not fall quiet: a reader never got a record, or the broker never acknowledged one."""


class Participant(Protocol):
    name: str
    order: int  # participants advance in this order within a step (the harness first)

    def next_due(self) -> datetime | None:
        """The instant of the earliest thing this participant has to do, if any."""

    async def advance(self, until: datetime) -> None:
        """Do, in order and each at its own instant, everything due before ``until``."""

    async def settle(self) -> None:
        """The step is quiet (what it sent is acknowledged): checkpoint, commit."""


class Stepper:
    def __init__(self, clock: SteppedClock, ledger: Ledger, *, stall_s: float = _STALL_S) -> None:
        self.clock = clock
        self.ledger = ledger
        self.stall_s = stall_s
        self._ordered: list[Participant] = []
        self._advanced: list[Participant] = []
        # The next instant after the given one at which a step must end (a fault starts or ends).
        self.boundary: Callable[[datetime], datetime | None] = lambda _at: None
        # The end of the step under way: a record read now is handled no earlier (see Agenda). Kept
        # by the ledger, which notes it on every record written in the step.
        ledger.horizon = clock.now()
        self.steps = 0
        self.waited_s = 0.0  # wall seconds spent waiting for quiet, all steps together

    @property
    def transit(self) -> float:
        return self.clock.transit.total_seconds()

    @property
    def horizon(self) -> datetime:
        """The end of the step under way (the ledger's, set from the start of the run)."""
        assert self.ledger.horizon is not None
        return self.ledger.horizon

    def join(self, participant: Participant) -> None:
        self.leave(participant.name)
        keys = [(p.order, p.name) for p in self._ordered]
        self._ordered.insert(bisect.bisect(keys, (participant.order, participant.name)), participant)

    def leave(self, name: str) -> None:
        self._ordered = [p for p in self._ordered if p.name != name]
        self._advanced = [p for p in self._advanced if p.name != name]

    def participants(self) -> list[str]:
        return [p.name for p in self._ordered]

    def next_due(self) -> datetime | None:
        dues = [d for d in (p.next_due() for p in self._ordered) if d is not None]
        return min(dues) if dues else None

    async def until_quiet(self) -> None:
        began = wall_now()
        try:
            await asyncio.wait_for(self.ledger.until_quiet(), self.stall_s)
        except TimeoutError:
            raise StepStalled(
                f"the run did not fall quiet within {self.stall_s:.0f} wall s at {self.clock.now().isoformat()}: "
                + "; ".join(self.ledger.lagging()[:5])
            ) from None
        finally:
            self.waited_s += wall_now() - began
        if self.ledger.failures:
            raise StepStalled(f"the broker did not take every record: {self.ledger.failures[0]}")

    async def run(self, end: datetime, on_step: Callable[[], None] | None = None) -> None:
        """Take steps until nothing is due before ``end``; simulated time is then ``end``."""
        while True:
            await self.until_quiet()
            settling, self._advanced = self._advanced, []
            for participant in settling:
                await participant.settle()
            due = self.next_due()
            at = end if due is None else max(self.clock.now(), due)
            if at >= end:
                self.clock.advance(end)
                self.ledger.horizon = end
                return
            limit = min(at + self.clock.transit, end)
            boundary = self.boundary(at)
            if boundary is not None and at < boundary < limit:
                limit = boundary
            self.clock.advance(at)
            self.ledger.horizon = limit
            self.steps += 1
            for participant in list(self._ordered):
                if participant not in self._ordered:
                    continue  # killed by a fault this step, before its turn
                first = participant.next_due()
                if first is not None and first < limit:
                    await participant.advance(limit)
                    self._advanced.append(participant)
            if on_step is not None:
                on_step()
