"""What a service's ``run`` receives: :class:`ServiceContext`, a façade over the parts that run it.

The context keeps the service's settings (name, bus, codec, catalogue, clock, world, faults, store),
publishes through the publish gate, and runs the loops; the work is the parts':

- :mod:`secours.runtime.timers`: the timers, and the loop firing them at their simulated instants;
- :mod:`secours.runtime.acks`: the acknowledgement chain, committing offsets only once what they
  cover is acknowledged;
- :mod:`secours.runtime.recovery`: checkpoints, restoring from them, and catching up after it;
- :mod:`secours.runtime.consume`: the consume loop, faults on the way in, and dead-lettering.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Sequence
from datetime import datetime

from secours.agenda import Agenda
from secours.bus import Bus, Record, Subscription
from secours.checkpoint import StateStore
from secours.clock import Clock, WallClock
from secours.cloudevents import headers_for
from secours.codec import Codec
from secours.effects import Effects, Incoming, Outgoing, Timer
from secours.errors import BrokerUnavailable
from secours.faults.consume import ConsumeGate
from secours.faults.controller import FaultController
from secours.faults.gate import PublishGate, Release
from secours.runtime.acks import AckChain
from secours.runtime.base import Logic
from secours.runtime.consume import Consumer
from secours.runtime.recovery import Recovery
from secours.runtime.stats import Observer, ServiceStats
from secours.runtime.timers import TimerLoop
from secours.stepper import Stepper
from secours.topics import TopicCatalog
from secours.wire import Heartbeat, StateChunk
from secours.world import World

__all__ = ["HEALTH", "ServiceContext"]

HEALTH = "ops.health"


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
        # Actors of this service whose fallback desk a trainee plays (--human edi_provider:P002): the
        # service still runs their systems, but their people's steps are the trainee's.
        self.played_by_people: frozenset[str] = frozenset()
        self.bus = bus
        self.codec = codec
        self.catalog = catalog
        self.clock = clock
        self.world = world
        self.faults = faults
        self.stepper = stepper  # a stepped run: the stepper hands out simulated time (secours.agenda)
        self.ready = asyncio.Event()  # started or restored, and caught up with its input: in the run
        self.gate = PublishGate(name, faults)
        self.log = logging.getLogger(f"services.{name}")
        # What it has done (records per topic and outcome, handler time), for the metrics: the
        # simulation hands a restarted instance its predecessor's, so counts go on.
        self.stats = ServiceStats()
        self.observe: Observer | None = None  # told of every record read and published (the metrics)
        self.subscription: Subscription | None = None  # what it reads now (the metrics' consumer lag)
        # Checkpoints (None: a restarted instance starts afresh and reads on from the group's commits).
        self.store: StateStore | None = None
        self.restored_from: int | None = None  # the checkpoint this instance came back from
        # In a stepped run, the simulated instant the previous instance was killed: what fell due
        # from then on found nobody, and waits for this instance (see Agenda.advance).
        self.died_at: datetime | None = None
        self._timer_loop = TimerLoop(self)
        self._acks = AckChain(self)
        self._recovery = Recovery(self)
        self._consumer = Consumer(self)

    @property
    def handled(self) -> int:
        return self.stats.total("handled")

    @property
    def dead_lettered(self) -> int:
        return self.stats.total("dead_lettered")

    @property
    def refused(self) -> int:
        return self.stats.total("refused")

    # --- publishing ---------------------------------------------------------------------------

    async def publish(self, outs: Sequence[Outgoing], now: datetime | None = None) -> None:
        """Send ``outs`` at ``now`` (default: the clock's now) through the publish-side faults."""
        now = self.clock.now() if now is None else now
        ready: list[Release] = []
        for out in outs:
            self.catalog.spec_for(out.topic)  # an undeclared topic is a defect: fail loudly, not silently
            ready.extend(self.gate.submit(out, now))
        if self.gate.next_due() is not None:
            self._timer_loop.wake.set()
        await self._send(ready, now)

    async def _send(self, releases: Sequence[Release], now: datetime) -> None:
        for rel in releases:
            out = rel.out
            value = self.codec.encode(out.message)
            if rel.corrupt:
                value = PublishGate.corrupt(value)
            fut = await self.bus.publish(out.topic, out.key.encode(), value, headers_for(out, now))
            self.stats.published[out.topic] += 1
            if self.observe is not None:
                self.observe(out.topic, out.key, out.id, out.message)
            if self.stepper is None:  # a stepped run's ledger counts acknowledgements for everyone
                self._acks.unacked.append(fut)

    async def flush(self) -> None:
        """Wait until the broker has every record this service published (not other services')."""
        await self._acks.flush()

    async def apply(self, effects: Effects, now: datetime | None = None) -> None:
        await self.publish(effects.out, now)
        for timer in effects.timers:
            self._timer_loop.arm(timer)

    async def dead_letter(self, record: Record, reason: str, now: datetime) -> None:
        await self._consumer.dead_letter(record, reason, now)

    def held_until(self) -> datetime | None:
        """When the first input held by a fault may be handled: the earliest end of those faults."""
        return self._consumer.held_until()

    # --- the loops -----------------------------------------------------------------------------

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
            if not await self._recovery.restore(logic):
                await self.apply(logic.start(self.clock.now()))
                await self.flush()
            self.follow_own_outages()
            self.ready.set()
            loops.append(asyncio.create_task(self._timer_loop.run(logic), name=f"{self.name}-timers"))
            if self.store is not None:
                loops.append(asyncio.create_task(self._recovery.checkpoints(logic), name=f"{self.name}-checkpoints"))
            loops.append(asyncio.create_task(self._consumer._consume(logic, topics), name=f"{self.name}-consume"))
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
                self._timer_loop.own_outage(active)
            self.faults.listeners.append(self._timer_loop.own_outage)

    def forget_own_outages(self) -> None:
        if self.faults is not None and self._timer_loop.own_outage in self.faults.listeners:
            self.faults.listeners.remove(self._timer_loop.own_outage)

    # --- heartbeats ----------------------------------------------------------------------------

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
        if self._timer_loop.paused(now) and not blind:
            return False
        beat = Heartbeat(component=self.name, at=now)
        out = Outgoing(HEALTH, self.name, f"{self.name}/{now.isoformat()}", self.name, beat)
        if blind:  # the probe still answers: past the fault's hold on this component's output
            await self._send([Release(out, False)], now)
        else:
            await self.publish([out], now)
        return True

    # --- what the stepped agenda (secours.agenda) and the tests reach into ---------------------

    @property
    def _timers(self) -> list[Timer]:
        return self._timer_loop.heap

    @_timers.setter
    def _timers(self, timers: list[Timer]) -> None:
        self._timer_loop.heap = timers

    @property
    def consume_gate(self) -> ConsumeGate:
        """Faults on the way in: what is refused, answered with an error, or held (and until when)."""
        return self._consumer.gate

    @property
    def _unacked(self) -> list[Awaitable[object]]:
        return self._acks.unacked

    @property
    def _chain(self) -> asyncio.Task[None] | None:
        return self._acks.chain

    def _state_of(self, logic: Logic) -> dict[str, object]:
        return self._recovery.state_of(logic)

    def _link(
        self,
        pieces: list[StateChunk] | None,
        sub: Subscription | None = None,
        offsets: dict[tuple[str, int], int] | None = None,
    ) -> None:
        self._acks.link(pieces, sub, offsets)

    def _paused(self, now: datetime | None = None) -> datetime | None:
        return self._consumer._paused(now)

    def _decode(self, record: Record) -> Incoming:
        return self._consumer._decode(record)

    async def _handle(self, logic: Logic, record: Record, now: datetime | None = None) -> None:
        await self._consumer._handle(logic, record, now)

    async def _process(self, logic: Logic, incoming: Incoming, record: Record | None, now: datetime) -> None:
        await self._consumer._process(logic, incoming, record, now)

    async def _replay_held(self, logic: Logic, now: datetime | None = None) -> None:
        await self._consumer._replay_held(logic, now)

    async def _run_timers(self, logic: Logic) -> None:
        await self._timer_loop.run(logic)
