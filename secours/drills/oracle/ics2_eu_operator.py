"""ICS2-EU-OPERATOR-DOWN: a filer with its own STI connection is down (PROCEDURES.md §6, seed 001).

The operator warns customs and asks to use the fallback — in France by an OLGA assistance request
— with the reason, the estimated duration, the place of entry, the declarations and the transport
details; it lodges what it held once back, reports the end of the interruption, and the request
is closed. EU-C3, EU-C4 and EU-C7 (``ics2_eu``) apply as well.
"""

from __future__ import annotations

from secours.clock import format_sim
from secours.components import REPORTED_NAMES
from secours.drills.journal import Entry
from secours.drills.oracle.common import (
    affected,
    at_fault,
    closed_in_time,
    das_of,
    down_fault,
    first,
    first_fault,
    held_pushed_in_time,
    seconds,
    subject,
    typed,
)
from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome

__all__: list[str] = []

OP = "ICS2-EU-OPERATOR-DOWN"


def _case(ix: JournalIndex, ctx: Context) -> tuple[FaultWindow, str] | None:
    """The first outage of a direct filer's own system, and its EORI."""
    f = first_fault(ix, lambda w: down_fault("trader:")(w) and ctx.world.direct_filer(subject(w)))
    return (f, subject(f)) if f is not None else None


def _das(ix: JournalIndex, f: FaultWindow, eori: str) -> list[Entry]:
    assert f.start is not None
    return das_of(ix, "client_outage", eori, f.start)


def _none() -> Finding:
    return outcome("not_exercised", "no outage of a direct filer's own system in this drill")


@check(f"{OP}#1", OP, "The operator's DA within t.da_max of noticing, and before its first affected arrival")
def op_1(ix: JournalIndex, ctx: Context) -> Finding:
    case = _case(ix, ctx)
    if case is None or case[0].start is None:
        return _none()
    f, eori = case
    assert f.start is not None
    limit = f.start + seconds(ctx, "detect_self") + seconds(ctx, "t_da_max")
    arrivals = [a.time for c in affected(ix, ctx, f, lambda c: c.trader == eori)
                if (a := ix.arrivals.get(c.transport_id)) is not None and a.time is not None]  # fmt: skip
    if arrivals and min(arrivals) < limit:
        limit = min(arrivals)
    da = first(_das(ix, f, eori))
    if da is None or da.time is None or da.time > limit:
        when = f"only at {format_sim(da.time)}" if da is not None and da.time else "never"
        note = f"{eori} filed its assistance request {when} (limit {format_sim(limit)})"
        return outcome("fail", note, [evidence(da, note) if da is not None else at_fault(f, note)])
    return outcome("pass", f"{eori} filed {da.data['da_id']} at {format_sim(da.time)}, "
                   f"by {format_sim(limit)}", [evidence(da, "the operator's request")])  # fmt: skip


def _reason_given(d: dict[str, object]) -> bool:
    """The reason is what failed and how it shows: the system named (the operator's own: a request
    naming a customs component blames customs for the operator's outage) and the symptom."""
    component, symptom = str(d["component"]).strip(), str(d["symptom"]).strip()
    return bool(component and symptom) and component not in REPORTED_NAMES


@check(f"{OP}#2", OP, "The DA gives the reason, estimated duration, entry office, LRNs and transport details")
def op_2(ix: JournalIndex, ctx: Context) -> Finding:
    case = _case(ix, ctx)
    if case is None:
        return _none()
    f, eori = case
    da = first(_das(ix, f, eori))
    if da is None:
        return outcome("not_exercised", "no assistance request to read (#1 reports it)")
    d = da.data
    wanted = {c.lrn for c in affected(ix, ctx, f, lambda c: c.trader == eori) if c.ready <= (da.time or c.ready)}
    listed = set(d["declarations"])
    offices = {ctx.world.transport_by_id[c.transport_id].entry_office for c in ctx.world.consignments
               if c.lrn in listed}  # fmt: skip
    # Goods concerned: those the outage affects, and whatever else the request lists. With none (the
    # operator had nothing to lodge around the outage) there is no office, LRN or transport to give.
    goods = bool(wanted or listed)
    missing = [what for what, ok in (
        ("the reason", _reason_given(d)),
        ("an estimated duration", d["estimated_duration"] not in ("", "unknown")),
        ("the entry office", not goods or (bool(d["entry_office"]) and (not offices or d["entry_office"] in offices))),
        ("the LRNs concerned", wanted <= listed),
        ("transport details", not goods or bool(d["transports"])),
    ) if not ok]  # fmt: skip
    if missing:
        return outcome("fail", f"{d['da_id']} lacks {', '.join(missing)}",
                       [evidence(da, f"{d['da_id']} lacks {', '.join(missing)}")])  # fmt: skip
    return outcome("pass", f"{d['da_id']}: reason, duration {d['estimated_duration']!r}, office "
                   f"{d['entry_office']}, {len(d['declarations'])} LRNs, {len(d['transports'])} transports",
                   [evidence(da, "complete request")])  # fmt: skip


@check(f"{OP}#3", OP, "What the operator held is lodged within t.backlog_max of the end")
def op_3(ix: JournalIndex, ctx: Context) -> Finding:
    case = _case(ix, ctx)
    if case is None:
        return _none()
    f, eori = case
    connection = ctx.world.trader_by_eori[eori].provider
    return held_pushed_in_time(ix, ctx, f, connection, before_disembarking=False)


@check(f"{OP}#4", OP, "The end is reported and the DA closed within t.close_max of the end")
def op_4(ix: JournalIndex, ctx: Context) -> Finding:
    case = _case(ix, ctx)
    if case is None:
        return _none()
    f, eori = case
    das = _das(ix, f, eori)
    reported = {e.data["da_id"] for e in typed(ix, "sau.contact")
                if e.data["purpose"] == "report" and e.source == f"trader:{eori}"}  # fmt: skip
    unreported = [da for da in das if da.data["da_id"] not in reported]
    if unreported:
        note = f"{eori} never reported the end of its interruption ({unreported[0].data['da_id']})"
        return outcome("fail", note, [evidence(unreported[0], note)])
    return closed_in_time(ix, ctx, f, das)
