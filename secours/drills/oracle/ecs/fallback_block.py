"""E1-E12: the fallback block at the exit office and the reintegration: the alert, the EAD presented in
real time at the counter or by e-mail, controls and stamps, originals returned and copies kept, no
exit before it is authorised, the messages reintegrated in time, IE518 then IE599.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from secours.clock import format_sim
from secours.drills.journal import Entry
from secours.drills.oracle.common import at_fault, first, seconds, typed, verdict
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.common import record_time as _when
from secours.drills.oracle.ecs.alerts import _after, _deadline, _ecs_alerts, _in, _pending
from secours.drills.oracle.ecs.movements import (
    AUTHORISED,
    DEFERRED,
    ECS_EXIT,
    ECSBS_SIDE,
    FALLBACKS,
    GROUP,
    NOTIFICATIONS,
    PORTAL,
    PRESENTED,
    RECOVERY,
    _about,
    _Exit,
    _fallen_back,
    _faults,
    _judged,
    _leaving,
    _over,
    _target,
    _Trail,
)
from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence

__all__: list[str] = []

_DATE = re.compile(r"^\d{2}/\d{2}/\d{4}$")
_SAME = timedelta(seconds=1)  # a reintegrated message's event time "equals" its stamp's within this


def _day(t: datetime) -> str:
    return f"{t:%d/%m/%Y}"


_NO_FALLBACK = "no movement of these scenarios was handled with the fallback block"


@check("E1", GROUP, "ECS-BS (or the portal) down: a CID alert naming it is open within t.alert_max of F.start and "
       "before the first fallback presentation", applies_to=ECSBS_SIDE)  # fmt: skip
def e1(ix: JournalIndex, ctx: Context) -> Finding:
    outages = [f for f in _faults(ix) if _target(f) in (ECS_EXIT, PORTAL)]
    if not outages:
        return outcome("not_exercised", "neither ECS-BS nor the portal was down in this drill")
    xs = _judged(ix, ctx, "E1")
    shown = {f.fault_id: [p for x in xs if x.fault is f for p in x.trail.presented] for f in outages}
    found = [e for f in outages for e in _alerted(ix, ctx, f, shown[f.fault_id])]
    return verdict(found, f"an alert opened in time for all {len(outages)} outages",
                   "{n} ECS-BS or portal outages without a timely alert")  # fmt: skip


def _alerted(ix: JournalIndex, ctx: Context, f: FaultWindow, presented: list[Entry]) -> list[Evidence]:
    assert f.start is not None
    limit = f.start + seconds(ctx, "t_alert_max")
    alert = _after(_ecs_alerts(ix, "open", _target(f)), f.start)
    if alert is None or _at(alert) > limit:
        when = f"opened only at {format_sim(_at(alert))}" if alert is not None else "never opened"
        note = f"{'portal' if _target(f) == PORTAL else 'ECS-BS'} alert {when} (limit {format_sim(limit)})"
        return [evidence(alert, note) if alert is not None else at_fault(f, note)]
    shown = first(presented)
    if shown is not None and _at(shown) < _at(alert):
        return [evidence(shown, f"{shown.data['mrn']}: EAD presented before the alert ({format_sim(_at(alert))})")]
    return []


@check("E2", GROUP, "Every fallback presentation is at the counter or by e-mail, to the movement's exit office",
       applies_to=FALLBACKS)  # fmt: skip
def e2(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence]:
        return [evidence(p, f"{x.mrn}: presented by {p.data['channel']!r} to {p.data['office']}, "
                            f"exit office {x.move.exit_office}")
                for p in x.trail.presented if p.data["channel"] not in ("counter", "email")
                or p.data["office"] != x.move.exit_office]  # fmt: skip

    return _over(_fallen_back(ix, ctx, "E2"), judge, "all {n} fallback movements presented to their exit "
                 "office, at the counter or by e-mail", "{n} presentations by another way or elsewhere",
                 _NO_FALLBACK)  # fmt: skip


def _next_presentation(t: _Trail, s: Entry) -> datetime | None:
    later = [p for p in t.presented if _at(p) > _at(s)]
    return _at(later[0]) if later else None


@check("E3", GROUP, "No stamp after a failed control; a control's result precedes the stamp it allows",
       applies_to=FALLBACKS)  # fmt: skip
def e3(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence] | None:
        t = x.trail
        if not t.stamps:
            return None
        found: list[Evidence] = []
        for s in t.stamps:
            failed = [c for c in t.controls if c.data["result"] == "not_ok" and _at(c) <= _at(s)]
            if failed:
                found.append(evidence(s, f"{x.mrn}: « {s.data['mention']} » after a failed control at "
                                         f"{format_sim(_at(failed[0]))}"))  # fmt: skip
            until = _next_presentation(t, s)
            found += [evidence(c, f"{x.mrn}: control result after the stamp of {format_sim(_at(s))}")
                      for c in t.controls if _at(s) < _at(c) and (until is None or _at(c) < until)]  # fmt: skip
        return found

    return _over(_judged(ix, ctx, "E3"), judge, "the stamps of all {n} stamped movements follow satisfactory "
                 "controls, if any", "{n} stamps after a failed or pending control",
                 "no EAD was stamped")  # fmt: skip


_MENTIONS = {"arrival_exit": AUTHORISED, "arrival": PRESENTED, "exit": f"{AUTHORISED} le"}


def _mention_gap(t: _Trail, s: Entry) -> str | None:
    """What is wrong with a stamp: not ND, or a mention that is not that of the step presented, or
    a date that is not the presentation's (arrival) or the exit's. The officer writes the day it
    stamps, so that day is accepted too (a presentation just before midnight)."""
    d, p = s.data, t.presented_on(s)
    if d["stamp"] != "ND":
        return f"stamp {d['stamp']!r}, not ND"
    if p is None:
        return f"« {d['mention']} » with no presentation before it"
    prefix, date = _MENTIONS[p.data["step"]], str(d["mention_date"])
    if p.data["step"] == "arrival_exit":
        return None if d["mention"] == AUTHORISED and not date else f"« {d['mention']} » for an immediate exit"
    days = {_day(_at(p)), _day(_at(s))} | {_day(_at(e)) for e in t.departed if p.data["step"] == "exit"}
    if d["mention"] != f"{prefix} {date}" or not _DATE.match(date):
        return f"« {d['mention']} » for step {p.data['step']} (expected « {prefix} <dd/mm/yyyy> »)"
    return None if date in days else f"« {d['mention']} », dated neither {' nor '.join(sorted(days))}"


@check("E4", GROUP, "Every stamp is ND with the mention of its step and the right date", applies_to=FALLBACKS)
def e4(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence] | None:
        if not x.trail.stamps:
            return None
        return [evidence(s, f"{x.mrn}: {gap}") for s in x.trail.stamps if (gap := _mention_gap(x.trail, s))]

    return _over(_judged(ix, ctx, "E4"), judge, "the stamps of all {n} stamped movements bear ND and the "
                 "mention of their step", "{n} stamps with a wrong stamp, mention or date",
                 "no EAD was stamped")  # fmt: skip


@check("E5", GROUP, "Each stamp is followed by the original handed back and a copy kept", applies_to=FALLBACKS)
def e5(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence] | None:
        t = x.trail
        if not t.stamps:
            return None
        found: list[Evidence] = []
        for s, after in zip(t.stamps, [*t.stamps[1:], None], strict=True):
            until = _at(after) if after is not None else None  # the next stamp answers another presentation
            gaps = [what for what, es in (("original not handed back", t.returned), ("no copy kept", t.copies))
                    if not _in(es, _at(s), until)]  # fmt: skip
            if gaps:
                found.append(evidence(s, f"{x.mrn}: « {s.data['mention']} »: {', '.join(gaps)}"))
        return found

    return _over(_judged(ix, ctx, "E5"), judge, "every stamp of the {n} stamped movements followed by the "
                 "original back and a copy kept", "{n} stamps without the original back or a copy kept",
                 "no EAD was stamped")  # fmt: skip


@check("E6", GROUP, "Each fallback movement: the operator is told of the reintegration no later than its last stamp",
       applies_to=FALLBACKS)  # fmt: skip
def e6(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence]:
        t = x.trail
        last = t.stamps[-1] if t.stamps else None
        if any(last is None or _at(n) <= _at(last) for n in t.notices):
            return []
        note = "no reintegration notice" + (f" by its last stamp ({format_sim(_at(last))})" if last else "")
        return [evidence(last, f"{x.mrn}: {note}") if last is not None else _about(x, note)]

    return _over(_fallen_back(ix, ctx, "E6"), judge, "all {n} fallback movements' operators told of the "
                 "reintegration in time", "{n} movements without a timely reintegration notice",
                 _NO_FALLBACK)  # fmt: skip


@check("E7", GROUP, "No goods leave before the exit-authorising stamp or the electronic exit", applies_to=FALLBACKS)
def e7(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence] | None:
        t = x.trail
        if not t.departed:
            return None
        confirmed = [e for e in t.states if e.data["system"] == "ECSBS" and e.data["state"] == "SORTIE_CONFIRMEE"]
        allowed = first([*t.authorising(), *confirmed])
        left = t.departed[0]
        if allowed is not None and _at(allowed) <= _at(left):
            return []
        return [evidence(left, f"{x.mrn}: left at {format_sim(_at(left))}, " + (
            f"authorised only at {format_sim(_at(allowed))}" if allowed else "never authorised"))]  # fmt: skip

    return _over(_judged(ix, ctx, "E7"), judge, "all {n} movements that left were authorised first",
                 "{n} movements left before their exit was authorised",
                 "no movement of these scenarios left")  # fmt: skip


def _fallback_edge(ix: JournalIndex, x: _Exit, edge: str) -> datetime | None:
    """When the exit office learns the fallback starts (``edge`` "start": from then on the EAD may be
    presented) or is over ("end"): the ECS-BS alert's opening or end, or the exporter telling it of
    its own fallback's start or end."""
    if not x.operator_side:
        found = _after(_ecs_alerts(ix, "open" if edge == "start" else "end", x.component), x.fault.start)
    else:
        told = (e for e in typed(ix, "office.informed") if e.data["kind"] == edge
                and e.data["by"] == x.exporter.eori and e.data["office"] == x.move.exit_office)  # fmt: skip
        found = _after(told, x.fault.start)
    return _at(found) if found is not None else None


