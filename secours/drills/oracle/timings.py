"""Per-drill timings, in simulated seconds, computed from the journal (None: not exercised).

- time_to_recover_s: how long the faults lasted (first start to last end);
- backlog_drained_s: from the end of a fault to the last answer the faulted component gave to
  input that reached it during the fault;
- time_to_reconcile_s: from the end of the faults to the moment every push made during them had
  its business answer;
- time_to_detect_s, time_to_fall_back_s: from a fault's start to the first notice, alert or
  assistance request about it, and to the first fallback action; they need the actors that
  detect and fall back, and stay None when no such event is in the journal.
"""

from __future__ import annotations

from datetime import datetime

from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.faults.model import parse_fault_json
from secours.topics import TopicCatalog
from secours.wire import MODELS
from services import REGISTRY

__all__ = ["timings"]

_DETECTION = frozenset(m.ce_type for m in MODELS if m.timing_mark == "detection")  # alerts, notices, requests
_FALLBACK = frozenset(m.ce_type for m in MODELS if m.timing_mark == "fallback")  # fallback actions


def _seconds(a: datetime | None, b: datetime | None) -> float | None:
    return round((b - a).total_seconds(), 3) if a is not None and b is not None else None


def timings(ix: JournalIndex) -> dict[str, float | None]:
    windows = [w for w in ix.faults.values() if w.start is not None]
    if not windows:
        return dict.fromkeys(
            ("time_to_detect_s", "time_to_fall_back_s", "time_to_recover_s", "time_to_reconcile_s", "backlog_drained_s")
        )
    start = min(w.start for w in windows if w.start is not None)
    ends = [w.end for w in windows if w.end is not None]
    end = max(ends) if len(ends) == len(windows) else None
    detect = next((e.time for e in ix.entries if e.ce_type in _DETECTION and e.time and e.time >= start), None)
    fallback = next((e.time for e in ix.entries if e.ce_type in _FALLBACK and e.time and e.time >= start), None)
    return {
        "time_to_detect_s": _seconds(start, detect),
        "time_to_fall_back_s": _seconds(start, fallback),
        "time_to_recover_s": _seconds(start, end),
        "time_to_reconcile_s": _seconds(end, _reconciled(ix, start, end)) if end else None,
        "backlog_drained_s": _drained(ix, windows, end),
    }


def _reconciled(ix: JournalIndex, start: datetime, end: datetime) -> datetime | None:
    """When the last push made during the faults got its answer (the end itself if none waited)."""
    last = end
    for msg_id, pushes in ix.pushes.items():
        first = pushes[0].time
        if first is None or not start <= first <= end:
            continue
        answer = ix.answer_to(msg_id)
        if answer is not None and answer.time is not None and answer.time > last:
            last = answer.time
    return last


def _service_of(w: FaultWindow) -> str | None:
    try:
        scope = parse_fault_json(w.fault_json).scope
    except ValueError:
        return None
    return scope.component or (scope.actor.split(":", 1)[0] if scope.actor else None)


def _drained(ix: JournalIndex, windows: list[FaultWindow], end: datetime | None) -> float | None:
    """From the end of the faults to the first answer of the faulted component to the last input it
    received during them (its backlog)."""
    if end is None:
        return None
    catalog = TopicCatalog.load()
    waited: dict[str, datetime] = {}  # key -> time an input reached a faulted component
    services = {s for s in (_service_of(w) for w in windows) if s in REGISTRY}
    consumed = {t for s in services for t in REGISTRY[s].consumes}
    spans = [(w.start, w.end) for w in windows if w.start is not None and w.end is not None]
    for e in ix.entries:
        if e.time is None or e.topic.startswith("secours."):
            continue
        if any(a <= e.time < b for a, b in spans) and catalog.spec_for(e.topic).name in consumed:
            waited.setdefault(e.key, e.time)
    if not waited:
        return None
    answered: dict[str, datetime] = {}
    for e in ix.entries:
        if e.time is None or e.time < end or e.key not in waited or e.key in answered:
            continue
        if any(e.source == s or e.source.startswith(f"{s}:") for s in services):
            answered[e.key] = e.time
    return _seconds(end, max(answered.values())) if answered else 0.0
