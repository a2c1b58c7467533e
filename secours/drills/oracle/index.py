"""One pass over a journal, indexed the way the checks ask questions of it.

Two ways in: the indexes below, built for the questions many checks ask (pushes by message id,
receipts, answers, fault windows...), and :meth:`JournalIndex.of`, every record of one wire model,
validated: ``ix.of(OlgaDa)`` gives each assistance request as an ``OlgaDa`` (``r.body.since`` is a
datetime, a misspelt field is a type error) beside the journal entry it came from (``r.entry``, for
evidence and timing). New checks use ``of``; the raw ``entry.data`` dicts remain for the older ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from secours.clock import parse_sim
from secours.drills.journal import Entry
from secours.faults.model import kind_class
from secours.wire import WireModel

__all__ = [
    "ANSWER_TYPES",
    "CHANGE_TYPES",
    "ENS_FILINGS",
    "PUSH_TYPES",
    "FaultWindow",
    "JournalIndex",
    "Record",
    "simulator_fault",
]

M = TypeVar("M", bound=WireModel)


@dataclass(frozen=True, slots=True)
class Record(Generic[M]):
    """One journal record as its wire model, with the entry it was read from."""

    entry: Entry  # topic, simulated time, CloudEvent id: what evidence names
    body: M


ENS_FILINGS = frozenset({"IE3F10", "IE3F51"})  # the ENS filings of the smart border: ferry, shuttle
CHANGE_TYPES = frozenset({"IE3A10", "IE3A51", "IE3Q04"})  # amendments and invalidations of a registered ENS
PUSH_TYPES = ENS_FILINGS | CHANGE_TYPES | {"IE3R02", "IE3N06"}
ANSWER_TYPES = frozenset({"IE3R01", "IE3N99", "IE3N01", "IE3R04", "IE3N10", "IE3R07"})


@dataclass
class FaultWindow:
    fault_id: str
    kind: str
    component: str
    start: datetime | None = None
    end: datetime | None = None
    fault_json: str = ""
    start_entry: Entry | None = None


def simulator_fault(kind: str) -> bool:
    """A fault of the simulator itself (its kind's class says so): no procedure reacts to it."""
    cls = kind_class(kind)
    return cls is not None and cls.simulator


@dataclass
class JournalIndex:
    entries: list[Entry] = field(default_factory=list)
    announcement: Entry | None = None
    faults: dict[str, FaultWindow] = field(default_factory=dict)  # what the procedures react to
    # Faults of the simulator itself (a service process killed, the broker stopped): no procedure
    # reacts to them, and a drill's verdict must not change because of them.
    simulator_faults: dict[str, FaultWindow] = field(default_factory=dict)
    pushes: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))  # by AS4 message id
    receipts: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))  # by pushed message id
    answers: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))  # queue answers by ref id
    queue: list[Entry] = field(default_factory=list)  # everything put in a customs-to-trader queue
    queued_at: dict[str, datetime] = field(default_factory=dict)  # first time a record id reached a queue
    answers_out: list[Entry] = field(default_factory=list)  # answers the STI put out, before TAPAS delivers them
    r01_by_key: dict[tuple[str, str], list[Entry]] = field(default_factory=lambda: defaultdict(list))
    filing_by_mrn: dict[str, Entry] = field(default_factory=dict)  # CrFiling (STI -> CR), by MRN
    arrivals: dict[str, Entry] = field(default_factory=dict)  # transport.arrived by transport id
    disembarked: dict[str, Entry] = field(default_factory=dict)  # unit.disembarked by unit id (first)
    n03_by_mrn: dict[str, Entry] = field(default_factory=dict)
    invalidated: dict[str, Entry] = field(default_factory=dict)  # IE3R07 by MRN
    dead_letters: list[Entry] = field(default_factory=list)
    first_seen_id: dict[str, datetime] = field(default_factory=dict)
    end: datetime | None = None
    by_type: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))  # by ce_type
    _typed: dict[type[WireModel], list[Any]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, entries: Iterable[Entry]) -> JournalIndex:
        ix = cls()
        for e in entries:
            ix.add(e)
        return ix

    def add(self, e: Entry) -> None:
        self.entries.append(e)
        t = e.time
        if t is not None:
            self.end = t if self.end is None or t > self.end else self.end
            if e.ce_id and e.ce_id not in self.first_seen_id:
                self.first_seen_id[e.ce_id] = t
        d, ty, topic = e.data, e.ce_type, e.topic
        self.by_type[ty].append(e)
        if ty == "run.announced":
            self.announcement = e
        elif ty == "fault.event":
            self._fault(e)
        elif topic in ("ics2.t2c", "ics2.portal") and ty in PUSH_TYPES:  # AS4, or direct input (DTI)
            self.pushes[d["message_id"]].append(e)
        elif topic == "ics2.receipt":
            self.receipts[d["ref_message_id"]].append(e)
        elif topic == "ics2.sti.out":
            self.answers_out.append(e)
        elif topic.startswith("ics2.c2t."):
            self.queue.append(e)
            if t is not None and e.ce_id:
                self.queued_at.setdefault(e.ce_id, t)
            if ty in ANSWER_TYPES:
                self.answers[d["ref_message_id"]].append(e)
            if ty == "IE3R01":
                self.r01_by_key[(d["eori"], d["lrn"])].append(e)
            elif ty == "IE3N03":
                self.n03_by_mrn.setdefault(d["mrn"], e)
            elif ty == "IE3R07":
                self.invalidated.setdefault(d["mrn"], e)
        elif ty == "cr.filing":
            self.filing_by_mrn.setdefault(d["mrn"], e)
        elif ty == "transport.arrived":
            self.arrivals.setdefault(d["transport_id"], e)
        elif ty == "unit.disembarked":
            self.disembarked.setdefault(d["unit_id"], e)
        elif topic == "secours.dlq":
            self.dead_letters.append(e)

    def _fault(self, e: Entry) -> None:
        d = e.data
        windows = self.simulator_faults if simulator_fault(d["kind"]) else self.faults
        w = windows.setdefault(d["fault_id"], FaultWindow(d["fault_id"], d["kind"], d["component"]))
        at = parse_sim(d["at"]) if isinstance(d["at"], str) else e.time
        w.fault_json = d.get("fault_json", "")
        if d["phase"] == "START":
            w.start, w.start_entry = at, e
        else:
            w.end = at

    def of(self, model: type[M]) -> list[Record[M]]:
        """Every record of ``model`` in journal order, validated once and kept. A record that does not
        fit its model raises ``pydantic.ValidationError``: the check asking fails, naming the field."""
        if model not in self._typed:
            self._typed[model] = [Record(e, model.model_validate(e.data)) for e in self.by_type.get(model.ce_type, ())]
        found: list[Record[M]] = self._typed[model]
        return found

    def answer_to(self, msg_id: str) -> Entry | None:
        """The first business answer to a pushed message. An IE3R02 (a referral answered) gets none of
        its own: the national component's IE3N03 for that MRN closes it."""
        timed = [e for e in self.answers.get(msg_id, []) if e.time is not None]
        if timed:
            return min(timed, key=lambda e: e.time.timestamp() if e.time else 0.0)
        pushes = self.pushes.get(msg_id)
        if pushes and pushes[0].ce_type == "IE3R02":
            return self.n03_by_mrn.get(pushes[0].data["mrn"])
        return None

    def first_r01(self, key: tuple[str, str]) -> Entry | None:
        found = self.r01_by_key.get(key)
        return min(found, key=lambda e: e.time.timestamp() if e.time else float("inf")) if found else None

    def last_fault_end(self) -> datetime | None:
        ends = [w.end for w in self.faults.values() if w.end is not None]
        return max(ends) if ends else None
