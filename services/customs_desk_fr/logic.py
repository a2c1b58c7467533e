"""The CID and its SAU (customs' IT centre and user help desk).

What seeds 000 and 002 give them to do when a customs system fails:
- only the CID publishes alerts on the météo des services en ligne, then periodic bulletins (BIP)
  while the alert is open, then the end of the alert with instructions [S002];
- in a smart-border ICS outage it warns every EDI provider directly, and the other Member States
  through the Commission [S000];
- it tells them again when the system is back [A: PROCEDURES.md ICS2-FR-S2-AS-DOWN step 5];
- the SAU closes an OLGA assistance request once its filer reports that its system is back
  [A: S000 is silent; mirrors S002 step 6].

It learns of an outage the way an operations centre does: the system it monitors falls silent
(no heartbeat for ``detect_self_s`` while the other systems it hears from keep beating), and it
sees the recovery when the heartbeats come back. It never knows what the fault was — only what
it observes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Timer
from secours.ids import derive_id
from secours.rand import uniform
from secours.wire import CustomsNotice, Heartbeat, MeteoAlert, OlgaClosed, SauContact
from secours.world import World

__all__ = ["MONITORED_BY_CID", "CustomsDeskLogic"]

METEO, NOTICES, OLGA_STATUS = "meteo", "customs.notices", "olga.status"
SOURCE = "customs_desk_fr"
COMMISSION = "EU_COMMISSION"

# The French systems the CID watches, and how the météo names them.
MONITORED_BY_CID = {"ics2_nes_fr": "ICS2 national component (Automate de sûreté)"}

_INSTRUCTIONS = (
    "ICS fallback at the smart border (fiche n°9): providers keep transmitting every pending ENS until the "
    "means of transport arrives at the French entry point; goods unloaded in France only; providers inform "
    "their clients; ENS are processed as soon as the system is back."
)
_END = "The national ICS2 component is available again; pending ENS are processed in order. No action needed."


@dataclass(slots=True)
class Alert:
    alert_id: str
    component: str
    opened: datetime
    bips: int = 0


class CustomsDeskLogic:
    def __init__(self, world: World) -> None:
        self.world = world
        p = world.config.params
        self.detect_after = timedelta(seconds=p.detect_self_s)
        self.watch_every = timedelta(seconds=p.heartbeat_s)
        self.bip_every = timedelta(seconds=p.bip_every_s)
        self.last_seen: dict[str, datetime] = {}
        self.open: dict[str, Alert] = {}
        self.alerts_today: dict[str, int] = {}
        self.freshest: datetime | None = None  # the newest heartbeat of any system, the monitoring's own pulse
        self.close_delay_s = p.close_delay_s
        self.closing: set[str] = set()  # DAs whose closing is decided

    def start(self, now: datetime) -> Effects:
        fx = Effects()
        # Up when the day starts: the day's start, not this process's (services start a little before
        # simulated time zero, each at its own pace, and a system not heard from yet is not silent).
        self.last_seen = dict.fromkeys(MONITORED_BY_CID, max(now, self.world.config.start))
        fx.after(now + self.watch_every, "watch", "all")
        return fx

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if isinstance(msg, SauContact):
            return self._contact(msg, now)
        if not isinstance(msg, Heartbeat):
            raise ValueError(f"{msg.ce_type} is not expected on {incoming.topic}")
        self.freshest = max(self.freshest or msg.at, msg.at)
        if msg.component not in MONITORED_BY_CID:
            return Effects()
        self.last_seen[msg.component] = max(self.last_seen.get(msg.component, msg.at), msg.at)
        alert = self.open.get(msg.component)
        if alert is not None and msg.at > alert.opened:
            return self._end(alert, now)
        return Effects()

    def _contact(self, msg: SauContact, now: datetime) -> Effects:
        """A filer reports its system back (or asks for closure): the help desk closes the DA."""
        fx = Effects()
        if msg.purpose in ("report", "close_request") and msg.da_id not in self.closing:
            self.closing.add(msg.da_id)
            delay = uniform(self.world.config.seed, self.close_delay_s, "close", msg.da_id)
            fx.after(now + timedelta(seconds=delay), "close", msg.da_id)
        return fx

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        fx = Effects()
        if timer.kind == "close":
            closed = OlgaClosed(da_id=timer.ref, closed_by="SAU", closed_at=now)
            fx.send(OLGA_STATUS, timer.ref, derive_id(timer.ref, "closed"), SOURCE, closed, subject=timer.ref)
            return fx
        if timer.kind == "watch":
            # Silence is measured against the newest heartbeat of any system, not against the clock:
            # when the monitoring feed itself lags, every system looks silent and nothing is concluded.
            pulse = self.freshest or now
            for component, seen in self.last_seen.items():
                if component not in self.open and pulse - seen > self.detect_after:
                    fx.extend(self._open(component, now))
            fx.after(now + self.watch_every, "watch", "all")
        elif timer.kind == "bip" and timer.ref in self.open:
            alert = self.open[timer.ref]
            alert.bips += 1
            fx.send(METEO, alert.alert_id, derive_id(alert.alert_id, f"bip/{alert.bips}"), SOURCE,
                    self._alert(alert, "bip", now, bip=alert.bips), subject=alert.alert_id)  # fmt: skip
            fx.after(now + self.bip_every, "bip", timer.ref)
        return fx

    def _alert(self, alert: Alert, phase: str, now: datetime, bip: int = 0) -> MeteoAlert:
        text = _END if phase == "end" else _INSTRUCTIONS
        return MeteoAlert(
            alert_id=alert.alert_id, phase=phase, services=("ICS2",), modes=("EDI", "DTI"),
            component=alert.component, symptoms="ENS receive no risk analysis (no assessment, no control decision)",
            instructions=text, publisher="CID", bip_number=bip, published_at=now,
        )  # fmt: skip

    def _notices(self, alert: Alert, kind: str, now: datetime) -> Effects:
        fx = Effects()
        for to in [p.id for p in self.world.providers] + [COMMISSION]:
            notice = CustomsNotice(
                notice_id=derive_id(alert.alert_id, f"{kind}/{to}"), to=to, kind=kind,
                component=alert.component, alert_id=alert.alert_id, sent_at=now,
            )  # fmt: skip
            fx.send(NOTICES, to, notice.notice_id, SOURCE, notice, subject=alert.alert_id)
        return fx

    def _open(self, component: str, now: datetime) -> Effects:
        day = f"{now:%Y%m%d}"
        self.alerts_today[day] = self.alerts_today.get(day, 0) + 1
        alert = Alert(f"ALR-{day}-{self.alerts_today[day]:03d}", component, now)
        self.open[component] = alert
        fx = Effects()
        fx.send(METEO, alert.alert_id, derive_id(alert.alert_id, "open"), SOURCE, self._alert(alert, "open", now),
                subject=alert.alert_id)  # fmt: skip
        fx.extend(self._notices(alert, "outage", now))
        fx.after(now + self.bip_every, "bip", component)
        return fx

    def _end(self, alert: Alert, now: datetime) -> Effects:
        del self.open[alert.component]
        fx = Effects()
        fx.send(METEO, alert.alert_id, derive_id(alert.alert_id, "end"), SOURCE, self._alert(alert, "end", now),
                subject=alert.alert_id)  # fmt: skip
        fx.extend(self._notices(alert, "recovery", now))
        return fx
