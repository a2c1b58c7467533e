"""Checkpoints, and coming back from them after a crash: restore, then catch up.

Why: a service killed and restarted must not lose its state, nor act on a stale one. With a
:class:`~secours.checkpoint.StateStore` (:mod:`secours.checkpoint`) its state (the logic's, its
timers, the input a fault holds, the publish gate's) is checkpointed with the positions it has
handled its input up to, and a restarted instance comes back from the newest checkpoint and reads
on from those positions.

Invariants:
- a checkpoint is never taken in the middle of a batch: its state and its positions agree;
- it is written only once what it covers is acknowledged, and before the offsets after it are
  committed (the order of the acknowledgement chain, :mod:`secours.runtime.acks`);
- the first checkpoint is written before anything is read: a restart never falls back on the
  group's commits, which may be ahead of any state it has;
- restored, the input sent before the restart is handled at the simulated instant it was sent,
  after the timers due by then; the timers due after the restart wait until that input is all read
  (at most ``_CATCH_UP_MAX_S``): the restored instance takes the course the one before it took.
"""

from __future__ import annotations

import heapq
from datetime import datetime
from typing import TYPE_CHECKING

from secours.bus import Record, Subscription
from secours.clock import sleep_wall, wall_now
from secours.effects import Incoming
from secours.runtime.base import Logic, Part
from secours.wire import StateChunk

if TYPE_CHECKING:
    from secours.runtime.context import ServiceContext

__all__ = ["Recovery"]

_CHECKPOINT_POLL_S = 0.05  # wall seconds between looks for a checkpoint the cost budget postponed
# Wall seconds a restored service may take to read again what was written before it came back; past
# them its timers run anyway (held for ever, a service that cannot catch up would never act again).
_CATCH_UP_MAX_S = 30.0


