"""What a run has written and what its readers have read: how a stepped run knows it is quiet.

In one process the run knows every record it hands to the producer and every record its readers
get back, so quietness is a matter of counting, not of asking the broker:

- ``pending``: records handed to the producer and not yet acknowledged (or failed);
- ``ends``: for each partition written, the offset after its last acknowledged record;
- for each tracked reader, where it has read to in each partition of its topics.

The run is quiet when nothing is pending and every reader has read every partition of its topics
to its end. Only the records of this process count: a stepped run has no other writer.

The ledger also tells a reader *where* there is something to read. A tracked subscription keeps
its partitions paused and has them fetched only once the ledger knows a record is there: an idle
reader sends no fetch at all, and a reader with something to read fetches it at once, on a broker
that answers a waiting fetch only when its wait is over (Tansu) as on one that answers it as soon
as a record arrives (Apache Kafka).
"""

from __future__ import annotations

import asyncio
import bisect
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["TP", "Ledger", "Reader"]

TP = tuple[str, int]  # a logical topic and a partition


@dataclass(eq=False)
class Reader:
    """One tracked subscription, as the ledger sees it."""

    name: str
    topics: frozenset[str]
    read_to: dict[TP, int]
    want: Callable[[TP], None]  # something is (or is about to be) there to read: fetch this partition
    idle: Callable[[TP], None]  # read to its end: stop fetching it
    early: bool = False  # fetch as soon as a record is sent, not once it is acknowledged
    behind: set[TP] = field(default_factory=set)
    awaited: dict[TP, int] = field(default_factory=dict)  # early: records sent to it, not yet read
    caught_up: asyncio.Event = field(default_factory=asyncio.Event)


