"""K1-K8: the rules of each case: the ground truth when the case was read, ECS-BS loading a case 1
movement itself, the stamps of immediate, deferred and case 3 exits, the messages each case needs,
the order of an operator's options, the land exit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from secours.clock import format_sim
from secours.drills.oracle.common import at_fault, first, seconds
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.ecs.alerts import _deadline, _pending
from secours.drills.oracle.ecs.movements import (
    AUTHORISED,
    C1D,
    C1I,
    C3,
    DEFERRED,
    FALLBACKS,
    GROUP,
    IMMEDIATE,
    LAND,
    NOTIFICATIONS,
    O3,
    OPERATOR_SIDE,
    PRESENTED,
    RECOVERY,
    REINT,
    _about,
    _Exit,
    _fallen_back,
    _judged,
    _leaving,
    _over,
    _substitutable,
)
from secours.drills.oracle.index import JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence
from secours.drills.reportdata import Evidence

__all__: list[str] = []


def _ground_gaps(x: _Exit, hop: timedelta) -> list[Evidence]:
    """K1 for one movement: the states at the instant its case was read, and ECS-BS silent while down.
    Delta G/X hears of an AER one hop after ECS-BS records it: an AER recorded in the last seconds
    before the fault is in Delta's state one hop later, not yet at the fault's start."""
    f, t = x.fault, x.trail
    leaving = "EN_COURS_DE_SORTIE" in t.state("DELTA", x.read_at + hop)
    found: list[Evidence] = []
    if x.case == 1 and leaving:
        found.append(at_fault(f, f"{x.mrn}: case 1, yet Delta G/X shows it « en cours de sortie »"))
    elif x.case != 1 and not leaving:
        found.append(at_fault(f, f"{x.mrn}: case {x.case}, yet Delta G/X does not show it « en cours de sortie »"))
    if x.ecs_down:
        assert f.start is not None
        during = [e for e in [*t.states, *t.sent("IE501")] if f.start < _at(e) < x.until
                  and (e.ce_type == "ecs.msg" or e.data["system"] == "ECSBS")]  # fmt: skip
        found += [evidence(e, f"{x.mrn}: ECS-BS recorded something while down") for e in during]
    return found


@check("K1", GROUP, "Ground truth at F.start matches the case (a mismatch invalidates the drill)",
       applies_to=FALLBACKS)  # fmt: skip
def k1(ix: JournalIndex, ctx: Context) -> Finding:
    return _over(_judged(ix, ctx, "K1"), lambda x: _ground_gaps(x, ctx.hop),
                 "the states of all {n} movements match their case", "{n} movements whose states do not match "
                 "their case", "no movement of these scenarios was caught by the fault")  # fmt: skip


@check("K2", GROUP, "Case 1: after F.end, ECS-BS loads the movement itself (IE501) before any reintegrated message",
       applies_to=(C1I, C1D, REINT))  # fmt: skip
def k2(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence] | None:
        end = x.fault.end
        if end is None:
            return None
        aer = first(m for m in x.trail.sent("IE501", "auto") if _at(m) >= end)
        if aer is None:
            return [at_fault(x.fault, f"{x.mrn}: ECS-BS never loaded the movement after the outage")]
        return [evidence(m, f"{x.mrn}: {m.data['ie']} by the service before the AER ({format_sim(_at(aer))})")
                for ie in NOTIFICATIONS for m in x.trail.service(ie) if _at(m) < _at(aer)]  # fmt: skip

    xs = [x for x in _judged(ix, ctx, "K2") if x.case == 1]
    return _over(xs, judge, "all {n} case 1 movements loaded by ECS-BS before the reintegration",
                 "{n} case 1 findings", "no case 1 movement whose outage ended")  # fmt: skip


def _mentions(x: _Exit) -> list[str]:
    return [str(s.data["mention"]) for s in x.trail.stamps]


def _stamps_as(x: _Exit, expected: str, fits: Callable[[list[str]], bool]) -> list[Evidence]:
    """One finding when the movement's stamps do not fit (``expected`` says what should be)."""
    seen = _mentions(x)
    if fits(seen):
        return []
    note = f"{x.mrn}: stamps {seen or 'none'}, expected {expected}"
    return [evidence(x.trail.stamps[-1], note) if x.trail.stamps else _about(x, note)]


@check("K3", GROUP, "Immediate exit: exactly one stamp, « sortie autorisée »; no « présenté le »",
       applies_to=IMMEDIATE)  # fmt: skip
def k3(ix: JournalIndex, ctx: Context) -> Finding:
    xs = [x for x in _fallen_back(ix, ctx, "K3") if not x.move.deferred and x.case in (1, 2)]
    return _over(xs, lambda x: _stamps_as(x, f"one « {AUTHORISED} »", lambda s: s == [AUTHORISED]),
                 "all {n} immediate exits stamped once « sortie autorisée »", "{n} immediate exits stamped otherwise",
                 "no immediate exit was handled with the fallback block")  # fmt: skip


def _deferred_fit(x: _Exit) -> Callable[[list[str]], bool]:
    """« présenté le » then « sortie autorisée le », or « présenté le » alone when the office recorded
    the exit in ECS-BS (E8)."""
    if x.trail.live_exit():
        return lambda s: len(s) == 1 and s[0].startswith(PRESENTED)
    return lambda s: len(s) == 2 and s[0].startswith(PRESENTED) and s[1].startswith(f"{AUTHORISED} le")


