"""ECS-BS-*: the ECS-BS fallback at the exit office (PROCEDURES.md §8, seed 003).

An ECS fault is a ``down`` fault on ECS-BS (``ecs_exit``: every movement) or on one exporter's own
EDI system (``exporter:<EORI>``: only its movements, and not at a land exit, where the officers do
the formalities). Each movement is read against the first ECS fault that catches it (§0 ``F``):

- case 1: no AER (ECS-BS state *AER arrivé*) yet, and the goods arrive during the fault;
- case 2: AER, no *Etat stocké*, and the goods arrive during the fault;
- case 3: *Etat stocké* at the fault's start, and the exit falls during the fault.

ECS-BS down changes no state while it lasts, so its cases are read at ``F.start``; with an
operator's system down ECS-BS goes on working and an AER may still come, so the case of an arrival
is read when the goods arrive. Immediate or deferred exit, port or land exit come from the world.
Each (case, fault side, timing, exit office) is one scenario of the matrix; ``fb(m)``: the movement
was handled with the fallback block (its EAD was presented: ``ead.presented``).

How shared checks are attached. As EU-C1..EU-C7 (ics2_eu.py), E1-E12, O1-O5 and K1-K8 are
registered once each, under the group ``ECS-BS`` and ``applies_to`` the scenarios whose row of the
matrix names them (so the §10 count per scenario is that of the registry), and the drill runs each
once. One outage exercises several scenarios at once (cases 1, 2 and 3, immediate and deferred), so
a shared check judges the movements of the scenarios it applies to *that the drill lists*: K3
(immediate exit) judges the immediate movements of the listed immediate scenarios, E2 the
movements of every listed scenario. Listing ECS-BS-REINTEGRATION (the recovery run after any ECS-BS
scenario) brings every movement caught by a fault into the recovery checks (E9, E10, E12, K2, K6).
A check run outside a drill (no scenario of it listed) judges the movements of all its scenarios.
ECS-BS-CASE1-OPERATOR-DOWN-* are n/a (an operator fault leaves the AER in place): not registered.

A notification is in ECS-BS when it was sent while ECS-BS was up: one sent while it is down is
refused, though the journal keeps it, so each movement's trail sets it apart (``lost``) and no check
counts it as recorded - e.g. a land exit the officers record live before the alert tells them ECS-BS
is down. (Reading ECS-BS's resulting state instead would miss a message it rightly ignores: a second
arrival changes nothing.)

The reintegration clock (E9, ECS-BS-REINTEGRATION#2) starts at the end of alert: the ECS-BS alert's
``end`` for an ECS-BS outage, the closure of the exporter's assistance request for its own outage
(PROCEDURES §2 ``end_of_alert(DA)``); a ``bs.relaxation`` for that alert and office moves the
deadline. While that deadline has not passed by the end of the drill, a reintegration not yet done
(and what follows from it: IE518, IE599) is not judged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from secours.clock import format_sim
from secours.drills.journal import Entry
from secours.drills.oracle.common import at_fault, first, seconds, typed, verdict
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.common import record_time as _when
from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.drills.oracle.registry import REGISTRY, Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence
from secours.world import Exporter, ExportMovement

__all__: list[str] = []

GROUP = "ECS-BS"
C1I, C1D = "ECS-BS-CASE1-ECSBS-DOWN-IMMEDIATE", "ECS-BS-CASE1-ECSBS-DOWN-DEFERRED"
C2I, C2D = "ECS-BS-CASE2-ECSBS-DOWN-IMMEDIATE", "ECS-BS-CASE2-ECSBS-DOWN-DEFERRED"
O2I, O2D = "ECS-BS-CASE2-OPERATOR-DOWN-IMMEDIATE", "ECS-BS-CASE2-OPERATOR-DOWN-DEFERRED"
C3, O3 = "ECS-BS-CASE3-ECSBS-DOWN", "ECS-BS-CASE3-OPERATOR-DOWN"
LAND, REINT = "ECS-BS-LAND-EXIT", "ECS-BS-REINTEGRATION"

ECSBS_SIDE = (C1I, C1D, C2I, C2D, C3, LAND)  # ECS-BS down
OPERATOR_SIDE = (O2I, O2D, O3)  # the exporter's own EDI system down
FALLBACKS = ECSBS_SIDE + OPERATOR_SIDE
RECOVERY = (*FALLBACKS, REINT)
IMMEDIATE, DEFERRED = (C1I, C2I, O2I, LAND), (C1D, C2D, O2D)

ECS_EXIT = "ecs_exit"
AUTHORISED, PRESENTED = "sortie autorisée", "présenté le"  # the stamp's mentions (and « sortie autorisée le »)
NOTIFICATIONS = ("IE507", "EXIT_ANN")  # arrival notification, exit announcement
_DATE = re.compile(r"^\d{2}/\d{2}/\d{4}$")
_SAME = timedelta(seconds=1)  # a reintegrated message's event time "equals" its stamp's within this


def _day(t: datetime) -> str:
    return f"{t:%d/%m/%Y}"


def _target(w: FaultWindow) -> str:
    """The actor or component a fault hits: its scope's label, before any filter (``eori ...``)."""
    return w.component.split(" ", 1)[0]


