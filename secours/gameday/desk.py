"""A trainee's desk: one actor of the procedure played by a person on the game-day page.

``secours run --drill F --ui PORT --human edi_provider:P002`` takes that provider's fallback desk
away from the simulation (its platform still relays its clients' ENS): the simulated staff no longer
file its OLGA assistance requests nor report its recoveries to the help desk; the trainee does,
through the page's forms. :class:`TraineeDesk` keeps what that actor would see (its clients' calls,
customs' notices to it, its pushes still without an AS4 receipt, what its clients handed over and it
has not lodged yet, its own requests) and turns a form into the record the actor's system would
write, validated by the wire model itself: a malformed EORI or date comes back as a message beside
its field, and nothing is published.

Only EDI providers' desks are playable today (seed 000, scenario 1, and the provider's part of
scenario 2).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from secours.clock import format_sim
from secours.effects import Outgoing
from secours.errors import UsageError
from secours.faults.model import Fault
from secours.ids import derive_id, make_da_id
from secours.wire import (
    As4Receipt,
    CustomsNotice,
    MeteoConsulted,
    OlgaAck,
    OlgaClosed,
    OlgaDa,
    ProviderContact,
    SauContact,
    T2CMessage,
    WireModel,
)
from secours.world import Provider, World

__all__ = ["DESK_TOPICS", "FormError", "TraineeDesk", "desk_key", "parse_human"]

PLAYABLE = ("edi_provider",)
# Where a provider's desk writes: its assistance requests and its calls and e-mails to the help desk.
# Where a provider's desk writes: its assistance requests, its calls and e-mails to the help desk, and
# its looks at the météo (before reporting customs unavailable).
DESK_TOPICS = {"edi_provider": ("olga.requests", "sau.contacts", "meteo.consultations")}
OLGA, SAU, METEO = DESK_TOPICS["edi_provider"]
FORMS = {"olga": "an assistance request", "sau": "a call or e-mail to the help desk", "meteo": "a look at the météo"}
SHOWN = 40  # rows of each list the page shows (the latest)


class FormError(Exception):
    """A form the wire model refuses: one line, and a message per field."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        name, text = next(iter(fields.items()))
        super().__init__(f"{name}: {text}" if len(fields) == 1 else f"{name}: {text} (and {len(fields) - 1} more)")


def parse_human(text: str, world: World) -> str:
    """``role:id`` of an actor a trainee may play in ``world``, or a one-line error naming what is wrong."""
    role, _, instance = text.partition(":")
    if role not in PLAYABLE:
        raise UsageError(f"--human {text}: only these actors' desks can be played: {', '.join(PLAYABLE)} "
                         f"(e.g. edi_provider:P001)")  # fmt: skip
    playable = [p.id for p in world.providers if not p.own_connection and p.channel == "EDI"]
    if instance not in playable:
        raise UsageError(f"--human {text}: no EDI provider {instance!r} in this drill's world "
                         f"(there are {', '.join(playable) or 'none'})")  # fmt: skip
    return f"{role}:{instance}"


def desk_key(trainer_key: str, actor: str) -> str:
    """The key of ``actor``'s desk: derived from the trainer's, so one secret makes them all, and a
    trainee's key opens only that trainee's desk (never the trainer's controls)."""
    return hmac.new(trainer_key.encode(), f"desk|{actor}".encode(), hashlib.sha256).hexdigest()[:20]


