"""Runs a service's pure logic against the bus: decode, handle, publish, commit; and timers.

The loop is the same for every service, so the guarantees are written once:
- a record that does not decode (or that the logic chokes on) goes to ``secours.dlq`` with the
  reason, and the service carries on;
- offsets are committed only after everything a batch produced is acknowledged (at-least-once);
- timers fire at simulated instants, through the shared :class:`~secours.clock.SimClock`.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from secours.bus import Bus, Record
from secours.clock import SimClock, format_sim, parse_sim
from secours.codec import Codec
from secours.effects import Effects, Outgoing, Timer
from secours.errors import CodecError, SecoursError
from secours.topics import TopicCatalog
from secours.wire import DeadLetter, WireModel
from secours.world import World

__all__ = ["Incoming", "Logic", "ServiceContext", "headers_for"]

logger = logging.getLogger(__name__)

DLQ = "secours.dlq"


@dataclass(frozen=True, slots=True)
class Incoming:
    """A decoded record with the CloudEvents attributes the logic may need."""

    topic: str
    message: WireModel
    ce_id: str
    source: str
    time: datetime | None


class Logic(Protocol):
    def start(self, now: datetime) -> Effects: ...

    def handle(self, incoming: Incoming, now: datetime) -> Effects: ...

    def on_timer(self, timer: Timer, now: datetime) -> Effects: ...


def headers_for(out: Outgoing, now: datetime) -> list[tuple[str, bytes]]:
    """CloudEvents Kafka binding, binary mode: the body is the Avro record, metadata in headers."""
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", out.id.encode()),
        ("ce_type", out.message.ce_type.encode()),
        ("ce_source", out.source.encode()),
        ("ce_time", format_sim(now).encode()),
        ("ce_subject", out.subject.encode()),
        ("content-type", b"application/avro"),
        ("ce_dataschema", out.message.schema_name.encode()),
    ]


class ServiceContext:
    """What a service's ``run`` receives: its name, the bus, the clock, the world."""

    def __init__(self, name: str, bus: Bus, codec: Codec, catalog: TopicCatalog, clock: SimClock, world: World) -> None:
        self.name = name
        self.bus = bus
        self.codec = codec
        self.catalog = catalog
        self.clock = clock
        self.world = world
        self.log = logging.getLogger(f"services.{name}")
        self._timers: list[Timer] = []
        self._timer_changed = asyncio.Event()
        self._unacked: list[Awaitable[object]] = []
        self.handled = 0
        self.dead_lettered = 0

    # --- publishing ---------------------------------------------------------------------------

    async def publish(self, outs: Sequence[Outgoing]) -> None:
        now = self.clock.now()
        for out in outs:
            self.catalog.spec_for(out.topic)  # an undeclared topic is a defect: fail loudly, not silently
            fut = await self.bus.publish(
                out.topic, out.key.encode(), self.codec.encode(out.message), headers_for(out, now)
            )
            self._unacked.append(fut)

    async def flush(self) -> None:
        """Wait until the broker has every record this service published (not other services')."""
        pending, self._unacked = self._unacked, []
        if pending:
            await asyncio.gather(*pending)

    async def apply(self, effects: Effects) -> None:
        await self.publish(effects.out)
        for timer in effects.timers:
            heapq.heappush(self._timers, timer)
            if self._timers[0] is timer:
                self._timer_changed.set()

    # --- the two loops ---------------------------------------------------------------------------

    async def serve(self, logic: Logic, topics: Sequence[str]) -> None:
        """Run ``logic`` until cancelled: consume ``topics``, fire timers."""
        await self.apply(logic.start(self.clock.now()))
        await self.flush()
        timers = asyncio.create_task(self._run_timers(logic), name=f"{self.name}-timers")
        try:
            await self._consume(logic, topics)
        finally:
            timers.cancel()
            await asyncio.gather(timers, return_exceptions=True)

    async def _consume(self, logic: Logic, topics: Sequence[str]) -> None:
        sub = await self.bus.subscribe(self.name, topics)
        try:
            while True:
                records = await sub.poll(0.1)
                if not records:
                    continue
                for record in records:
                    await self._handle(logic, record)
                await self.flush()
                await sub.commit()
        finally:
            await sub.close()

    async def _handle(self, logic: Logic, record: Record) -> None:
        now = self.clock.now()
        try:
            message = self.codec.decode(record.value, self.catalog.accepted(record.topic))
        except CodecError as exc:
            await self.dead_letter(record, str(exc), now)
            return
        ce_time = record.header("ce_time")
        incoming = Incoming(
            topic=record.topic,
            message=message,
            ce_id=record.header("ce_id") or f"{record.topic}/{record.partition}/{record.offset}",
            source=record.header("ce_source") or "",
            time=parse_sim(ce_time) if ce_time else None,
        )
        try:
            effects = logic.handle(incoming, now)
        except (SecoursError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # A record that is valid Avro but makes no sense to the logic must not stop the service.
            self.log.warning("%s: cannot handle %s: %s", self.name, message.ce_type, exc)
            await self.dead_letter(record, f"cannot handle {message.ce_type}: {exc}", now)
            return
        self.handled += 1
        await self.apply(effects)

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
        await self.publish([out])

    async def _run_timers(self, logic: Logic) -> None:
        while True:
            self._timer_changed.clear()
            if not self._timers:
                await self._timer_changed.wait()
                continue
            first = self._timers[0]
            delay = self.clock.wall_at(first.at) - self.clock.wall_now()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._timer_changed.wait(), timeout=delay)
                continue
            due = heapq.heappop(self._timers)
            await self.apply(logic.on_timer(due, self.clock.now()))
            if not self._timers or self._timers[0].at > self.clock.now():
                await self.flush()