class Recovery(Part):
    """A service's checkpoints, its read positions, and its catching up after a restore."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.read_to: dict[tuple[str, int], int] | None = None  # handled up to, per partition
        self.resume_at: dict[tuple[str, int], int] | None = None  # where a new subscription reads from
        self.in_batch = False  # records of a batch handled, its positions not yet counted: no checkpoint now
        self.dirty = False  # the state changed since the last checkpoint was taken
        self.replay_before: datetime | None = None  # restored: input sent before this is read again
        self.catching_up = False  # restored, and input sent before the restart still being read
        self.replay_ends: dict[tuple[str, int], int] = {}  # restored: where the input ended as it came back
        self.catch_up_until = 0.0  # wall instant after which a restored service stops waiting to catch up

    # --- checkpoints -------------------------------------------------------------------------------

    def state_of(self, logic: Logic) -> dict[str, object]:
        ctx = self.ctx
        return {
            "logic": dict(vars(logic)),
            "timers": list(ctx._timer_loop.heap),
            "held_in": ctx.consume_gate.state(),
            "gate": ctx.gate.state(),
        }

    def capture(self, logic: Logic) -> list[StateChunk] | None:
        """This instant's checkpoint, if one may be taken now (never in the middle of a batch: the
        state and the positions must agree); else the state is left marked as changed."""
        self.dirty = True
        if self.store is None or self.read_to is None or self.in_batch or not self.store.due():
            return None
        self.dirty = False
        return self.store.capture(self.state_of(logic), self.read_to)

    def checkpoint_later(self, logic: Logic) -> None:
        """A checkpoint outside the batches (a timer fired, held input was replayed), written once
        what was sent so far is acknowledged: what a timer sent is not sent again after a restart."""
        if self.store is not None:
            pieces = self.capture(logic)
            if pieces is not None:
                self.ctx._acks.link(pieces)

    async def checkpoints(self, logic: Logic) -> None:
        """Takes the checkpoints the cost budget postponed, as soon as they are due."""
        assert self.store is not None
        while True:
            await sleep_wall(max(_CHECKPOINT_POLL_S, self.store.wait_s()))
            if self.dirty:
                self.checkpoint_later(logic)

    def committed(self, offsets: dict[tuple[str, int], int]) -> None:
        """The acknowledgement chain committed ``offsets``: a new subscription reads on from there."""
        if self.resume_at is not None:
            self.resume_at = offsets

    # --- coming back -------------------------------------------------------------------------------

    async def restore(self, logic: Logic) -> bool:
        """Come back from the newest checkpoint: the logic's state, its timers, held input, positions."""
        if self.store is None:
            return False
        found = await self.store.load()
        if found is None:
            return False
        ctx = self.ctx
        state = found.state
        vars(logic).update(state["logic"])
        ctx._timer_loop.heap = list(state["timers"])
        heapq.heapify(ctx._timer_loop.heap)
        ctx.consume_gate.restore(state["held_in"])
        ctx.gate.restore(state["gate"])
        self.resume_at = dict(found.positions)
        self.replay_before = self.clock.now()
        self.catching_up = True
        self.catch_up_until = wall_now() + _CATCH_UP_MAX_S
        ctx.restored_from = found.generation
        self.log.info("%s: restored from checkpoint %s", self.name, found.generation)
        return True

    async def start_reading(self, logic: Logic, sub: Subscription) -> None:
        """A subscription was made: count positions from where it reads, and see whether a restored
        instance has anything to read again."""
        if self.store is not None:
            self.read_to = dict(self.resume_at) if self.resume_at is not None else await sub.positions()
            if self.resume_at is None:
                # The first checkpoint, before anything is read: from now on a restart never
                # falls back on the group's commits, which may be ahead of any state it has.
                await self.store.write(self.store.capture(self.state_of(logic), self.read_to))
                self.resume_at = dict(self.read_to)
        if self.catching_up:
            self.replay_ends = await sub.ends()
            await self.check_caught_up(logic, sub)  # nothing to read again: no need to poll first

    def read_again(self, incoming: Incoming) -> bool:
        """Whether ``incoming`` was sent before this instance came back from its checkpoint."""
        return self.replay_before is not None and incoming.time is not None and incoming.time < self.replay_before

    async def replay(self, logic: Logic, incoming: Incoming, record: Record) -> None:
        """Input sent before this instance came back, read again from its checkpoint's positions: it
        is handled at the simulated time it was sent, after the timers due by then, as the instance
        before the crash did. Handled at the restart's time instead, what it schedules (an answer a
        few minutes later) would come after input read again behind it (the reply to that answer),
        which the restored state would not yet expect."""
        at = incoming.time
        assert at is not None
        timers = self.ctx._timer_loop
        while timers.heap and timers.heap[0].at <= at and not timers.paused():
            await timers.fire(logic, at)
        await self.ctx._consumer._process(logic, incoming, record, at)

    async def check_caught_up(self, logic: Logic, sub: Subscription) -> None:
        """Restored: caught up once every partition is read to where it ended when reading began.

        Not at the first empty poll: a new consumer's first fetches often come back empty. Its timers
        due before the restart then fired at once, ahead of the input sent before them, and decided
        on a stale state (an outage the instance before had seen went unseen: its alert was never
        ended, and its number was given again to the next one). Nor at the first record sent after
        the restart: other partitions may still hold input sent before it.

        Caught up, the timers still due from before the restart fire here, in the reading task:
        from the timer loop, input read in between would slip in among them.
        """
        positions = await sub.positions()
        if all(positions.get(tp, 0) >= end for tp, end in self.replay_ends.items()):
            self.catching_up = False
            took = wall_now() - (self.catch_up_until - _CATCH_UP_MAX_S)
            self.log.info("%s: caught up with the input sent before the restart in %.2f wall s", self.name, took)
        elif wall_now() > self.catch_up_until:
            self.log.warning("%s: not caught up after %.0f s; its timers run again", self.name, _CATCH_UP_MAX_S)
            self.catching_up = False
        else:
            return
        before, fired = self.replay_before, False
        timers = self.ctx._timer_loop
        while before is not None and timers.heap and timers.heap[0].at < before and not timers.paused():
            await timers.fire(logic, self.clock.now())
            fired = True
        if fired:
            await self.ctx.flush()
            self.checkpoint_later(logic)
