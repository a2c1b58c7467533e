"""The journal: every record of every topic of a run, decoded, one JSON object per line.

It is the evidence the summary (and later the oracle) is computed from, and it is enough on its
own to compute them again without a broker.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from secours.bus import Bus, Record
from secours.clock import Clock, format_sim, parse_sim, sleep_wall, wall_now
from secours.codec import Codec
from secours.errors import CodecError, UsageError
from secours.topics import TopicCatalog
from secours.wire import FaultEvent

__all__ = [
    "JOURNAL",
    "PLAIN_JOURNAL",
    "Entry",
    "Recorder",
    "journal_in",
    "journal_lines",
    "open_journal",
    "read_journal",
]

# Topics that carry records at a steady pace forever (heartbeats): they say nothing about whether
# the run's work has drained, so they do not keep a run from being quiet.
_PERIODIC = frozenset({"ops.health"})


@dataclass(frozen=True, slots=True)
class Entry:
    topic: str
    partition: int
    offset: int
    wall_ms: int
    key: str
    ce_id: str
    ce_type: str
    source: str
    time: datetime | None
    subject: str
    data: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps(
            {
                "topic": self.topic,
                "partition": self.partition,
                "offset": self.offset,
                "wall_ms": self.wall_ms,
                "key": self.key,
                "ce_id": self.ce_id,
                "ce_type": self.ce_type,
                "source": self.source,
                "time": format_sim(self.time) if self.time else None,
                "subject": self.subject,
                "data": self.data,
            },
            default=_json_default,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, line: str) -> Entry:
        raw = json.loads(line)
        return cls(
            topic=raw["topic"],
            partition=raw["partition"],
            offset=raw["offset"],
            wall_ms=raw["wall_ms"],
            key=raw.get("key", ""),
            ce_id=raw["ce_id"],
            ce_type=raw["ce_type"],
            source=raw["source"],
            time=parse_sim(raw["time"]) if raw["time"] else None,
            subject=raw["subject"],
            data=raw["data"],
        )


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return format_sim(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def decode_entry(codec: Codec, catalog: TopicCatalog, record: Record) -> Entry:
    ce_time = record.header("ce_time")
    try:
        msg = codec.decode(record.value, catalog.accepted(record.topic))
        # The JSON form, so that an oracle run live and one run later on the saved journal see the same data.
        data: dict[str, Any] = json.loads(json.dumps(msg.model_dump(), default=_json_default))
        ce_type = record.header("ce_type") or msg.ce_type
    except CodecError as exc:
        data = {"undecodable": str(exc)}
        ce_type = "undecodable"
    try:
        sent_at = parse_sim(ce_time) if ce_time else None
    except ValueError:  # a garbage header is recorded as such: the journal keeps every record
        sent_at = None
        data = {**data, "bad_ce_time": ce_time}
    return Entry(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        wall_ms=record.timestamp_ms,
        key=(record.key or b"").decode("utf-8", "replace"),
        ce_id=record.header("ce_id") or "",
        ce_type=ce_type,
        source=record.header("ce_source") or "",
        time=sent_at,
        subject=record.header("ce_subject") or "",
        data=data,
    )


class Recorder:
    """Reads every topic of a run from the start and writes the journal as records arrive.

    Fault starts and ends are also noted directly by the harness (:meth:`note_fault`): when the
    fault is the broker itself, its record reaches the topic late or not at all.
    """

    def __init__(self, bus: Bus, codec: Codec, catalog: TopicCatalog, clock: Clock, out: IO[str] | None) -> None:
        self.bus, self.codec, self.catalog, self.clock = bus, codec, catalog, clock
        self.out = out
        self.entries: list[Entry] = []
        self.last_record_wall = wall_now()
        # A stepped run's journal is read once the run is over (collect): faults noted meanwhile wait.
        self.deferred = clock.kind == "stepped"
        self._noted: list[Entry] = []
        self.listeners: list[Callable[[Entry], None]] = []
        self._faults_seen: set[tuple[Any, Any]] = set()

    def _keep(self, entry: Entry) -> None:
        if entry.ce_type == "fault.event":
            mark = (entry.data.get("fault_id"), entry.data.get("phase"))
            if mark in self._faults_seen:
                return
            self._faults_seen.add(mark)
        self.entries.append(entry)
        if self.out is not None:
            self.out.write(entry.to_json() + "\n")
        for listener in self.listeners:
            listener(entry)

    def note_fault(self, event: FaultEvent) -> None:
        data: dict[str, Any] = json.loads(json.dumps(event.model_dump(), default=_json_default))
        entry = Entry(
            topic="secours.faults", partition=-1, offset=-1, wall_ms=int(wall_now() * 1000),
            key=event.fault_id, ce_id=f"{event.fault_id}/{event.phase}", ce_type=event.ce_type,
            source="harness", time=event.at, subject=event.fault_id, data=data,
        )  # fmt: skip
        if self.deferred:
            self._noted.append(entry)
        else:
            self._keep(entry)

    async def run(self, topics: Sequence[str]) -> None:
        sub = await self.bus.subscribe(None, topics)
        try:
            while True:
                records = await sub.poll(0.2, max_records=2000)
                if any(r.topic not in _PERIODIC for r in records):
                    self.last_record_wall = wall_now()
                for record in records:
                    self._keep(decode_entry(self.codec, self.catalog, record))
        finally:
            await sub.close()

    async def collect(self, topics: Sequence[str], ends: dict[tuple[str, int], int]) -> None:
        """A stepped run, once it is over: read every record it wrote to ``topics`` in one pass (its
        ledger's ``ends`` say where each partition ends) and keep them in simulated-time order.

        Live, the journal's reader would be one more consumer to wait for at every step; read once
        at the end, it costs a few large fetches. The order is that of the instants (faults noted at
        an instant first), then of the partitions: the same on every run of the drill.
        """
        wanted = set(topics)
        records = await self.bus.read_upto({tp: end for tp, end in ends.items() if tp[0] in wanted})
        entries = [*self._noted, *(decode_entry(self.codec, self.catalog, r) for r in records)]
        self._noted = []
        floor = self.clock.epoch_sim
        entries.sort(key=lambda e: (e.time or floor, e.partition >= 0, e.topic, e.partition, e.offset))
        for entry in entries:
            self._keep(entry)

    def busy(self, window_s: float = 5.0) -> str:
        """What arrived in the last ``window_s`` wall seconds (periodic topics aside), most first:
        the one line that says why a run did not fall quiet."""
        since_ms = (wall_now() - window_s) * 1000
        seen = Counter(
            f"{e.topic} {e.ce_type}"
            for e in reversed(self.entries[-5000:])
            if e.wall_ms >= since_ms and e.topic not in _PERIODIC and e.partition >= 0
        )
        return ", ".join(f"{what} x{n}" for what, n in seen.most_common(5)) or "nothing"

    async def until_quiet(self, quiet_s: float, timeout_s: float) -> bool:
        """Wait until no record has arrived for ``quiet_s`` wall seconds; False on timeout."""
        start = wall_now()
        while wall_now() - start < timeout_s:
            if wall_now() - self.last_record_wall >= quiet_s:
                return True
            await sleep_wall(0.1)
        return False


JOURNAL = "journal.jsonl.gz"  # a run folder's journal, gzip-compressed (the default)
PLAIN_JOURNAL = "journal.jsonl"  # ... or as plain JSON lines (--plain-journal)
_GZIP_MAGIC = b"\x1f\x8b"
# gzip's default level: a day's journal shrinks about 11 times (14.6 MB to 1.3 MB) for 0.1 s of CPU.
_LEVEL = 6


def open_journal(out_dir: Path, *, compress: bool = True) -> IO[str]:
    """The journal file of a run folder, open for writing lines: compressed unless asked otherwise."""
    if compress:
        return gzip.open(out_dir / JOURNAL, "wt", encoding="utf-8", compresslevel=_LEVEL)
    return (out_dir / PLAIN_JOURNAL).open("w", encoding="utf-8")


def journal_in(path: Path) -> Path:
    """A journal given as a file, or as the run folder that holds it (compressed or not)."""
    if not path.is_dir():
        return path
    for name in (JOURNAL, PLAIN_JOURNAL):
        if (path / name).is_file():
            return path / name
    raise UsageError(f"{path}: no {JOURNAL} or {PLAIN_JOURNAL} in this folder")


def _open_text(path: Path) -> IO[str]:
    """Read either form, told apart by the file's first bytes, not by its name."""
    with path.open("rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
    return gzip.open(path, "rt", encoding="utf-8") if compressed else path.open(encoding="utf-8")


def journal_lines(path: Path) -> list[str]:
    """The raw JSON lines of a journal (a file in either form, or the run folder that holds it)."""
    with _open_text(journal_in(path)) as fh:
        return fh.read().splitlines()


def read_journal(path: Path) -> Iterator[Entry]:
    path = journal_in(path)
    try:
        with _open_text(path) as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        yield Entry.from_json(line)
                    except (ValueError, KeyError) as exc:
                        raise UsageError(f"{path}:{n}: not a journal line ({exc})") from exc
    except (OSError, EOFError) as exc:  # EOFError: a compressed journal cut short
        if isinstance(exc, EOFError):
            raise UsageError(f"{path}: compressed journal cut short ({exc})") from exc
        raise UsageError(f"cannot read journal {path}: {exc.strerror or exc}") from exc