def _back_before_exit(ix: JournalIndex, x: _Exit) -> bool:
    """E8's premise: a deferred exit stamped at arrival, and the office in the system again at the exit
    (it did record the exit live, or it knew the fallback was over when the EAD came back)."""
    t = x.trail
    if not (x.move.deferred and any(str(s.data["mention"]).startswith(PRESENTED) for s in t.stamps)):
        return False
    shown = first(p for p in t.presented if p.data["step"] == "exit")
    back = _fallback_edge(ix, x, "end")
    return t.live_exit() or (back is not None and back <= (_at(shown) if shown else _leaving(x.move, t)))


@check("E8", GROUP, "Deferred exit, ECS-BS back before the exit: the arrival recorded in ECS-BS before the exit, "
       "and no « sortie autorisée le » stamp", applies_to=DEFERRED)  # fmt: skip
def e8(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence] | None:
        if not _back_before_exit(ix, x):
            return None
        t = x.trail
        arrival, leaving = first(t.service("IE507")), first(t.service("EXIT_ANN"))
        found = [evidence(s, f"{x.mrn}: stamped « {s.data['mention']} » though back in the system")
                 for s in t.stamps if str(s.data["mention"]).startswith(f"{AUTHORISED} le")]  # fmt: skip
        if leaving is None:
            found.append(_about(x, "the office never recorded the exit in ECS-BS"))
        elif arrival is None or _at(arrival) > _at(leaving):
            found.append(evidence(leaving, f"{x.mrn}: exit recorded with no arrival notification before it"))
        return found

    return _over(_fallen_back(ix, ctx, "E8"), judge, "all {n} deferred exits after the recovery recorded "
                 "in ECS-BS, arrival first", "{n} findings on deferred exits after the recovery",
                 "no deferred exit took place after the recovery")  # fmt: skip