# --- what the journal says about each movement -----------------------------------------------------


@dataclass
class _Trail:
    """The records about one MRN, each list in time order."""

    msgs: list[Entry] = field(default_factory=list)  # ecs.msg, but for those in ``lost``
    lost: list[Entry] = field(default_factory=list)  # notifications sent to ECS-BS while it was down (refused)
    states: list[Entry] = field(default_factory=list)  # ecs.state, Delta G/X and ECS-BS
    arrived: list[Entry] = field(default_factory=list)
    departed: list[Entry] = field(default_factory=list)
    presented: list[Entry] = field(default_factory=list)
    controls: list[Entry] = field(default_factory=list)
    stamps: list[Entry] = field(default_factory=list)
    returned: list[Entry] = field(default_factory=list)
    copies: list[Entry] = field(default_factory=list)
    notices: list[Entry] = field(default_factory=list)  # bs.reintegration_notice

    def sent(self, ie: str, *by: str) -> list[Entry]:
        """Messages of one IE code, by any of ``by`` (every sender when none is given)."""
        return [m for m in self.msgs if m.data["ie"] == ie and (not by or m.data["by"] in by)]

    def service(self, ie: str) -> list[Entry]:
        return self.sent(ie, "service")

    def state(self, system: str, t: datetime) -> set[str]:
        """The states one system had given the movement by ``t``."""
        return {e.data["state"] for e in self.states if e.data["system"] == system and _at(e) <= t}

    def authorising(self) -> list[Entry]:
        """Stamps that let the goods go: « sortie autorisée » and « sortie autorisée le … »."""
        return [s for s in self.stamps if str(s.data["mention"]).startswith(AUTHORISED)]

    def presented_on(self, s: Entry) -> Entry | None:
        """The presentation a stamp answers: the latest one up to it."""
        before = [p for p in self.presented if _at(p) <= _at(s)]
        return before[-1] if before else None

    def live_exit(self) -> bool:
        """E8: the office recorded the exit in ECS-BS in real time (ECS-BS back before the goods left)."""
        return any(not m.data["reintegration"] for m in self.service("EXIT_ANN"))


_TRAIL_OF = {
    "ecs.msg": "msgs", "ecs.state": "states", "exit.arrived": "arrived", "exit.departed": "departed",
    "ead.presented": "presented", "bs.control": "controls", "ead.stamped": "stamps", "ead.returned": "returned",
    "ead.copy_kept": "copies", "bs.reintegration_notice": "notices",
}  # fmt: skip


def _trails(ix: JournalIndex) -> dict[str, _Trail]:
    """Each movement's records in time order, each message once per fate: a record read again with
    the id of one already in the same list is that message delivered twice (a service restarted
    from a checkpoint sends again what it sent after it), not a second stamp or notification. A
    notification lost to an outage and the same message reintegrated once ECS-BS is back keep one
    id but are two sends, one in ``lost`` and one in ``msgs``: both count."""
    out: dict[str, _Trail] = {}
    seen: set[tuple[str, str]] = set()
    for e in sorted((e for e in ix.entries if e.ce_type in _TRAIL_OF and e.time is not None), key=_at):
        name = _TRAIL_OF[e.ce_type]
        if name == "msgs" and e.data["ie"] in NOTIFICATIONS and not _ecs_up(ix, _at(e)):
            name = "lost"
        if (e.ce_id, name) in seen:
            continue
        seen.add((e.ce_id, name))
        getattr(out.setdefault(e.data["mrn"], _Trail()), name).append(e)
    return out


