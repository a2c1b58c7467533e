"""Checkpoints: a service's state survives kill -9 through the compacted changelog topic.

A checkpoint is the service's whole state (its logic's attributes, its pending timers, the input a
fault holds back) together with where it had read to in each partition, taken at the end of a
batch, when the two agree. It is written after the batch's output is acknowledged and before the
batch's offsets are committed. A restarted service loads the newest complete checkpoint of its run
and reads on from the positions in it: what it handled after the checkpoint is handled again, which
its idempotent handlers (message ids derived from the input, ``seen`` sets) turn into records
already sent, never into a second registration.

Why snapshots and not one changelog record per changed entity: the services' state is plain Python
(dataclasses in dicts) written for clarity; tracking every mutation would put bookkeeping into all
26 logics. A snapshot needs nothing from them. Its cost grows with the state, so checkpoints are
spaced out adaptively: never more than ``_BUDGET`` of the service's wall time goes into them.

Each service has its own changelog topic, and a restarted service reads it from the end: the
newest whole checkpoint is in the last few records, so a restart takes as long whether the run
is a minute or a day old (a monitored system that stays silent too long is declared down).

On the topic a checkpoint is cut into pieces of at most ``PIECE_BYTES`` (Kafka's default record
limit is 1 MB) keyed ``<run>/<service>/<parity>/<index>``. Two parities alternate, so a crash while
writing one checkpoint leaves the one before it whole; compaction keeps the latest of each key.

The state is a pickle, so loading one is running code: only classes of this project and a short
list of standard types may be named in it (:class:`_Unpickler`), and with a control key configured
every checkpoint carries an HMAC that is checked before anything is unpickled.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import pickle
import zlib
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from secours.bus import Bus, Record
from secours.clock import wall_now
from secours.codec import Codec
from secours.errors import CodecError
from secours.wire import ReadPosition, StateChunk

__all__ = ["CHANGELOG", "Checkpoint", "StateStore", "changelog_of"]

logger = logging.getLogger(__name__)

CHANGELOG = "secours.changelog.{service}"  # one topic per service: a restart reads only its own
_TAIL = 64  # records read from the end of the changelog first; doubled until a whole checkpoint is in
PIECE_BYTES = 512 * 1024
_BUDGET = 0.05  # the share of wall time checkpoints may take: the next waits 1/_BUDGET times the last's cost
_FREE_S = 0.002  # a checkpoint that cost less than this is not spaced out

Positions = dict[tuple[str, int], int]

# What a checkpoint may name besides this project's own classes: the standard types its state is made of.
_ALLOWED = {
    "builtins": frozenset({"set", "frozenset", "dict", "list", "tuple", "bytearray", "complex", "slice", "range"}),
    "collections": frozenset({"deque", "OrderedDict", "defaultdict", "Counter"}),
    "datetime": frozenset({"datetime", "date", "time", "timedelta", "timezone"}),
    "copyreg": frozenset({"_reconstructor"}),
    "random": frozenset({"Random"}),
    "pydantic_core._pydantic_core": frozenset({"TzInfo"}),  # the UTC of datetimes pydantic parsed
}
_OWN = ("secours.", "services.")


def changelog_of(service: str) -> str:
    return CHANGELOG.format(service=service)


@dataclass
class Checkpoint:
    """A service's state as loaded back: its parts, the positions to read on from, its number."""

    state: dict[str, Any]
    positions: Positions
    generation: int


class _Pickler(pickle.Pickler):
    """Leaves out the objects every instance rebuilds from the run's announcement (the world)."""

    def __init__(self, buf: io.BytesIO, shared: dict[str, object]) -> None:
        super().__init__(buf, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared = {id(obj): name for name, obj in shared.items()}

    def persistent_id(self, obj: object) -> str | None:
        return self._shared.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, buf: io.BytesIO, shared: dict[str, object]) -> None:
        super().__init__(buf)
        self._shared = shared

    def persistent_load(self, pid: object) -> object:
        if not isinstance(pid, str) or pid not in self._shared:
            raise pickle.UnpicklingError(f"unknown shared object {pid!r}")
        return self._shared[pid]

    def find_class(self, module: str, name: str) -> Any:
        if module.startswith(_OWN) or name in _ALLOWED.get(module, ()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"a checkpoint may not name {module}.{name}")


def dump_state(state: dict[str, Any], shared: dict[str, object]) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf, shared).dump(state)
    return zlib.compress(buf.getvalue(), 1)


def load_state(blob: bytes, shared: dict[str, object]) -> dict[str, Any]:
    try:
        state = _Unpickler(io.BytesIO(zlib.decompress(blob)), shared).load()
    except (pickle.UnpicklingError, zlib.error, EOFError, AttributeError, ImportError, TypeError) as exc:
        raise CodecError(f"checkpoint does not load: {exc}") from None
    if not isinstance(state, dict):
        raise CodecError(f"checkpoint holds a {type(state).__name__}, not a state")
    return state


