"""The aiokafka implementation of :class:`secours.bus.Bus`.

Choices that matter for the guarantees:
- services read with manual partition assignment plus a group id used only for offset commits:
  no rebalance pauses (Tansu holds joins for seconds), and a restarted service resumes after its
  last commit;
- offsets are committed only after the records a batch produced are acknowledged (``flush``),
  which makes processing at-least-once; handlers deduplicate;
- no idempotent or transactional producer: Tansu does not support them (see BROKER.md).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.partitioner import DefaultPartitioner, murmur2

from secours.bus import Headers, Record, Subscription, TopicToCreate
from secours.bus.ledger import Ledger, Reader
from secours.bus.settings import ClientSettings
from secours.bus.shared import SharedReader, SharedSubscription
from secours.errors import BrokerUnavailable

__all__ = ["KafkaBus", "KafkaSubscription", "consumer_options", "partitions_of"]

logger = logging.getLogger(__name__)


def consumer_options(settings: ClientSettings) -> dict[str, Any]:
    """How every consumer of the project reads (services, and the benchmark's bare relays alike)."""
    return {
        **settings.client_options(),
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "session_timeout_ms": settings.session_timeout_ms,
        "request_timeout_ms": settings.request_timeout_ms,
        "max_partition_fetch_bytes": 4 * 1024 * 1024,
        "fetch_max_wait_ms": settings.fetch_max_wait_ms,
    }


async def partitions_of(consumer: AIOKafkaConsumer, topic: str) -> list[int]:
    """The topic's partitions; metadata for a just-created topic can lag a moment behind its creation."""
    for _ in range(50):
        parts = consumer.partitions_for_topic(topic)
        if parts:
            return sorted(parts)
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.1)
    raise BrokerUnavailable(f"topic {topic} has no partitions (was it created?)")


@functools.lru_cache(maxsize=1 << 16)
def _murmur2_index(key: bytes, partitions: int) -> int:
    hashed: int = murmur2(key)
    return (hashed & 0x7FFFFFFF) % partitions


def keyed_partitioner(key: bytes | None, all_partitions: list[int], available: list[int]) -> int:
    """Kafka's default partitioning (murmur2 of the key, as the Java client), remembered per key.

    aiokafka's murmur2 is pure Python and every record of an ENS carries the same key (its LRN, or
    its filer's EORI), so caching the last keys' partitions saves most of that hashing.
    """
    if key is None:
        return int(DefaultPartitioner()(key, all_partitions, available))
    return all_partitions[_murmur2_index(key, len(all_partitions))]