# --- faults, cases and scenarios ---------------------------------------------------------------------


def _faults(ix: JournalIndex) -> list[FaultWindow]:
    """The ECS faults that started: ECS-BS down, an exporter's own system down; earliest first."""
    found = [w for w in ix.faults.values() if w.kind == "down" and w.start is not None
             and (_target(w) == ECS_EXIT or _target(w).startswith("exporter:"))]  # fmt: skip
    return sorted(found, key=lambda w: w.start.timestamp() if w.start else 0.0)


def _ecs_up(ix: JournalIndex, t: datetime) -> bool:
    """No ECS-BS outage is live at ``t``: what is sent to it then is taken."""
    return not any(w.start <= t and (w.end is None or t < w.end) for w in _faults(ix)
                   if _target(w) == ECS_EXIT and w.start is not None)  # fmt: skip


@dataclass(frozen=True)
class _Exit:
    """A movement caught by an ECS fault: its case, when it was read, and its records."""

    move: ExportMovement
    exporter: Exporter
    case: int  # 1, 2, 3
    fault: FaultWindow
    read_at: datetime  # the instant the case was read (F.start, or the arrival for an operator's outage)
    until: datetime  # the fault's end, or the drill's
    trail: _Trail

    @property
    def mrn(self) -> str:
        return self.move.mrn

    @property
    def operator_side(self) -> bool:
        return _target(self.fault) != ECS_EXIT

    @property
    def fb(self) -> bool:
        return bool(self.trail.presented)

    @property
    def scenario(self) -> str | None:
        """Its row of the scenario matrix (None: a combination the seed does not describe)."""
        if self.move.land:
            return LAND if not self.operator_side and self.case in (1, 2) else None
        if self.case == 3:
            return O3 if self.operator_side else C3
        if self.case == 1:
            return None if self.operator_side else (C1D if self.move.deferred else C1I)
        return {(False, False): C2I, (False, True): C2D, (True, False): O2I, (True, True): O2D}[
            (self.operator_side, self.move.deferred)
        ]

    def due(self) -> tuple[str, ...]:
        """The notifications that fell due during the fault: the arrival (cases 1, 2) and the exit."""
        exit_due = ("EXIT_ANN",) if _leaving(self.move, self.trail) < self.until else ()
        return exit_due if self.case == 3 else ("IE507", *exit_due)

    def required(self, end: datetime) -> tuple[str, ...]:
        """What the service must have in ECS-BS for it (K6): arrival and exit, or the exit alone in case 3;
        no exit for goods not due to leave before ``end`` (the drill's)."""
        exit_ = ("EXIT_ANN",) if _leaving(self.move, self.trail) <= end else ()
        return exit_ if self.case == 3 else ("IE507", *exit_)


def _arrival(m: ExportMovement, trail: _Trail) -> datetime:
    """When the goods reached the exit office: as journalled, else as planned."""
    return _at(trail.arrived[0]) if trail.arrived else m.arrival


def _leaving(m: ExportMovement, trail: _Trail) -> datetime:
    """When the exit falls due: at arrival for an immediate exit, as planned for a deferred one."""
    return m.exit if m.deferred else _arrival(m, trail)


def _case(f: FaultWindow, m: ExportMovement, trail: _Trail, until: datetime) -> tuple[int, datetime] | None:
    """(case, the instant it was read), or None when the fault does not catch the movement."""
    assert f.start is not None
    arrival = _arrival(m, trail)
    if f.start <= arrival < until:
        read_at = f.start if _target(f) == ECS_EXIT else arrival
        seen = trail.state("ECSBS", read_at)
        if "AER_ARRIVE" not in seen:
            return 1, read_at
        return (2, read_at) if "ETAT_STOCKE" not in seen else None
    seen = trail.state("ECSBS", f.start)
    if arrival < f.start <= _leaving(m, trail) < until and "ETAT_STOCKE" in seen and "SORTIE_CONFIRMEE" not in seen:
        return 3, f.start
    return None


