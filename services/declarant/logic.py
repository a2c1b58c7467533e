"""Delta's declarants, and the six steps of the alert sheet they follow when clearance stops (seed 002).

One instance simulates every declarant of the run (``declarant:<EORI>``). Each declaration is lodged
when ready, by direct input (DTI) or through the declarant's connection provider (EDI). A declaration
not validated within ``delta_answer_timeout_s`` (case (a)), or validated but without BAE for
``delta_block_after_s`` (case (b)), starts an *incident* for its online service, which goes:

1. look at the météo: an open alert for this service and mode -> use the fallback now (paper
   declarations at the office) and regularise them after the end of the alert;
2. EDI: call the provider; its platform is the origin -> wait for the alert it relays, then as 1.
   Otherwise look each validated declaration up in Aubette (BAE: nothing to do), and during office
   hours ask the office whether it is under control, waiting for credit or cash payment;
3-5. what is left is a technical block: file one self-trigger request per online service in OLGA,
   forward its acknowledgement to the office (both before any fallback declaration), and out of
   office hours call the SAU;
6. once the system works again (its own system back, or Delta answering again for that service):
   ask the SAU to close the request, tell the office, and once closed regularise.

Each step takes a person ``delta_step_s``. Staged breaches: ``delta_blind_declarants`` fall back on
any open Delta alert; ``delta_skipping_declarants`` never look in Aubette; ``delta_impatient_declarants``
take "no BAE in Aubette" for a technical block without asking the office; ``delta_careless_declarants``
skip the steps it names (``lapses`` below), each one on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id, make_da_id
from secours.rand import uniform
from secours.wire import (
    AubetteQuery,
    ClientNotice,
    DeltaAubette,
    DeltaDecl,
    DeltaLodging,
    FallbackRecord,
    FallbackUsed,
    MeteoAlert,
    MeteoConsulted,
    OfficeAnswer,
    OfficeInformed,
    OfficeQuery,
    OlgaAck,
    OlgaClosed,
    OlgaDa,
    ProviderAnswer,
    ProviderContact,
    Regularised,
    SauContact,
    SauDiagnosis,
)
from secours.world import DeltaDeclarant, DeltaDeclaration, World, office_open

__all__ = ["DeclarantLogic"]

ME = "declarant"
WORDS = "auto-déclenchement de la procédure de secours"
_ASK_FOR = timedelta(minutes=10)  # how long a declarant waits for Aubette or the office before going on


@dataclass(slots=True)
class Decl:
    d: DeltaDeclaration
    lodged: bool = False
    lodged_at: datetime | None = None  # its latest lodging: an answer is awaited delta_answer_timeout_s from then
    decl_no: str = ""
    validated_at: datetime | None = None
    released: bool = False  # BAE seen
    held: bool = False  # the office said it is under control, credit or cash: not a technical block
    fallback_id: str = ""
    covering: str = ""
    regularised: bool = False
    regularising: bool = False  # its regularisation is lodged


@dataclass(slots=True)
class Incident:
    """One declarant's trouble with one online service, from the first blocked declaration on."""

    eori: str
    service: str
    phase: str = "idle"  # idle, consult, provider, origin, aubette, office, ack, open, alert, closing
    refs: list[str] = field(default_factory=list)  # declarations blocked, waiting for a decision
    round: list[str] = field(default_factory=list)  # those being looked up now (later ones wait their turn)
    noticed_at: datetime | None = None
    alert_id: str = ""
    da_id: str = ""
    ack_at: datetime | None = None
    asked: dict[str, str] = field(default_factory=dict)  # query id -> declaration number
    shown: dict[str, str] = field(default_factory=dict)  # declaration number -> Aubette's or the office's answer
    fallbacks: list[str] = field(default_factory=list)  # refs handled under this incident's fallback
    contact_id: str = ""  # the call to the provider waiting for its answer
    wake: str = ""  # the one step timer still meaningful (older ones are ignored)
    serial: int = 0
    resolved: bool = False  # the system works again (seen before the fallback was open)
    twin: str = ""  # staged twice: the second DA filed for the same service while the first is open


