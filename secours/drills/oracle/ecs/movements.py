"""The ECS-BS scenario matrix, and each movement read against the first ECS fault that catches it: its
records (``_Trail``), its case and scenario (``_Exit``), the movements a check judges (``_judged``),
and a verdict over movements (``_over``). The package's docstring says how.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from secours.drills.journal import Entry
from secours.drills.oracle.common import at_fault, verdict
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.drills.oracle.registry import REGISTRY, Context, Finding, evidence, outcome
from secours.drills.reportdata import Evidence
from secours.world import Exporter, ExportMovement

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
PORTAL = "douane_portal"  # the customs portal: down, it puts its DTI users in the ECS-BS fallback
AUTHORISED, PRESENTED = "sortie autorisée", "présenté le"  # the stamp's mentions (and « sortie autorisée le »)
NOTIFICATIONS = ("IE507", "EXIT_ANN")  # arrival notification, exit announcement


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

    def reached(self, system: str, state: str) -> datetime | None:
        """When one system first gave the movement ``state`` (None: never)."""
        return next((_at(e) for e in self.states if e.data["system"] == system and e.data["state"] == state), None)

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


def _trails(ix: JournalIndex, hop: timedelta) -> dict[str, _Trail]:
    """Each movement's records in time order, each message once per fate: a record read again with
    the id of one already in the same list is that message delivered twice (a service restarted
    from a checkpoint sends again what it sent after it), not a second stamp or notification. A
    notification lost to an outage and the same message reintegrated once ECS-BS is back keep one
    id but are two sends, one in ``lost`` and one in ``msgs``: both count."""
    out: dict[str, _Trail] = {}
    seen: set[tuple[str, str]] = set()
    # A DTI user's message reaches ECS-BS through the portal, which passes it on with the same id: it
    # is judged where it reaches ECS-BS (the portal's record) when the journal has that record.
    passed_on = {e.ce_id for e in ix.entries if e.ce_type == "ecs.msg" and e.source == PORTAL}
    for e in sorted((e for e in ix.entries if e.ce_type in _TRAIL_OF and e.time is not None), key=_at):
        name = _TRAIL_OF[e.ce_type]
        # Taken or refused when it is read, one hop after it was sent: a notification sent a moment
        # before ECS-BS went down reaches it down, and is refused.
        read = _at(e) + hop
        if name == "msgs" and e.topic == "ecs.portal" and not _up(ix, PORTAL, read):
            name = "lost"  # refused by the portal
        elif name == "msgs" and e.topic == "ecs.portal" and e.ce_id in passed_on:
            continue  # on its way: judged as the portal passes it on
        elif name == "msgs" and e.data["ie"] in NOTIFICATIONS and not _up(ix, ECS_EXIT, read):
            name = "lost"
        if (e.ce_id, name) in seen:
            continue
        seen.add((e.ce_id, name))
        getattr(out.setdefault(e.data["mrn"], _Trail()), name).append(e)
    return out


# --- faults, cases and scenarios ---------------------------------------------------------------------


def _faults(ix: JournalIndex) -> list[FaultWindow]:
    """The ECS faults that started: ECS-BS down, the portal down, an exporter's own system down;
    earliest first."""
    found = [w for w in ix.faults.values() if w.kind == "down" and w.start is not None
             and (_target(w) in (ECS_EXIT, PORTAL) or _target(w).startswith("exporter:"))]  # fmt: skip
    return sorted(found, key=lambda w: w.start.timestamp() if w.start else 0.0)


def _up(ix: JournalIndex, component: str, t: datetime) -> bool:
    """No outage of ``component`` (ECS-BS, the portal) is live at ``t``: what is sent to it then is taken."""
    return not any(w.start <= t and (w.end is None or t < w.end) for w in _faults(ix)
                   if _target(w) == component and w.start is not None)  # fmt: skip


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
        """The exporter's own EDI system is down (ECS-BS and the portal work)."""
        return _target(self.fault).startswith("exporter:")

    @property
    def component(self) -> str:
        """What the fault hits: ECS-BS, the portal, or the exporter (``exporter:<EORI>``)."""
        return _target(self.fault)

    @property
    def ecs_down(self) -> bool:
        """ECS-BS itself is down (not the portal in front of it, nor the exporter's system)."""
        return _target(self.fault) == ECS_EXIT

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
        # ECS-BS down changes nothing while it lasts; with the portal or the exporter's system down
        # ECS-BS goes on, and the case is what it shows when the goods arrive.
        read_at = f.start if _target(f) == ECS_EXIT else arrival
        seen = trail.state("ECSBS", read_at)
        if "AER_ARRIVE" not in seen:
            return (1, read_at) if _target(f) != PORTAL else None  # case 1 is an ECS-BS failure only
        return (2, read_at) if "ETAT_STOCKE" not in seen else None
    # The exit can be notified only once the arrival is stocked: an arrival notified just before the
    # fault and stocked during it leaves its exit due during the fault (case 3), on any schedule.
    leaving, looked = _leaving(m, trail), f.start
    stocked = trail.reached("ECSBS", "ETAT_STOCKE")
    if stocked is not None and arrival < f.start < stocked:
        leaving, looked = max(leaving, stocked), stocked
    seen = trail.state("ECSBS", looked)
    if arrival < f.start <= leaving < until and "ETAT_STOCKE" in seen and "SORTIE_CONFIRMEE" not in seen:
        return 3, f.start
    return None


def _concerns(f: FaultWindow, m: ExportMovement, x: Exporter) -> bool:
    """ECS-BS down catches every movement; the portal down those of its DTI users, an exporter's
    system only its own; neither at a land exit (the officers do those formalities themselves)."""
    if _target(f) == PORTAL:
        return x.mode == "DTI" and not m.land
    return _target(f) == ECS_EXIT or (_target(f) == f"exporter:{m.exporter}" and not m.land)


def _exits(ix: JournalIndex, ctx: Context) -> list[_Exit]:
    """Every movement caught by an ECS fault, read against the first fault that catches it."""
    faults, trails = _faults(ix), _trails(ix, ctx.hop)
    exporters = {x.eori: x for x in ctx.world.exporters}
    out: list[_Exit] = []
    for m in ctx.world.exports:
        trail = trails.get(m.mrn, _Trail())
        for f in (f for f in faults if _concerns(f, m, exporters[m.exporter])):
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


def _substitutable(x: _Exit) -> bool:
    """Case 2, no prodouane account, a substitute (UCC art. 267(2)) at hand."""
    return x.case == 2 and not x.exporter.has_prodouane and bool(x.exporter.substitute)


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
