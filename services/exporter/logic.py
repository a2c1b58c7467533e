"""Exporters at a French exit office, and the ECS-BS fallback as they live it (seed 003).

One instance simulates every exporter (``exporter:<EORI>``). When its goods reach the exit office
the exporter notifies their arrival (IE507) — by EDI from its own system, or on the portal (DTI) —
then announces the exit (EXIT_ANN) at once (immediate exit) or when the goods leave (deferred), and
lets them go once ECS-BS has confirmed the exit. At a land exit the officers do it from the
driver's EAD. A notification that gets no answer within ``ecs_answer_timeout_s`` has failed:

- its own EDI system is down (noticed ``detect_self_s`` after it fails): with a prodouane account it
  does the formalities on the portal; otherwise, when the arrival is still to be notified (case 2),
  a substitute (UCC art. 267(2)) does the arrival and the exit; otherwise it files an assistance
  request in OLGA, forwards the acknowledgement to the exit office, and only then uses the fallback
  block; once its system is back it asks the SAU to close the request and tells the office;
- otherwise it looks at the météo: an ECS-BS alert is open, or, for a DTI user, an alert on the
  customs portal (cases 2 and 3: « panne du portail de la douane ») -> the fallback block (the EAD
  presented at the counter, or e-mailed by a DTI user); none yet -> it tries again.

What ECS-BS records (its states) the exporter sees whatever the state of its own system: on the
portal, or from the substitute acting for it. Under the fallback block the goods leave on the stamp
« sortie autorisée (le …) »; a deferred exit stamped « présenté le … » is presented again when the
goods leave. After recovery the exporter sends nothing of its own: the office reintegrates.

Staged breaches: ``ecs_hasty_exporters`` present the EAD as soon as their request is filed, before
the acknowledgement reaches the office; ``ecs_replaying_exporters`` send their own notifications
again once the alert is over; ``ecs_careless_exporters`` get what it names wrong (early_exit,
late_presentation, dawdling, land_email, fallback_first, late_close).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id, make_da_id
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
    MeteoConsulted,
    OfficeInformed,
    OlgaAck,
    OlgaClosed,
    OlgaDa,
    SauContact,
)
from secours.world import EXPORT_OFFICE, Exporter, ExportMovement, World

__all__ = ["ExporterLogic"]

ME = "exporter"
COUNTER, POINT = "ecs.counter", "ecs.exit_point"
_LATE = timedelta(minutes=30)  # staged late_presentation and dawdling: how late
_LATE_CLOSE = timedelta(hours=3)  # staged late_close: how long after the system is back


@dataclass(slots=True)
class Move:
    m: ExportMovement
    stored: bool = False  # ECS-BS has the arrival (Etat stocké)
    confirmed: bool = False  # ECS-BS confirmed the exit
    departed: bool = False
    waiting: str = ""  # the notification sent and not yet answered: IE507 or EXIT_ANN
    fallback: bool = False  # handled with the fallback block
    presented_arrival: bool = False  # deferred exit, stamped « présenté le » at arrival
    by_substitute: bool = False  # a substitute notified its arrival: it does the exit too


@dataclass(slots=True)
class Firm:
    info: Exporter
    down: bool = False  # its own EDI system, as its staff noticed
    da_id: str = ""
    open: bool = False  # request acknowledged and the office told: the fallback block may be used
    offices: set[str] = field(default_factory=set)  # exit offices told of its fallback
    due: set[str] = field(default_factory=set)  # exit offices its fallback concerns
    ack_at: datetime | None = None
    queued: list[tuple[str, str]] = field(default_factory=list)  # (MRN, step) waiting for the request


class ExporterLogic:
    def __init__(self, world: World) -> None:
        self.params = world.config.params
        self.firms = {e.eori: Firm(e) for e in world.exporters}
        self.moves = {m.mrn: Move(m) for m in world.exports}
        self.alert = ""  # the open ECS-BS alert, as the météo shows it
        self.portal_alert = ""  # the open alert on the customs portal (DTI users only)
        self.lapses = frozenset(self.params.ecs_careless_exporters)  # staged: what they get wrong

    @staticmethod
    def source(eori: str) -> str:
        return f"{ME}:{eori}"

    def start(self, now: datetime) -> Effects:
        fx = Effects()
        for mv in self.moves.values():
            fx.after(mv.m.arrival, "arrive", mv.m.mrn)
            if mv.m.deferred:
                fx.after(mv.m.exit, "exit", mv.m.mrn)
        return fx

    def _timeout(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.params.ecs_answer_timeout_s)

    # --- the goods' journey -------------------------------------------------------------------

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        if timer.kind in ("own_outage", "own_recovery"):
            return self._own_system(timer.ref.removeprefix(f"{ME}:"), timer.kind == "own_outage", now)
        if timer.kind == "late_close":
            return self._close(self.firms[timer.ref], now)
        mv = self.moves[timer.ref.split("|")[0]]
        fx = Effects()
        if timer.kind == "late_present":  # staged late_presentation: the EAD handed in at last
            fx.extend(self._hand_in(mv, timer.ref.split("|")[1], now))
        elif timer.kind == "leave":  # staged dawdling
            fx.extend(self._depart(mv, now))
        elif timer.kind == "arrive":
            fx.send(POINT, mv.m.mrn, derive_id(mv.m.mrn, "arrived"), self.source(mv.m.exporter),
                    ExitArrived(mrn=mv.m.mrn, office=mv.m.exit_office, at=now), subject=mv.m.mrn)  # fmt: skip
            if mv.m.land:  # the officers do the formalities from the driver's EAD
                if self.alert:
                    fx.extend(self._present(mv, "arrival_exit", now))
                else:
                    fx.after(self._timeout(now), "check", mv.m.mrn)
            else:
                fx.extend(self._notify(mv, "IE507", now))
        elif timer.kind == "exit" and not mv.departed:
            if mv.presented_arrival:
                fx.extend(self._present(mv, "exit", now))  # shown again when the goods leave
            elif mv.stored:
                fx.extend(self._notify(mv, "EXIT_ANN", now))
        elif timer.kind == "check":
            fx.extend(self._check(mv, now))
        return fx

    def _notify(self, mv: Move, ie: str, now: datetime) -> Effects:
        fx = Effects()
        firm = self.firms[mv.m.exporter]
        mv.waiting = ie
        if firm.info.mode == "EDI" and firm.down:
            return self._own_fallback(firm, mv, ie, now)
        topic, channel = ("ecs.in", "EDI") if firm.info.mode == "EDI" else ("ecs.portal", "DTI")
        fx.extend(self._send(mv, ie, "operator", channel, topic, self.source(firm.info.eori), now))
        return fx

    def _send(self, mv: Move, ie: str, by: str, channel: str, topic: str, source: str, now: datetime) -> Effects:
        fx = Effects()
        msg = EcsMsg(
            msg_id=derive_id(mv.m.mrn, f"{ie}/{by}/{now.isoformat()}"), ie=ie, mrn=mv.m.mrn, by=by, channel=channel,
            reintegration=False, event_time=now, office=mv.m.exit_office, sent_at=now,
        )  # fmt: skip
        fx.send(topic, mv.m.mrn, msg.msg_id, source, msg, subject=mv.m.mrn)
        fx.after(self._timeout(now), "check", mv.m.mrn)
        return fx

    def _check(self, mv: Move, now: datetime) -> Effects:
        """No answer in time: find out why, and go on."""
        fx = Effects()
        done = mv.confirmed if (mv.m.land or mv.waiting == "EXIT_ANN") else mv.stored
        if done or mv.departed or mv.fallback:
            return fx
        firm = self.firms[mv.m.exporter]
        if firm.info.mode == "EDI" and firm.down and not mv.m.land:
            return self._own_fallback(firm, mv, mv.waiting, now)
        covering = self._covering(firm)
        seen = MeteoConsulted(
            consultation_id=derive_id(mv.m.mrn, f"meteo/{now.isoformat()}"), by=firm.info.eori, channel="web",
            alert_ids=(covering,) if covering else (), consulted_at=now,
        )  # fmt: skip
        fx.send("meteo.consultations", firm.info.eori, seen.consultation_id, self.source(firm.info.eori), seen)
        if covering:  # ECS-BS is down, or the portal for a DTI user: the fallback block
            fx.extend(self._present(mv, self._step(mv), now))
            return fx
        if mv.m.land:
            fx.after(self._timeout(now), "check", mv.m.mrn)
        else:
            fx.extend(self._notify(mv, mv.waiting or "IE507", now))  # try again
        return fx

    def _covering(self, firm: Firm) -> str:
        """The open alert that puts this exporter in the fallback: ECS-BS's, or the portal's for a DTI user."""
        return self.alert or (self.portal_alert if firm.info.mode == "DTI" else "")

    def _step(self, mv: Move) -> str:
        if mv.waiting == "EXIT_ANN":
            return "exit"
        return "arrival" if mv.m.deferred else "arrival_exit"

    def _present(self, mv: Move, step: str, now: datetime) -> Effects:
        mv.fallback = True
        if "late_presentation" in self.lapses and step in ("arrival", "arrival_exit"):  # staged: half an hour on
            fx = Effects()
            fx.after(now + _LATE, "late_present", f"{mv.m.mrn}|{step}")
            return fx
        return self._hand_in(mv, step, now)

    def _hand_in(self, mv: Move, step: str, now: datetime) -> Effects:
        fx = Effects()
        firm = self.firms[mv.m.exporter]
        channel = "email" if firm.info.mode == "DTI" and not mv.m.land else "counter"
        if mv.m.land and "land_email" in self.lapses:  # staged: the driver's EAD e-mailed, not shown
            channel = "email"
        # staged (ecs_misaddressing_exporters): to the office that cleared the export, not the exit office
        office = EXPORT_OFFICE if self.params.ecs_misaddressing_exporters else mv.m.exit_office
        p = EadPresented(presentation_id=derive_id(mv.m.mrn, f"present/{step}"), mrn=mv.m.mrn, office=office,
                         channel=channel, by=firm.info.eori, step=step, at=now)  # fmt: skip
        fx.send(COUNTER, mv.m.mrn, p.presentation_id, self.source(firm.info.eori), p, subject=mv.m.mrn)
        if step == "arrival_exit" and "early_exit" in self.lapses:  # staged: gone before the stamp
            fx.extend(self._depart(mv, now))
        return fx

    def _depart(self, mv: Move, now: datetime) -> Effects:
        fx = Effects()
        if mv.departed:
            return fx
        mv.departed = True
        fx.send(POINT, mv.m.mrn, derive_id(mv.m.mrn, "departed"), self.source(mv.m.exporter),
                ExitDeparted(mrn=mv.m.mrn, office=mv.m.exit_office, at=now), subject=mv.m.mrn)  # fmt: skip
        return fx

    # --- its own system -----------------------------------------------------------------------

    def _own_fallback(self, firm: Firm, mv: Move, ie: str, now: datetime) -> Effects:
        """Own EDI system down: the portal, else a substitute (arrival), else the fallback block."""
        first = "fallback_first" in self.lapses  # staged: straight to the fallback block
        if firm.info.has_prodouane and not first:
            return self._send(mv, ie, "operator", "DTI", "ecs.portal", self.source(firm.info.eori), now)
        if (
            firm.info.substitute and (ie == "IE507" or mv.by_substitute) and not first
        ):  # case 2: the exit formalities too
            mv.by_substitute = True
            return self._send(mv, ie, "substitute", "EDI", "ecs.in", f"substitute:{firm.info.substitute}", now)
        step = "exit" if ie == "EXIT_ANN" else ("arrival" if mv.m.deferred else "arrival_exit")
        firm.due.add(mv.m.exit_office)
        if firm.open:
            fx = self._inform(firm, "start", firm.ack_at, now)  # a new office first hears of it
            fx.extend(self._present(mv, step, now))
            return fx
        firm.queued.append((mv.m.mrn, step))
        mv.fallback = True
        fx = Effects()
        if not firm.da_id:
            fx.extend(self._request(firm, now))
        if self.params.ecs_hasty_exporters:  # staged: no wait for the acknowledgement
            fx.extend(self._flush(firm, now))
        return fx

    def _request(self, firm: Firm, now: datetime) -> Effects:
        fx = Effects()
        e = firm.info
        mrns = tuple(m for m, _ in firm.queued)
        since = now - timedelta(seconds=self.params.detect_self_s)
        da = OlgaDa(
            da_id=make_da_id(now, f"{e.eori}|ecs-da/{now.isoformat()}"), filer=e.eori, filer_role="trader",
            filer_eori=e.eori, company=e.name, phone=e.phone, kind="self_trigger", service="ECS-BS", mode="EDI",
            component="own EDI system", symptom="exit formalities cannot be sent to ECS-BS", since=since,
            estimated_duration="unknown", entry_office="", clients=(), declarations=mrns, transports=(),
            text=f"Objet : auto-déclenchement de la procédure de secours ECS-BS. {e.name}, EORI {e.eori}, {e.address}, "
            f"{e.phone}; our EDI system is down since {since:%d/%m/%Y %H:%M} UTC; MRN: {', '.join(mrns)}.",
            filed_at=now, address=e.address, reasons="own EDI system down; no prodouane account, no substitute",
        )  # fmt: skip
        firm.da_id = da.da_id
        fx.send("olga.requests", da.da_id, derive_id(da.da_id, "filed"), self.source(e.eori), da, subject=da.da_id)
        return fx

    def _flush(self, firm: Firm, now: datetime) -> Effects:
        fx = Effects()
        queued, firm.queued = firm.queued, []
        for mrn, step in queued:
            fx.extend(self._present(self.moves[mrn], step, now))
        return fx

    def _inform(self, firm: Firm, kind: str, ack_at: datetime | None, now: datetime) -> Effects:
        fx = Effects()
        offices = firm.due - firm.offices if kind == "start" else firm.offices
        for office in sorted(offices):
            told = OfficeInformed(
                informed_id=derive_id(firm.da_id, f"{kind}/{office}"), by=firm.info.eori, office=office, kind=kind,
                da_id=firm.da_id, attached_ack=firm.da_id if kind == "start" else "", ack_registered_at=ack_at,
                service="ECS-BS", at=now,
            )  # fmt: skip
            fx.send(COUNTER, firm.info.eori, told.informed_id, self.source(firm.info.eori), told, subject=firm.da_id)
        if kind == "start":
            firm.offices |= offices
        return fx

    def _own_system(self, eori: str, down: bool, now: datetime) -> Effects:
        fx = Effects()
        firm = self.firms.get(eori)
        if firm is None:
            return fx
        firm.down = down
        if not down and firm.da_id and firm.open:  # once, though the recovery may be told twice
            if "late_close" in self.lapses:  # staged: hours later
                firm.open = False
                fx.after(now + _LATE_CLOSE, "late_close", eori)
                return fx
            fx.extend(self._close(firm, now))
        return fx

    def _close(self, firm: Firm, now: datetime) -> Effects:
        """Its system back: the help desk asked to close the request, the exit offices told."""
        fx, eori = Effects(), firm.info.eori
        if firm.da_id:
            ask = SauContact(contact_id=derive_id(firm.da_id, "close"), by=eori, channel="email",
                             purpose="close_request", da_id=firm.da_id, sent_at=now,
                             text=f"Our EDI system works again: please close DA {firm.da_id} (ECS-BS).")  # fmt: skip
            fx.send("sau.contacts", firm.da_id, ask.contact_id, self.source(eori), ask, subject=firm.da_id)
            fx.extend(self._inform(firm, "end", None, now))
            firm.open = False
        return fx

    # --- what it hears ------------------------------------------------------------------------

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        fx = Effects()
        if isinstance(msg, EcsState):
            mv = self.moves.get(msg.mrn)
            if mv is not None and msg.system == "ECSBS":
                fx.extend(self._state(mv, msg.state, now))
        elif isinstance(msg, EadStamped):
            mv = self.moves.get(msg.mrn)
            if mv is not None:
                if msg.mention.startswith("sortie autorisée") and mv.presented_arrival and "dawdling" in self.lapses:
                    fx.after(now + _LATE, "leave", mv.m.mrn)  # staged: the goods take their time
                elif msg.mention.startswith("sortie autorisée"):
                    fx.extend(self._depart(mv, now))
                else:
                    mv.presented_arrival = True
        elif isinstance(msg, MeteoAlert):
            fx.extend(self._meteo(msg, now))
        elif isinstance(msg, OlgaAck):
            firm = next((f for f in self.firms.values() if f.da_id == msg.da_id), None)
            if firm is not None and not firm.open:
                firm.open, firm.ack_at = True, msg.registered_at
                fx.extend(self._inform(firm, "start", msg.registered_at, now))
                fx.extend(self._flush(firm, now))
        elif isinstance(msg, OlgaClosed):
            firm = next((f for f in self.firms.values() if f.da_id == msg.da_id), None)
            if firm is not None:
                firm.da_id, firm.offices, firm.due = "", set(), set()
        elif not isinstance(msg, EcsMsg | EadPresented | EadReturned | EadCopyKept | BsControl | BsReintegrationNotice
                            | BsRelaxation | OfficeInformed):  # fmt: skip
            raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
        return fx

    def _state(self, mv: Move, state: str, now: datetime) -> Effects:
        fx = Effects()
        if state == "ETAT_STOCKE":
            mv.stored = True
            if mv.waiting == "IE507" and not mv.fallback:
                mv.waiting = ""
                if not mv.m.deferred:
                    fx.extend(self._notify(mv, "EXIT_ANN", now))  # immediate exit: announced at once
        elif state == "SORTIE_CONFIRMEE":
            mv.confirmed = True
            mv.waiting = ""
            fx.extend(self._depart(mv, now))
        return fx

    def _meteo(self, alert: MeteoAlert, now: datetime) -> Effects:
        fx = Effects()
        if alert.component == "douane_portal":
            if alert.phase == "open":
                self.portal_alert = alert.alert_id
            elif alert.phase == "end" and self.portal_alert == alert.alert_id:
                self.portal_alert = ""
            return fx
        if alert.component != "ecs_exit":
            return fx
        if alert.phase == "open":
            self.alert = alert.alert_id
        elif alert.phase == "end" and self.alert == alert.alert_id:
            self.alert = ""
            if self.params.ecs_replaying_exporters:  # staged: its own notifications, on top of the office's
                for mv in self.moves.values():
                    if mv.fallback and self.firms[mv.m.exporter].info.mode == "EDI":
                        fx.extend(self._send(mv, "IE507", "operator", "EDI", "ecs.in", self.source(mv.m.exporter), now))
        return fx