class DeclarantLogic:
    def __init__(self, world: World) -> None:
        self.world = world
        self.params = world.config.params
        self.people: dict[str, DeltaDeclarant] = {d.eori: d for d in world.delta_declarants}
        self.decls = {d.ref: Decl(d) for d in world.delta_declarations}
        self.incidents: dict[str, Incident] = {}
        self.own_down: set[str] = set()
        self.alerts: dict[str, MeteoAlert] = {}  # open Delta alerts, as the météo shows them
        self.lapses = frozenset(self.params.delta_careless_declarants)  # staged: steps they skip
        self.filed: dict[str, OlgaDa] = {}  # the DAs they filed, by id (staged twice copies one)
        # staged jumpy: five minutes without BAE is a block for them, not the delta_block_after_s Delta sets
        self._block_after = timedelta(seconds=300.0 if "jumpy" in self.lapses else self.params.delta_block_after_s)
        self.closed: dict[str, tuple[str, datetime]] = {}  # staged after_close: incident -> its last DA, closed at

    @staticmethod
    def source(eori: str) -> str:
        return f"{ME}:{eori}"

    def start(self, now: datetime) -> Effects:
        fx = Effects()
        for d in self.decls.values():
            fx.after(d.d.ready, "ready", d.d.ref)
        return fx

    def _incident(self, eori: str, service: str) -> Incident:
        return self.incidents.setdefault(f"{eori}|{service}", Incident(eori, service))

    def _step(self, inc: Incident, now: datetime, phase: str, wait: timedelta | None = None) -> Effects:
        """Go to ``phase`` once a person has taken the step (or after ``wait``)."""
        fx = Effects()
        inc.phase = phase
        inc.serial += 1
        inc.wake = f"{inc.eori}|{inc.service}|{phase}|{inc.serial}"
        if wait is None:
            wait = timedelta(seconds=uniform(self.world.config.seed, self.params.delta_step_s, "step", inc.wake))
        fx.after(now + wait, "step", inc.wake)
        return fx

    # --- lodging ------------------------------------------------------------------------------

    def _lodge(self, decl: Decl, now: datetime, regularises: str = "", again: bool = False) -> Effects:
        fx = Effects()
        who = self.people[decl.d.declarant]
        decl.lodged_at = now
        msg = DeltaLodging(
            message_id=derive_id(decl.d.ref, f"lodge/{regularises}" + ("/again" if again else "")),
            ref=decl.d.ref, declarant=who.eori,
            service=decl.d.service, mode=who.mode, provider=who.provider, regularises=regularises, lodged_at=now,
        )  # fmt: skip
        fx.send("delta.edi" if who.mode == "EDI" else "delta.in", decl.d.ref, msg.message_id, self.source(who.eori),
                msg, subject=decl.d.ref)  # fmt: skip
        return fx

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        fx = Effects()
        if timer.kind in ("own_outage", "own_recovery"):
            return self._own_system(timer.ref.removeprefix(f"{ME}:"), timer.kind == "own_outage", now)
        if timer.kind == "step":
            eori, service, phase, _ = timer.ref.split("|")
            inc = self.incidents.get(f"{eori}|{service}")
            return self._advance(inc, phase, now) if inc is not None and inc.wake == timer.ref else fx
        decl = self.decls[timer.ref]
        wait = timedelta(seconds=self.params.delta_answer_timeout_s)
        if timer.kind == "ready":
            inc = self.incidents.get(f"{decl.d.declarant}|{decl.d.service}")
            if inc is not None and inc.phase == "alert":
                # Its service is under an alert it already falls back on: paper now, regularised after
                # the end of the alert, rather than a lodging into a service known to be down.
                return self._fall_back(inc, [decl.d.ref], now)
            if inc is not None and "after_close" in self.lapses and inc.phase == "idle":
                late = self._after_close(inc, decl, now)
                if late is not None:
                    return late
            if decl.d.declarant not in self.own_down:
                decl.lodged = True
                fx.extend(self._lodge(decl, now))
            fx.after(now + wait, "check", decl.d.ref)
        elif timer.kind == "check" and not decl.fallback_id and not decl.released and not decl.held:
            if decl.validated_at is None and decl.lodged_at is not None and now < decl.lodged_at + wait:
                fx.after(decl.lodged_at + wait, "check", decl.d.ref)  # lodged again since: its answer may come
            elif decl.validated_at is None or now - decl.validated_at >= self._block_after:
                fx.extend(self._blocked(decl, now))
            else:
                fx.after(decl.validated_at + self._block_after, "check", decl.d.ref)
        return fx

    def _own_system(self, eori: str, down: bool, now: datetime) -> Effects:
        fx = Effects()
        if eori not in self.people:
            return fx
        if down:
            self.own_down.add(eori)
            return fx
        self.own_down.discard(eori)
        for inc in self.incidents.values():
            if inc.eori == eori:
                fx.extend(self._resolved(inc, now))
        return fx

    def _resolved(self, inc: Incident, now: datetime) -> Effects:
        """The system works again: close the fallback if it is open, or as soon as it is."""
        if inc.phase == "open":
            return self._step(inc, now, "closing")
        if inc.phase not in ("idle", "closing", "closed", "alert"):
            inc.resolved = True
        return Effects()

    # --- answers ------------------------------------------------------------------------------

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        fx = Effects()
        if isinstance(msg, DeltaDecl):
            return self._delta(msg, incoming.topic, now)
        if isinstance(msg, MeteoAlert):
            return self._meteo(msg, now)
        if isinstance(msg, DeltaAubette | OfficeAnswer):
            inc = self._asking(msg.query_id)
            if inc is not None and msg.query_id in inc.asked:
                inc.shown[inc.asked.pop(msg.query_id)] = msg.result if isinstance(msg, DeltaAubette) else msg.state
                if not inc.asked:  # every answer in: go on at once
                    fx.extend(self._advance(inc, inc.phase, now))
            return fx
        if isinstance(msg, ProviderAnswer):
            inc = next((i for i in self.incidents.values() if i.contact_id == msg.contact_id), None)
            if inc is not None and inc.phase == "provider":
                inc.contact_id = ""
                if msg.origin_provider and "no_wait" not in self.lapses:
                    inc.phase = "origin"  # its platform: wait for the alert it will relay
                else:  # not its platform; or, staged no_wait, the sheet goes on to a DA of their own
                    fx.extend(self._step(inc, now, "aubette"))
            return fx
        if isinstance(msg, ClientNotice):
            return self._relayed(msg, now)
        if isinstance(msg, OlgaAck):
            twin = next((i for i in self.incidents.values() if i.twin and i.twin == msg.da_id), None)
            if twin is not None:  # staged twice: its second DA handled as the first
                return self._twin_registered(twin, msg, now)
            inc = next((i for i in self.incidents.values() if i.da_id == msg.da_id and i.phase == "ack"), None)
            if inc is not None:
                inc.ack_at = msg.registered_at
                fx.extend(self._step(inc, now, "inform"))
            return fx
        if isinstance(msg, OlgaClosed):
            inc = next((i for i in self.incidents.values() if i.da_id == msg.da_id), None)
            return self._regularise(inc, now) if inc is not None else fx
        if isinstance(msg, SauDiagnosis):
            # The on-call team's finding: the fallback goes on either way (self-triggered by right);
            # its staff know where to look. Nothing in the sheet changes what they do next.
            return fx
        if isinstance(
            msg, ProviderContact | OfficeQuery | OfficeInformed | FallbackUsed | Regularised | FallbackRecord
        ):
            return fx  # ours, or the office's records
        raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")

    def _asking(self, query_id: str) -> Incident | None:
        return next((i for i in self.incidents.values() if query_id in i.asked), None)

    def _delta(self, msg: DeltaDecl, topic: str, now: datetime) -> Effects:
        fx = Effects()
        decl = self.decls.get(msg.ref)
        who = self.people.get(msg.declarant)
        if decl is None or who is None or (topic == "delta.decl") != (who.mode == "DTI"):
            return fx  # EDI declarants hear Delta through their provider
        if msg.regularises:
            if msg.state == "VALIDATED" and not decl.regularised:
                fx.extend(self._regularised(decl, msg.decl_no, now))
            return fx
        if msg.state == "VALIDATED" and not decl.decl_no:
            decl.decl_no, decl.validated_at = msg.decl_no, now
            if decl.fallback_id and not decl.regularised:  # a lodging held by its outage went through after all
                fx.extend(self._regularised(decl, msg.decl_no, now))
        elif msg.state == "BAE":
            decl.released = True
            if decl.fallback_id and not decl.regularised:
                fx.extend(self._regularised(decl, msg.decl_no, now))
        # Delta releases again on this service: the technical block is over.
        inc = self.incidents.get(f"{who.eori}|{msg.service}")
        if inc is not None and msg.state == "BAE" and inc.noticed_at is not None and msg.at > inc.noticed_at:
            fx.extend(self._resolved(inc, now))
        return fx

    def _regularised(self, decl: Decl, decl_no: str, now: datetime) -> Effects:
        fx = Effects()
        decl.regularised = True
        if "regularise" in self.lapses:  # staged: the paper declaration is never tied to the electronic one
            return fx
        r = Regularised(fallback_id=decl.fallback_id, by=decl.d.declarant, ref=decl.d.ref, decl_no=decl_no, at=now)
        fx.send("delta.office", decl.d.declarant, derive_id(decl.fallback_id, "regularised"),
                self.source(decl.d.declarant), r, subject=decl.d.ref)  # fmt: skip
        return fx

    # --- the sheet's steps --------------------------------------------------------------------

    def _blocked(self, decl: Decl, now: datetime) -> Effects:
        inc = self._incident(decl.d.declarant, decl.d.service)
        if inc.phase in ("open", "alert"):  # the fallback is on for this service: use it
            return self._fall_back(inc, [decl.d.ref], now)
        if decl.d.ref not in inc.refs:
            inc.refs.append(decl.d.ref)
        if inc.phase != "idle":
            return Effects()
        inc.noticed_at = now
        inc.shown.clear()
        inc.resolved = False
        return self._step(inc, now, "consult")

    def _matching(self, inc: Incident) -> MeteoAlert | None:
        mode = self.people[inc.eori].mode
        for alert in self.alerts.values():
            if self.params.delta_blind_declarants or (inc.service in alert.services and mode in alert.modes):
                return alert
        return None

    def _advance(self, inc: Incident, phase: str, now: datetime) -> Effects:
        if phase != inc.phase:
            return Effects()  # overtaken (an answer came first, or the incident moved on)
        who = self.people[inc.eori]
        if phase == "consult":
            return self._consult(inc, who, now)
        if phase == "aubette":
            return self._aubette(inc, now)
        if phase == "aubette_wait":
            fx = self._unanswered(inc, now, aubette=True)
            fx.extend(self._step(inc, now, "office"))
            return fx
        if phase == "office":
            return self._office(inc, who, now)
        if phase == "office_wait":
            fx = self._unanswered(inc, now, aubette=False)
            fx.extend(self._step(inc, now, "decide"))
            return fx
        if phase == "decide":
            return self._decide(inc, who, now)
        if phase == "inform":
            return self._inform(inc, who, now)
        if phase == "closing":
            return self._close(inc, who, now)
        return Effects()

    def _consult(self, inc: Incident, who: DeltaDeclarant, now: datetime) -> Effects:
        fx = Effects()
        alert = None
        if "meteo" not in self.lapses:  # staged: they never look, so no alert can tell them anything
            # Out of office hours the staff on duty call the CID's line and press 1 for the alerts
            # (seed 002); in office hours they read the météo page.
            channel = "web" if office_open(now, self.params.office_hours) else "phone"
            seen = MeteoConsulted(
                consultation_id=derive_id(f"{inc.eori}|{inc.service}", f"meteo/{now.isoformat()}"), by=inc.eori,
                channel=channel, alert_ids=tuple(sorted(self.alerts)), consulted_at=now,
            )  # fmt: skip
            fx.send("meteo.consultations", inc.eori, seen.consultation_id, self.source(inc.eori), seen)
            alert = self._matching(inc)
        if alert is not None and "own_da" not in self.lapses:  # staged own_da: the matching alert is not enough
            inc.alert_id = alert.alert_id
            inc.phase = "alert"
            fx.extend(self._fall_back(inc, list(inc.refs), now))
            return fx
        if who.mode == "EDI" and "provider" not in self.lapses:
            contact = ProviderContact(
                contact_id=derive_id(f"{inc.eori}|{inc.service}", f"ask/{now.isoformat()}"), trader=inc.eori,
                provider=who.provider, kind="question", channel="phone", since=inc.noticed_at or now, sent_at=now,
            )  # fmt: skip
            fx.send("delta.contacts", inc.eori, contact.contact_id, self.source(inc.eori), contact)
            inc.phase, inc.contact_id = "provider", contact.contact_id
            return fx
        fx.extend(self._step(inc, now, "aubette"))
        return fx

    def _aubette(self, inc: Incident, now: datetime) -> Effects:
        fx = Effects()
        inc.round = list(inc.refs)
        validated = [self.decls[r] for r in inc.round if self.decls[r].decl_no]
        if self.params.delta_skipping_declarants or not validated:
            return self._step(inc, now, "office")
        for decl in validated:
            q = AubetteQuery(query_id=derive_id(decl.decl_no, f"aubette/{now.isoformat()}"), by=inc.eori,
                             decl_no=decl.decl_no, service=inc.service, asked_at=now)  # fmt: skip
            inc.asked[q.query_id] = decl.decl_no
            fx.send("aubette.queries", inc.eori, q.query_id, self.source(inc.eori), q, subject=decl.decl_no)
        fx.extend(self._step(inc, now, "aubette_wait", _ASK_FOR))
        return fx

    def _unanswered(self, inc: Incident, now: datetime, *, aubette: bool) -> Effects:
        """Queries nobody answered: Aubette unreachable is recorded as such; the office just did not answer."""
        fx = Effects()
        for query_id, no in sorted(inc.asked.items()):
            if aubette:
                shown = DeltaAubette(query_id=query_id, by=inc.eori, decl_no=no, result="UNAVAILABLE", at=now)
                fx.send("delta.aubette", inc.eori, derive_id(query_id, "unavailable"), self.source(inc.eori), shown)
        inc.asked.clear()
        return fx

    def _office(self, inc: Incident, who: DeltaDeclarant, now: datetime) -> Effects:
        fx = Effects()
        pending = [self.decls[r] for r in inc.round if self.decls[r].decl_no]
        pending = [d for d in pending if inc.shown.get(d.decl_no) != "BAE"]
        if self.params.delta_impatient_declarants or not pending or not office_open(now, self.params.office_hours):
            return self._step(inc, now, "decide")
        for decl in pending:
            q = OfficeQuery(query_id=derive_id(decl.decl_no, f"office/{now.isoformat()}"), by=inc.eori,
                            office=who.office, decl_no=decl.decl_no, asked_at=now)  # fmt: skip
            inc.asked[q.query_id] = decl.decl_no
            fx.send("delta.office", inc.eori, q.query_id, self.source(inc.eori), q, subject=decl.decl_no)
        fx.extend(self._step(inc, now, "office_wait", _ASK_FOR))
        return fx

    def _decide(self, inc: Incident, who: DeltaDeclarant, now: datetime) -> Effects:
        fx = Effects()
        technical: list[str] = []
        later = [r for r in inc.refs if r not in inc.round]  # blocked while this round was under way
        for ref in inc.round:
            decl = self.decls[ref]
            answer = inc.shown.get(decl.decl_no, "") if decl.decl_no else ""
            if decl.released or answer == "BAE":
                decl.released = True
            elif answer in ("SOUS_CONTROLE", "CREDIT_EN_ATTENTE", "PAIEMENT_COMPTANT"):
                decl.held = True  # not a technical block: it waits for the office
            else:
                technical.append(ref)
        inc.refs, inc.round = technical + later, []
        if not technical:
            inc.phase = "idle"
            return self._step(inc, now, "consult") if later else fx
        cited = tuple(self.decls[r].decl_no or r for r in technical)
        if "sweeping" in self.lapses:  # staged: its released declarations on the service cited too
            cited += tuple(x.decl_no for x in self.decls.values() if x.released and x.decl_no
                           and x.d.declarant == inc.eori and x.d.service == inc.service)  # fmt: skip
        case = "validated declarations get no BAE" if any(self.decls[r].decl_no for r in technical) else ""
        unvalidated = "declarations cannot be validated" if any(not self.decls[r].decl_no for r in technical) else ""
        reasons = "; ".join(x for x in (unvalidated, case) if x)
        since = inc.noticed_at or now
        da = OlgaDa(
            da_id=make_da_id(now, f"{inc.eori}|{inc.service}|self-trigger/{since.isoformat()}"), filer=inc.eori,
            filer_role="trader", filer_eori=inc.eori, company=who.name, phone=who.phone, kind="self_trigger",
            service=inc.service, mode=who.mode, component="own system", symptom=reasons, since=since,
            estimated_duration="unknown", entry_office=who.office, clients=(), declarations=cited, transports=(),
            text=f"Objet : {'problème Delta' if 'words' in self.lapses else WORDS}. {who.name}, EORI {inc.eori}, "
            f"{who.address}, {who.phone}; "
            f"service {inc.service} ({who.mode}); en alerte depuis le {since:%d/%m/%Y %H:%M} UTC; motifs : {reasons}.",
            filed_at=now, address=who.address, reasons=reasons,
        )  # fmt: skip
        inc.da_id = da.da_id
        inc.phase = "ack"
        self.filed[da.da_id] = da
        fx.send("olga.requests", da.da_id, derive_id(da.da_id, "filed"), self.source(inc.eori), da, subject=da.da_id)
        if "no_ack" in self.lapses:  # staged: the office hears of the start before OLGA has registered the DA
            fx.extend(self._tell_start(inc, who, now))
        if "early" in self.lapses:  # staged: paper at once, before the DA is registered and the office told
            fx.extend(self._fall_back(inc, technical, now, covering=da.da_id))
        return fx

    def _tell_start(self, inc: Incident, who: DeltaDeclarant, now: datetime) -> Effects:
        """Forward OLGA's acknowledgement to the office (none yet when the staged no_ack declarant tells it)."""
        fx = Effects()
        acked = inc.ack_at is not None
        told = OfficeInformed(
            informed_id=derive_id(inc.da_id, "start"), by=inc.eori, office=who.office, kind="start", da_id=inc.da_id,
            attached_ack=inc.da_id if acked else "", ack_registered_at=inc.ack_at, service=inc.service, at=now,
        )  # fmt: skip
        fx.send("delta.office", inc.eori, told.informed_id, self.source(inc.eori), told, subject=inc.da_id)
        return fx

    def _inform(self, inc: Incident, who: DeltaDeclarant, now: datetime) -> Effects:
        # staged no_ack: the office was told at filing; the ack is not forwarded after it
        fx = Effects() if "no_ack" in self.lapses else self._tell_start(inc, who, now)
        fx.extend(self._on_call(inc, inc.da_id, inc.ack_at, now))
        if "twice" in self.lapses and not inc.twin and inc.da_id in self.filed:  # staged: a second DA
            first = self.filed[inc.da_id]
            twin = first.model_copy(update={"da_id": make_da_id(now, f"{inc.da_id}|twin"), "filed_at": now})
            inc.twin = twin.da_id
            fx.send("olga.requests", twin.da_id, derive_id(twin.da_id, "filed"), self.source(inc.eori), twin,
                    subject=twin.da_id)  # fmt: skip
        inc.phase = "open"
        fx.extend(self._fall_back(inc, list(inc.refs), now))
        inc.refs.clear()
        if inc.resolved:  # the system came back while the request was being filed
            fx.extend(self._step(inc, now, "closing"))
        return fx

    def _on_call(self, inc: Incident, da_id: str, ack_at: datetime | None, now: datetime) -> Effects:
        """A DA registered out of office hours: a call to the SAU's on-call team."""
        fx = Effects()
        out_of_hours = ack_at is not None and not office_open(ack_at, self.params.office_hours)
        if out_of_hours and "sau_call" not in self.lapses:
            call = SauContact(contact_id=derive_id(da_id, "on-call"), by=inc.eori, channel="phone",
                              purpose="on_call_check", da_id=da_id, sent_at=now,
                              text=f"Self-triggered fallback for {inc.service}: DA {da_id} filed.")  # fmt: skip
            fx.send("sau.contacts", da_id, call.contact_id, self.source(inc.eori), call, subject=da_id)
        return fx

    def _twin_registered(self, inc: Incident, ack: OlgaAck, now: datetime) -> Effects:
        """Staged twice: the second DA registered, the office told of it as of the first."""
        who = self.people[inc.eori]
        told = OfficeInformed(
            informed_id=derive_id(inc.twin, "start"), by=inc.eori, office=who.office, kind="start", da_id=inc.twin,
            attached_ack=inc.twin, ack_registered_at=ack.registered_at, service=inc.service, at=now,
        )  # fmt: skip
        fx = Effects()
        fx.send("delta.office", inc.eori, told.informed_id, self.source(inc.eori), told, subject=inc.twin)
        fx.extend(self._on_call(inc, inc.twin, ack.registered_at, now))
        return fx

    def _fall_back(self, inc: Incident, refs: list[str], now: datetime, covering: str = "") -> Effects:
        fx = Effects()
        who = self.people[inc.eori]
        covering = covering or (inc.da_id if inc.phase == "open" else inc.alert_id)
        for ref in refs:
            decl = self.decls[ref]
            if decl.fallback_id or decl.released:
                continue
            decl.fallback_id, decl.covering = derive_id(ref, f"fallback/{covering}"), covering
            used = FallbackUsed(fallback_id=decl.fallback_id, by=inc.eori, office=who.office, service=inc.service,
                                mode=who.mode, what="paper_declaration", ref=ref, decl_no=decl.decl_no,
                                covering=covering, at=now)  # fmt: skip
            fx.send("delta.office", inc.eori, decl.fallback_id, self.source(inc.eori), used, subject=ref)
            inc.fallbacks.append(ref)
        if inc.phase == "alert":
            inc.refs.clear()
        return fx

    def _close(self, inc: Incident, who: DeltaDeclarant, now: datetime) -> Effects:
        fx = Effects()
        for da_id in (inc.da_id, inc.twin) if inc.twin else (inc.da_id,):  # staged twice: both closed
            ask = SauContact(contact_id=derive_id(da_id, "close"), by=inc.eori, channel="email",
                             purpose="close_request", da_id=da_id, sent_at=now,
                             text=f"Our system works again: please close DA {da_id} ({inc.service}).")  # fmt: skip
            fx.send("sau.contacts", da_id, ask.contact_id, self.source(inc.eori), ask, subject=da_id)
            if "end_office" not in self.lapses:  # staged: the office never hears the fallback is over
                told = OfficeInformed(
                    informed_id=derive_id(da_id, "end"), by=inc.eori, office=who.office, kind="end",
                    da_id=da_id, attached_ack="", service=inc.service, at=now,
                )  # fmt: skip
                fx.send("delta.office", inc.eori, told.informed_id, self.source(inc.eori), told, subject=da_id)
        inc.phase, inc.twin = "closed", ""
        return fx

    def _regularise(self, inc: Incident, now: datetime) -> Effects:
        """The fallback is over: lodge electronically what was handled on paper and never validated."""
        fx = Effects()
        for ref in inc.fallbacks if "regularise" not in self.lapses else ():  # staged: nothing lodged again
            decl = self.decls[ref]
            if not decl.regularised and not decl.regularising and not decl.decl_no:
                decl.regularising = True
                fx.extend(self._lodge(decl, now, regularises=decl.fallback_id))
        inc.fallbacks.clear()
        if inc.da_id and "after_close" in self.lapses:
            self.closed[f"{inc.eori}|{inc.service}"] = (inc.da_id, now)
        inc.phase, inc.da_id, inc.alert_id, inc.ack_at, inc.resolved = "idle", "", "", None, False
        if inc.refs:  # blocked meanwhile and not yet decided: start again
            fx.extend(self._step(inc, now, "consult"))
        return fx

    def _after_close(self, inc: Incident, decl: Decl, now: datetime) -> Effects | None:
        """Staged after_close: within the hour after its DA's closure, a declaration still goes on paper under
        it (the habit of the fallback), then is lodged at once as its regularisation."""
        last = self.closed.get(f"{inc.eori}|{inc.service}")
        if last is None or now - last[1] > timedelta(hours=1):
            return None
        fx = self._fall_back(inc, [decl.d.ref], now, covering=last[0])
        decl.regularising = True
        fx.extend(self._lodge(decl, now, regularises=decl.fallback_id))
        return fx

    # --- alerts -------------------------------------------------------------------------------

    def _meteo(self, alert: MeteoAlert, now: datetime) -> Effects:
        fx = Effects()
        if not any(s.startswith("DELTA") for s in alert.services):
            return fx
        if alert.phase != "end":
            self.alerts[alert.alert_id] = alert
            if alert.phase == "open" and self.params.delta_blind_declarants:
                fx.extend(self._blind(now))
            return fx
        self.alerts.pop(alert.alert_id, None)
        if "after_end" in self.lapses:
            # Staged: whoever is on paper under the alert misses its end and stays there, nothing
            # regularised. The météo they consult is the true one: a declarant not yet falling back
            # looks, sees no alert, and does not fall back on one that has ended.
            return fx
        for inc in self.incidents.values():
            if inc.phase == "alert" and inc.alert_id == alert.alert_id:
                fx.extend(self._regularise(inc, now))
            elif inc.da_id and inc.service in alert.services and self.people[inc.eori].mode in alert.modes:
                # Its own DA on a service the météo now says is back (filed before the alert, or,
                # staged own_da, under it): the system works again, its fallback closes.
                fx.extend(self._resolved(inc, now))
        fx.extend(self._lodge_again(alert, now))
        return fx

    def _lodge_again(self, ended: MeteoAlert, now: datetime) -> Effects:
        """The service is back: what was lodged into it during the alert and got no answer, and is
        not on paper, is lodged again (the outage lost it; waiting on it would end in a DA)."""
        fx = Effects()
        for decl in self.decls.values():
            who = self.people[decl.d.declarant]
            if (decl.lodged and not decl.decl_no and not (decl.fallback_id or decl.released or decl.held)
                    and decl.d.service in ended.services and who.mode in ended.modes
                    and who.eori not in self.own_down):  # fmt: skip
                fx.extend(self._lodge(decl, now, again=True))
        return fx

    def _blind(self, now: datetime) -> Effects:
        """Staged breach: an alert is published, so every declaration still waiting goes to paper,
        whatever service and mode the alert names."""
        fx = Effects()
        for decl in self.decls.values():
            if decl.lodged and not (decl.released or decl.held or decl.fallback_id):
                inc = self._incident(decl.d.declarant, decl.d.service)
                if decl.d.ref not in inc.refs:
                    inc.refs.append(decl.d.ref)
                if inc.phase == "idle":
                    inc.noticed_at = now
                    fx.extend(self._step(inc, now, "consult"))
        return fx

    def _relayed(self, notice: ClientNotice, now: datetime) -> Effects:
        """The provider relays the CID's alert about its platform: the fallback applies to every
        service waiting on that answer; the end of the alert ends it."""
        fx = Effects()
        alert_id = notice.ref.split("#", 1)[0]
        for inc in self.incidents.values():
            if inc.eori != notice.to:
                continue
            if notice.kind == "alert_relay" and inc.phase == "origin":
                alert = self.alerts.get(alert_id)
                if alert is None or inc.service in alert.services:
                    inc.alert_id, inc.phase = alert_id, "alert"
                    fx.extend(self._fall_back(inc, list(inc.refs), now))
            elif notice.kind == "end_relay" and inc.phase == "alert" and inc.alert_id == alert_id:
                fx.extend(self._regularise(inc, now))
        return fx
