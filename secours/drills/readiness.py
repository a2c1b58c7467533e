"""Waiting for the outside systems of a run before its clock starts (``--external``).

An outside system is ready when it says so (an ``ActorReady`` record on ``secours.control`` with
the run's id and the actor it plays), or when one consumer group's members are assigned every
topic the replaced actor reads. The second needs a broker that describes its groups (Apache Kafka
does; Tansu answers ListGroups with nothing and DescribeGroups without assignments), so a relay
that runs on both says it is ready.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.protocol.group import MemberAssignment

from secours.bus import Record
from secours.bus.kafka import KafkaBus
from secours.clock import wall_now
from secours.codec import Codec
from secours.errors import CodecError, ExternalNotReady
from secours.wire import ActorReady

__all__ = ["Awaited", "wait_for_actors"]

logger = logging.getLogger(__name__)

_LOOK_S = 1.0  # wall seconds between two looks at the broker's consumer groups


@dataclass
class Awaited:
    """One outside actor the run waits for, and what the broker has shown of it so far."""

    actor: str  # as given to --external: edi_provider, edi_provider:P002
    reads: Sequence[str]  # logical topics the replaced actor reads
    how: str = ""  # how it showed up ("" while it has not)
    best_missing: list[str] = field(default_factory=list)  # the nearest group's topics still missing

    def covered_by(self, assigned: set[str], group: str) -> None:
        missing = [t for t in self.reads if t not in assigned]
        if not missing:
            self.how = f"consumer group {group!r} is assigned its {len(self.reads)} topics"
        elif not self.best_missing or len(missing) < len(self.best_missing):
            self.best_missing = missing


async def wait_for_actors(
    bus: KafkaBus, codec: Codec, control: str, run_id: str, awaited: Sequence[Awaited], timeout_s: float
) -> None:
    """Return once every awaited actor is ready; :class:`ExternalNotReady` after ``timeout_s`` wall seconds."""
    sub = await bus.subscribe(None, [control], start={})
    admin = AIOKafkaAdminClient(**bus.settings.client_options())
    await admin.start()
    try:
        deadline = wall_now() + timeout_s
        next_look = 0.0
        while any(not a.how for a in awaited):
            if wall_now() >= deadline:
                raise ExternalNotReady(_never(awaited, timeout_s, bus.prefix))
            _read_control(await sub.poll(0.25), codec, run_id, awaited)
            if wall_now() >= next_look:
                next_look = wall_now() + _LOOK_S
                await _look_at_groups(admin, bus.prefix, awaited)
        for a in awaited:
            logger.warning("external %s is ready: %s", a.actor, a.how)
    finally:
        await admin.close()
        await sub.close()


def _read_control(records: Sequence[Record], codec: Codec, run_id: str, awaited: Sequence[Awaited]) -> None:
    for record in records:
        if record.value is None:
            continue
        try:
            msg = codec.decode(record.value)
        except CodecError:
            continue  # not ours to judge here: the journal keeps it
        if isinstance(msg, ActorReady) and msg.run_id == run_id:
            for a in awaited:
                if a.actor == msg.actor and not a.how:
                    a.how = f"said so on the control topic ({msg.software or 'no software named'})"


async def _look_at_groups(admin: AIOKafkaAdminClient, prefix: str, awaited: Sequence[Awaited]) -> None:
    try:
        groups = [g[0] for g in await admin.list_consumer_groups()]
    except KafkaError as exc:  # a coordinator moving: look again later
        logger.debug("cannot list consumer groups: %s", exc)
        return
    for group in groups:
        if all(a.how for a in awaited):
            return
        try:
            # One group a request: aiokafka 0.14 reads a DescribeGroups v3 answer with the v2
            # layout, so the second group of an answer comes out garbled and the third breaks it.
            described = await admin.describe_consumer_groups([group])
        except (KafkaError, ValueError) as exc:  # rebalancing, gone meanwhile: look again later
            logger.debug("cannot describe consumer group %s: %s", group, exc)
            continue
        _take(described, prefix, awaited)


def _take(described: Sequence[Any], prefix: str, awaited: Sequence[Awaited]) -> None:
    for response in described:
        for group in response.groups:
            _, name, state, _, _, members = group[:6]
            if state != "Stable":
                continue
            assigned = _assigned(members, prefix)
            for a in awaited:
                if not a.how:
                    a.covered_by(assigned, name)


def _assigned(members: Sequence[Sequence[object]], prefix: str) -> set[str]:
    """The logical topics a group's members are assigned (the consumer protocol's assignment)."""
    out: set[str] = set()
    for member in members:
        raw = member[-1]
        if not isinstance(raw, bytes) or not raw:
            continue
        try:
            assignment = MemberAssignment.decode(raw)
        except Exception:  # a group of another protocol (Connect, Streams): not a consumer of ours
            continue
        for topic, _partitions in assignment.assignment:
            if topic.startswith(prefix):
                out.add(topic[len(prefix) :])
    return out


def _never(awaited: Sequence[Awaited], timeout_s: float, prefix: str) -> str:
    lost = [a for a in awaited if not a.how]
    parts = []
    for a in lost:
        missing = a.best_missing or list(a.reads)
        shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        parts.append(f"{a.actor}: no consumer group assigned {shown}, and no ActorReady on the control topic")
    where = f" with topic prefix {prefix!r}" if prefix else ""
    return f"the outside system never showed up within {timeout_s:g} wall s{where}: " + "; ".join(parts)
