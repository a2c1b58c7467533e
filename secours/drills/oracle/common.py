"""Questions several scenarios' checks ask of a journal (PROCEDURES.md §0 notation)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from secours.drills.journal import Entry
from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, outcome
from secours.drills.reportdata import CheckOutcome, Evidence, Status
from secours.world import Consignment

__all__ = [
    "affected",
    "first",
    "first_fault",
    "receipts_by_lrn",
    "seconds",
    "typed",
    "verdict",
]


def typed(ix: JournalIndex, ce_type: str) -> list[Entry]:
    """Entries of one CloudEvents type that carry a time."""
    return [e for e in ix.entries if e.ce_type == ce_type and e.time is not None]


def first(entries: Iterable[Entry]) -> Entry | None:
    timed = [e for e in entries if e.time is not None]
    return min(timed, key=lambda e: e.time.timestamp() if e.time else 0.0) if timed else None


def seconds(ctx: Context, name: str) -> timedelta:
    """A procedure parameter (§2) as a duration."""
    return timedelta(seconds=ctx.params.seconds(name))


def first_fault(ix: JournalIndex, matches: Callable[[FaultWindow], bool]) -> FaultWindow | None:
    """The earliest fault that started and that ``matches``."""
    found = [w for w in ix.faults.values() if w.start is not None and matches(w)]
    return min(found, key=lambda w: w.start.timestamp() if w.start else 0.0) if found else None


def verdict(check_id: str, found: list[Evidence], ok: str, bad: str, *, warn: bool = False) -> CheckOutcome:
    """Pass with ``ok``, or fail (warn) with ``bad`` formatted with the number of findings ``{n}``."""
    status: Status = ("warn" if warn else "fail") if found else "pass"
    return outcome(check_id, status, bad.format(n=len(found)) if found else ok, found)


def receipts_by_lrn(ix: JournalIndex) -> dict[str, datetime]:
    """rcpt(c): the first AS4 receipt of an ENS filing (IE3F10/IE3F51), by LRN."""
    out: dict[str, datetime] = {}
    for entries in ix.receipts.values():
        for e in entries:
            if e.data.get("action") in ("IE3F10", "IE3F51") and e.time is not None:
                lrn = e.data["lrn"]
                out[lrn] = min(out.get(lrn, e.time), e.time)
    return out


def affected(
    ix: JournalIndex, ctx: Context, f: FaultWindow, concerned: Callable[[Consignment], bool]
) -> list[Consignment]:
    """affected(c, F): no receipt at F.start, and its deadline or arrival in [F.start, F.end + t.backlog_max]."""
    if f.start is None:
        return []
    until = (f.end or ctx.end) + seconds(ctx, "t_backlog_max")
    receipts = receipts_by_lrn(ix)
    found = []
    for c in ctx.world.consignments:
        if not concerned(c):
            continue
        got = receipts.get(c.lrn)
        if got is not None and got <= f.start:
            continue
        arrival = ix.arrivals.get(c.transport_id)
        arr = arrival.time if arrival is not None else None
        if f.start <= c.deadline <= until or (arr is not None and f.start <= arr <= until):
            found.append(c)
    return found