def _reintegrated(x: _Exit, ie: str) -> list[Entry]:
    """The service's messages for a notification: reintegrated, or (E8) the exit recorded live."""
    return [m for m in x.trail.service(ie) if m.data["reintegration"] or ie == "EXIT_ANN"]


@check("E9", GROUP, "Each fallback movement's messages are in ECS-BS, by the service, within t.reintegration "
       "of the end of alert (or the relaxed deadline)", applies_to=RECOVERY)  # fmt: skip
def e9(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence] | None:
        deadline, found, judged = _deadline(ix, ctx, x), [], False
        for ie in x.required(ctx.end):
            taken = _reintegrated(x, ie)
            if not taken and _pending(ctx, deadline):
                continue  # the clock has not run out
            judged = True
            if not taken:
                lost = [m for m in x.trail.lost if m.data["ie"] == ie and m.data["by"] == "service"]
                note = f"{ie} sent while ECS-BS was down" if lost else f"{ie} never reintegrated"
                found.append(evidence(lost[0], f"{x.mrn}: {note}") if lost else _about(x, note))
            elif deadline is not None and taken[0].data["reintegration"] and _at(taken[0]) > deadline:
                # An exit recorded live (E8) is no reintegration: no deadline on it.
                found.append(evidence(taken[0], f"{x.mrn}: {ie} reintegrated after {format_sim(deadline)}"))
        return found if judged else None

    return _over(_fallen_back(ix, ctx, "E9"), judge, "all {n} fallback movements reintegrated in time",
                 "{n} messages not reintegrated in time",
                 "no fallback movement whose reintegration fell due")  # fmt: skip


