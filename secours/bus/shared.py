"""One reader for every service of a stepped run: a step costs one fetch, not one per service.

In a stepped run every service of the process reads through a :class:`SharedReader`: one client,
without a group, fetching for all of them. Each service still has a subscription of its own
(:class:`SharedSubscription`), with its own position in each partition, so a service restored from a
checkpoint reads again from where it was while the others read on: a partition is fetched from the
lowest position any subscription that wants it has, and each subscription is handed only the
records at or after its own position.

The reader fetches a partition only while some subscription's ledger reader wants it
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
from typing import Any

from aiokafka import TopicPartition
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError, LeaderNotAvailableError, for_code
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.record.memory_records import MemoryRecords

from secours.bus import Record
from secours.bus.ledger import Ledger, Reader
from secours.bus.settings import ClientSettings
from secours.clock import wall_now
from secours.errors import BrokerUnavailable

__all__ = ["SharedReader", "SharedSubscription"]

logger = logging.getLogger(__name__)

TP = tuple[str, int]
_PARTITION_BYTES = 4 * 1024 * 1024  # what one fetch may bring of one partition
_FETCH_BYTES = 64 * 1024 * 1024  # ... and of all of them
_RETRY_S = 0.2  # wall seconds before fetching again after an error
# How long a retriable error (a partition whose leader is being elected just after its topic was
# made, a broker restarting) may last before the readers are told the broker is gone. A consumer
# retries such errors forever by itself; the shared reader must do the same, or a run that creates
# its topics a moment before it reads them fails at random.
_GIVE_UP_S = 60.0


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

    def position(self, tp: TP) -> int:
        return self._next.get(tp, 0)

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

    def lag(self) -> dict[TP, int]:
        return self._shared.ledger.behind(self._next)

    async def caught_up(self) -> None:
        if self.reader is not None:
            await self.reader.caught_up.wait()

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._shared.remove(self)


class SharedReader:
    """Fetches, for every shared subscription, the partitions the ledger says hold something new.

    A loop of plain fetch requests on one client, not a consumer's background fetcher: a consumer
    looks over every partition it is assigned at each turn, paused or not, and a run's readers
    together read some hundred and fifty; a step here asks only for the few that changed.
    """

    def __init__(self, settings: ClientSettings, ledger: Ledger, options: dict[str, object]) -> None:
        self.settings = settings
        self.ledger = ledger
        self.prefix = settings.prefix
        self._options = options
        self._client: AIOKafkaClient | None = None
        self._subs: list[SharedSubscription] = []
        self._wanting: dict[TP, set[SharedSubscription]] = {}  # who wants each partition fetched
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.error: str | None = None  # set when fetching has failed for good: the readers raise it
        self._failing_since: float | None = None

    async def add(
        self, name: str, topics: Sequence[str], partitions: dict[str, list[int]], start: dict[TP, int] | None
    ) -> SharedSubscription:
        """A subscription to ``topics`` (their ``partitions``), from ``start`` (default: the beginning)."""
        async with self._lock:
            client = await self._started()
            for topic in topics:
                await client.add_topic(self.prefix + topic)
        positions = {(t, p): (start or {}).get((t, p), 0) for t in topics for p in partitions[t]}
        sub = SharedSubscription(self, name, topics, positions)
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
        for wanting in self._wanting.values():
            wanting.discard(sub)
        if sub in self._subs:
            self._subs.remove(sub)

    def _want(self, sub: SharedSubscription, tp: TP) -> None:
        self._wanting.setdefault(tp, set()).add(sub)
        self._wake.set()

    def _idle(self, sub: SharedSubscription, tp: TP) -> None:
        wanting = self._wanting.get(tp)
        if wanting is not None:
            wanting.discard(sub)

    async def _started(self) -> AIOKafkaClient:
        if self._client is None:
            client = AIOKafkaClient(**self._options)
            try:
                await client.bootstrap()
            except KafkaError as exc:
                await client.close()
                raise BrokerUnavailable(f"cannot reach Kafka at {self.settings.bootstrap}: {exc}") from exc
            self._client = client
            self._task = asyncio.create_task(self._fetch(client), name="shared-reader")
        return self._client

    def _wanted(self) -> dict[TP, int]:
        """Each partition someone wants, from the lowest position among those who want it."""
        out: dict[TP, int] = {}
        for tp, subs in self._wanting.items():
            if subs:
                out[tp] = min(sub.position(tp) for sub in subs)
        return out

    async def _fetch(self, client: AIOKafkaClient) -> None:
        while True:
            wanted = self._wanted()
            if not wanted:
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                await self._fetch_once(client, wanted)
                self.error, self._failing_since = None, None
            except KafkaError as exc:
                self._failed(exc)
                client.force_metadata_update()
                await asyncio.sleep(_RETRY_S)

    def _failed(self, exc: KafkaError) -> None:
        """A fetch failed: retry what the broker says may pass; give up on the rest, or after long."""
        now = wall_now()
        if self._failing_since is None:
            self._failing_since = now
            logger.info("the shared reader's fetch failed, retrying: %s", exc)
        if not exc.retriable or now - self._failing_since > _GIVE_UP_S:
            if self.error is None:
                logger.warning("the shared reader gives up: %s", exc)
            self.error = str(exc)

    async def _fetch_once(self, client: AIOKafkaClient, wanted: dict[TP, int]) -> None:
        by_node: dict[int, dict[str, list[tuple[int, int, int]]]] = {}
        for (topic, partition), offset in sorted(wanted.items()):
            leader = client.cluster.leader_for_partition(TopicPartition(self.prefix + topic, partition))
            if leader is None or leader < 0:
                raise LeaderNotAvailableError(f"no leader for {topic}/{partition}")
            by_node.setdefault(leader, {}).setdefault(self.prefix + topic, []).append(
                (partition, offset, _PARTITION_BYTES)
            )
        for node, topics in by_node.items():
            request = FetchRequest(self.settings.fetch_max_wait_ms, 1, _FETCH_BYTES, 0, list(topics.items()))
            response = await client.send(node, request)
            self._deliver(response, wanted)

    def _deliver(self, response: Any, wanted: dict[TP, int]) -> None:
        cut = len(self.prefix)
        for physical, partitions in response.topics:
            topic = physical[cut:]
            for partition, error_code, _highwater, *part_data in partitions:
                if error_code != 0:
                    raise for_code(error_code)(f"fetch of {topic}/{partition}")
                start = wanted.get((topic, partition), 0)
                records = _records(topic, partition, MemoryRecords(part_data[-1]), start)
                if not records:
                    continue
                for sub in list(self._wanting.get((topic, partition), ())):
                    sub.deliver((topic, partition), records)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._client is not None:
            client, self._client = self._client, None
            with contextlib.suppress(KafkaError):  # a broker already gone: nothing left to close cleanly
                await client.close()


def _records(topic: str, partition: int, batches: MemoryRecords, start: int) -> list[Record]:
    out: list[Record] = []
    while batches.has_next():
        batch = batches.next_batch()
        if batch.is_control_batch:
            continue
        out.extend(
            Record(topic, partition, r.offset, r.key, r.value, tuple(r.headers or ()), r.timestamp)
            for r in batch
            if r.offset >= start
        )
    return out