class Ledger:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.pending = 0
        self.written = 0  # records acknowledged so far
        self.ends: dict[TP, int] = {}
        self.failures: list[str] = []  # sends the producer gave up on: a stepped run cannot be judged
        self._readers: dict[str, list[Reader]] = {}
        self._lagging = 0  # (reader, partition) pairs not read to their end
        self._quiet = asyncio.Event()
        self._quiet.set()
        # The end of the step under way (set by the stepper): no record written in a step can be read
        # before it. Kept per written record, as runs of offsets, so that a service restored after a
        # crash reads each record again as arriving when it first arrived (see floor()).
        self.horizon: datetime | None = None
        self._floors: dict[TP, tuple[list[int], list[datetime]]] = {}
        self._acked_to: dict[TP, int] = {}  # the highest offset acknowledged, per partition

    @property
    def quiet(self) -> bool:
        return self.pending == 0 and self._lagging == 0

    def behind(self, positions: dict[TP, int]) -> dict[TP, int]:
        """Records written and not yet read, for a reader at ``positions``."""
        return {tp: max(0, self.ends.get(tp, 0) - at) for tp, at in positions.items()}

    def lagging(self) -> list[str]:
        """What keeps the run from being quiet, for a message: readers behind, sends unacknowledged."""
        out = [
            f"{r.name} behind on {t}/{p} ({r.read_to.get((t, p), 0)} of {self.ends.get((t, p), 0)})"
            for readers in self._readers.values()
            for r in readers
            for t, p in sorted(r.behind)
        ]
        if self.pending:
            out.append(f"{self.pending} records not acknowledged")
        return sorted(set(out))

    async def until_quiet(self) -> None:
        while not self.quiet:
            self._quiet.clear()
            await self._quiet.wait()

    def _settled(self) -> None:
        if self.quiet:
            self._quiet.set()

    # --- writing ---------------------------------------------------------------------------------

    def sending(self, tp: TP) -> None:
        """A record is about to be sent to ``tp``: readers that fetch early ask for it now (a broker
        that answers a waiting fetch as soon as a record arrives saves them a round trip)."""
        for reader in self._readers.get(tp[0], ()):
            if reader.early:
                reader.awaited[tp] = reader.awaited.get(tp, 0) + 1
                reader.want(tp)

    def sent(self, fut: asyncio.Future[Any]) -> None:
        """A record was handed to the producer; ``fut`` resolves to its metadata once acknowledged."""
        self.pending += 1
        fut.add_done_callback(functools.partial(self._acked, self.horizon))

    def floor(self, tp: TP, offset: int) -> datetime | None:
        """The end of the step in which the record at ``offset`` of ``tp`` was written (None: unknown)."""
        runs = self._floors.get(tp)
        if runs is None or offset > self._acked_to.get(tp, -1):
            return None  # not acknowledged yet: an early reader's record, of the step under way
        i = bisect.bisect_right(runs[0], offset) - 1
        return runs[1][i] if i >= 0 else None

    def _note_floor(self, tp: TP, offset: int, floor: datetime) -> None:
        self._acked_to[tp] = max(offset, self._acked_to.get(tp, -1))
        offsets, floors = self._floors.setdefault(tp, ([], []))
        if not offsets or offset > offsets[-1]:
            if not floors or floors[-1] != floor:  # one run of offsets per step: a few per partition
                offsets.append(offset)
                floors.append(floor)
            return
        # Acknowledged out of offset order (one producer acknowledges a partition in order, so this
        # is not expected): an exact entry for this offset, the one after keeping its own floor.
        after = self.floor(tp, offset + 1)
        i = bisect.bisect_left(offsets, offset)
        if i < len(offsets) and offsets[i] == offset:
            floors[i] = floor
        else:
            offsets.insert(i, offset)
            floors.insert(i, floor)
        if after is not None and (i + 1 == len(offsets) or offsets[i + 1] != offset + 1):
            offsets.insert(i + 1, offset + 1)
            floors.insert(i + 1, after)

    def _acked(self, floor: datetime | None, fut: asyncio.Future[Any]) -> None:
        self.pending -= 1
        if fut.cancelled():
            self.failures.append("a send was cancelled")
        elif fut.exception() is not None:
            self.failures.append(f"a send failed: {fut.exception()}")
        else:
            meta = fut.result()
            topic = meta.topic[len(self.prefix) :] if meta.topic.startswith(self.prefix) else meta.topic
            if floor is not None:
                self._note_floor((topic, meta.partition), meta.offset, floor)
            self.wrote((topic, meta.partition), meta.offset + 1)
        self._settled()

    def wrote(self, tp: TP, end: int) -> None:
        self.written += 1
        old = self.ends.get(tp, 0)
        if end <= old:
            return
        self.ends[tp] = end
        for reader in self._readers.get(tp[0], ()):
            if reader.read_to.get(tp, 0) < end and tp not in reader.behind:
                self._behind(reader, tp)

    # --- reading ---------------------------------------------------------------------------------

    def attach(
        self,
        name: str,
        topics: Iterable[str],
        positions: dict[TP, int],
        want: Callable[[TP], None],
        idle: Callable[[TP], None],
        *,
        early: bool = False,
    ) -> Reader:
        """Track a subscription that starts reading at ``positions`` (every partition it reads)."""
        reader = Reader(name, frozenset(topics), dict(positions), want, idle, early)
        for topic in reader.topics:
            self._readers.setdefault(topic, []).append(reader)
        for tp, at in sorted(reader.read_to.items()):
            if at < self.ends.get(tp, 0):
                self._behind(reader, tp)
            else:
                idle(tp)
        if not reader.behind:
            reader.caught_up.set()
        return reader

    def read(self, reader: Reader, tp: TP, to: int, count: int) -> None:
        """``reader`` has now read ``count`` records of ``tp``, up to offset ``to`` (exclusive)."""
        if reader.early and tp in reader.awaited:
            reader.awaited[tp] = max(0, reader.awaited[tp] - count)
        if to <= reader.read_to.get(tp, 0):
            return
        reader.read_to[tp] = to
        if tp in reader.behind and to >= self.ends.get(tp, 0):
            reader.behind.discard(tp)
            self._lagging -= 1
            if not reader.behind:
                reader.caught_up.set()
            self._settled()
        if tp not in reader.behind and not reader.awaited.get(tp):
            reader.idle(tp)

    def detach(self, reader: Reader) -> None:
        for topic in reader.topics:
            readers = self._readers.get(topic, [])
            if reader in readers:
                readers.remove(reader)
        self._lagging -= len(reader.behind)
        reader.behind.clear()
        self._settled()

    def _behind(self, reader: Reader, tp: TP) -> None:
        reader.behind.add(tp)
        reader.caught_up.clear()
        self._lagging += 1
        reader.want(tp)