@check("E10", GROUP, "Each fallback movement: IE518, then IE599 within t.ie599_max; closed in ECS-BS at drill end",
       applies_to=RECOVERY)  # fmt: skip
def e10(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence] | None:
        t = x.trail
        results, cert = first(t.sent("IE518")), first(t.sent("IE599"))
        if results is None:
            return None if _pending(ctx, _deadline(ix, ctx, x)) else [_about(x, "no IE518 (exit results) by drill end")]
        limit = _at(results) + seconds(ctx, "t_ie599_max")
        found: list[Evidence] = []
        if cert is None and limit <= ctx.end:
            found.append(evidence(results, f"{x.mrn}: no IE599 after the IE518 (limit {format_sim(limit)})"))
        elif cert is not None and not _at(results) <= _at(cert) <= limit:
            found.append(evidence(cert, f"{x.mrn}: IE599 at {format_sim(_at(cert))}, IE518 {format_sim(_at(results))}"))
        if "SORTIE_CONFIRMEE" not in t.state("ECSBS", ctx.end):
            found.append(evidence(results, f"{x.mrn}: movement still open in ECS-BS at drill end"))
        return found

    return _over(_fallen_back(ix, ctx, "E10"), judge, "all {n} fallback movements certified and closed",
                 "{n} fallback movements not certified or left open", "no fallback movement whose exit results "
                 "fell due")  # fmt: skip


@check("E11", GROUP, "The fallback presentation at arrival comes within t.realtime of the goods' arrival",
       applies_to=FALLBACKS)  # fmt: skip
def e11(ix: JournalIndex, ctx: Context) -> Finding:
    wait = seconds(ctx, "t_realtime")

    def judge(x: _Exit) -> list[Evidence] | None:
        shown = first(p for p in x.trail.presented if p.data["step"] in ("arrival", "arrival_exit"))
        if shown is None:
            return None
        if not x.trail.arrived:
            return [evidence(shown, f"{x.mrn}: presented, the goods never arrived")]
        arrived = _at(x.trail.arrived[0])
        # Real time counts from when the fallback could be used: the alert, or the exporter's own fallback opened.
        since = max(arrived, _fallback_edge(ix, x, "start") or arrived)
        if arrived <= _at(shown) <= since + wait:
            return []
        return [evidence(shown, f"{x.mrn}: presented {format_sim(_at(shown))}, arrived {format_sim(arrived)}, "
                                f"limit {format_sim(since + wait)}")]  # fmt: skip

    return _over(_fallen_back(ix, ctx, "E11"), judge, "all {n} arrivals presented in real time",
                 "{n} presentations not in real time", "no fallback presentation at arrival")  # fmt: skip


def _dated_by(x: _Exit, m: Entry) -> datetime | None:
    """The time a service message must carry: the arrival's stamp (IE507), the exit-authorising stamp
    (EXIT_ANN), or its own sending for an exit recorded live (E8)."""
    # The times the actors wrote (the stamp's ``at``, the message's ``sent_at``), not the journal's:
    # those are taken when the record is published, a few wall milliseconds later.
    t = x.trail
    if m.data["ie"] == "IE507":
        return _when(t.stamps[0], "at") if t.stamps else None
    stamps = t.authorising()
    if stamps:
        return _when(stamps[0], "at")
    return _when(m, "sent_at") if not m.data["reintegration"] else None


@check("E12", GROUP, "Each reintegrated message carries the time of its stamp and is sent once", applies_to=RECOVERY)
def e12(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence] | None:
        sent = [m for ie in NOTIFICATIONS for m in x.trail.service(ie)]
        if not sent:
            return None
        found = [evidence(m, f"{x.mrn}: {m.data['ie']} sent again by the service")
                 for ie in NOTIFICATIONS for m in x.trail.service(ie)[1:]]  # fmt: skip
        for m in sent:
            due, carried = _dated_by(x, m), _when(m, "event_time")
            if due is None:
                found.append(evidence(m, f"{x.mrn}: {m.data['ie']} with no stamp to date it"))
            elif abs(carried - due) > _SAME:
                found.append(evidence(m, f"{x.mrn}: {m.data['ie']} dated {format_sim(carried)}, stamp "
                                         f"{format_sim(due)}"))  # fmt: skip
        return found

    return _over(_fallen_back(ix, ctx, "E12"), judge, "the service's messages of all {n} movements dated by "
                 "their stamps, sent once", "{n} messages misdated or sent twice",
                 "the service sent no message for a fallback movement")  # fmt: skip