def _concerns(f: FaultWindow, m: ExportMovement) -> bool:
    """ECS-BS down catches every movement; an exporter's system only its own, and none at a land exit
    (the officers do those formalities themselves)."""
    return _target(f) == ECS_EXIT or (_target(f) == f"exporter:{m.exporter}" and not m.land)


def _exits(ix: JournalIndex, ctx: Context) -> list[_Exit]:
    """Every movement caught by an ECS fault, read against the first fault that catches it."""
    faults, trails = _faults(ix), _trails(ix)
    exporters = {x.eori: x for x in ctx.world.exporters}
    out: list[_Exit] = []
    for m in ctx.world.exports:
        trail = trails.get(m.mrn, _Trail())
        for f in (f for f in faults if _concerns(f, m)):
            until = f.end or ctx.end
            found = _case(f, m, trail, until)
            if found is not None:
                out.append(_Exit(m, exporters[m.exporter], found[0], f, found[1], until, trail))
                break
    return out


def _judged(ix: JournalIndex, ctx: Context, check_id: str) -> list[_Exit]:
    """The movements a check judges: those of the scenarios it applies to that the drill lists (all of
    them when it lists none); ECS-BS-REINTEGRATION brings in every movement caught by a fault."""
    c = REGISTRY[check_id]
    applies = c.applies_to or frozenset({c.scenario})
    listed = (applies & set(ctx.scenarios)) or applies
    return [x for x in _exits(ix, ctx) if x.scenario is not None and (REINT in listed or x.scenario in listed)]


def _fallen_back(ix: JournalIndex, ctx: Context, check_id: str) -> list[_Exit]:
    return [x for x in _judged(ix, ctx, check_id) if x.fb]


# --- verdicts over movements ---------------------------------------------------------------------------

Judge = Callable[[_Exit], list[Evidence] | None]  # what is wrong with a movement, or None: not judged (yet)


def _over(xs: Iterable[_Exit], judge: Judge, ok: str, bad: str, nothing: str) -> Finding:
    """Judge each movement; ``ok`` may say how many were judged (``{n}``), ``bad`` how many findings."""
    judged, found = 0, []
    for x in xs:
        got = judge(x)
        if got is not None:
            judged += 1
            found += got
    if not judged:
        return outcome("not_exercised", nothing)
    return verdict(found, ok.format(n=judged), bad)


def _about(x: _Exit, note: str) -> Evidence:
    """Evidence for something about a movement that never happened: its first presentation, else the fault."""
    note = f"{x.mrn}: {note}"
    return evidence(x.trail.presented[0], note) if x.trail.presented else at_fault(x.fault, note)


_NO_FALLBACK = "no movement of these scenarios was handled with the fallback block"


# --- alerts, assistance requests, the end of alert -------------------------------------------------------


def _ecs_alerts(ix: JournalIndex, phase: str) -> list[Entry]:
    """Météo messages of one phase about ECS-BS (its component, or naming the service)."""
    return [e for e in typed(ix, "meteo.alert") if e.data["phase"] == phase
            and (e.data.get("component") == ECS_EXIT or "ECS-BS" in e.data.get("services", ()))]  # fmt: skip


def _after(entries: Iterable[Entry], since: datetime | None) -> Entry | None:
    return first(e for e in entries if since is not None and _at(e) >= since)


def _da(ix: JournalIndex, x: _Exit) -> Entry | None:
    """The exporter's ECS-BS self-trigger assistance request since its outage began."""
    das = (e for e in typed(ix, "olga.da") if e.data["kind"] == "self_trigger"
           and e.data["service"] == "ECS-BS" and e.data["filer"] == x.exporter.eori)  # fmt: skip
    return _after(das, x.fault.start)


def _of_da(ix: JournalIndex, ce_type: str, da_id: str, **fields: str) -> list[Entry]:
    return sorted((e for e in typed(ix, ce_type) if e.data["da_id"] == da_id
                   and all(e.data[k] == v for k, v in fields.items())), key=_at)  # fmt: skip