def _realtime_exit(ctx: Context, x: _Exit) -> list[Evidence]:
    """The EAD shown again at the exit at most t.realtime before the goods leave."""
    shown = first(p for p in x.trail.presented if p.data["step"] == "exit")
    if shown is None or x.trail.live_exit():
        return []
    limit = _at(shown) + seconds(ctx, "t_realtime")
    left = x.trail.departed[0] if x.trail.departed else None
    if left is not None and _at(shown) <= _at(left) <= limit:
        return []
    when = f"left {format_sim(_at(left))}" if left is not None else "never left"
    return [evidence(shown, f"{x.mrn}: shown again {format_sim(_at(shown))}, {when} (limit {format_sim(limit)})")]


@check("K4", GROUP, "Deferred exit: « présenté le » then « sortie autorisée le », shown again within t.realtime "
       "before leaving - unless E8 applied", applies_to=DEFERRED)  # fmt: skip
def k4(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence] | None:
        if x.trail.live_exit() or _leaving(x.move, x.trail) <= ctx.end:
            expected = f"« {PRESENTED} … »" + ("" if x.trail.live_exit() else f" then « {AUTHORISED} le … »")
            return [*_stamps_as(x, expected, _deferred_fit(x)), *_realtime_exit(ctx, x)]
        return None  # the goods leave after the drill

    xs = [x for x in _fallen_back(ix, ctx, "K4") if x.move.deferred and x.case in (1, 2)]
    return _over(xs, judge, "all {n} deferred exits stamped at arrival then at exit, in real time",
                 "{n} findings on deferred exits", "no deferred exit was handled with the fallback block")  # fmt: skip


@check("K5", GROUP, "Case 3: exactly one stamp, « sortie autorisée le <date> »; no « présenté le »",
       applies_to=(C3, O3))  # fmt: skip
def k5(ix: JournalIndex, ctx: Context) -> Finding:
    def fits(s: list[str]) -> bool:
        return len(s) == 1 and s[0].startswith(f"{AUTHORISED} le ")

    xs = [x for x in _fallen_back(ix, ctx, "K5") if x.case == 3]
    return _over(xs, lambda x: _stamps_as(x, f"one « {AUTHORISED} le … »", fits),
                 "all {n} case 3 exits stamped once « sortie autorisée le »", "{n} case 3 exits stamped otherwise",
                 "no case 3 exit was handled with the fallback block")  # fmt: skip


@check("K6", GROUP, "Messages the service records per movement: arrival and exit (cases 1-2), the exit alone "
       "(case 3)", applies_to=RECOVERY)  # fmt: skip
def k6(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence] | None:
        counts = {ie: len(x.trail.service(ie)) for ie in NOTIFICATIONS}
        if not any(counts.values()) and _pending(ctx, _deadline(ix, ctx, x)):
            return None
        wanted = {ie: int(ie in x.required(ctx.end)) for ie in NOTIFICATIONS}
        if counts == wanted:
            return []
        note = f"case {x.case}: the service recorded {counts}, expected {wanted}"
        sent = [m for ie in NOTIFICATIONS for m in x.trail.service(ie)]
        return [evidence(sent[-1], f"{x.mrn}: {note}") if sent else _about(x, note)]

    return _over(_fallen_back(ix, ctx, "K6"), judge, "all {n} fallback movements: the messages their case "
                 "needs, once each", "{n} movements with messages missing or extra",
                 "no fallback movement whose reintegration fell due")  # fmt: skip


def _order_gaps(x: _Exit) -> list[Evidence]:
    """K7 for one movement: DTI (prodouane) before a substitute (case 2) before the fallback block."""
    subs = x.trail.sent("IE507", "substitute") + x.trail.sent("EXIT_ANN", "substitute")
    if x.exporter.has_prodouane:
        earlier = "DTI (prodouane)"
        late = [*subs, *x.trail.presented]
    elif _substitutable(x):
        earlier, late = "a substitute", x.trail.presented
    else:
        return []
    return [evidence(e, f"{x.mrn}: {'substitute' if e.ce_type == 'ecs.msg' else 'fallback'} used while "
                        f"{earlier} was available") for e in late]  # fmt: skip


@check("K7", GROUP, "Operator-side path order: DTI, then (case 2) a substitute, then the fallback block",
       applies_to=OPERATOR_SIDE)  # fmt: skip
def k7(ix: JournalIndex, ctx: Context) -> Finding:
    xs = [x for x in _judged(ix, ctx, "K7") if x.operator_side]
    return _over(xs, _order_gaps, "all {n} movements of exporters whose system was down took the first "
                 "option open", "{n} later options used while an earlier was open", "no exporter's system was down "
                 "while its goods were at the exit")  # fmt: skip


@check("K8", GROUP, "Land exit: the EAD shown at the counter by the driver, the immediate path only",
       applies_to=(LAND,))  # fmt: skip
def k8(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence]:
        return [evidence(p, f"{x.mrn}: shown by {p.data['channel']!r} for step {p.data['step']!r}")
                for p in x.trail.presented
                if p.data["channel"] != "counter" or p.data["step"] != "arrival_exit"]  # fmt: skip

    xs = [x for x in _fallen_back(ix, ctx, "K8") if x.move.land]
    return _over(xs, judge, "all {n} land exits shown at the counter, immediate path",
                 "{n} land exit presentations off the immediate path", "no land exit was handled with the "
                 "fallback block")  # fmt: skip
