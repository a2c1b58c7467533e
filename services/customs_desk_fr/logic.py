"""The CID and its SAU (customs' IT centre and user help desk).

What seeds 000 and 002 give them to do when a customs system fails:
- only the CID publishes alerts on the météo des services en ligne, then periodic bulletins (BIP)
  while the alert is open, then the end of the alert with instructions [S002];
- in a smart-border ICS outage it warns every EDI provider directly, and the other Member States
  through the Commission [S000];
- it tells them again when the system is back [A: PROCEDURES.md ICS2-FR-S2-AS-DOWN step 5];
- the SAU closes an OLGA assistance request once its filer reports that its system is back
  [A: S000 is silent; mirrors S002 step 6].
- when the Commission declares an EU component (TAPAS, STI, CR, UUM&DS) unavailable, the CID relays it on the
  météo and to every provider, and relays the end too [S001, A].
- when its monitoring missed an outage and a provider reports it in an assistance request, the
  CID decides to publish the alert [S002] (then ICS2-FR-S2 applies), and ends it when the filer
  reports the system back [A].
- ECS-BS (seed 003): when it falls silent, an alert on the météo informs operators and exit offices;
  its end once ECS-BS beats again. The customs portal (douane.gouv.fr) likewise, for the DTI users
  whose exit formalities go through it.
- Delta (seed 002): it watches each online service's intake per mode; one that falls silent gets an
  alert naming the service, the silent modes and the symptoms, with BIPs, and its end once every
  mode beats again. A connection provider reporting its own platform down gets an alert for the
  services and the EDI mode it names, ended when it reports the platform back.

A trainee may play the CID on the game-day page (``secours run --human customs_desk_fr:CID``): the
simulated CID then still watches and keeps its books, the SAU still closes requests and answers
calls, but nothing goes to the météo or to the providers unless the trainee publishes it.

Out of office hours, its on-call technical team answers a declarant's call about a self-trigger
request with where its remote checks found the malfunction (:mod:`services.customs_desk_fr.on_call`).

It learns of an outage the way an operations centre does: the system it monitors falls silent
(no heartbeat for ``detect_self_s`` while the other systems it hears from keep beating), and it
sees the recovery when the heartbeats come back. It never knows what the fault was — only what
it observes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from secours.components import REPORTED_NAMES
from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.rand import uniform
from secours.watch import SilenceWatch
from secours.wire import CustomsNotice, DeltaDecl, EuNotice, Heartbeat, MeteoAlert, OlgaClosed, OlgaDa, SauContact
from secours.world import World
from services.customs_desk_fr.on_call import OnCall

__all__ = ["CID_TOPICS", "MONITORED_BY_CID", "CustomsDeskLogic"]

METEO, NOTICES, OLGA_STATUS = "meteo", "customs.notices", "olga.status"

SOURCE = "customs_desk_fr"
COMMISSION = "EU_COMMISSION"

# The French systems the CID watches, and how the météo names them.
MONITORED_BY_CID = {"ics2_nes_fr": "ICS2 national component (Automate de sûreté)"}

# What the météo says of each component's outage: (symptoms, instructions, end of alert).
_TEXTS = {
    "ics2_nes_fr": (
        "ENS receive no risk analysis (no assessment, no control decision)",
        "ICS fallback at the smart border (fiche n°9): providers keep transmitting every pending ENS until the "
        "means of transport arrives at the French entry point; goods unloaded in France only; providers inform "
        "their clients; ENS are processed as soon as the system is back.",
        "The national ICS2 component is available again; pending ENS are processed in order. No action needed.",
    ),
    "ics2_sti": (
        "AS4 pushes to the ICS2 shared trader interface get no receipt",
        "Relay of the Commission's notice (ICS2 business continuity plan): keep trying to lodge, or lodge as "
        "soon as the interface is back; goods cannot be presented before their ENS is lodged.",
        "The ICS2 shared trader interface is available again: lodge what could not be sent. No other action.",
    ),
    "ics2_tapas": (
        "AS4 messages to and from ICS2 (TAPAS access point) get no receipt and no answer",
        "Relay of the Commission's notice (ICS2 business continuity plan): keep trying to lodge, amend or "
        "invalidate under the same LRN, or send as soon as the access point is back, in the order you meant "
        "to; answers will follow after recovery; goods cannot be presented before their ENS is lodged.",
        "The ICS2 AS4 access point is available again: send what could not be sent; queued answers follow.",
    ),
    "ics2_uumds": (
        "Sign-in to the ICS2 STI portal (UUM&DS) fails: ENS cannot be lodged by direct input",
        "Relay of the Commission's notice (ICS2 business continuity plan): system-to-system lodging works; "
        "portal users lodge through their EDI provider if they have one, or as soon as the portal is back; "
        "goods cannot be presented before their ENS is lodged.",
        "Sign-in to the ICS2 STI portal is available again: lodge what could not be sent. No other action.",
    ),
    "ecs_exit": (
        "Arrival notifications and exit announcements get no answer from ECS-BS; no AER for movements "
        "validated meanwhile",
        "ECS-BS fallback (fiche 9): present the EAD at the exit office or e-mail it to its functional address; "
        "the office stamps it (cachet ND) and will reintegrate the movements once ECS-BS is back.",
        "ECS-BS is available again: end of the alert. The exit offices reintegrate the fallback movements "
        "within 24 hours; send nothing again yourselves.",
    ),
    "douane_portal": (
        "The customs portal douane.gouv.fr is unavailable: arrival notifications and exit announcements "
        "cannot be made in ECS-BS by direct input (DTI)",
        "ECS-BS fallback (fiche 9) for DTI users: present the EAD at the exit office or e-mail it to its "
        "functional address; the office stamps it (cachet ND) and will reintegrate the movements once the "
        "portal is back. EDI users are not concerned.",
        "The customs portal douane.gouv.fr is available again: end of the alert. The exit offices reintegrate "
        "the fallback movements within 24 hours; send nothing again yourselves.",
    ),
    "ics2_cr": (
        "ENS are receipted but get no MRN: the ICS2 common repository is not processing",
        "Relay of the Commission's notice (ICS2 business continuity plan): go on lodging new ENS, they are "
        "queued; do not send again what was receipted; answers will follow after recovery.",
        "The ICS2 common repository is available again; queued ENS are processed and answered. No action needed.",
    ),
}


_DELTA_TEXTS = (
    "Declarations lodged in {services} by {modes} get no answer: they cannot be validated.",
    "Apply the fallback procedure of your online service ({services}, {modes}) and follow the bulletins; "
    "keep every fallback declaration to regularise it once the service is back.",
    "{services} ({modes}) is available again: end of the alert. Regularise your fallback declarations "
    "electronically within 24 hours.",
)


_LATE_RECOVERY = timedelta(minutes=90)  # staged cid_late_recovery_notice: when providers hear of a recovery
_SLOW_REPORT = timedelta(minutes=45)  # staged slow_report and ecs_slow_cid: how long an alert waits


@dataclass(slots=True)
class Alert:
    alert_id: str
    component: str
    opened: datetime
    bips: int = 0
    services: tuple[str, ...] = ("ICS2",)
    modes: tuple[str, ...] = ("EDI", "DTI")
    silent: set[str] = field(default_factory=set)  # Delta: the intakes still silent
    reported: bool = False  # opened on a provider's report of customs unavailable


# What the CID publishes: a trainee playing the CID (``--human customs_desk_fr:CID``) publishes it instead.
CID_TOPICS = frozenset({METEO, NOTICES})


class CustomsDeskLogic:
    def __init__(self, world: World, *, cid_played: bool = False) -> None:
        self.world = world
        # A trainee plays the CID: its monitoring still watches and its help desk still works, but
        # the alerts, bulletins and notices it would publish are the trainee's to publish.
        self.cid_played = cid_played
        p = world.config.params
        self.detect_after = timedelta(seconds=p.detect_self_s)
        self.watch_every = timedelta(seconds=p.heartbeat_s)
        self.bip_every = timedelta(seconds=p.bip_every_s)
        self.delta_streams = world.delta_streams
        # ECS-BS and the portal in front of it for DTI users, when the run has exports
        self.ecs = ("ecs_exit", "douane_portal") if world.exporters else ()
        watched = {*MONITORED_BY_CID, *self.delta_streams, *self.ecs}
        self.watch = SilenceWatch(watched, self.detect_after, world.config.start)
        self.open: dict[str, Alert] = {}
        self.alerts_today: dict[str, int] = {}
        self.close_delay_s = p.close_delay_s
        self.closing: set[str] = set()  # DAs whose closing is decided
        self.reported_by: dict[str, str] = {}  # DA id -> component whose alert that request opened
        self.lapses = frozenset(p.delta_careless_cid)  # staged: what it gets wrong in Delta alerts
        self.late: dict[str, tuple[str, tuple[str, ...]]] = {}  # staged slow_report: DA id -> (key, services)
        self.ended: dict[str, tuple[Alert, bool]] = {}  # staged late recovery notices: alert id -> (alert, commission)
        self.ecs_silent_since: datetime | None = None  # staged ecs_slow_cid: when it saw ECS-BS fall silent
        self.on_call = OnCall(world)  # the SAU's on-call technical team (out-of-hours self-triggers)

    def start(self, now: datetime) -> Effects:
        fx = Effects()
        self.watch.start(now)
        fx.after(now + self.watch_every, "watch", "all")
        return fx

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        return self._ours(self._handle(incoming, now))

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        return self._ours(self._on_timer(timer, now))

    def _ours(self, fx: Effects) -> Effects:
        """What the simulated staff do: all of it, or, with a trainee at the CID, the help desk's part."""
        if self.cid_played:
            fx.out = [o for o in fx.out if o.topic not in CID_TOPICS]
        return fx

    def _handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if isinstance(msg, SauContact):
            fx = self._contact(msg, now)
            fx.extend(self.on_call.called(msg, now))
            return fx
        if isinstance(msg, OlgaDa):
            self.on_call.request(msg)
            return self._request(msg, now)
        if isinstance(msg, DeltaDecl):
            self.on_call.decl(msg)  # what Delta's back office shows the on-call team
            return Effects()
        if isinstance(msg, EuNotice):
            return self._relay(msg, now)
        if not isinstance(msg, Heartbeat):
            raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
        if not self.watch.heard(msg):
            return Effects()
        if msg.component in self.delta_streams:
            return self._delta_beat(msg.component, msg.at, now)
        alert = self.open.get(msg.component)
        if alert is not None and msg.at > alert.opened:
            return self._end(alert, now)
        return Effects()

    def _delta_beat(self, stream: str, at: datetime, now: datetime) -> Effects:
        """A Delta intake beats again: the alert on its service ends once none of its modes is silent."""
        service, mode = stream.removeprefix("delta:").split("/")
        alert = self.open.get(f"delta:{service}")
        if alert is None or at <= alert.opened:
            return Effects()
        alert.silent.discard(mode)
        return self._end(alert, now) if not alert.silent else Effects()

    def _relay(self, notice: EuNotice, now: datetime) -> Effects:
        """The Commission declares an EU component unavailable (or back): the CID relays it on the météo
        and to the providers [S001, A]. Its own systems it watches itself."""
        if notice.audience != "operators" or notice.component in MONITORED_BY_CID:
            return Effects()
        alert = self.open.get(notice.component)
        if notice.kind == "start":
            return self._open(notice.component, now, commission=False) if alert is None else Effects()
        return self._end(alert, now, commission=False) if alert is not None else Effects()

    def _request(self, da: OlgaDa, now: datetime) -> Effects:
        """A provider reports customs unavailable: the CID publishes the alert its monitoring missed."""
        if da.kind == "provider_outage" and da.service.startswith("DELTA"):
            return self._delta_report(da, now)
        component = REPORTED_NAMES.get(da.component)
        if da.kind != "customs_unavailable" or component is None:
            return Effects()
        if component in self.open:
            return Effects()  # known and announced already
        self.reported_by[da.da_id] = component
        return self._open(component, now, reported=True)

    def _contact(self, msg: SauContact, now: datetime) -> Effects:
        """A filer reports its system back (or asks for closure): the help desk closes the DA; if the
        request had opened an alert, the reported recovery ends it."""
        fx = Effects()
        component = self.reported_by.pop(msg.da_id, None)
        alert = self.open.get(component) if component is not None else None
        if alert is not None and msg.purpose == "report":
            fx.extend(self._end(alert, now))
        if msg.purpose in ("report", "close_request") and msg.da_id not in self.closing:
            self.closing.add(msg.da_id)
            delay = uniform(self.world.config.seed, self.close_delay_s, "close", msg.da_id)
            fx.after(now + timedelta(seconds=delay), "close", msg.da_id)
        return fx

    def _on_timer(self, timer: Timer, now: datetime) -> Effects:
        fx = Effects()
        if timer.kind == "close":
            closed = OlgaClosed(da_id=timer.ref, closed_by="SAU", closed_at=now)
            fx.send(OLGA_STATUS, timer.ref, derive_id(timer.ref, "closed"), SOURCE, closed, subject=timer.ref)
            return fx
        if timer.kind == "on_call":
            return self.on_call.diagnose(timer.ref, set(self.watch.silent()), now, SOURCE)
        if timer.kind == "late_recovery":
            alert, commission = self.ended.pop(timer.ref)
            return self._notices(alert, "recovery", now, commission=commission)
        if timer.kind == "late_report" and timer.ref in self.late:
            key, services = self.late.pop(timer.ref)
            return self._open(key, now, key=key, services=services, modes={"EDI"}) if key not in self.open else fx
        if timer.kind == "watch":
            silent = self.watch.silent()
            if not set(self.ecs) & set(silent):
                self.ecs_silent_since = None
            for component in silent:
                if component in self.open or component in self.delta_streams:
                    continue
                if component in self.ecs and self._slow_ecs(now):
                    continue  # staged: the alert waits
                if component in self.ecs:  # on the météo, for their users and the exit offices
                    modes = {"EDI", "DTI"} if component == "ecs_exit" else {"DTI"}
                    fx.extend(self._open(component, now, services=("ECS-BS",), modes=modes))
                else:
                    fx.extend(self._open(component, now))
            fx.extend(self._delta_silent([c for c in silent if c in self.delta_streams], now))
            fx.after(now + self.watch_every, "watch", "all")
        elif timer.kind == "bip" and timer.ref in self.open:
            alert = self.open[timer.ref]
            alert.bips += 1
            fx.send(METEO, alert.alert_id, derive_id(alert.alert_id, f"bip/{alert.bips}"), SOURCE,
                    self._alert(alert, "bip", now, bip=alert.bips), subject=alert.alert_id)  # fmt: skip
            fx.after(now + self.bip_every, "bip", timer.ref)
        return fx

    def _sau_publishes(self, alert: Alert, delta: bool) -> bool:
        """Staged: the help desk publishes a Delta alert (publisher lapse), or one a provider's report opened."""
        if delta:
            return "publisher" in self.lapses
        return alert.reported and self.world.config.params.cid_sau_publishes

    def _slow_ecs(self, now: datetime) -> bool:
        """Staged (ecs_slow_cid): ECS-BS silent for less than 45 minutes yet, so no alert on it."""
        if not self.world.config.params.ecs_slow_cid:
            return False
        self.ecs_silent_since = self.ecs_silent_since or now
        return now - self.ecs_silent_since < _SLOW_REPORT

    def _alert(self, alert: Alert, phase: str, now: datetime, bip: int = 0) -> MeteoAlert:
        symptoms, instructions, end = _TEXTS.get(alert.component, _TEXTS["ics2_nes_fr"])
        delta = alert.services != ("ICS2",) and alert.component not in _TEXTS
        if delta:
            names = {"services": ", ".join(alert.services), "modes": " and ".join(alert.modes)}
            symptoms, instructions, end = (text.format(**names) for text in _DELTA_TEXTS)
            # staged: the opening without symptoms, the end without instructions
            symptoms = "" if "symptoms" in self.lapses else symptoms
            end = "" if "end_instructions" in self.lapses else end
        return MeteoAlert(
            alert_id=alert.alert_id, phase=phase, services=alert.services, modes=alert.modes,
            component=alert.component, symptoms=symptoms, instructions=end if phase == "end" else instructions,
            publisher="SAU" if self._sau_publishes(alert, delta) else "CID", bip_number=bip, published_at=now,
        )  # fmt: skip

    def _notices(self, alert: Alert, kind: str, now: datetime, *, commission: bool) -> Effects:
        fx = Effects()
        for to in [p.id for p in self.world.providers] + ([COMMISSION] if commission else []):
            notice = CustomsNotice(
                notice_id=derive_id(alert.alert_id, f"{kind}/{to}"), to=to, kind=kind,
                component=alert.component, alert_id=alert.alert_id, sent_at=now,
            )  # fmt: skip
            fx.send(NOTICES, to, notice.notice_id, SOURCE, notice, subject=alert.alert_id)
        return fx

    def _delta_silent(self, streams: list[str], now: datetime) -> Effects:
        """Delta intakes fallen silent: one alert per online service, naming its silent modes."""
        fx = Effects()
        by_service: dict[str, set[str]] = {}
        for stream in streams:
            service, mode = stream.removeprefix("delta:").split("/")
            by_service.setdefault(service, set()).add(mode)
        for service, modes in sorted(by_service.items()):
            if f"delta:{service}" not in self.open:
                fx.extend(self._open("delta", now, key=f"delta:{service}", services=(service,), modes=modes))
        return fx

    def _delta_report(self, da: OlgaDa, now: datetime) -> Effects:
        """A connection provider reports its platform down: the alert names its services, mode EDI."""
        key = f"delta_provider:{da.filer}"
        if key in self.open:
            return Effects()
        self.reported_by[da.da_id] = key
        services = tuple(s.strip() for s in da.service.split(",") if s.strip())
        if "slow_report" in self.lapses:  # staged: the report waits in a queue for 45 minutes
            self.late[da.da_id] = (key, services)
            fx = Effects()
            fx.after(now + _SLOW_REPORT, "late_report", da.da_id)
            return fx
        return self._open(key, now, key=key, services=services, modes={"EDI"})

    def _open(
        self, component: str, now: datetime, *, commission: bool = True, key: str = "",
        services: tuple[str, ...] = (), modes: set[str] | None = None, reported: bool = False,
    ) -> Effects:  # fmt: skip
        if self.world.config.params.silent_cid:
            return Effects()  # staged breach: the CID sees the outage and tells no one
        day = f"{now:%Y%m%d}"
        self.alerts_today[day] = self.alerts_today.get(day, 0) + 1
        alert = Alert(f"ALR-{day}-{self.alerts_today[day]:03d}", component, now, reported=reported)
        if services:  # a Delta alert: its services and modes; no direct notice (the ICS2 providers' one)
            alert.services, alert.modes, alert.silent = services, tuple(sorted(modes or ())), set(modes or ())
        key = key or component
        self.open[key] = alert
        fx = Effects()
        fx.send(METEO, alert.alert_id, derive_id(alert.alert_id, "open"), SOURCE, self._alert(alert, "open", now),
                subject=alert.alert_id)  # fmt: skip
        if not services:
            fx.extend(self._notices(alert, "outage", now, commission=commission))
        fx.after(now + self.bip_every, "bip", key)
        return fx

    def _end(self, alert: Alert, now: datetime, *, commission: bool = True) -> Effects:
        self.open = {k: a for k, a in self.open.items() if a is not alert}
        fx = Effects()
        if not self.world.config.params.cid_stale_meteo:  # staged breach: the météo page is never updated
            fx.send(METEO, alert.alert_id, derive_id(alert.alert_id, "end"), SOURCE, self._alert(alert, "end", now),
                    subject=alert.alert_id)  # fmt: skip
        if alert.services == ("ICS2",) and self.world.config.params.cid_late_recovery_notice:
            self.ended[alert.alert_id] = (alert, commission)  # staged: the providers told 90 minutes on
            fx.after(now + _LATE_RECOVERY, "late_recovery", alert.alert_id)
        elif alert.services == ("ICS2",):
            fx.extend(self._notices(alert, "recovery", now, commission=commission))
        return fx
