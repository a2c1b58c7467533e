"""Kafka I/O behind one small protocol.

Layout:
    __init__.py   Record, Subscription and Bus: the only surface services and the runner see
    kafka.py      KafkaBus: the aiokafka implementation (producer, consumers, topic creation)
    ledger.py     Ledger: what a stepped run has written and read, so it knows when it is quiet
    shared.py     SharedReader: one consumer for every reader of a stepped run
    settings.py   ClientSettings: bootstrap servers, topic prefix, security options
    brokers/      launchers for the brokers the project starts itself (Apache Kafka, Tansu)

Services never import aiokafka: they publish and consume through a :class:`Bus`, which also maps
logical topic names (``ics2.t2c``) to physical ones (``<prefix>ics2.t2c``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Bus", "Headers", "Record", "Subscription", "TopicToCreate"]

Headers = Sequence[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class Record:
    """One record as read from a topic; ``topic`` is the logical name (prefix removed)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    timestamp_ms: int

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k == name:
                return v.decode("utf-8", "replace")
        return None


@dataclass(frozen=True, slots=True)
class TopicToCreate:
    name: str
    partitions: int
    cleanup: str = "delete"


class Subscription(Protocol):
    async def poll(self, timeout_s: float, max_records: int = 500) -> list[Record]: ...

    def consumed(self) -> dict[tuple[str, int], int]:
        """Where reading stands now: (topic, partition) -> the offset after the last record returned."""

    async def commit(self, offsets: dict[tuple[str, int], int] | None = None) -> None:
        """Commit ``offsets`` (default: every record returned so far); call once effects are published."""

    async def positions(self) -> dict[tuple[str, int], int]:
        """The offset the next read starts at, for every partition read (all of them, not only the busy)."""

    async def ends(self) -> dict[tuple[str, int], int]:
        """The end offset of every partition read as the subscription began: reading what was
        already written then stops there."""

    def lag(self) -> dict[tuple[str, int], int]:
        """Records written and not yet read, per partition this subscription knows the end of."""

    async def caught_up(self) -> None:
        """Tracked: return once every record the ledger knows of in these topics has been read."""

    async def close(self) -> None: ...


class Bus(Protocol):
    prefix: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, topic: str, key: bytes | None, value: bytes, headers: Headers) -> Awaitable[object]:
        """Hand a record to the producer; the returned awaitable resolves once the broker has it."""

    async def settle(self, pending: Sequence[Awaitable[object]]) -> None:
        """Wait for the acknowledgements :meth:`publish` returned; raises BrokerUnavailable."""

    async def subscribe(
        self,
        group: str | None,
        topics: Sequence[str],
        *,
        start: dict[tuple[str, int], int] | None = None,
        tracked: bool = False,
        shared: bool = False,
    ) -> Subscription:
        """Read ``topics``; with a group, resume after its committed offsets, else from the start.

        ``start`` overrides both: each partition is read from its offset there, or from its
        beginning when it has none (a service restoring a checkpoint reads on from where it was).
        ``tracked``: the bus's ledger counts what it reads, and it fetches only where the ledger
        knows there is something (a stepped run, :mod:`secours.bus.ledger`). ``shared``: tracked,
        and read through the one consumer every shared subscription of the bus shares, without a
        group (:mod:`secours.bus.shared`).
        """

    async def read_all(self, topic: str) -> list[Record]:
        """Every record of ``topic`` present now, from its beginning to its end (no group)."""

    async def read_upto(self, ends: dict[tuple[str, int], int]) -> list[Record]:
        """Every record of these (topic, partition) from their beginning up to the offset given."""

    async def read_tail(self, topic: str, count: int) -> tuple[list[Record], bool]:
        """The last ``count`` records of each partition of ``topic`` (fewer where compaction left
        gaps), and whether that is the whole topic."""

    async def ensure_topics(self, topics: Sequence[TopicToCreate]) -> None: ...
