"""The exit office's staff (bureau de sortie, BS), and their fallback block (seed 003).

- Land exit (officers do the ECS formalities from the driver's EAD): when goods arrive and ECS-BS
  works, they record the arrival and the exit in it themselves.
- An EAD presented at the counter or e-mailed (ECS-BS down, or an operator in fallback): a control
  now and then (``ecs_control_rate``), then the cachet ND with the mention of the step — « sortie
  autorisée » (immediate exit), « présenté le … » (deferred, at arrival), « sortie autorisée le … »
  (deferred, at exit; case 3) — the original handed back, a copy kept, and the operator told the
  service will reintegrate the movement.
- A deferred exit presented once the fallback is over (ECS-BS back, or the operator's system back):
  they record the arrival notification in ECS-BS first, then the exit, in the system (no stamp).
- The customs portal down (its own alert on the météo) puts the DTI users in the same fallback block,
  and its end of alert ends it for them; EDI users and land exits are not concerned.
- Once the alert is over (ECS-BS's end of alert, the portal's, or the closing of the operator's assistance
  request) they reintegrate each fallback movement within ``ecs_reintegration_s``: the arrival
  (when they stamped it) and the exit, each with the stamp's date and time, once.

Staged breaches: ``ecs_careless_office`` gets what it names wrong (stamp, notice, event_time, relax,
control_after, stamp_after_recovery, restamp);
``ecs_unreturning_office`` keeps the original EAD instead of handing it back;
``ecs_late_office`` reintegrates 30 hours after the end of the alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.rand import draw, uniform
from secours.recent import Recent
from secours.wire import (
    BsControl,
    BsReintegrationNotice,
    BsRelaxation,
    EadCopyKept,
    EadPresented,
    EadReturned,
    EadStamped,
    EcsMsg,
    EcsState,
    ExitArrived,
    ExitDeparted,
    MeteoAlert,
    OfficeInformed,
    OlgaAck,
    OlgaClosed,
)
from secours.world import World

__all__ = ["ExitOfficeLogic"]

SOURCE = "exit_office"
COUNTER, TO_ECS = "ecs.counter", "ecs.in"
_AFTER_STAMP = timedelta(minutes=1)  # staged control_after and restamp: how long after the stamp


@dataclass(slots=True)
class Case:
    """What the office holds on one movement handled with the fallback block."""

    mrn: str
    office: str
    exporter: str
    covering: str = ""  # the ECS-BS (or portal) alert, or "da:<EORI>" for an operator's own fallback
    arrival_stamp: datetime | None = None  # « sortie autorisée » or « présenté le »: the arrival's time
    exit_stamp: datetime | None = None
    sent: set[str] = field(default_factory=set)  # IE507 / EXIT_ANN recorded by the office
    scheduled: bool = False  # its reintegration is planned


class ExitOfficeLogic:
    def __init__(self, world: World) -> None:
        self.world = world
        self.params = world.config.params
        self.moves = {m.mrn: m for m in world.exports}
        self.dti = {e.eori for e in world.exporters if e.mode == "DTI"}  # who goes through the portal
        self.alert: MeteoAlert | None = None  # the open ECS-BS alert
        self.portal: MeteoAlert | None = None  # the open alert on the customs portal
        # The last alert ended on ECS-BS and on the portal, and when (by component).
        self.last: dict[str, tuple[str, datetime]] = {}
        self.in_fallback: set[str] = set()  # exporters whose own fallback is on (told by them)
        self.das: dict[str, str] = {}  # DA -> exporter, from the forwarded acknowledgements
        self.cases: dict[str, Case] = {}
        self.presented: dict[str, EadPresented] = {}  # waiting for an officer
        # Presentations taken, so one delivered twice (at-least-once, or resent by an exporter that
        # came back from a checkpoint) is seen by an officer once.
        self.taken: Recent[str] = Recent(self.params.dedupe_keep_s)
        self.ended: set[str] = set()  # alerts ended, and "da:<EORI>" for operators' closed requests
        self.lapses = frozenset(self.params.ecs_careless_office)  # staged: what the officers get wrong
        self.after_stamp: dict[str, tuple[EadPresented, EadStamped]] = {}  # staged: controlled or stamped again

    def start(self, now: datetime) -> Effects:
        return Effects()

    def _later(self, now: datetime, *parts: str) -> datetime:
        return now + timedelta(seconds=uniform(self.world.config.seed, self.params.ecs_handling_s, *parts))

    # --- what reaches the office --------------------------------------------------------------

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        fx = Effects()
        if isinstance(msg, EadPresented):
            if msg.presentation_id in self.taken:
                return fx
            self.taken.add(msg.presentation_id, now)
            self._case(msg)  # what covers it is what was in force when the EAD was handed in
            fx.after(self._later(now, "present", msg.presentation_id), "present", msg.presentation_id)
            self.presented[msg.presentation_id] = msg
        elif isinstance(msg, ExitArrived):
            m = self.moves.get(msg.mrn)
            if m is not None and m.land and self.alert is None:  # the officers do it from the driver's EAD
                fx.extend(self._record(msg.mrn, m.exit_office, "IE507", now, now, reintegration=False))
                fx.extend(self._record(msg.mrn, m.exit_office, "EXIT_ANN", now, now, reintegration=False))
        elif isinstance(msg, MeteoAlert):
            fx.extend(self._meteo(msg, now))
        elif isinstance(msg, OfficeInformed):
            if msg.kind == "start":
                self.in_fallback.add(msg.by)
                self.das[msg.da_id] = msg.by
                # EADs this exporter presented before telling the office (a breach of its own) are
                # covered by the fallback it now announces: reintegrated when it closes, like the rest.
                for case in self.cases.values():
                    if case.exporter == msg.by and not case.covering:
                        case.covering = f"da:{msg.by}"
            else:
                self.in_fallback.discard(msg.by)
        elif isinstance(msg, OlgaClosed):
            exporter = self.das.pop(msg.da_id, None)
            if exporter is not None:  # end of the operator's fallback: reintegrate what it covered
                fx.extend(self._ended(f"da:{exporter}", now))
        elif not isinstance(msg, EcsState | EcsMsg | OlgaAck | ExitDeparted | EadStamped | EadReturned | EadCopyKept
                            | BsControl | BsReintegrationNotice | BsRelaxation):  # fmt: skip
            raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
        return fx

    def _meteo(self, alert: MeteoAlert, now: datetime) -> Effects:
        if alert.component not in ("ecs_exit", "douane_portal"):
            return Effects()
        portal = alert.component == "douane_portal"
        if alert.phase == "open":
            if portal:
                self.portal = alert
            else:
                self.alert = alert
            return Effects()
        opened = self.portal if portal else self.alert
        if alert.phase != "end" or opened is None:
            return Effects()
        if portal:
            self.portal = None
        else:
            self.alert = None
        self.last[alert.component] = (opened.alert_id, now)
        fx = Effects()
        long = (now - opened.published_at).total_seconds() >= self.params.ecs_exceptional_outage_s
        if long or "relax" in self.lapses:  # staged (relax): any outage will do
            deadline = now + timedelta(hours=48)  # relaxed locally for an exceptionally long outage
            for office in sorted({c.office for c in self.cases.values() if c.covering == opened.alert_id}):
                relax = BsRelaxation(alert_id=opened.alert_id, office=office, new_deadline=deadline, at=now)
                fx.send(COUNTER, office, derive_id(opened.alert_id, f"relax/{office}"), SOURCE, relax)
        fx.extend(self._ended(opened.alert_id, now))
        return fx

    def _ended(self, covering: str, now: datetime) -> Effects:
        """The alert, or the operator's request, that covered some movements is over: reintegrate them."""
        self.ended.add(covering)
        return self._schedule([c for c in self.cases.values() if c.covering == covering], now)

    # --- presentations ------------------------------------------------------------------------

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        if timer.kind == "present":
            return self._present(self.presented.pop(timer.ref), now)
        if timer.kind in ("late_control", "restamp"):
            return self._after_stamp(timer.kind, *self.after_stamp[timer.ref], now)
        case = self.cases[timer.ref]
        return self._reintegrate(case, now)

    def _over(self, case: Case) -> bool:
        """The fallback that covered the movement has ended: ECS-BS is back, or the operator's system."""
        if case.covering.startswith("da:"):
            return case.exporter not in self.in_fallback
        return case.covering not in {a.alert_id for a in (self.alert, self.portal) if a is not None}

    def _case(self, p: EadPresented) -> Case:
        m = self.moves.get(p.mrn)
        if m is None:
            raise RejectedInput(f"EAD {p.mrn} is not a movement of this run")
        case = self.cases.get(p.mrn)
        if case is None:
            own = m.exporter in self.in_fallback and self.alert is None
            # ECS-BS's alert covers everyone; the portal's only the DTI users.
            alerts = [("ecs_exit", self.alert)] + ([("douane_portal", self.portal)] if m.exporter in self.dti else [])
            covering = f"da:{m.exporter}" if own else next((a.alert_id for _, a in alerts if a is not None), "")
            for component, _ in alerts:
                last = self.last.get(component)
                if not covering and last is not None and m.arrival < last[1]:
                    # Goods that reached the office before the system came back, presented late: the
                    # alert they arrived under covers them, so they are reintegrated with the others.
                    covering = last[0]
            case = self.cases[p.mrn] = Case(p.mrn, p.office, m.exporter, covering)
        return case

    def _present(self, p: EadPresented, now: datetime) -> Effects:
        fx = Effects()
        case = self._case(p)
        arrived = case.arrival_stamp
        back = p.step == "exit" and arrived is not None and self._over(case)
        if arrived is not None and back and "stamp_after_recovery" not in self.lapses:  # staged: stamped anyway
            # Back in the system before the goods leave: arrival first, then the exit, in ECS-BS.
            fx.extend(self._record(p.mrn, p.office, "IE507", arrived, now, reintegration=True, case=case))
            fx.extend(self._record(p.mrn, p.office, "EXIT_ANN", now, now, reintegration=False, case=case))
            return fx
        controlled = draw(self.world.config.seed, "control", p.presentation_id) < self.params.ecs_control_rate
        if controlled and "control_after" not in self.lapses:  # staged: the result written after the stamp
            fx.send(COUNTER, p.mrn, derive_id(p.presentation_id, "control"), SOURCE,
                    BsControl(mrn=p.mrn, office=p.office, result="ok", at=now), subject=p.mrn)  # fmt: skip
        alone = p.step == "arrival_exit" or (p.step == "exit" and case.arrival_stamp is None)  # one stamp authorises
        day = f"{now:%d/%m/%Y}"
        mention, date = {
            "arrival_exit": ("sortie autorisée", ""),
            "arrival": (f"présenté le {day}", day),
            "exit": (f"sortie autorisée le {day}", day),
        }[p.step]
        if p.step in ("arrival_exit", "arrival"):
            case.arrival_stamp = now
        if p.step in ("arrival_exit", "exit"):
            case.exit_stamp = now
        stamp = "CACHET DU BUREAU" if "stamp" in self.lapses else "ND"  # staged: the ordinary stamp
        stamped = EadStamped(mrn=p.mrn, office=p.office, stamp=stamp, mention=mention, mention_date=date, at=now)
        fx.extend(self._stamp(p, stamped, "stamp", now))
        for lapse, due in (("control_after", controlled), ("restamp", alone)):
            if lapse in self.lapses and due:  # staged: a minute after the stamp
                self.after_stamp[p.presentation_id] = (p, stamped)
                fx.after(now + _AFTER_STAMP, "late_control" if lapse == "control_after" else "restamp",
                         p.presentation_id)  # fmt: skip
        if "notice" not in case.sent and "notice" not in self.lapses:  # told once, at the first stamp
            case.sent.add("notice")
            told = BsReintegrationNotice(
                mrn=p.mrn,
                office=p.office,
                at=now,
                text="The service will reintegrate this movement once ECS-BS is back.",
            )
            fx.send(COUNTER, p.mrn, derive_id(p.mrn, "reintegration-notice"), SOURCE, told, subject=p.mrn)
        if case.covering in self.ended:  # stamped after the end of the alert: reintegrated like the others
            fx.extend(self._schedule([case], now))
        return fx

    def _stamp(self, p: EadPresented, stamped: EadStamped, name: str, now: datetime) -> Effects:
        """The stamp struck, the original handed back and a copy kept."""
        fx, again = Effects(), "" if name == "stamp" else f"{name}/"
        fx.send(COUNTER, p.mrn, derive_id(p.presentation_id, name), SOURCE, stamped, subject=p.mrn)
        if not self.params.ecs_unreturning_office:
            fx.send(COUNTER, p.mrn, derive_id(p.presentation_id, f"{again}returned"), SOURCE,
                    EadReturned(mrn=p.mrn, office=p.office, at=now), subject=p.mrn)  # fmt: skip
        fx.send(COUNTER, p.mrn, derive_id(p.presentation_id, f"{again}copy"), SOURCE,
                EadCopyKept(mrn=p.mrn, office=p.office, at=now), subject=p.mrn)  # fmt: skip
        return fx

    def _after_stamp(self, kind: str, p: EadPresented, stamped: EadStamped, now: datetime) -> Effects:
        """Staged: the control's result written after the stamp it should have allowed, or a stamp
        that authorised the exit on its own struck again."""
        if kind == "restamp":
            return self._stamp(p, stamped.model_copy(update={"at": now}), "restamp", now)
        fx = Effects()
        fx.send(COUNTER, p.mrn, derive_id(p.presentation_id, "control"), SOURCE,
                BsControl(mrn=p.mrn, office=p.office, result="ok", at=now), subject=p.mrn)  # fmt: skip
        return fx

    # --- reintegration ------------------------------------------------------------------------

    def _schedule(self, cases: list[Case], now: datetime) -> Effects:
        fx = Effects()
        for case in cases:
            if case.scheduled:
                continue
            case.scheduled = True
            delay = uniform(self.world.config.seed, self.params.ecs_reintegration_s, "reintegrate", case.mrn)
            if self.params.ecs_late_office:
                delay = 30 * 3600.0
            fx.after(now + timedelta(seconds=delay), "reintegrate", case.mrn)
        return fx

    def _reintegrate(self, case: Case, now: datetime) -> Effects:
        fx = Effects()
        case.scheduled = False  # done: a stamp struck after this (presented late) is reintegrated in turn
        if case.arrival_stamp is not None:
            fx.extend(self._record(case.mrn, case.office, "IE507", case.arrival_stamp, now, reintegration=True,
                                   case=case))  # fmt: skip
        if case.exit_stamp is not None:
            fx.extend(self._record(case.mrn, case.office, "EXIT_ANN", case.exit_stamp, now, reintegration=True,
                                   case=case))  # fmt: skip
        return fx

    def _record(self, mrn: str, office: str, ie: str, event: datetime, now: datetime, *, reintegration: bool,
                case: Case | None = None) -> Effects:  # fmt: skip
        fx = Effects()
        if case is not None:
            if ie in case.sent:
                return fx  # reintegrated once
            case.sent.add(ie)
        if reintegration and "event_time" in self.lapses:
            event = now  # staged: dated when reintegrated, not by its stamp
        msg = EcsMsg(msg_id=derive_id(mrn, f"office/{ie}"), ie=ie, mrn=mrn, by="service", channel="SYSTEM",
                     reintegration=reintegration, event_time=event, office=office, sent_at=now)  # fmt: skip
        fx.send(TO_ECS, mrn, msg.msg_id, SOURCE, msg, subject=mrn)
        return fx
