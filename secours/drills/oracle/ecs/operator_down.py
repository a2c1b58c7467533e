"""O1-O5: the exporter's own system down, ECS-BS up: DTI (prodouane) first, then (case 2) a substitute,
then a registered self-trigger DA with the exit office told before any presentation, and closure
once the system is back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from secours.clock import format_sim
from secours.drills.journal import Entry
from secours.drills.oracle.common import at_fault, first, seconds, verdict
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.common import record_time as _when
from secours.drills.oracle.ecs.alerts import _da, _in, _of_da
from secours.drills.oracle.ecs.movements import (
    GROUP,
    O2D,
    O2I,
    OPERATOR_SIDE,
    _Exit,
    _fallen_back,
    _judged,
    _over,
    _substitutable,
)
from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence

__all__: list[str] = []


def _formalities(x: _Exit, by: str, channel: str | None = None) -> list[Evidence]:
    """The notifications due during the fault that ``by`` did not send (on ``channel``) during it."""
    assert x.fault.start is not None
    start, gaps = x.fault.start, []
    for ie in x.due():
        sent = [m for m in x.trail.sent(ie, by) if start <= _at(m) < x.until
                and (channel is None or m.data["channel"] == channel)]  # fmt: skip
        if not sent:
            how = f" in {channel}" if channel else ""
            gaps.append(at_fault(x.fault, f"{x.mrn}: {ie} not sent by the {by}{how}"))
    return gaps


def _unstamped(x: _Exit, why: str) -> list[Evidence]:
    return [evidence(s, f"{x.mrn}: stamped « {s.data['mention']} » though {why}") for s in x.trail.stamps]


@check("O1", GROUP, "With a prodouane account the exporter does the formalities in DTI: no DA, no stamping",
       applies_to=OPERATOR_SIDE)  # fmt: skip
def o1(ix: JournalIndex, ctx: Context) -> Finding:
    xs = [x for x in _judged(ix, ctx, "O1") if x.exporter.has_prodouane]

    def judge(x: _Exit) -> list[Evidence]:
        da = _da(ix, x) if x is _first_of_exporter(xs, x) else None  # its DA, reported once
        filed = [evidence(da, f"{x.exporter.eori}: DA {da.data['da_id']} though it could use DTI")] if da else []
        return [*_formalities(x, "operator", "DTI"), *_unstamped(x, "it could use DTI"), *filed]

    return _over(xs, judge, "all {n} movements of exporters with prodouane done in DTI",
                 "{n} findings on exporters who could use DTI", "no exporter with a prodouane account had "
                 "its system down")  # fmt: skip


def _first_of_exporter(xs: Sequence[_Exit], x: _Exit) -> _Exit:
    return next(y for y in xs if y.exporter.eori == x.exporter.eori)


@check("O2", GROUP, "(case 2) No prodouane but a substitute: the substitute does the formalities, no stamping",
       applies_to=(O2I, O2D))  # fmt: skip
def o2(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence]:
        return [*_formalities(x, "substitute"), *_unstamped(x, "a substitute could do the formalities")]

    xs = [x for x in _judged(ix, ctx, "O2") if _substitutable(x)]
    return _over(xs, judge, "all {n} movements with a substitute at hand done by it",
                 "{n} findings on movements a substitute should have done", "no exporter with a substitute "
                 "and no prodouane had its system down in case 2")  # fmt: skip


def _by_exporter(xs: Iterable[_Exit]) -> dict[str, list[_Exit]]:
    out: dict[str, list[_Exit]] = {}
    for x in xs:
        out.setdefault(x.exporter.eori, []).append(x)
    return out


def _first_shown(xs: Iterable[_Exit]) -> Entry | None:
    return first(p for x in xs for p in x.trail.presented)


@check("O3", GROUP, "A self-trigger DA for ECS-BS, registered, precedes the exporter's first fallback presentation",
       applies_to=OPERATOR_SIDE)  # fmt: skip
def o3(ix: JournalIndex, ctx: Context) -> Finding:
    groups = _by_exporter(x for x in _fallen_back(ix, ctx, "O3") if x.operator_side)
    if not groups:
        return outcome("not_exercised", "no exporter whose system was down fell back")
    found: list[Evidence] = []
    for eori, xs in sorted(groups.items()):
        shown, da = _first_shown(xs), _da(ix, xs[0])
        assert shown is not None
        ack = first(_of_da(ix, "olga.ack", da.data["da_id"])) if da is not None else None
        if da is None or _at(da) > _at(shown):
            found.append(evidence(shown, f"{eori}: EAD presented with no ECS-BS self-trigger DA before it"))
        elif ack is None or _when(ack, "registered_at") > _at(shown):
            found.append(evidence(shown, f"{eori}: EAD presented before DA {da.data['da_id']} was registered"))
    return verdict(found, f"all {len(groups)} exporters filed and registered a DA before falling back",
                   "{n} exporters fell back with no registered DA")  # fmt: skip


def _office_gaps(ix: JournalIndex, eori: str, da: Entry | None, office: str, xs: list[_Exit]) -> list[Evidence]:
    """O4 for one exporter at one exit office."""
    shown = _first_shown(xs)
    assert shown is not None
    if da is None:
        return [evidence(shown, f"{eori}: no DA to tell {office} about (O3 reports it)")]
    da_id = da.data["da_id"]
    told = first(_of_da(ix, "office.informed", da_id, kind="start", office=office))
    if told is None or _at(told) > _at(shown):
        return [evidence(shown, f"{eori}: EAD presented at {office} before the office was told of DA {da_id}")]
    if told.data["attached_ack"] != da_id:
        return [evidence(told, f"{eori}: {office} got the acknowledgement of {told.data['attached_ack'] or 'no DA'}")]
    ack = first(_of_da(ix, "olga.ack", da_id))
    gate = max(_at(told), _when(ack, "registered_at") if ack is not None else _at(told))
    return [evidence(s, f"{x.mrn}: stamped before the DA was registered and {office} told ({format_sim(gate)})")
            for x in xs for s in x.trail.stamps if _at(s) < gate]  # fmt: skip


@check("O4", GROUP, "The exit office is told of the fallback, the DA's acknowledgement attached, before the first "
       "presentation; no stamp before", applies_to=OPERATOR_SIDE)  # fmt: skip
def o4(ix: JournalIndex, ctx: Context) -> Finding:
    groups = _by_exporter(x for x in _fallen_back(ix, ctx, "O4") if x.operator_side)
    if not groups:
        return outcome("not_exercised", "no exporter whose system was down fell back")
    found: list[Evidence] = []
    for eori, xs in sorted(groups.items()):
        da = _da(ix, xs[0])
        for office in sorted({x.move.exit_office for x in xs}):
            found += _office_gaps(ix, eori, da, office, [x for x in xs if x.move.exit_office == office])
    return verdict(found, f"the exit offices of all {len(groups)} exporters told before any presentation",
                   "{n} findings on telling the exit office")  # fmt: skip


def _closing_gaps(ix: JournalIndex, ctx: Context, f: FaultWindow, da: Entry) -> list[Evidence]:
    """O5 for one DA: close request and end information within t.close_max of the system's return."""
    assert f.end is not None
    da_id, limit = da.data["da_id"], f.end + seconds(ctx, "t_close_max")
    asked = [e for e in _of_da(ix, "sau.contact", da_id) if e.data["purpose"] == "close_request"]
    offices = {e.data["office"] for e in _of_da(ix, "office.informed", da_id, kind="start")}
    found = [] if _in(asked, f.end, limit) else [evidence(da, f"DA {da_id}: no close request by {format_sim(limit)}")]
    for office in sorted(offices) or [""]:
        told = [e for e in _of_da(ix, "office.informed", da_id, kind="end") if not office or e.data["office"] == office]
        if not _in(told, f.end, limit):
            found.append(evidence(da, f"DA {da_id}: {office or 'no exit office'} not told of the end by "
                                      f"{format_sim(limit)}"))  # fmt: skip
    return found


@check("O5", GROUP, "System back: closure requested and the exit office told of the end within t.close_max",
       applies_to=OPERATOR_SIDE)  # fmt: skip
def o5(ix: JournalIndex, ctx: Context) -> Finding:
    ended = [x for x in _judged(ix, ctx, "O5") if x.operator_side and x.fault.end is not None]
    das = {da.data["da_id"]: (x.fault, da) for x in ended if (da := _da(ix, x)) is not None}
    if not das:
        return outcome("not_exercised", "no DA of an exporter whose system came back")
    found = [e for f, da in das.values() for e in _closing_gaps(ix, ctx, f, da)]
    return verdict(found, f"all {len(das)} DAs: closure requested and exit office told in time",
                   "{n} closure requests or end notices missing or late")  # fmt: skip
