"""The trader's side of the benchmark, the same for the bare chain and the simulated services.

- :class:`EnsFactory` makes the records a trader hands its EDI provider: real ENS (IE3F10 or IE3F51)
  built from a world's consignments, each under a new LRN, Avro-encoded with CloudEvents headers,
  exactly as the trader service sends them.
- :class:`Source` files them, as fast as the producer takes them or at a fixed rate.
- :class:`Sink` notes, for each LRN, when its answer arrives.

Times are ``time.monotonic()`` in this one process, so a latency is the wall time from handing the
filing to the producer to reading the answer: what a trader would see.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from secours.bus.kafka import consumer_options, partitions_of
from secours.bus.settings import ClientSettings
from secours.cloudevents import headers_for
from secours.codec import Codec
from secours.effects import Outgoing
from secours.errors import BrokerUnavailable
from secours.world import Consignment, World
from services.trader.ens import build_ens

__all__ = ["EnsFactory", "Filing", "Sink", "Source", "count_records"]


@dataclass(frozen=True, slots=True)
class Filing:
    topic: str  # logical name
    key: bytes  # the LRN
    value: bytes
    headers: list[tuple[str, bytes]]


class EnsFactory:
    """ENS records for the consignments of ``world`` that an EDI provider lodges, round-robin."""

    def __init__(self, world: World, codec: Codec, run: str) -> None:
        edi = {p.id for p in world.providers if p.channel == "EDI" and not p.own_connection}
        self.templates: list[Consignment] = [c for c in world.consignments if c.provider in edi]
        if not self.templates:
            raise ValueError("the benchmark world has no consignment lodged through an EDI provider")
        self.world = world
        self.codec = codec
        self.run = run  # makes LRNs unique across runs sharing one cluster

    def filing(self, i: int) -> Filing:
        c = self.templates[i % len(self.templates)]
        lrn = f"B{self.run}{i:09d}"  # at most 22 alphanumerics (rule R0101)
        msg_id = str(uuid.uuid4())
        now = c.ready
        ens = build_ens(self.world, c, msg_id, now, break_rule=None)
        # A new consignment each time: the CR refuses a second ENS for one transport document (G1).
        document = ens.transport_document.model_copy(update={"reference": f"BD{self.run}{i:09d}"})
        ens = ens.model_copy(update={"lrn": lrn, "transport_document": document})
        out = Outgoing(f"edi.to_provider.{c.provider}", lrn, msg_id, f"trader:{c.trader}", ens)
        return Filing(out.topic, lrn.encode(), self.codec.encode(ens), headers_for(out, now))

    def filings(self, start: int, count: int) -> list[Filing]:
        return [self.filing(i) for i in range(start, start + count)]


class Source:
    """Hands filings to one producer; remembers when each was handed over."""

    def __init__(self, producer: AIOKafkaProducer, prefix: str, route: Callable[[Filing], str] | None = None) -> None:
        self._producer = producer
        self._prefix = prefix
        self._route = route or (lambda f: f.topic)
        self.sent_at: dict[bytes, float] = {}

    async def _send(self, f: Filing) -> Awaitable[object]:
        self.sent_at[f.key] = time.monotonic()
        fut: Awaitable[object] = await self._producer.send(
            self._prefix + self._route(f), value=f.value, key=f.key, headers=f.headers
        )
        return fut

    async def blast(self, filings: Sequence[Filing]) -> None:
        """As fast as the producer takes them; returns once the broker has them all."""
        await asyncio.gather(*[await self._send(f) for f in filings])

    async def paced(self, filings: Sequence[Filing], rate: float) -> None:
        """At ``rate`` filings per wall second, evenly (checked every 2 ms), whatever the answers do."""
        pending: list[Awaitable[object]] = []
        start = time.monotonic()
        sent = 0
        while sent < len(filings):
            due = min(len(filings), int((time.monotonic() - start) * rate) + 1)
            while sent < due:
                pending.append(await self._send(filings[sent]))
                sent += 1
            await asyncio.sleep(0.002)
        await asyncio.gather(*pending)


class Sink:
    """Reads the answer topics from their start; notes the first arrival of each wanted key."""

    def __init__(
        self, settings: ClientSettings, topics: Sequence[str], wanted: Callable[[ConsumerRecord[bytes, bytes]], bool]
    ) -> None:
        self._settings = settings
        self._topics = [settings.prefix + t for t in topics]
        self._wanted = wanted
        self.arrived_at: dict[bytes, float] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        consumer = AIOKafkaConsumer(**consumer_options(self._settings))
        await consumer.start()
        self._consumer = consumer
        parts = [TopicPartition(t, p) for t in self._topics for p in await partitions_of(consumer, t)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        self._task = asyncio.create_task(self._read(consumer), name="bench-sink")

    async def _read(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=100)
            now = time.monotonic()
            for records in batches.values():
                for r in records:
                    if r.key is not None and self._wanted(r):
                        self.arrived_at.setdefault(r.key, now)

    async def wait_for(self, keys: Sequence[bytes], timeout_s: float) -> int:
        """Wait until every key has arrived or ``timeout_s`` passes; the number still missing."""
        deadline = time.monotonic() + timeout_s
        while True:
            if self._task is not None and self._task.done():
                self._task.result()  # the reader failed: say why
            missing = sum(1 for k in keys if k not in self.arrived_at)
            if not missing or time.monotonic() > deadline:
                return missing
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()


async def count_records(settings: ClientSettings) -> int:
    """Records written so far to every topic under the prefix (sum of the partitions' end offsets)."""
    consumer = AIOKafkaConsumer(**settings.client_options(), enable_auto_commit=False)
    try:
        await consumer.start()
        topics = [t for t in await consumer.topics() if t.startswith(settings.prefix)]
        parts = [TopicPartition(t, p) for t in topics for p in await partitions_of(consumer, t)]
        ends = await consumer.end_offsets(parts) if parts else {}
        return sum(ends.values())
    except KafkaError as exc:
        raise BrokerUnavailable(f"cannot read end offsets: {exc}") from exc
    finally:
        await consumer.stop()
