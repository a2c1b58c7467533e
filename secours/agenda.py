"""A service in a stepped run: everything it has to do, in the order of its simulated instants.

A service's agenda holds its timers, the records it has read, the records a fault holds back or
delays, and its heartbeats. The stepper (:mod:`secours.stepper`) asks each agenda what is due first,
then lets it handle everything due before the end of the step, one event at a time, each at its
own instant: a record at the instant it was sent plus the run's transit time, a timer at its due
time (or, held by an outage of the component, at the outage's end). Input, timers and faults are
the same as in a wall-clock run (:class:`~secours.runtime.ServiceContext` does the work); only the
order and the instants come from the agenda instead of from the wall.

The agenda reads its topics all the time, into memory: reading is not handling. What it has read
waits there until its instant comes, so a record reaches the logic at the same simulated instant,
in the same order, whatever the broker's latency or the machine's load.

Checkpoints (when the service may be killed and restarted) are taken between steps, once what the
service sent is acknowledged; their positions are those of the first record read and not yet
handled in each partition. A restored instance reads again from there, and handles what was
written before it came back at the instants it was sent, as the instance before it would have.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from secours.bus import Record, Subscription
from secours.clock import parse_sim
from secours.errors import BrokerUnavailable
from secours.stepper import Stepper

if TYPE_CHECKING:
    from secours.runtime import Logic, ServiceContext

__all__ = ["Agenda"]

logger = logging.getLogger(__name__)

_CLOSE_WAIT_S = 5.0  # wall seconds a stopped service's consumer gets to close, in the background

# At one instant: what a fault held is let go first, then delayed output, timers, the heartbeat, input.
_HELD, _GATE, _TIMER, _BEAT, _INPUT = range(5)

Inbox = list[tuple[datetime, str, int, int, Record]]  # (instant, topic, partition, offset, record)

_CLOSING: set[asyncio.Task[None]] = set()


class Agenda:
    def __init__(
        self,
        ctx: ServiceContext,
        logic: Logic,
        topics: Sequence[str],
        heartbeat_s: float | None,
        stepper: Stepper,
    ) -> None:
        self.ctx = ctx
        self.logic = logic
        self.topics = list(topics)
        self.stepper = stepper
        self.name = ctx.name
        self.order = ctx.order
        self.every = timedelta(seconds=heartbeat_s) if heartbeat_s is not None else None
        self.transit = stepper.clock.transit
        self._inbox: Inbox = []
        self._now = stepper.clock.now()  # this service's own time: the instant of its last event
        self._next_beat: datetime | None = None
        self._resume_at: dict[tuple[str, int], int] | None = None
        self._read_to: dict[tuple[str, int], int] = {}
        self._sub: Subscription | None = None
        self._revived: datetime | None = None  # restored after a crash: when it came back
        self._dirty = False

    # --- lifetime ----------------------------------------------------------------------------------

    async def run(self) -> None:
        ctx = self.ctx
        restored = await self._restore()
        # A restored instance came back now; the one before it died at ctx.died_at (see _revived_at).
        self._revived = self.stepper.clock.now() if restored else None
        if not restored:
            self._now = self.stepper.clock.now()
            await ctx.apply(self.logic.start(self._now), self._now)
        if self.every is not None and self._next_beat is None:
            self._next_beat = self._now
        ctx.follow_own_outages()
        reader: asyncio.Task[None] | None = None
        try:
            # Through the run's one shared consumer, unless the service must commit its positions (it
            # may be restarted and keeps no checkpoint): that needs a consumer group of its own.
            self._sub = sub = await ctx.bus.subscribe(
                ctx.name, self.topics, start=self._resume_at, tracked=True, shared=not ctx.commits
            )
            ctx.subscription = sub
            self._read_to = await sub.positions()
            if ctx.store is not None and not restored:
                # The first checkpoint, before anything is read: a restart never falls back on the
                # group's commits, which may be ahead of any state it has.
                await ctx.store.write(ctx.store.capture(self._state(), self._read_to))
            reader = asyncio.create_task(self._read(sub), name=f"{self.name}-read")
            await sub.caught_up()  # everything written before it (re)started is in its inbox
            self.stepper.join(self)
            ctx.ready.set()
            await reader
        finally:
            self.stepper.leave(self.name)
            ctx.subscription = None
            ctx.forget_own_outages()
            if reader is not None:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, BrokerUnavailable):
                    await reader
            if self._sub is not None:  # closed in the background: a crash is a kill -9, not a shutdown
                closing = asyncio.create_task(_close(self._sub), name=f"{self.name}-closing")
                _CLOSING.add(closing)
                closing.add_done_callback(_CLOSING.discard)

    async def _restore(self) -> bool:
        ctx = self.ctx
        if ctx.store is None:
            return False
        found = await ctx.store.load()
        if found is None:
            return False
        state = found.state
        vars(self.logic).update(state["logic"])
        ctx._timers = list(state["timers"])
        heapq.heapify(ctx._timers)
        ctx.consume_gate.restore(state["held_in"])
        ctx.gate.restore(state["gate"])
        self._now = state.get("now", self.stepper.clock.now())
        self._next_beat = state.get("beat")
        self._resume_at = dict(found.positions)
        ctx.restored_from = found.generation
        ctx.log.info("%s: restored from checkpoint %s", self.name, found.generation)
        return True

    async def _read(self, sub: Subscription) -> None:
        while True:
            records = await sub.poll(1.0, max_records=10_000)
            horizon = self.stepper.horizon
            for record in records:
                at = self._arrival(record, horizon)
                heapq.heappush(self._inbox, (at, record.topic, record.partition, record.offset, record))
                tp = (record.topic, record.partition)
                if record.offset >= self._read_to.get(tp, 0):
                    self._read_to[tp] = record.offset + 1

    def _arrival(self, record: Record, horizon: datetime) -> datetime:
        """When a record reaches this service: its sending instant plus the transit time, and never
        before the end of the step in which it was written (what another service sends in a step is
        read in the next one at the earliest).

        That end is the ledger's, kept per record, not the step under way when this instance reads
        it: an instance restored after a crash reads records again that the one before it read
        long ago, and must see each arrive when it first arrived, or its replay would take another
        course (a duplicate written late with an early ``ce_time`` arrived late the first time).
        What was written after the previous instance died is then put off by :meth:`_revived_at`.
        """
        sent = record.header("ce_time")
        floor = self.stepper.ledger.floor((record.topic, record.partition), record.offset)
        if floor is None:
            floor = horizon  # written before the ledger counted, or read before its acknowledgement
        try:
            at = parse_sim(sent) + self.transit if sent else floor
        except ValueError:
            at = floor  # a garbage header: dead-lettered when handled, as in a wall-clock run
        return max(at, floor)

    # --- the stepper's side -------------------------------------------------------------------

    def _first(self) -> tuple[int, datetime] | None:
        ctx = self.ctx
        heads: list[tuple[datetime, int]] = []
        held = ctx.held_until()
        if held is not None:
            heads.append((held, _HELD))
        gate = ctx.gate.next_due()
        if gate is not None:
            heads.append((gate, _GATE))
        if ctx._timers:
            due = ctx._timers[0].at
            heads.append((ctx.faults.timers_resume(self.name, due) if ctx.faults is not None else due, _TIMER))
        if self._next_beat is not None:
            heads.append((self._next_beat, _BEAT))
        if self._inbox:
            heads.append((self._inbox[0][0], _INPUT))
        if not heads:
            return None
        at, kind = min(heads)
        return kind, at

    def next_due(self) -> datetime | None:
        first = self._first()
        return None if first is None else first[1]

    async def advance(self, until: datetime) -> None:
        ctx = self.ctx
        while (first := self._first()) is not None and first[1] < until:
            kind, at = first
            now = self._now = max(self._revived_at(at), self._now)
            self._dirty = True
            if kind == _HELD:
                await ctx._replay_held(self.logic, now)
            elif kind == _GATE:
                await ctx._send(ctx.gate.due(now), now)
            elif kind == _TIMER:
                await ctx.apply(self.logic.on_timer(heapq.heappop(ctx._timers), now), now)
            elif kind == _BEAT:
                assert self.every is not None
                assert self._next_beat is not None
                await ctx.beat(now)
                while self._next_beat <= now:
                    self._next_beat += self.every
            else:
                _, topic, partition, offset, record = heapq.heappop(self._inbox)
                paused = ctx._paused(now)
                if paused is not None:  # queue-and-replay: the input waits for the component to come back
                    heapq.heappush(self._inbox, (paused, topic, partition, offset, record))
                else:
                    await ctx._handle(self.logic, record, now)

    def _revived_at(self, at: datetime) -> datetime:
        """When something due at ``at`` is done, for an instance restored after a crash.

        What fell due before the previous instance died is done again at its own instant: the dead
        instance did it then, and doing it again the same way sends the same records (duplicates a
        reader recognises by their ids). What fell due after it died found nobody: it is done when
        this instance came back, late, as a real restart would leave it.
        """
        died = self.ctx.died_at
        if self._revived is None or died is None or at < died:
            return at
        return max(at, self._revived)

    async def settle(self) -> None:
        """After a quiet step: a checkpoint, when one is due (what it covers is acknowledged)."""
        store = self.ctx.store
        if store is not None and self._dirty and store.due():
            self._dirty = False
            await store.write(store.capture(self._state(), self._positions()))

    def _positions(self) -> dict[tuple[str, int], int]:
        """Where a restart reads again from: the first record read and not handled, per partition."""
        positions = dict(self._read_to)
        for _, topic, partition, offset, _record in self._inbox:
            if offset < positions.get((topic, partition), offset + 1):
                positions[(topic, partition)] = offset
        return positions

    def _state(self) -> dict[str, object]:
        return {**self.ctx._state_of(self.logic), "now": self._now, "beat": self._next_beat}


async def _close(sub: Subscription) -> None:
    with contextlib.suppress(BrokerUnavailable):
        await asyncio.wait_for(sub.close(), _CLOSE_WAIT_S)
