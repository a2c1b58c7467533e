"""What the parts of a service's runtime share: the protocol of its logic, the wall pacing of its
loops, and :class:`Part`, through which each part sees the service it works for.

A part reads the service's name, clock, faults, checkpoint store and log through the
:class:`~secours.runtime.context.ServiceContext` at the moment it needs them, never a copy taken when
it was made: the drill engine hands a context its checkpoint store after making it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from secours.effects import Effects, Incoming, Timer

if TYPE_CHECKING:
    from secours.checkpoint import StateStore
    from secours.clock import Clock
    from secours.faults.controller import FaultController
    from secours.runtime.context import ServiceContext

__all__ = ["PAUSE_POLL_S", "RECONNECT_S", "Logic", "Part"]

RECONNECT_S = 0.5  # wall seconds before reading again after the broker stopped answering
PAUSE_POLL_S = 0.1  # wall seconds between looks at a paused component's fault (it may be cleared early)


class Logic(Protocol):
    def start(self, now: datetime) -> Effects: ...

    def handle(self, incoming: Incoming, now: datetime) -> Effects: ...

    def on_timer(self, timer: Timer, now: datetime) -> Effects: ...


class Part:
    """One part of a service's runtime (timers, acknowledgements, recovery, consuming)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    @property
    def name(self) -> str:
        return self.ctx.name

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @property
    def faults(self) -> FaultController | None:
        return self.ctx.faults

    @property
    def store(self) -> StateStore | None:
        return self.ctx.store

    @property
    def log(self) -> logging.Logger:
        return self.ctx.log