@dataclass
class StateStore:
    """One service's checkpoints on the changelog, for one run."""

    bus: Bus
    codec: Codec
    service: str
    run_id: str
    shared: dict[str, object]
    key: bytes | None = None  # the control key: checkpoints are signed with it, and checked
    min_interval_s: float = 0.0  # wall seconds between checkpoints, at least
    fresh: bool = False  # a new run's first instance: there is nothing to load
    generation: int = 0
    written: int = 0  # checkpoints written by this instance
    _next_at: float = field(default=0.0, repr=False)

    def _prefix(self) -> str:
        return f"{self.run_id}/{self.service}/"

    def due(self) -> bool:
        """Whether a checkpoint may be taken now: the time its predecessor cost is paid back."""
        return wall_now() >= self._next_at

    def wait_s(self) -> float:
        """Wall seconds until the next checkpoint may be taken."""
        return max(0.0, self._next_at - wall_now())

    def capture(self, state: dict[str, Any], positions: Positions) -> list[StateChunk]:
        """The checkpoint's pieces, taken now (synchronously, so the state and positions agree)."""
        began = wall_now()
        blob = dump_state(state, self.shared)
        digest = hashlib.sha256(blob).hexdigest()
        mac = hmac.new(self.key, blob, hashlib.sha256).hexdigest() if self.key else None
        where = tuple(ReadPosition(topic=t, partition=p, offset=o) for (t, p), o in sorted(positions.items()))
        count = max(1, -(-len(blob) // PIECE_BYTES))
        pieces = [
            StateChunk(
                run_id=self.run_id,
                service=self.service,
                generation=0,  # numbered as written (see write)
                index=i,
                count=count,
                sha256=digest,
                mac=mac,
                positions=where,
                data=blob[i * PIECE_BYTES : (i + 1) * PIECE_BYTES],
            )
            for i in range(count)
        ]
        cost = wall_now() - began
        # A small state is checkpointed after every batch: the fewer batches a restart handles again,
        # the fewer records it sends twice. A large one waits until its cost is paid back.
        spacing = cost / _BUDGET if cost > _FREE_S else 0.0
        self._next_at = began + max(self.min_interval_s, spacing)
        return pieces

    async def write(self, pieces: list[StateChunk]) -> None:
        """Send the pieces and wait until the broker has them all (raises BrokerUnavailable).

        Numbered here, as written, not as taken: a checkpoint superseded before it was written
        leaves no gap in the numbers, so the two slots alternate and a write cut short by a crash
        never spoils the newest whole checkpoint, in the other slot.
        """
        self.generation += 1
        pending: list[Awaitable[object]] = []
        for piece in (p.model_copy(update={"generation": self.generation}) for p in pieces):
            key = f"{self._prefix()}{piece.generation % 2}/{piece.index}".encode()
            pending.append(await self.bus.publish(changelog_of(self.service), key, self.codec.encode(piece), ()))
        await self.bus.settle(pending)
        self.written += 1

    async def load(self) -> Checkpoint | None:
        """The newest complete, intact (and, with a key, authentic) checkpoint of this run, if any."""
        if self.fresh:
            return None
        tail = _TAIL
        while True:
            records, whole = await self.bus.read_tail(changelog_of(self.service), tail)
            found = self._newest(records)
            if found is not None or whole:
                return found
            tail *= 2

    def _newest(self, records: list[Record]) -> Checkpoint | None:
        prefix = self._prefix().encode()
        latest: dict[bytes, StateChunk] = {}  # as compaction would leave them: the last of each key
        for record in records:
            if record.key is None or not record.key.startswith(prefix) or record.value is None:
                continue
            try:
                piece = self.codec.decode(record.value, frozenset({StateChunk.schema_name}))
            except CodecError as exc:
                logger.warning("%s: unreadable checkpoint piece at offset %s: %s", self.service, record.offset, exc)
                continue
            if isinstance(piece, StateChunk) and piece.service == self.service and piece.run_id == self.run_id:
                latest[record.key] = piece
        generations: dict[int, list[StateChunk]] = {}
        for piece in latest.values():
            generations.setdefault(piece.generation, []).append(piece)
        for generation in sorted(generations, reverse=True):
            found = self._assemble(generations[generation])
            if found is not None:
                self.generation = generation
                return found
        return None

    def _assemble(self, pieces: list[StateChunk]) -> Checkpoint | None:
        first = pieces[0]
        if sorted(p.index for p in pieces) != list(range(first.count)):
            return None  # cut short by a crash while it was written: the one before is whole
        blob = b"".join(p.data for p in sorted(pieces, key=lambda p: p.index))
        if hashlib.sha256(blob).hexdigest() != first.sha256:
            logger.warning("%s: checkpoint %s is damaged (checksum), not used", self.service, first.generation)
            return None
        if self.key is not None:
            expected = hmac.new(self.key, blob, hashlib.sha256).hexdigest()
            if first.mac is None or not hmac.compare_digest(first.mac, expected):
                logger.warning("%s: checkpoint %s has no valid signature, not used", self.service, first.generation)
                return None
        try:
            state = load_state(blob, self.shared)
        except CodecError as exc:
            logger.warning("%s: checkpoint %s refused: %s", self.service, first.generation, exc)
            return None
        positions = {(p.topic, p.partition): p.offset for p in first.positions}
        return Checkpoint(state, positions, first.generation)
