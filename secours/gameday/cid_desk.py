"""The CID's desk, played by a trainee (``--human customs_desk_fr:CID``).

The simulated CID still watches the heartbeats and the SAU still closes requests and answers calls,
but nothing reaches the météo or the providers unless the trainee publishes it (seed 000, scenario
2; seed 002: only the CID publishes alerts, then bulletins while they are open, then their end):

- an alert on the météo des services en ligne: its opening (component, services, modes, symptoms,
  instructions), its bulletins (BIP), its end with the instructions that follow;
- notices of an outage or of the recovery to every EDI provider directly, and to the Commission,
  which tells the other Member States.

:class:`CidDesk` keeps what the CID would see: each monitored system's last heartbeat and how long
it has been silent (not the fault itself: the CID only knows what it observes), the assistance
requests filed in OLGA, the Commission's notices, its own alerts and notices. A form becomes the
records the CID's system writes, validated by the wire models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from pydantic import ValidationError

from secours.clock import format_sim
from secours.effects import Outgoing
from secours.faults.model import Fault
from secours.gameday.forms import FormError, errors_of, words
from secours.ids import derive_id
from secours.wire import CustomsNotice, EuNotice, Heartbeat, MeteoAlert, OlgaClosed, OlgaDa, WireModel
from secours.world import World

__all__ = ["CID_ACTOR", "CID_TOPICS", "CidDesk"]

CID_ACTOR = "customs_desk_fr:CID"
SOURCE = "customs_desk_fr"  # the CID's records carry its service's source, whoever publishes them
CID_TOPICS = ("meteo", "customs.notices")
METEO, NOTICES = CID_TOPICS
COMMISSION = "EU_COMMISSION"
# The systems whose outage the CID announces, as its page names them.
COMPONENTS = ("ics2_nes_fr", "ics2_sti", "ics2_cr", "ics2_tapas", "ics2_uumds", "ecs_exit", "douane_portal")
SHOWN = 40


@dataclass
class _Alert:
    alert_id: str
    component: str
    services: tuple[str, ...]
    modes: tuple[str, ...]
    opened: datetime
    phase: str = "open"
    bips: int = 0
    last: datetime | None = None  # its latest publication
    ended: datetime | None = None


@dataclass
class CidDesk:
    actor: str
    world: World
    beats: dict[str, datetime] = field(default_factory=dict)  # component -> its latest heartbeat
    requests: list[dict[str, str]] = field(default_factory=list)
    eu_notices: list[dict[str, str]] = field(default_factory=list)
    alerts: dict[str, _Alert] = field(default_factory=dict)
    sent: list[dict[str, str]] = field(default_factory=list)  # its notices, one row per notice
    opened: int = 0

    forms: ClassVar[dict[str, str]] = {
        "alert": "an alert, a bulletin or the end of an alert",
        "notices": "notices to the providers (and the Commission)",
    }

    # --- what it sees --------------------------------------------------------------------------------

    def note(self, topic: str, source: str, msg: WireModel, now: datetime) -> None:
        if isinstance(msg, Heartbeat):
            if msg.component not in self.beats or msg.at > self.beats[msg.component]:
                self.beats[msg.component] = msg.at
        elif isinstance(msg, OlgaDa):
            self.requests.append({"id": msg.da_id, "filer": msg.filer, "kind": msg.kind, "component": msg.component,
                                  "since": format_sim(msg.since), "filed": format_sim(msg.filed_at),
                                  "closed": ""})  # fmt: skip
        elif isinstance(msg, OlgaClosed):
            for row in self.requests:
                if row["id"] == msg.da_id:
                    row["closed"] = format_sim(msg.closed_at)
        elif isinstance(msg, EuNotice):
            self.eu_notices.append({"at": format_sim(msg.sent_at), "component": msg.component, "kind": msg.kind,
                                    "audience": msg.audience})  # fmt: skip
        elif isinstance(msg, MeteoAlert) and source == SOURCE:
            alert = self.alerts.setdefault(
                msg.alert_id, _Alert(msg.alert_id, msg.component, msg.services, msg.modes, msg.published_at)
            )
            alert.phase, alert.last = msg.phase, msg.published_at
            alert.bips = max(alert.bips, msg.bip_number)
            if msg.phase == "end":
                alert.ended = msg.published_at
        elif isinstance(msg, CustomsNotice) and source == SOURCE:
            self.sent.append({"at": format_sim(msg.sent_at), "to": msg.to, "kind": msg.kind,
                              "component": msg.component, "alert": msg.alert_id})  # fmt: skip

    def view(self, now: datetime, live: list[Fault]) -> dict[str, Any]:
        beats = [{"component": c, "last_beat": format_sim(at), "silent_s": round((now - at).total_seconds())}
                 for c, at in sorted(self.beats.items(), key=lambda x: x[1])]  # fmt: skip
        return {
            "role": "customs_desk_fr", "actor": self.actor, "components": list(COMPONENTS), "beats": beats,
            "providers": [p.id for p in self.world.providers],
            "requests": self.requests[-SHOWN:][::-1], "eu_notices": self.eu_notices[-SHOWN:][::-1],
            "alerts": [_alert_row(a) for a in sorted(self.alerts.values(), key=lambda a: a.opened)],
            "sent": self.sent[-SHOWN:][::-1],
        }  # fmt: skip

    # --- what it does --------------------------------------------------------------------------------

    def act(self, form: str, body: dict[str, Any], open_alerts: list[str], now: datetime) -> tuple[list[Outgoing], str]:
        if form == "alert":
            alert = self.alert(body, now)
            what = {"open": "opened", "bip": f"bulletin {alert.bip_number} of", "end": "end of"}[alert.phase]
            out = Outgoing(METEO, alert.alert_id, derive_id(alert.alert_id, f"{alert.phase}/{alert.bip_number}"),
                           SOURCE, alert, alert.alert_id)  # fmt: skip
            return [out], f"{what} {alert.alert_id} ({alert.component}) published at {format_sim(now)}"
        notices = self.notices(body, now)
        outs = [Outgoing(NOTICES, n.to, n.notice_id, SOURCE, n, n.alert_id) for n in notices]
        return outs, (f"{notices[0].kind} notice of {notices[0].component} sent to {len(notices)} recipients "
                      f"at {format_sim(now)}")  # fmt: skip

    def alert(self, form: dict[str, Any], now: datetime) -> MeteoAlert:
        phase = str(form.get("phase", ""))
        if phase == "open":
            component = str(form.get("component", "")).strip()
            if component not in COMPONENTS:
                raise FormError({"component": f"{component or '(empty)'}: one of {', '.join(COMPONENTS)}"})
            n = self.opened + 1
            while (alert_id := f"ALR-{now:%Y%m%d}-T{n:02d}") in self.alerts:
                n += 1
            services, modes = words(form.get("services")), words(form.get("modes"))
            fields: dict[str, Any] = {"alert_id": alert_id, "component": component, "bip_number": 0,
                                      "services": services, "modes": modes}  # fmt: skip
            if not fields["services"]:
                raise FormError({"services": "name the online services concerned (e.g. ICS2)"})
            if not fields["modes"]:
                raise FormError({"modes": "tick the modes concerned (EDI, DTI)"})
        elif phase in ("bip", "end"):
            alert = self.alerts.get(str(form.get("alert", "")))
            if alert is None or alert.phase == "end":
                mine = ", ".join(a.alert_id for a in self.alerts.values() if a.phase != "end") or "none open"
                raise FormError({"alert": f"{form.get('alert') or '(empty)'} is not one of your open alerts ({mine})"})
            fields = {"alert_id": alert.alert_id, "component": alert.component, "services": alert.services,
                      "modes": alert.modes, "bip_number": alert.bips + 1 if phase == "bip" else 0}  # fmt: skip
        else:
            raise FormError({"phase": f"{phase or '(empty)'}: open, bip or end"})
        try:
            made = MeteoAlert.model_validate({
                **fields, "phase": phase, "symptoms": str(form.get("symptoms", "")).strip(),
                "instructions": str(form.get("instructions", "")).strip(), "publisher": "CID", "published_at": now,
            })  # fmt: skip
        except ValidationError as exc:
            raise errors_of(exc) from None
        if phase == "open":
            self.opened += 1
            self.alerts[made.alert_id] = _Alert(made.alert_id, made.component, made.services, made.modes, now)
        return made

    def notices(self, form: dict[str, Any], now: datetime) -> list[CustomsNotice]:
        """One notice to each provider (and to the Commission, when ticked) about one of its alerts."""
        alert = self.alerts.get(str(form.get("alert", "")))
        if alert is None:
            mine = ", ".join(self.alerts) or "none published yet"
            raise FormError({"alert": f"{form.get('alert') or '(empty)'} is not one of your alerts ({mine})"})
        recipients = [p.id for p in self.world.providers] + ([COMMISSION] if form.get("commission") else [])
        kind = form.get("kind")
        try:
            return [CustomsNotice.model_validate({
                "notice_id": derive_id(alert.alert_id, f"desk/{kind}/{to}/{now.isoformat()}"), "to": to, "kind": kind,
                "component": alert.component, "alert_id": alert.alert_id, "sent_at": now,
            }) for to in recipients]  # fmt: skip
        except ValidationError as exc:
            raise errors_of(exc) from None


def _alert_row(a: _Alert) -> dict[str, Any]:
    return {
        "id": a.alert_id, "component": a.component, "services": list(a.services), "modes": list(a.modes),
        "phase": a.phase, "bips": a.bips, "opened": format_sim(a.opened),
        "last": format_sim(a.last) if a.last else "", "ended": format_sim(a.ended) if a.ended else "",
    }  # fmt: skip