class KafkaSubscription:
    def __init__(self, consumer: AIOKafkaConsumer, prefix: str, commits: bool, ends: dict[TopicPartition, int]) -> None:
        self._consumer = consumer
        self._prefix = prefix
        self._ends = {(tp.topic[len(prefix) :], tp.partition): offset for tp, offset in ends.items()}
        self._commits = commits
        self._closed = False
        self._consumed: dict[tuple[str, int], int] = {}
        self._ledger: Ledger | None = None
        self.reader: Reader | None = None  # tracked by a ledger: partitions fetched only when known to hold records

    async def track(self, ledger: Ledger, name: str, topics: Sequence[str], *, on_demand: bool = True) -> Reader:
        """Have ``ledger`` count what this subscription reads, and fetch a partition only while the
        ledger knows something is written to it (see :mod:`secours.bus.ledger`): ``on_demand``, once
        the broker has acknowledged it; else as soon as it is sent (the broker holds the fetch until
        the record is there)."""
        positions = await self.positions()
        physical = {tp: TopicPartition(self._prefix + tp[0], tp[1]) for tp in positions}
        self._consumer.pause(*physical.values())
        self._ledger = ledger
        self.reader = ledger.attach(
            name,
            topics,
            positions,
            want=lambda tp: self._consumer.resume(physical[tp]),
            idle=lambda tp: self._consumer.pause(physical[tp]),
            early=not on_demand,
        )
        return self.reader

    async def poll(self, timeout_s: float, max_records: int = 500) -> list[Record]:
        try:
            batches = await self._consumer.getmany(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        except KafkaError as exc:
            raise BrokerUnavailable(f"fetch failed: {exc}") from exc
        cut = len(self._prefix)
        out: list[Record] = []
        for tp, records in batches.items():
            topic = tp.topic[cut:]
            if records:
                self._consumed[(topic, tp.partition)] = records[-1].offset + 1
                if self.reader is not None and self._ledger is not None:
                    self._ledger.read(self.reader, (topic, tp.partition), records[-1].offset + 1, len(records))
            out.extend(
                Record(topic, tp.partition, r.offset, r.key, r.value, tuple(r.headers or ()), r.timestamp)
                for r in records
            )
        return out

    def consumed(self) -> dict[tuple[str, int], int]:
        return dict(self._consumed)

    async def commit(self, offsets: dict[tuple[str, int], int] | None = None) -> None:
        if self._commits:
            chosen = self._consumed if offsets is None else offsets
            physical = {TopicPartition(self._prefix + t, p): o for (t, p), o in chosen.items()}
            if not physical:
                return
            try:
                await self._consumer.commit(physical)
            except KafkaError as exc:
                raise BrokerUnavailable(f"offset commit failed: {exc}") from exc

    async def positions(self) -> dict[tuple[str, int], int]:
        cut = len(self._prefix)
        try:
            return {
                (tp.topic[cut:], tp.partition): await self._consumer.position(tp) for tp in self._consumer.assignment()
            }
        except KafkaError as exc:
            raise BrokerUnavailable(f"cannot read positions: {exc}") from exc

    async def ends(self) -> dict[tuple[str, int], int]:
        return dict(self._ends)

    def lag(self) -> dict[tuple[str, int], int]:
        if self.reader is not None and self._ledger is not None:  # tracked: the ledger knows every end
            return self._ledger.behind(self.reader.read_to)
        # Else the broker's high watermark, as the last fetch reported it, against what was read:
        # known for the partitions read from at least once.
        cut, lag = len(self._prefix), {}
        for tp in self._consumer.assignment():
            high, key = self._consumer.highwater(tp), (tp.topic[cut:], tp.partition)
            if high is not None and key in self._consumed:
                lag[key] = max(0, high - self._consumed[key])
        return lag

    async def caught_up(self) -> None:
        if self.reader is not None:
            await self.reader.caught_up.wait()

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self.reader is not None and self._ledger is not None:
                self._ledger.detach(self.reader)
            await stop_consumer(self._consumer)


async def stop_consumer(consumer: AIOKafkaConsumer) -> None:
    """Stop a consumer. aiokafka's ``stop`` awaits the fetch tasks it cancels, and one caught in its
    retry back-off (the broker gone) lets their CancelledError out to the caller (aio-libs/aiokafka
    #647): that is not a cancellation of ours, so it must not abort the rest of a shutdown."""
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise  # we are being cancelled ourselves: let it through


class KafkaBus:
    def __init__(self, settings: ClientSettings, ledger: Ledger | None = None) -> None:
        self.settings = settings
        self.prefix = settings.prefix
        self.ledger = ledger  # a stepped run counts what it writes and reads (secours.bus.ledger)
        self._partitions: dict[str, int] = {}  # partition count per topic, for the ledger
        self._shared: SharedReader | None = None  # a stepped run's readers share one consumer
        self._producer: AIOKafkaProducer | None = None
        self._subscriptions: list[KafkaSubscription] = []

    def physical(self, topic: str) -> str:
        return self.prefix + topic

    async def start(self) -> None:
        if self._producer is not None:
            return
        producer = AIOKafkaProducer(
            **self.settings.client_options(),
            acks="all",
            linger_ms=0,  # send at once: a hop's latency, not a batch's, is what a simulated party sees
            partitioner=keyed_partitioner,
            request_timeout_ms=self.settings.request_timeout_ms,
        )
        try:
            await producer.start()
        except KafkaError as exc:
            await producer.stop()
            raise BrokerUnavailable(f"cannot reach Kafka at {self.settings.bootstrap}: {exc}") from exc
        self._producer = producer

    async def stop(self) -> None:
        for sub in self._subscriptions:
            await sub.close()
        self._subscriptions.clear()
        if self._shared is not None:
            shared, self._shared = self._shared, None
            await shared.stop()
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()  # sends what is still buffered before closing

    async def publish(self, topic: str, key: bytes | None, value: bytes, headers: Headers) -> Awaitable[object]:
        if self._producer is None:
            raise BrokerUnavailable("bus is not started")
        partition: int | None = None
        if self.ledger is not None and key is not None:
            # Chosen here, as the partitioner would, so the ledger knows where the record goes.
            partition = _murmur2_index(key, await self._partition_count(topic))
            self.ledger.sending((topic, partition))
        try:
            fut: Awaitable[object] = await self._producer.send(
                self.physical(topic), value=value, key=key, headers=list(headers), partition=partition
            )
        except KafkaError as exc:
            raise BrokerUnavailable(f"cannot send to {topic}: {exc}") from exc
        if self.ledger is not None:
            self.ledger.sent(fut)  # type: ignore[arg-type]
        return fut

    async def _partition_count(self, topic: str) -> int:
        count = self._partitions.get(topic)
        if count is None:
            assert self._producer is not None
            try:
                count = len(await self._producer.partitions_for(self.physical(topic)))
            except KafkaError as exc:
                raise BrokerUnavailable(f"cannot send to {topic}: {exc}") from exc
            self._partitions[topic] = count
        return count

    async def settle(self, pending: Sequence[Awaitable[object]]) -> None:
        """Wait for the acknowledgements of these records; Kafka's errors become the project's own.

        Shielded: when the waiter is cancelled (a service crashing), the records' own futures must
        stay as they are. Cancelled, they break the producer, which every service of the process
        shares: its sender cannot complete them and stops sending for everyone.
        """
        try:
            await asyncio.gather(*(asyncio.shield(f) for f in pending))
        except KafkaError as exc:
            raise BrokerUnavailable(f"records not acknowledged: {exc}") from exc

    async def subscribe(
        self,
        group: str | None,
        topics: Sequence[str],
        *,
        start: dict[tuple[str, int], int] | None = None,
        tracked: bool = False,
        shared: bool = False,
    ) -> Subscription:
        if shared:
            return await self._subscribe_shared(group or "reader", topics, start)
        consumer = AIOKafkaConsumer(
            group_id=(self.prefix + group) if group else None, **consumer_options(self.settings)
        )
        try:
            await consumer.start()
            partitions: list[TopicPartition] = []
            for topic in topics:
                physical = self.physical(topic)
                parts = await partitions_of(consumer, physical)
                partitions.extend(TopicPartition(physical, p) for p in parts)
            # Asked before assigning: once assigned, the consumer's fetch is on the wire, and on a quiet
            # topic the broker holds it for the whole fetch wait (500 ms on Kafka), with this request
            # queued behind it on the same connection (twice over, a restored service stayed silent a
            # wall second: ten simulated minutes at speed 600).
            ends = await consumer.end_offsets(partitions) if partitions else {}
            consumer.assign(partitions)
            if start is not None:
                cut = len(self.prefix)
                for tp in partitions:
                    at = start.get((tp.topic[cut:], tp.partition))
                    if at is None:
                        await consumer.seek_to_beginning(tp)
                    else:
                        consumer.seek(tp, at)
        except (KafkaError, BrokerUnavailable) as exc:
            await consumer.stop()  # left open, it is reported unclosed after the one-line error
            if isinstance(exc, BrokerUnavailable):
                raise
            raise BrokerUnavailable(f"cannot subscribe to {list(topics)}: {exc}") from exc
        sub = KafkaSubscription(consumer, self.prefix, commits=group is not None, ends=ends)
        self._subscriptions.append(sub)
        if tracked:
            if self.ledger is None:
                await sub.close()
                raise ValueError("a tracked subscription needs a bus with a ledger")
            try:
                await sub.track(self.ledger, group or "reader", topics, on_demand=self.settings.fetch_on_demand)
            except KafkaError as exc:
                await sub.close()
                raise BrokerUnavailable(f"cannot read positions of {list(topics)}: {exc}") from exc
        return sub

    async def read_all(self, topic: str) -> list[Record]:
        records, _ = await self._read_from_end(topic, None)
        return records

    async def _subscribe_shared(
        self, name: str, topics: Sequence[str], start: dict[tuple[str, int], int] | None
    ) -> SharedSubscription:
        if self.ledger is None:
            raise ValueError("a shared subscription needs a bus with a ledger")
        if self._shared is None:
            self._shared = SharedReader(self.settings, self.ledger, self.settings.client_options())
        try:
            # The producer's metadata, not the shared consumer's: that one knows only its assignment.
            partitions = {t: list(range(await self._partition_count(t))) for t in topics}
            return await self._shared.add(name, topics, partitions, start)
        except KafkaError as exc:
            raise BrokerUnavailable(f"cannot subscribe to {list(topics)}: {exc}") from exc

    async def read_upto(self, ends: dict[tuple[str, int], int], batch: int = 20_000) -> list[Record]:
        """Every record of these partitions from their beginning up to the offset given for each,
        in one pass (a finished stepped run's journal: its ledger knows where each partition ends)."""
        wanted = {tp: end for tp, end in ends.items() if end > 0}
        if not wanted:
            return []
        consumer = AIOKafkaConsumer(**consumer_options(self.settings))
        physical = {TopicPartition(self.physical(t), p): (t, p) for t, p in wanted}
        out: list[Record] = []
        try:
            await consumer.start()
            for topic in sorted({t for t, _ in wanted}):
                await partitions_of(consumer, self.physical(topic))  # metadata for the assignment
            consumer.assign(list(physical))
            await consumer.seek_to_beginning(*physical)
            behind = set(physical)
            while behind:
                batches = await consumer.getmany(*behind, timeout_ms=500, max_records=batch)
                for tp, records in batches.items():
                    topic, part = physical[tp]
                    out.extend(
                        Record(topic, part, r.offset, r.key, r.value, tuple(r.headers or ()), r.timestamp)
                        for r in records
                        if r.offset < wanted[(topic, part)]
                    )
                behind = {tp for tp in behind if await consumer.position(tp) < wanted[physical[tp]]}
        except KafkaError as exc:
            raise BrokerUnavailable(f"cannot read the run's records: {exc}") from exc
        finally:
            await consumer.stop()
        return out

    async def read_tail(self, topic: str, count: int) -> tuple[list[Record], bool]:
        return await self._read_from_end(topic, count)

    async def _read_from_end(self, topic: str, count: int | None) -> tuple[list[Record], bool]:
        """The last ``count`` offsets of each partition (None: all), and whether that was all of it."""
        consumer = AIOKafkaConsumer(**consumer_options(self.settings))
        physical = self.physical(topic)
        out: list[Record] = []
        whole = True
        try:
            await consumer.start()
            partitions = [TopicPartition(physical, p) for p in await partitions_of(consumer, physical)]
            consumer.assign(partitions)
            starts = await consumer.beginning_offsets(partitions)
            ends = await consumer.end_offsets(partitions)
            for tp in partitions:
                first = starts[tp] if count is None else max(starts[tp], ends[tp] - count)
                whole = whole and first == starts[tp]
                consumer.seek(tp, first)
            behind = {tp for tp in partitions if ends[tp] > starts[tp]}
            while behind:
                batches = await consumer.getmany(*behind, timeout_ms=500, max_records=1000)
                for tp, records in batches.items():
                    out.extend(
                        Record(topic, tp.partition, r.offset, r.key, r.value, tuple(r.headers or ()), r.timestamp)
                        for r in records
                    )
                # Compaction leaves gaps in the offsets: the position, not the last record, says when done.
                behind = {tp for tp in behind if await consumer.position(tp) < ends[tp]}
        except KafkaError as exc:
            raise BrokerUnavailable(f"cannot read {topic}: {exc}") from exc
        finally:
            await consumer.stop()
        return out, whole

    async def end_offsets(self, topic: str) -> dict[int, int]:
        """The end offset of each partition of ``topic`` now; {} when the broker has no such topic."""
        consumer = AIOKafkaConsumer(**consumer_options(self.settings))
        physical = self.physical(topic)
        try:
            await consumer.start()
            await consumer._client.force_metadata_update()
            parts = consumer.partitions_for_topic(physical)
            if not parts:
                return {}
            ends = await consumer.end_offsets([TopicPartition(physical, p) for p in parts])
            return {tp.partition: offset for tp, offset in ends.items()}
        except KafkaError as exc:
            raise BrokerUnavailable(f"cannot read the end of {topic}: {exc}") from exc
        finally:
            await consumer.stop()

    async def _until_ready(self, admin: AIOKafkaAdminClient, names: list[str], timeout_s: float = 30.0) -> None:
        """Wait until new topics have partition leaders and the group coordinator answers.

        Apache Kafka creates leaders and the offsets topic asynchronously; services that start
        before then get retriable errors (logged loudly by aiokafka). Waiting here keeps a run's
        start quiet and its first records fast.
        """
        deadline = asyncio.get_running_loop().time() + timeout_s
        pending = set(names)
        while pending:
            described = await admin.describe_topics(sorted(pending))
            for topic in described:
                parts = topic["partitions"]
                if topic["error_code"] == 0 and parts and all(p["leader"] >= 0 for p in parts):
                    pending.discard(topic["topic"])
            if pending and asyncio.get_running_loop().time() > deadline:
                raise BrokerUnavailable(f"{len(pending)} new topics still have no leader after {timeout_s:.0f} s")
            if pending:
                await asyncio.sleep(0.05)
        while True:
            try:
                await admin.find_coordinator(self.prefix + "secours")
                return
            except KafkaError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.1)

    async def delete_prefixed_topics(self) -> int:
        """Delete every topic under this bus's prefix (a finished test's or run's); the count.

        Refused without a prefix: that would be every topic of the cluster. Thousands of leftover
        topics slow a single-node broker down (metadata, log directories, leader elections).
        """
        if not self.prefix:
            raise ValueError("refusing to delete topics without a topic prefix")
        admin = AIOKafkaAdminClient(**self.settings.client_options())
        try:
            await admin.start()
            mine = [t for t in await admin.list_topics() if t.startswith(self.prefix)]
            if mine:
                await admin.delete_topics(mine)
            return len(mine)
        except KafkaError as exc:
            raise BrokerUnavailable(f"cannot delete topics on {self.settings.bootstrap}: {exc}") from exc
        finally:
            await admin.close()

    async def ensure_topics(self, topics: Sequence[TopicToCreate]) -> None:
        admin = AIOKafkaAdminClient(**self.settings.client_options())
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            new = [
                NewTopic(
                    name=self.physical(t.name),
                    num_partitions=t.partitions,
                    replication_factor=1,
                    topic_configs={"cleanup.policy": t.cleanup},
                )
                for t in topics
                if self.physical(t.name) not in existing
            ]
            if new:
                try:
                    await admin.create_topics(new)
                except TopicAlreadyExistsError:
                    logger.debug("some topics appeared concurrently")
                logger.info("created %s topics", len(new))
            await self._until_ready(admin, [t.name for t in new])
        except KafkaError as exc:
            raise BrokerUnavailable(f"cannot create topics on {self.settings.bootstrap}: {exc}") from exc
        finally:
            await admin.close()
