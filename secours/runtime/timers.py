"""A service's timers: armed by its logic, fired at their own simulated instants.

Why a loop of its own: a timer is due at a simulated instant, and in a wall-clock run that instant
comes at a wall instant (:class:`~secours.clock.WallClock`); the loop sleeps until the first timer,
or the first record the publish gate delays, falls due, and is woken early when a sooner one is
armed. In a stepped run there is no such loop: the service's agenda (:mod:`secours.agenda`) asks
for what is due and the stepper hands out the time.

Invariants:
- a timer fires at its due time (or, held by an outage of the component, at the outage's end),
  never at the instant the loop got to it, so every instance does the same thing whatever the load
  (see :meth:`TimerLoop.fire`);
- a component down or queuing runs no timers; a restored one runs none due after the restart
  before it has caught up with the input sent before it (:mod:`secours.runtime.recovery`);
- what the timers sent is acknowledged before a checkpoint covers it: a timer is not fired again,
  nor its records sent again, after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from secours.clock import WallClock, sleep_wall, wall_now
from secours.effects import Timer
from secours.errors import BrokerUnavailable
from secours.faults.controller import ActiveFault
from secours.runtime.base import PAUSE_POLL_S, RECONNECT_S, Logic, Part

if TYPE_CHECKING:
    from secours.runtime.context import ServiceContext

__all__ = ["TimerLoop"]


class TimerLoop(Part):
    """The timers of one service, first due first, and the loop that fires them."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.heap: list[Timer] = []
        self.wake = asyncio.Event()  # set when something may be due sooner than the loop sleeps for

    def arm(self, timer: Timer) -> None:
        heapq.heappush(self.heap, timer)
        if self.heap[0] is timer:
            self.wake.set()

    def paused(self, now: datetime | None = None) -> bool:
        """Whether a fault keeps this component's timers from running at ``now`` (down or queuing)."""
        at = self.clock.now() if now is None else now
        return self.ctx.consume_gate.timers_paused(at)

    def next_wake(self) -> datetime | None:
        candidates = [t for t in (self.heap[0].at if self.heap else None, self.ctx.gate.next_due()) if t]
        return min(candidates) if candidates else None

    async def run(self, logic: Logic) -> None:
        # A game day may change the pace of the wall clock: a timer then falls due at another wall instant.
        clock = self.ctx.clock
        forget = clock.on_change(self.wake.set) if isinstance(clock, WallClock) else (lambda: None)
        try:
            await self._loop(logic)
        finally:
            forget()

    async def _loop(self, logic: Logic) -> None:
        ctx = self.ctx
        while True:
            self.wake.clear()
            first = self.next_wake()
            if first is None:
                await self.wake.wait()
                continue
            delay = ctx._wall().wall_at(first) - wall_now()
            if ctx._recovery.catching_up:
                # Restored, input read again not yet all handled: the timers due before the restart
                # fire in order with it (``Recovery.replay``); the others wait until it is.
                delay = max(delay, PAUSE_POLL_S)
            if self.paused():
                delay = max(delay, PAUSE_POLL_S)  # a component down or queuing runs no timers
            if delay > 0:
                with contextlib.suppress(TimeoutError):  # woken early when a sooner timer is armed
                    await asyncio.wait_for(self.wake.wait(), timeout=None if math.isinf(delay) else delay)
                continue
            now = self.clock.now()
            try:
                released = ctx.gate.due(now)
                if released:
                    await ctx._send(released, now)
                if self.heap and self.heap[0].at <= now:
                    await self.fire(logic, now)
                next_at = self.next_wake()
                if next_at is None or next_at > self.clock.now():
                    await ctx.flush()
                    ctx._recovery.checkpoint_later(logic)
            except BrokerUnavailable as exc:
                # The producer keeps what it could not send yet and retries it; what it gave up on is
                # reported here (a timer's records are not replayed: PROCEDURES' G2 would show a loss).
                self.log.warning("%s: timer output not acknowledged: %s", self.name, exc)
                await sleep_wall(RECONNECT_S)

    async def fire(self, logic: Logic, now: datetime) -> None:
        """Fire the first timer at its own simulated time, not at the instant the loop got to it.

        A timer fires some wall milliseconds late, more on a busy machine: at speed 600, 90 ms are
        a simulated minute. Handed that later instant, the logic derived from it what it scheduled
        next and the ids of what it sent (a query named after the time it was asked), and a
        restored instance, firing the same timer on time, took another course than the instance
        before the crash: it asked again under new ids, the answers on the log matched nothing, and
        a request filed before the crash was filed again and never acknowledged. At its due time
        (or, held by an outage of the component, at the outage's end), a timer does the same thing
        in every instance and whatever the load.
        """
        due = heapq.heappop(self.heap)
        at = self.ctx.consume_gate.timer_at(due.at)
        await self.ctx.apply(logic.on_timer(due, max(due.at, min(at, now))))

    def own_outage(self, active: ActiveFault) -> None:
        """Tell the logic when one of its actors' own system goes down (noticed) and comes back.

        Delivered as timers: ``own_outage`` ``detect_self_s`` after the start, ``own_recovery`` at the
        end (the staff restored it); nothing for an outage over before it was noticed. A fault cleared
        early gets a second ``own_recovery`` at the clearing; the logic takes recoveries idempotently.
        """
        assert self.faults is not None
        actor = self.faults.own_outage(self.name, active)
        if actor is None:
            return
        noticed = active.start + timedelta(seconds=self.ctx.world.config.params.detect_self_s)
        until = active.until
        if until is not None and until <= noticed:
            return  # over before anyone noticed
        timers = [Timer(noticed, "own_outage", actor)]
        if until is not None:
            timers.append(Timer(until, "own_recovery", actor))
        for timer in timers:
            heapq.heappush(self.heap, timer)
        self.wake.set()
