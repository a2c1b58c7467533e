"""One consumer for every reader of a stepped run: a step costs one fetch, not one per service.

In a stepped run every service of the process reads through a :class:`SharedReader`: a single
consumer, without a group, assigned every partition any of them reads. Each service still has a
subscription of its own (:class:`SharedSubscription`), with its own position in each partition, so a
service restored from a checkpoint reads again from where it was while the others read on: the
consumer goes back to the lowest position any subscription needs, and each subscription is handed
only the records at or after its own position.

The consumer fetches a partition only while some subscription's ledger reader wants it
(:mod:`secours.bus.ledger`), so an idle run sends no fetch at all. A shared subscription commits
nothing: in a stepped run a service that may be restarted keeps its positions in its checkpoints, or
reads through a consumer of its own when it has none (see :class:`~secours.agenda.Agenda`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from secours.bus import Record
from secours.bus.ledger import Ledger, Reader
from secours.bus.settings import ClientSettings
from secours.errors import BrokerUnavailable

__all__ = ["SharedReader", "SharedSubscription"]

logger = logging.getLogger(__name__)

TP = tuple[str, int]
_FETCH_RECORDS = 20_000  # records a fetch may hand back at once


class SharedSubscription:
    """One service's view of the shared consumer: its topics, its positions, its records."""

    def __init__(self, shared: SharedReader, name: str, topics: Sequence[str], positions: dict[TP, int]) -> None:
        self._shared = shared
        self.name = name
        self.topics = frozenset(topics)
        self._next = dict(positions)  # the next offset this subscription takes, per partition
        self._buffer: list[Record] = []
        self._arrived = asyncio.Event()
        self._closed = False
        self.reader: Reader | None = None

    def deliver(self, tp: TP, records: list[Record]) -> None:
        """Records of ``tp`` fetched for every reader: keep those at or after this one's position."""
        start = self._next.get(tp, 0)
        mine = [r for r in records if r.offset >= start] if records[0].offset < start else records
        if not mine:
            return
        self._next[tp] = mine[-1].offset + 1
        self._buffer.extend(mine)
        self._arrived.set()
        if self.reader is not None:
            self._shared.ledger.read(self.reader, tp, mine[-1].offset + 1, len(mine))

    async def poll(self, timeout_s: float, max_records: int = 500) -> list[Record]:
        if not self._buffer:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout_s)
            if self._shared.error is not None:
                raise BrokerUnavailable(f"fetch failed: {self._shared.error}")
        out, self._buffer = self._buffer[:max_records], self._buffer[max_records:]
        return out

    def consumed(self) -> dict[TP, int]:
        return dict(self._next)

    async def commit(self, offsets: dict[TP, int] | None = None) -> None:
        raise BrokerUnavailable("a shared subscription has no group to commit for")

    async def positions(self) -> dict[TP, int]:
        return dict(self._next)

    async def ends(self) -> dict[TP, int]:
        return {}

    async def caught_up(self) -> None:
        if self.reader is not None:
            await self.reader.caught_up.wait()

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._shared.remove(self)


class SharedReader:
    def __init__(self, settings: ClientSettings, ledger: Ledger, options: dict[str, object]) -> None:
        self.settings = settings
        self.ledger = ledger
        self.prefix = settings.prefix
        self._options = options
        self._consumer: AIOKafkaConsumer | None = None
        self._subs: list[SharedSubscription] = []
        self._wanting: dict[TopicPartition, set[SharedSubscription]] = {}  # who wants each partition fetched
        self._assigned: set[TopicPartition] = set()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.error: str | None = None

    def _physical(self, tp: TP) -> TopicPartition:
        return TopicPartition(self.prefix + tp[0], tp[1])

    async def add(
        self, name: str, topics: Sequence[str], partitions: dict[str, list[int]], start: dict[TP, int] | None
    ) -> SharedSubscription:
        """A subscription to ``topics`` (their ``partitions``), from ``start`` (default: the beginning)."""
        async with self._lock:
            consumer = await self._started()
            wanted = {(t, p) for t in topics for p in partitions[t]}
            positions = {tp: (start or {}).get(tp, 0) for tp in wanted}
            sub = SharedSubscription(self, name, topics, positions)
            current = {tp: await consumer.position(tp) for tp in self._assigned}
            new = {self._physical(tp) for tp in wanted} - self._assigned
            if new:
                self._assigned |= new
                consumer.assign(sorted(self._assigned))  # positions are lost: set them again below
                for tp, at in current.items():
                    consumer.seek(tp, at)
                consumer.pause(*[tp for tp in self._assigned if not self._wanting.get(tp)])
            for tp, at in positions.items():
                physical = self._physical(tp)
                if physical in new or at < current.get(physical, at):
                    consumer.seek(physical, at)  # back to what the new subscription has not read yet
            self._subs.append(sub)
            sub.reader = self.ledger.attach(
                name,
                topics,
                positions,
                want=functools.partial(self._want, sub),
                idle=functools.partial(self._idle, sub),
                early=not self.settings.fetch_on_demand,
            )
            return sub

    async def remove(self, sub: SharedSubscription) -> None:
        if sub.reader is not None:
            self.ledger.detach(sub.reader)
        for tp in list(self._wanting):
            self._wanting[tp].discard(sub)
            self._update(tp)
        if sub in self._subs:
            self._subs.remove(sub)

    def _want(self, sub: SharedSubscription, tp: TP) -> None:
        physical = self._physical(tp)
        self._wanting.setdefault(physical, set()).add(sub)
        self._update(physical)

    def _idle(self, sub: SharedSubscription, tp: TP) -> None:
        physical = self._physical(tp)
        if physical in self._wanting:
            self._wanting[physical].discard(sub)
            self._update(physical)

    def _update(self, tp: TopicPartition) -> None:
        if self._consumer is None or tp not in self._assigned:
            return
        if self._wanting.get(tp):
            self._consumer.resume(tp)
        else:
            self._consumer.pause(tp)

    async def consumer(self) -> AIOKafkaConsumer:
        async with self._lock:
            return await self._started()

    async def _started(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(**self._options)
            try:
                await consumer.start()
            except KafkaError as exc:
                await consumer.stop()
                raise BrokerUnavailable(f"cannot reach Kafka at {self.settings.bootstrap}: {exc}") from exc
            self._consumer = consumer
            self._task = asyncio.create_task(self._fetch(consumer), name="shared-reader")
        return self._consumer

    async def _fetch(self, consumer: AIOKafkaConsumer) -> None:
        cut = len(self.prefix)
        while True:
            try:
                batches = await consumer.getmany(timeout_ms=1000, max_records=_FETCH_RECORDS)
            except KafkaError as exc:
                self.error = str(exc)
                logger.warning("the shared reader's fetch failed: %s", exc)
                await asyncio.sleep(0.5)
                continue
            for tp, fetched in batches.items():
                if not fetched:
                    continue
                topic = tp.topic[cut:]
                records = [
                    Record(topic, tp.partition, r.offset, r.key, r.value, tuple(r.headers or ()), r.timestamp)
                    for r in fetched
                ]
                for sub in self._subs:
                    if topic in sub.topics:
                        sub.deliver((topic, tp.partition), records)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            with contextlib.suppress(KafkaError):  # a broker already gone: nothing left to close cleanly
                await consumer.stop()
