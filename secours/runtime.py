"""Runs a service's pure logic against the bus: decode, handle, publish, commit; and timers.

The loop is the same for every service, so the guarantees are written once:
- a record that does not decode (or that the logic chokes on) goes to ``secours.dlq`` with the
  reason, and the service carries on;
- offsets are committed only after everything a batch produced is acknowledged (at-least-once);
- timers fire at simulated instants, through the shared :class:`~secours.clock.WallClock`;
- with a :class:`~secours.checkpoint.StateStore`, the state is checkpointed between batches and a
  restarted instance comes back with it and reads on from where the checkpoint was taken;
- faults apply here, around the logic and never inside it: on the way in
  (:mod:`secours.faults.consume`: a component down refuses, a queuing one waits, a failing one
  answers with an error) and on the way out (:mod:`secours.faults.gate`: held, delayed, dropped,
  duplicated, corrupted, reordered).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from secours.agenda import Agenda
from secours.bus import Bus, Record, Subscription
from secours.checkpoint import StateStore
from secours.clock import Clock, WallClock, parse_sim, sleep_wall, wall_now
from secours.cloudevents import DEFECT, DLQ, check_headers, headers_for
from secours.codec import Codec
from secours.effects import Effects, Incoming, Outgoing, Timer
from secours.errors import BrokerUnavailable, CodecError, DecodeError, SecoursError
from secours.faults.consume import ConsumeGate
from secours.faults.controller import ActiveFault, FaultController
from secours.faults.gate import PublishGate, Release
from secours.stepper import Stepper
from secours.topics import TopicCatalog
from secours.wire import DeadLetter, Heartbeat, StateChunk
from secours.world import World

__all__ = ["Logic", "ServiceContext"]

logger = logging.getLogger(__name__)

HEALTH = "ops.health"
_RECONNECT_S = 0.5  # wall seconds before reading again after the broker stopped answering
_PAUSE_POLL_S = 0.1  # wall seconds between looks at a paused component's fault (it may be cleared early)
_CHECKPOINT_POLL_S = 0.05  # wall seconds between looks for a checkpoint the cost budget postponed
# What stopped services leave finishing (their last acknowledgement link, closing their consumer):
# referenced until done, their errors observed (a stopped service's failed commit is nobody's error).
_DETACHED: set[asyncio.Task[None]] = set()
_CLOSE_WAIT_S = 5.0  # wall seconds a stopped service's consumer stays open for its last commit
# Wall seconds a restored service may take to read again what was written before it came back; past
# them its timers run anyway (held for ever, a service that cannot catch up would never act again).
_CATCH_UP_MAX_S = 30.0


def _detach(task: asyncio.Task[None]) -> None:
    _DETACHED.add(task)
    task.add_done_callback(_forget)


def _forget(task: asyncio.Task[None]) -> None:
    _DETACHED.discard(task)
    if not task.cancelled():
        task.exception()


async def _close_after(last: asyncio.Task[None], sub: Subscription) -> None:
    await asyncio.wait({last}, timeout=_CLOSE_WAIT_S)
    with contextlib.suppress(BrokerUnavailable):
        await sub.close()


@dataclass
class _Acks:
    """What one link of the acknowledgement chain settles, writes and commits. Gathered while the
    link waits for the one before: what comes meanwhile joins it instead of making a new link."""

    pending: list[Awaitable[object]] = field(default_factory=list)
    pieces: list[StateChunk] | None = None  # the newest checkpoint taken: it supersedes an older one
    sub: Subscription | None = None
    offsets: dict[tuple[str, int], int] | None = None  # the newest positions to commit


class Logic(Protocol):
    def start(self, now: datetime) -> Effects: ...

    def handle(self, incoming: Incoming, now: datetime) -> Effects: ...

    def on_timer(self, timer: Timer, now: datetime) -> Effects: ...


class ServiceContext:
    """What a service's ``run`` receives: its name, the bus, the clock, the world."""

    def __init__(
        self,
        name: str,
        bus: Bus,
        codec: Codec,
        catalog: TopicCatalog,
        clock: Clock,
        world: World,
        faults: FaultController | None = None,
        stepper: Stepper | None = None,
    ) -> None:
        self.name = name
        self.order = 0  # in a stepped run, services take their turn within a step in this order
        self.commits = False  # a stepped run: commit read positions (restartable, and no checkpoints)
        # Actors of this service that outside systems play (--external edi_provider:P002): not ours.
        self.played_outside: frozenset[str] = frozenset()
        self.bus = bus
        self.codec = codec
        self.catalog = catalog
        self.clock = clock
        self.world = world
        self.faults = faults
        self.stepper = stepper  # a stepped run: the stepper hands out simulated time (secours.agenda)
        self.ready = asyncio.Event()  # started or restored, and caught up with its input: in the run
        self.gate = PublishGate(name, faults)
        self.consume_gate = ConsumeGate(name, faults)
        self.log = logging.getLogger(f"services.{name}")
        self._timers: list[Timer] = []
        self._wake = asyncio.Event()
        self._unacked: list[Awaitable[object]] = []
        self.handled = 0
        self.dead_lettered = 0
        self.refused = 0
        # Checkpoints (None: a restarted instance starts afresh and reads on from the group's commits).
        self.store: StateStore | None = None
        self.restored_from: int | None = None  # the checkpoint this instance came back from
        # In a stepped run, the simulated instant the previous instance was killed: what fell due
        # from then on found nobody, and waits for this instance (see Agenda.advance).
        self.died_at: datetime | None = None
        self._read_to: dict[tuple[str, int], int] | None = None  # handled up to, per partition
        self._resume_at: dict[tuple[str, int], int] | None = None  # where a new subscription reads from
        self._in_batch = False  # records of a batch handled, its positions not yet counted: no checkpoint now
        self._dirty = False  # the state changed since the last checkpoint was taken
        # The acknowledgement chain: each link waits for the one before, then for the records sent
        # before it, then writes its checkpoint and commits its offsets. In that order, a checkpoint
        # never covers output the broker does not have, and a commit never goes past a checkpoint.
        # At most two links: the one under way, and the one gathering what comes meanwhile (a link
        # per batch piled up faster than commits travel, and grew the memory without end).
        self._chain: asyncio.Task[None] | None = None
        self._gathering: _Acks | None = None  # what the last link will settle, while it waits
        self._unfinished: asyncio.Task[None] | None = None  # the last link, left running as reading stopped
        self._replay_before: datetime | None = None  # restored: input sent before this is read again
        self._catching_up = False  # restored, and input sent before the restart still being read
        self._replay_ends: dict[tuple[str, int], int] = {}  # restored: where the input ended as it came back
        self._catch_up_until = 0.0  # wall instant after which a restored service stops waiting to catch up

    # --- publishing ---------------------------------------------------------------------------

    async def publish(self, outs: Sequence[Outgoing], now: datetime | None = None) -> None:
        """Send ``outs`` at ``now`` (default: the clock's now) through the publish-side faults."""
        now = self.clock.now() if now is None else now
        ready: list[Release] = []
        for out in outs:
            self.catalog.spec_for(out.topic)  # an undeclared topic is a defect: fail loudly, not silently
            ready.extend(self.gate.submit(out, now))
        if self.gate.next_due() is not None:
            self._wake.set()
        await self._send(ready, now)

    async def _send(self, releases: Sequence[Release], now: datetime) -> None:
        for rel in releases:
            out = rel.out
            value = self.codec.encode(out.message)
            if rel.corrupt:
                value = PublishGate.corrupt(value)
            fut = await self.bus.publish(out.topic, out.key.encode(), value, headers_for(out, now))
            if self.stepper is None:  # a stepped run's ledger counts acknowledgements for everyone
                self._unacked.append(fut)

    async def flush(self) -> None:
        """Wait until the broker has every record this service published (not other services')."""
        pending, self._unacked = self._unacked, []
        if pending:
            await self.bus.settle(pending)

    async def apply(self, effects: Effects, now: datetime | None = None) -> None:
        await self.publish(effects.out, now)
        for timer in effects.timers:
            heapq.heappush(self._timers, timer)
            if self._timers[0] is timer:
                self._wake.set()

    # --- the two loops ---------------------------------------------------------------------------

    async def serve(self, logic: Logic, topics: Sequence[str], *, heartbeat_s: float | None = None) -> None:
        """Run ``logic`` until cancelled: consume ``topics``, fire timers, release held records.

        With ``heartbeat_s`` the service also says it is alive on ``ops.health`` (monitored systems):
        a component that is down, queuing or crashed falls silent, which is how customs notices.
        """
        if self.stepper is not None:
            await Agenda(self, logic, topics, heartbeat_s, self.stepper).run()
            return
        loops: list[asyncio.Task[None]] = []
        if heartbeat_s is not None:  # alive from the start, while it restores: monitoring sees the process
            loops.append(asyncio.create_task(self._heartbeats(heartbeat_s), name=f"{self.name}-heartbeat"))
        try:
            if not await self._restore(logic):
                await self.apply(logic.start(self.clock.now()))
                await self.flush()
            self.follow_own_outages()
            self.ready.set()
            loops.append(asyncio.create_task(self._run_timers(logic), name=f"{self.name}-timers"))
            if self.store is not None:
                loops.append(asyncio.create_task(self._checkpoints(logic), name=f"{self.name}-checkpoints"))
            loops.append(asyncio.create_task(self._consume(logic, topics), name=f"{self.name}-consume"))
            # The loops run for ever: one that ends has failed, and the service stops with its error
            # (a timer loop dying alone would leave a service that reads on but never acts again).
            done, _ = await asyncio.wait(loops, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
            raise RuntimeError(f"{self.name}: a loop ended: {[t.get_name() for t in done]}")
        finally:
            # All at once: while the consumer closes, a timer must not fire (a killed service is silent).
            for task in loops:
                task.cancel()
            self.forget_own_outages()
            await asyncio.gather(*loops, return_exceptions=True)

    def follow_own_outages(self) -> None:
        """Be told of the outages of this service's own actors, those known now and those to come."""
        if self.faults is not None:
            for active in list(self.faults.faults.values()):
                self._own_outage(active)
            self.faults.listeners.append(self._own_outage)

    def forget_own_outages(self) -> None:
        if self.faults is not None and self._own_outage in self.faults.listeners:
            self.faults.listeners.remove(self._own_outage)

    async def _restore(self, logic: Logic) -> bool:
        """Come back from the newest checkpoint: the logic's state, its timers, held input, positions."""
        if self.store is None:
            return False
        found = await self.store.load()
        if found is None:
            return False
        state = found.state
        vars(logic).update(state["logic"])
        self._timers = list(state["timers"])
        heapq.heapify(self._timers)
        self.consume_gate.restore(state["held_in"])
        self.gate.restore(state["gate"])
        self._resume_at = dict(found.positions)
        self._replay_before = self.clock.now()
        self._catching_up = True
        self._catch_up_until = wall_now() + _CATCH_UP_MAX_S
        self.restored_from = found.generation
        self.log.info("%s: restored from checkpoint %s", self.name, found.generation)
        return True

    def _capture(self, logic: Logic) -> list[StateChunk] | None:
        """This instant's checkpoint, if one may be taken now (never in the middle of a batch: the
        state and the positions must agree); else the state is left marked as changed."""
        self._dirty = True
        if self.store is None or self._read_to is None or self._in_batch or not self.store.due():
            return None
        self._dirty = False
        return self.store.capture(self._state_of(logic), self._read_to)

    def _checkpoint_later(self, logic: Logic) -> None:
        """A checkpoint outside the batches (a timer fired, held input was replayed), written once
        what was sent so far is acknowledged: what a timer sent is not sent again after a restart."""
        if self.store is not None:
            pieces = self._capture(logic)
            if pieces is not None:
                self._link(pieces)

    async def _checkpoints(self, logic: Logic) -> None:
        """Takes the checkpoints the cost budget postponed, as soon as they are due."""
        assert self.store is not None
        while True:
            await sleep_wall(max(_CHECKPOINT_POLL_S, self.store.wait_s()))
            if self._dirty:
                self._checkpoint_later(logic)

    def _link(
        self,
        pieces: list[StateChunk] | None,
        sub: Subscription | None = None,
        offsets: dict[tuple[str, int], int] | None = None,
    ) -> None:
        """Add what was sent until now, this checkpoint and these offsets to the acknowledgement
        chain (see ``_chain``): to the link still gathering, or to a new one."""
        acks = self._gathering
        if acks is None:
            acks = self._gathering = _Acks()
            self._chain = asyncio.create_task(self._settle_link(acks, self._chain), name=f"{self.name}-commit")
        acks.pending.extend(self._unacked)
        self._unacked = []
        if pieces is not None:
            acks.pieces = pieces
        if sub is not None and offsets is not None:
            acks.sub, acks.offsets = sub, offsets

    async def _settle_link(self, acks: _Acks, previous: asyncio.Task[None] | None) -> None:
        try:
            if previous is not None:
                await previous
        finally:
            if self._gathering is acks:
                self._gathering = None  # under way: what comes next makes a new link
        if acks.pending:
            await self.bus.settle(acks.pending)
        if acks.pieces is not None and self.store is not None:
            await self.store.write(acks.pieces)
        if acks.sub is not None and acks.offsets is not None:
            await acks.sub.commit(acks.offsets)
            if self._resume_at is not None:
                self._resume_at = acks.offsets

    def _state_of(self, logic: Logic) -> dict[str, object]:
        return {
            "logic": dict(vars(logic)),
            "timers": list(self._timers),
            "held_in": self.consume_gate.state(),
            "gate": self.gate.state(),
        }

    def _own_outage(self, active: ActiveFault) -> None:
        """Tell the logic when one of its actors' own system goes down (noticed) and comes back.

        Delivered as timers: ``own_outage`` ``detect_self_s`` after the start, ``own_recovery`` at the
        end (the staff restored it); nothing for an outage over before it was noticed. A fault cleared
        early gets a second ``own_recovery`` at the clearing; the logic takes recoveries idempotently.
        """
        assert self.faults is not None
        actor = self.faults.own_outage(self.name, active)
        if actor is None:
            return
        noticed = active.start + timedelta(seconds=self.world.config.params.detect_self_s)
        until = active.until
        if until is not None and until <= noticed:
            return  # over before anyone noticed
        timers = [Timer(noticed, "own_outage", actor)]
        if until is not None:
            timers.append(Timer(until, "own_recovery", actor))
        for timer in timers:
            heapq.heappush(self._timers, timer)
        self._wake.set()

    async def _heartbeats(self, every_s: float) -> None:
        clock = self._wall()
        while True:
            with contextlib.suppress(BrokerUnavailable):  # a missed beat is what monitoring is for
                if await self.beat(clock.now()):
                    await self.flush()
            await clock.sleep(every_s)

    def _wall(self) -> WallClock:
        """The wall clock, for the loops that pace a wall-clock run (a stepped run has none)."""
        if not isinstance(self.clock, WallClock):
            raise TypeError(f"{self.name}: a {self.clock.kind} clock has no wall pace")
        return self.clock

    async def beat(self, now: datetime) -> bool:
        """Say the component is alive at ``now``, unless it is down or queuing and monitoring sees it."""
        blind = self.faults is not None and self.faults.monitoring_blind(self.name, now)
        if self._timers_paused(now) and not blind:
            return False
        beat = Heartbeat(component=self.name, at=now)
        out = Outgoing(HEALTH, self.name, f"{self.name}/{now.isoformat()}", self.name, beat)
        if blind:  # the probe still answers: past the fault's hold on this component's output
            await self._send([Release(out, False)], now)
        else:
            await self.publish([out], now)
        return True

    def _paused(self, now: datetime | None = None) -> datetime | None:
        """Until when the whole component's input waits (queue-and-replay), if it does at ``now``."""
        return self.consume_gate.paused_until(self.clock.now() if now is None else now)

    def _timers_paused(self, now: datetime | None = None) -> bool:
        at = self.clock.now() if now is None else now
        return self.consume_gate.timers_paused(at)

    async def _consume(self, logic: Logic, topics: Sequence[str]) -> None:
        """Read, handle, publish, and commit each batch once its effects are acknowledged.

        When the broker stops answering (paused, killed, cut off), the service waits and reads
        again from its last committed offsets: what it had done since is done again, which its
        idempotent handlers turn into nothing new.
        """
        while True:
            sub: Subscription | None = None
            try:
                sub = await self.bus.subscribe(self.name, topics, start=self._resume_at)
                if self.store is not None:
                    self._read_to = dict(self._resume_at) if self._resume_at is not None else await sub.positions()
                    if self._resume_at is None:
                        # The first checkpoint, before anything is read: from now on a restart never
                        # falls back on the group's commits, which may be ahead of any state it has.
                        await self.store.write(self.store.capture(self._state_of(logic), self._read_to))
                        self._resume_at = dict(self._read_to)
                if self._catching_up:
                    self._replay_ends = await sub.ends()
                    await self._check_caught_up(logic, sub)  # nothing to read again: no need to poll first
                await self._consume_from(logic, sub)
            except BrokerUnavailable as exc:
                self.log.warning("%s: broker unavailable (%s); reading again from the last commit", self.name, exc)
                self._unacked.clear()
                self._chain, self._gathering = None, None
                await sleep_wall(_RECONNECT_S)
            finally:
                last, self._unfinished = self._unfinished, None
                if sub is not None and last is not None:
                    # Closed once the link under way is done: closing it first fails that commit with
                    # an error in the log. Stopping itself is not held up (a crash is a kill -9).
                    _detach(asyncio.create_task(_close_after(last, sub), name=f"{self.name}-closing"))
                elif sub is not None:
                    with contextlib.suppress(BrokerUnavailable):
                        await sub.close()

    async def _consume_from(self, logic: Logic, sub: Subscription) -> None:
        try:
            while True:
                if self._chain is not None and self._chain.done():
                    chain, self._chain = self._chain, None
                    chain.result()  # a commit that failed: BrokerUnavailable, read again from the last one
                if self._paused() is not None:
                    # Queue-and-replay: leave the input in Kafka; it is read, in order, once the fault ends.
                    await sleep_wall(_PAUSE_POLL_S)
                    continue
                await self._replay_held(logic)
                records = await sub.poll(0.1)
                if records:
                    self._in_batch = True
                    for record in records:
                        await self._handle(logic, record)
                    self._in_batch = False
                    self._commit_later(sub, logic)
                if self._catching_up:
                    await self._check_caught_up(logic, sub)
        finally:
            self._in_batch = False
            last, self._chain, self._gathering = self._chain, None, None
            if last is not None and not last.done():
                # Left to finish or fail on its own, like a request already on the wire: cancelled in
                # the middle of a commit, aiokafka's own request task would be left failing unobserved.
                _detach(last)
                self._unfinished = last

    async def _check_caught_up(self, logic: Logic, sub: Subscription) -> None:
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
        if all(positions.get(tp, 0) >= end for tp, end in self._replay_ends.items()):
            self._catching_up = False
            took = wall_now() - (self._catch_up_until - _CATCH_UP_MAX_S)
            self.log.info("%s: caught up with the input sent before the restart in %.2f wall s", self.name, took)
        elif wall_now() > self._catch_up_until:
            self.log.warning("%s: not caught up after %.0f s; its timers run again", self.name, _CATCH_UP_MAX_S)
            self._catching_up = False
        else:
            return
        before, fired = self._replay_before, False
        while before is not None and self._timers and self._timers[0].at < before and not self._timers_paused():
            await self._fire(logic, self.clock.now())
            fired = True
        if fired:
            await self.flush()
            self._checkpoint_later(logic)

    def _commit_later(self, sub: Subscription, logic: Logic) -> None:
        """Commit this batch once the broker has acknowledged everything it produced (at-least-once).

        Done in the background so the next batch is read and handled while the acknowledgements
        travel: waiting for them before reading again put a produce and a commit round trip into every
        hop's latency. A checkpoint is taken now if one may be, and written before the commit.
        """
        offsets = sub.consumed()
        if self._read_to is not None:
            self._read_to.update(offsets)
            offsets = dict(self._read_to)
        self._link(self._capture(logic), sub, offsets)

    def _decode(self, record: Record) -> Incoming:
        message = self.codec.decode(record.value, self.catalog.accepted(record.topic))
        ce_time = record.header("ce_time")
        try:
            sent_at = parse_sim(ce_time) if ce_time else None
        except ValueError:  # garbage headers are bad input like a garbage body: dead-lettered, not fatal
            raise DecodeError(f"header ce_time is not an ISO 8601 time: {(ce_time or '')[:40]!r}") from None
        check_headers(record, message.ce_type)
        return Incoming(
            topic=record.topic,
            message=message,
            ce_id=record.header("ce_id") or f"{record.topic}/{record.partition}/{record.offset}",
            source=record.header("ce_source") or "",
            time=sent_at,
        )

    async def _handle(self, logic: Logic, record: Record, now: datetime | None = None) -> None:
        now = self.clock.now() if now is None else now
        try:
            incoming = self._decode(record)
        except CodecError as exc:
            await self.dead_letter(record, str(exc), now)
            return
        verdict = self.consume_gate.admit(incoming, now)
        if verdict.action == "drop":
            self.refused += 1  # down: refused, the sender has to try again
            return
        if verdict.action == "error":
            await self.dead_letter(record, f"fault {verdict.fault_id}: {self.name} answered with an error", now)
            return
        if verdict.action == "hold":
            return  # kept by the consume gate until its fault ends
        if self._replay_before is not None and incoming.time is not None and incoming.time < self._replay_before:
            await self._replay(logic, incoming, record)
            return
        await self._process(logic, incoming, record, now)

    async def _replay(self, logic: Logic, incoming: Incoming, record: Record) -> None:
        """Input sent before this instance came back, read again from its checkpoint's positions: it
        is handled at the simulated time it was sent, after the timers due by then, as the instance
        before the crash did. Handled at the restart's time instead, what it schedules (an answer a
        few minutes later) would come after input read again behind it (the reply to that answer),
        which the restored state would not yet expect."""
        at = incoming.time
        assert at is not None
        while self._timers and self._timers[0].at <= at and not self._timers_paused():
            await self._fire(logic, at)
        await self._process(logic, incoming, record, at)

    async def _fire(self, logic: Logic, now: datetime) -> None:
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
        due = heapq.heappop(self._timers)
        at = self.consume_gate.timer_at(due.at)
        await self.apply(logic.on_timer(due, max(due.at, min(at, now))))

    async def _process(self, logic: Logic, incoming: Incoming, record: Record | None, now: datetime) -> None:
        try:
            effects = logic.handle(incoming, now)
        except SecoursError as exc:
            # A record that is valid Avro but makes no sense to the logic must not stop the service.
            self.log.warning("%s: cannot handle %s: %s", self.name, incoming.message.ce_type, exc)
            if record is not None:
                await self.dead_letter(record, f"cannot handle {incoming.message.ce_type}: {exc}", now)
            return
        except Exception as exc:  # any other exception is a defect of the service
            # It must not pass for poison input: logged with its traceback and dead-lettered as a
            # defect, which fails the run (secours.drills.summary); the service goes on, losing nothing.
            self.log.exception("%s: defect while handling %s", self.name, incoming.message.ce_type)
            if record is not None:
                reason = f"{DEFECT} {self.name} handling {incoming.message.ce_type}: {type(exc).__name__}: {exc}"
                await self.dead_letter(record, reason, now)
            return
        self.handled += 1
        # Stepped: what the input causes happens at its instant. Wall: it is sent now, also when the
        # input is read again after a restart at the instant it was first sent (see _replay).
        await self.apply(effects, now if self.stepper is not None else None)

    async def _replay_held(self, logic: Logic, now: datetime | None = None) -> None:
        """Input held by a scoped queue-and-replay fault is processed once that fault has ended."""
        if not self.consume_gate.held:
            return
        if self.stepper is None:
            await self._handle_held(logic, self.clock.now())
            await self.flush()
            self._checkpoint_later(logic)
        else:
            await self._handle_held(logic, self.clock.now() if now is None else now)

    async def _handle_held(self, logic: Logic, now: datetime) -> None:
        for incoming in self.consume_gate.released(now):
            await self._process(logic, incoming, None, now)

    def held_until(self) -> datetime | None:
        """When the first input held by a fault may be handled: the earliest end of those faults."""
        return self.consume_gate.held_until()

    async def dead_letter(self, record: Record, reason: str, now: datetime) -> None:
        self.dead_lettered += 1
        self.log.info(
            "%s: dead-lettered %s/%s@%s: %s", self.name, record.topic, record.partition, record.offset, reason
        )
        letter = DeadLetter(
            service=self.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            reason=reason,
            dead_at=now,
        )
        key = (record.key or b"").decode("utf-8", "replace")
        out = Outgoing(DLQ, key, f"{self.name}/{record.topic}/{record.partition}/{record.offset}", self.name, letter)
        await self._send([Release(out, False)], now)

    def _next_wake(self) -> datetime | None:
        candidates = [t for t in (self._timers[0].at if self._timers else None, self.gate.next_due()) if t]
        return min(candidates) if candidates else None

    async def _run_timers(self, logic: Logic) -> None:
        while True:
            self._wake.clear()
            first = self._next_wake()
            if first is None:
                await self._wake.wait()
                continue
            delay = self._wall().wall_at(first) - wall_now()
            if self._catching_up:
                # Restored, input read again not yet all handled: the timers due before the restart
                # fire in order with it (``_replay``); the others wait until it is.
                delay = max(delay, _PAUSE_POLL_S)
            if self._timers_paused():
                delay = max(delay, _PAUSE_POLL_S)  # a component down or queuing runs no timers
            if delay > 0:
                with contextlib.suppress(TimeoutError):  # woken early when a sooner timer is armed
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
                continue
            now = self.clock.now()
            try:
                released = self.gate.due(now)
                if released:
                    await self._send(released, now)
                if self._timers and self._timers[0].at <= now:
                    await self._fire(logic, now)
                next_at = self._next_wake()
                if next_at is None or next_at > self.clock.now():
                    await self.flush()
                    self._checkpoint_later(logic)
            except BrokerUnavailable as exc:
                # The producer keeps what it could not send yet and retries it; what it gave up on is
                # reported here (a timer's records are not replayed: PROCEDURES' G2 would show a loss).
                self.log.warning("%s: timer output not acknowledged: %s", self.name, exc)
                await sleep_wall(_RECONNECT_S)