def _end_of_alert(ix: JournalIndex, x: _Exit) -> Entry | None:
    """ECS-BS outage: the end of the ECS-BS alert; the exporter's own outage: its DA's closure."""
    if not x.operator_side:
        return _after(_ecs_alerts(ix, "end"), x.fault.start)
    da = _da(ix, x)
    return first(_of_da(ix, "olga.closed", da.data["da_id"])) if da is not None else None


def _deadline(ix: JournalIndex, ctx: Context, x: _Exit) -> datetime | None:
    """The reintegration deadline: end of alert + t.reintegration, or the office's relaxed deadline."""
    end = _end_of_alert(ix, x)
    if end is None:
        return None
    relaxed = [_when(r, "new_deadline") for r in typed(ix, "bs.relaxation")
               if r.data["alert_id"] == end.data.get("alert_id")
               and r.data["office"] == x.move.exit_office]  # fmt: skip
    return max([_at(end) + seconds(ctx, "t_reintegration"), *relaxed])


def _pending(ctx: Context, deadline: datetime | None) -> bool:
    """The reintegration clock has not run out by the end of the drill (or has not started)."""
    return deadline is None or deadline > ctx.end


# --- E: the fallback block and the reintegration ----------------------------------------------------------


@check("E1", GROUP, "ECS-BS down: a CID alert naming ECS-BS is open within t.alert_max of F.start and before "
       "the first fallback presentation", applies_to=ECSBS_SIDE)  # fmt: skip
def e1(ix: JournalIndex, ctx: Context) -> Finding:
    outages = [f for f in _faults(ix) if _target(f) == ECS_EXIT]
    if not outages:
        return outcome("not_exercised", "ECS-BS was not down in this drill")
    xs = _judged(ix, ctx, "E1")
    shown = {f.fault_id: [p for x in xs if x.fault is f for p in x.trail.presented] for f in outages}
    found = [e for f in outages for e in _alerted(ix, ctx, f, shown[f.fault_id])]
    return verdict(found, f"an ECS-BS alert opened in time for all {len(outages)} outages",
                   "{n} ECS-BS outages without a timely alert")  # fmt: skip


def _alerted(ix: JournalIndex, ctx: Context, f: FaultWindow, presented: list[Entry]) -> list[Evidence]:
    assert f.start is not None
    limit = f.start + seconds(ctx, "t_alert_max")
    alert = _after(_ecs_alerts(ix, "open"), f.start)
    if alert is None or _at(alert) > limit:
        when = f"opened only at {format_sim(_at(alert))}" if alert is not None else "never opened"
        note = f"ECS-BS alert {when} (limit {format_sim(limit)})"
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


def _in(entries: list[Entry], since: datetime, until: datetime | None) -> bool:
    return any(since <= _at(e) and (until is None or _at(e) < until) for e in entries)


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
        found = _after(_ecs_alerts(ix, "open" if edge == "start" else "end"), x.fault.start)
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


# --- O: the exporter's own system down, ECS-BS up ------------------------------------------------------------


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


def _substitutable(x: _Exit) -> bool:
    """Case 2, no prodouane account, a substitute (UCC art. 267(2)) at hand."""
    return x.case == 2 and not x.exporter.has_prodouane and bool(x.exporter.substitute)


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


# --- K: the cases ---------------------------------------------------------------------------------------------


def _ground_gaps(x: _Exit) -> list[Evidence]:
    """K1 for one movement: the states at the instant its case was read, and ECS-BS silent while down."""
    f, t = x.fault, x.trail
    leaving = "EN_COURS_DE_SORTIE" in t.state("DELTA", x.read_at)
    found: list[Evidence] = []
    if x.case == 1 and leaving:
        found.append(at_fault(f, f"{x.mrn}: case 1, yet Delta G/X shows it « en cours de sortie »"))
    elif x.case != 1 and not leaving:
        found.append(at_fault(f, f"{x.mrn}: case {x.case}, yet Delta G/X does not show it « en cours de sortie »"))
    if not x.operator_side:
        assert f.start is not None
        during = [e for e in [*t.states, *t.sent("IE501")] if f.start < _at(e) < x.until
                  and (e.ce_type == "ecs.msg" or e.data["system"] == "ECSBS")]  # fmt: skip
        found += [evidence(e, f"{x.mrn}: ECS-BS recorded something while down") for e in during]
    return found