def _errors(exc: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "form"
        found.setdefault(name, str(err["msg"]).removeprefix("Value error, "))
    return found


def _words(value: Any) -> list[str]:
    """A list field as a form sends it: a JSON list, or text separated by commas, spaces or lines."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [w for w in str(value or "").replace(",", " ").split() if w]


def _instant(value: Any) -> Any:
    """A form's date and time: simulated time is UTC, so one written without a zone is read as UTC.
    Anything else goes to the model as given, which says what is wrong with it."""
    if isinstance(value, str):
        text = value.strip().replace(" ", "T")
        if len(text) >= 16 and text[10:11] == "T" and not text.endswith("Z") and "+" not in text[10:]:
            return text + "Z"
        return text
    return value


@dataclass
class TraineeDesk:
    """What ``actor`` (an EDI provider) sees and does, fed by every record of the run."""

    actor: str
    world: World
    calls: list[dict[str, str]] = field(default_factory=list)
    notices: list[dict[str, str]] = field(default_factory=list)
    unreceipted: dict[str, tuple[datetime, str, int]] = field(default_factory=dict)  # LRN -> first push, EORI, n
    handed: dict[str, tuple[datetime, str]] = field(default_factory=dict)  # LRN -> when handed over, EORI
    requests: dict[str, dict[str, str]] = field(default_factory=dict)  # its own DAs, by id
    contacts: list[dict[str, str]] = field(default_factory=list)  # its calls and e-mails to the help desk
    filed: int = 0

    @property
    def provider(self) -> Provider:
        return self.world.provider_by_id[self.actor.split(":", 1)[1]]

    @property
    def clients(self) -> set[str]:
        return {c.eori for c in self.world.clients_of(self.provider.id)}

    # --- what it sees --------------------------------------------------------------------------------

    def note(self, topic: str, source: str, msg: WireModel, now: datetime) -> None:
        pid = self.provider.id
        if isinstance(msg, ProviderContact) and msg.provider == pid:
            self.calls.append({"at": format_sim(msg.sent_at), "client": msg.trader, "kind": msg.kind,
                               "channel": msg.channel, "since": format_sim(msg.since)})  # fmt: skip
        elif isinstance(msg, CustomsNotice) and msg.to == pid:
            self.notices.append({"at": format_sim(msg.sent_at), "kind": msg.kind, "component": msg.component,
                                 "alert": msg.alert_id})  # fmt: skip
        elif isinstance(msg, T2CMessage) and topic == f"edi.to_provider.{pid}":
            self.handed.setdefault(msg.lrn, (now, getattr(msg, "sender_eori", "")))
        elif isinstance(msg, T2CMessage) and topic == "ics2.t2c" and source == self.actor:
            self.handed.pop(msg.lrn, None)
            first, eori, n = self.unreceipted.get(msg.lrn, (now, getattr(msg, "sender_eori", ""), 0))
            self.unreceipted[msg.lrn] = (first, eori, n + 1)
        elif isinstance(msg, As4Receipt):
            self.unreceipted.pop(msg.lrn, None)
        elif isinstance(msg, OlgaDa) and msg.filer == pid:
            self.requests[msg.da_id] = {"id": msg.da_id, "kind": msg.kind, "filed": format_sim(msg.filed_at),
                                        "clients": str(len(msg.clients)), "acked": "", "closed": ""}  # fmt: skip
        elif isinstance(msg, OlgaAck | OlgaClosed) and msg.da_id in self.requests:
            row = self.requests[msg.da_id]
            if isinstance(msg, OlgaAck):
                row["acked"] = format_sim(msg.registered_at)
            else:
                row["closed"] = format_sim(msg.closed_at)
        elif isinstance(msg, SauContact) and msg.by == self.actor:
            self.contacts.append({"at": format_sim(msg.sent_at), "channel": msg.channel, "purpose": msg.purpose,
                                  "request": msg.da_id})  # fmt: skip
        elif isinstance(msg, MeteoConsulted) and msg.by == self.actor:
            self.contacts.append({"at": format_sim(msg.consulted_at), "channel": msg.channel, "purpose": "météo",
                                  "request": ", ".join(msg.alert_ids) or "no alert"})  # fmt: skip

    def view(self, now: datetime, live: list[Fault]) -> dict[str, Any]:
        p = self.provider
        down = [f for f in live if f.scope.actor == self.actor and (f.crashes or f.system_down)]
        unreceipted = sorted(self.unreceipted.items(), key=lambda x: x[1][0])
        waiting = [
            {"lrn": lrn, "client": eori, "first_push": format_sim(at), "pushes": n,
             "waiting_s": round((now - at).total_seconds())}
            for lrn, (at, eori, n) in unreceipted[:SHOWN]
        ]  # fmt: skip
        handed = sorted(self.handed.items(), key=lambda x: x[1][0])[:SHOWN]
        return {
            "actor": self.actor, "company": p.name, "eori": p.eori, "platform": "down" if down else "up",
            "clients": [{"eori": c.eori, "name": c.name} for c in self.world.clients_of(p.id)],
            "offices": sorted({t.entry_office for t in self.world.transports}),
            "calls": self.calls[-SHOWN:][::-1], "notices": self.notices[-SHOWN:][::-1],
            "unreceipted": {"count": len(unreceipted), "rows": waiting},
            "handed": [{"lrn": lrn, "client": eori, "at": format_sim(at)} for lrn, (at, eori) in handed],
            "requests": sorted(self.requests.values(), key=lambda r: r["filed"]),
            "contacts": self.contacts[-SHOWN:][::-1],
        }  # fmt: skip

    # --- what it does --------------------------------------------------------------------------------

    def act(self, form: str, body: dict[str, Any], open_alerts: list[str], now: datetime) -> tuple[Outgoing, str]:
        """One of :data:`FORMS` sent by the trainee: the record the actor's system writes (its topic, key,
        id and source, as the simulated staff's), and a line saying what was done."""
        at = format_sim(now)
        if form == "olga":
            da = self.olga_request(body, now)
            out = Outgoing(OLGA, da.da_id, derive_id(da.da_id, "filed"), self.actor, da, da.da_id)
            return out, f"{da.da_id} filed at {at} ({da.kind}, {len(da.clients)} clients)"
        if form == "meteo":
            look = self.meteo(body, open_alerts, now)
            out = Outgoing(METEO, self.provider.id, look.consultation_id, self.actor, look)
            return out, f"météo consulted at {at}: " + (", ".join(look.alert_ids) or "no alert open")
        contact = self.sau_contact(body, now)
        out = Outgoing(SAU, contact.da_id, contact.contact_id, self.actor, contact, contact.da_id)
        return out, f"{contact.purpose.replace('_', ' ')} about {contact.da_id} sent by {contact.channel} at {at}"

    def olga_request(self, form: dict[str, Any], now: datetime) -> OlgaDa:
        """An assistance request from the page's form: the provider's identity is the desk's own."""
        p = self.provider
        names = {c.eori: c.name for c in self.world.traders}
        clients = [{"eori": e, "name": names.get(e, "")} for e in _words(form.get("clients"))]
        if not clients:
            raise FormError({"clients": "name at least one client (its EORI)"})
        self.filed += 1
        try:
            return OlgaDa.model_validate({
                "da_id": make_da_id(now, f"{self.actor}|desk|{self.filed}|{now.isoformat()}"),
                "filer": p.id, "filer_role": "provider", "filer_eori": p.eori, "company": p.name,
                "phone": str(form.get("phone") or "+33 3 21 00 00 00"),
                "kind": form.get("kind"), "service": "ICS2", "mode": "EDI",
                "component": str(form.get("component", "")).strip(), "symptom": str(form.get("symptom", "")).strip(),
                "since": _instant(form.get("since")),
                "estimated_duration": str(form.get("estimated_duration") or "unknown"),
                "entry_office": str(form.get("entry_office", "")).strip(),
                "clients": clients, "declarations": _words(form.get("declarations")),
                "transports": _words(form.get("transports")),
                "text": str(form.get("text", "")).strip(), "filed_at": now,
            })  # fmt: skip
        except ValidationError as exc:
            self.filed -= 1
            raise FormError(_errors(exc)) from None

    def meteo(self, form: dict[str, Any], open_alerts: list[str], now: datetime) -> MeteoConsulted:
        """The trainee looked at the météo (on the page): what it showed is on record, as the procedure
        wants before a report of customs unavailable (ICS2-FR-NO-ALERT#4)."""
        try:
            return MeteoConsulted.model_validate({
                "consultation_id": derive_id(self.actor, f"desk/meteo/{now.isoformat()}"), "by": self.actor,
                "channel": form.get("channel") or "web", "alert_ids": sorted(open_alerts), "consulted_at": now,
            })  # fmt: skip
        except ValidationError as exc:
            raise FormError(_errors(exc)) from None

    def sau_contact(self, form: dict[str, Any], now: datetime) -> SauContact:
        """A call or e-mail to the help desk about one of the desk's own requests."""
        da_id = str(form.get("request", "")).strip()
        if da_id not in self.requests:
            mine = ", ".join(self.requests) or "none filed yet"
            raise FormError({"request": f"{da_id or '(empty)'} is not one of your requests ({mine})"})
        try:
            return SauContact.model_validate({
                "contact_id": derive_id(self.actor, f"desk/sau/{len(self.contacts)}/{now.isoformat()}"),
                "by": self.actor, "channel": form.get("channel"), "purpose": form.get("purpose"), "da_id": da_id,
                "text": str(form.get("text", "")).strip(), "sent_at": now,
            })  # fmt: skip
        except ValidationError as exc:
            raise FormError(_errors(exc)) from None
