"""An EDI provider's fallback desk, played by a trainee (``--human edi_provider:P002``).

The provider's platform still relays its clients' ENS; the simulated staff no longer file its OLGA
assistance requests, report its recoveries to the help desk or look at the météo before reporting
customs unavailable (seed 000, scenario 1; ICS2-FR-NO-ALERT): the trainee does, through the page's
forms. :class:`EdiProviderDesk` keeps what that provider would see (its clients' calls, customs'
notices to it, its pushes still without an AS4 receipt, what its clients handed over and it has not
lodged yet, its own requests) and turns a form into the record the provider's system would write,
validated by the wire model itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from pydantic import ValidationError

from secours.clock import format_sim
from secours.effects import Outgoing
from secours.faults.model import Fault
from secours.gameday.forms import FormError, errors_of, instant, words
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

__all__ = ["PROVIDER_TOPICS", "EdiProviderDesk"]

# Where a provider's desk writes: its assistance requests, its calls and e-mails to the help desk, and
# its looks at the météo (before reporting customs unavailable).
PROVIDER_TOPICS = ("olga.requests", "sau.contacts", "meteo.consultations")
OLGA, SAU, METEO = PROVIDER_TOPICS
SHOWN = 40  # rows of each list the page shows (the latest)


@dataclass
class EdiProviderDesk:
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
            "role": "edi_provider", "actor": self.actor, "company": p.name, "eori": p.eori,
            "platform": "down" if down else "up",
            "clients": [{"eori": c.eori, "name": c.name} for c in self.world.clients_of(p.id)],
            "offices": sorted({t.entry_office for t in self.world.transports}),
            "calls": self.calls[-SHOWN:][::-1], "notices": self.notices[-SHOWN:][::-1],
            "unreceipted": {"count": len(unreceipted), "rows": waiting},
            "handed": [{"lrn": lrn, "client": eori, "at": format_sim(at)} for lrn, (at, eori) in handed],
            "requests": sorted(self.requests.values(), key=lambda r: r["filed"]),
            "contacts": self.contacts[-SHOWN:][::-1],
        }  # fmt: skip

    # --- what it does --------------------------------------------------------------------------------

    forms: ClassVar[dict[str, str]] = {
        "olga": "an assistance request",
        "sau": "a call or e-mail to the help desk",
        "meteo": "a look at the météo",
    }

    def act(self, form: str, body: dict[str, Any], open_alerts: list[str], now: datetime) -> tuple[list[Outgoing], str]:
        """One of :attr:`forms` sent by the trainee: the record the provider's system writes (its topic,
        key, id and source, as the simulated staff's), and a line saying what was done."""
        at = format_sim(now)
        if form == "olga":
            da = self.olga_request(body, now)
            out = Outgoing(OLGA, da.da_id, derive_id(da.da_id, "filed"), self.actor, da, da.da_id)
            return [out], f"{da.da_id} filed at {at} ({da.kind}, {len(da.clients)} clients)"
        if form == "meteo":
            look = self.meteo(body, open_alerts, now)
            out = Outgoing(METEO, self.provider.id, look.consultation_id, self.actor, look)
            return [out], f"météo consulted at {at}: " + (", ".join(look.alert_ids) or "no alert open")
        contact = self.sau_contact(body, now)
        out = Outgoing(SAU, contact.da_id, contact.contact_id, self.actor, contact, contact.da_id)
        return [out], f"{contact.purpose.replace('_', ' ')} about {contact.da_id} sent by {contact.channel} at {at}"

    def olga_request(self, form: dict[str, Any], now: datetime) -> OlgaDa:
        """An assistance request from the page's form: the provider's identity is the desk's own."""
        p = self.provider
        names = {c.eori: c.name for c in self.world.traders}
        clients = [{"eori": e, "name": names.get(e, "")} for e in words(form.get("clients"))]
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
                "since": instant(form.get("since")),
                "estimated_duration": str(form.get("estimated_duration") or "unknown"),
                "entry_office": str(form.get("entry_office", "")).strip(),
                "clients": clients, "declarations": words(form.get("declarations")),
                "transports": words(form.get("transports")),
                "text": str(form.get("text", "")).strip(), "filed_at": now,
            })  # fmt: skip
        except ValidationError as exc:
            self.filed -= 1
            raise errors_of(exc) from None

    def meteo(self, form: dict[str, Any], open_alerts: list[str], now: datetime) -> MeteoConsulted:
        """The trainee looked at the météo (on the page): what it showed is on record, as the procedure
        wants before a report of customs unavailable (ICS2-FR-NO-ALERT#4)."""
        try:
            return MeteoConsulted.model_validate({
                "consultation_id": derive_id(self.actor, f"desk/meteo/{now.isoformat()}"), "by": self.actor,
                "channel": form.get("channel") or "web", "alert_ids": sorted(open_alerts), "consulted_at": now,
            })  # fmt: skip
        except ValidationError as exc:
            raise errors_of(exc) from None

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
            raise errors_of(exc) from None