@check("K1", GROUP, "Ground truth at F.start matches the case (a mismatch invalidates the drill)",
       applies_to=FALLBACKS)  # fmt: skip
def k1(ix: JournalIndex, ctx: Context) -> Finding:
    return _over(_judged(ix, ctx, "K1"), _ground_gaps, "the states of all {n} movements match their case",
                 "{n} movements whose states do not match their case", "no movement of these scenarios was caught "
                 "by the fault")  # fmt: skip


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


# --- ECS-BS-REINTEGRATION -----------------------------------------------------------------------------------------


@check(f"{REINT}#1", REINT, "The movements reintegrated are exactly those handled with the fallback block")
def reint_1(ix: JournalIndex, ctx: Context) -> Finding:
    trails = _trails(ix)
    fb = {mrn for mrn, t in trails.items() if t.presented}
    reint = {mrn: sent[0] for mrn, t in trails.items()
             if (sent := [m for m in t.msgs if m.data["by"] == "service" and m.data["reintegration"]])}  # fmt: skip
    if not fb and not reint:
        return outcome("not_exercised", "no movement was handled with the fallback block")
    due = {x.mrn: x for x in _exits(ix, ctx)}
    found = [evidence(trails[mrn].presented[0], f"{mrn}: handled with the fallback block, never reintegrated")
             for mrn in sorted(fb - set(reint))
             if mrn not in due or not _pending(ctx, _deadline(ix, ctx, due[mrn]))]  # fmt: skip
    found += [evidence(reint[mrn], f"{mrn}: reintegrated, never handled with the fallback block")
              for mrn in sorted(set(reint) - fb)]  # fmt: skip
    return verdict(found, f"{len(reint)} movements reintegrated, as many as fell back ({len(fb)})",
                   "{n} movements missing from or extra to the reintegration")  # fmt: skip


def _alert_span(ix: JournalIndex, alert_id: str) -> tuple[Entry, Entry] | None:
    """(opening, end) of an ECS-BS alert."""
    opened = [e for e in _ecs_alerts(ix, "open") if e.data["alert_id"] == alert_id]
    ended = [e for e in _ecs_alerts(ix, "end") if e.data["alert_id"] == alert_id]
    return (opened[0], ended[0]) if opened and ended else None


@check(f"{REINT}#2", REINT, "A relaxation only after an exceptionally long outage, recorded before the 24 h deadline")
def reint_2(ix: JournalIndex, ctx: Context) -> Finding:
    relaxations = typed(ix, "bs.relaxation")
    if not relaxations:
        return outcome("not_exercised", "no exit office relaxed the reintegration deadline")
    least = timedelta(seconds=ctx.world.config.params.ecs_exceptional_outage_s)

    def gap(r: Entry) -> str | None:
        span = _alert_span(ix, r.data["alert_id"])
        if span is None:
            return f"relaxation for {r.data['alert_id']}, no ECS-BS alert opened and ended"
        lasted, deadline = _at(span[1]) - _at(span[0]), _at(span[1]) + seconds(ctx, "t_reintegration")
        if lasted < least:
            return f"relaxation after an outage of {lasted} (exceptional from {least})"
        return f"relaxation recorded after the deadline {format_sim(deadline)}" if _at(r) > deadline else None

    found = [evidence(r, f"{r.data['office']}: {g}") for r in relaxations if (g := gap(r)) is not None]
    return verdict(found, f"all {len(relaxations)} relaxations justified and in time",
                   "{n} relaxations unjustified or late")  # fmt: skip


@check(f"{REINT}#3", REINT, "After the end of alert the operator sends no notification of its own for a fallback "
       "movement")  # fmt: skip
def reint_3(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence] | None:
        end = _end_of_alert(ix, x)
        if end is None:
            return None
        own = [m for ie in NOTIFICATIONS for m in x.trail.sent(ie, "operator", "substitute")]
        return [evidence(m, f"{x.mrn}: {m.data['ie']} by the {m.data['by']} after the end of alert")
                for m in own if _at(m) >= _at(end)]  # fmt: skip

    return _over(_fallen_back(ix, ctx, f"{REINT}#3"), judge, "no operator notification after the end "
                 "of alert for the {n} fallback movements", "{n} operator notifications after the end of alert",
                 "no fallback movement whose alert ended")  # fmt: skip
