"""Delta's EDI connection providers (prestataires de connexion), one actor each (seed 002).

A provider's platform relays its clients' declarations to Delta and Delta's answers back. When the
platform fails (noticed ``detect_self_s`` after it stops), the provider:

- answers its clients' calls truthfully: yes, the origin is its own platform;
- reports the dysfunction to the CID, ``da_delay_s`` after noticing it, in an OLGA request naming
  the online services, the EDI mode and all its Delta clients (PROCEDURES.md DELTA-EDI-PROVIDER-DOWN);
- relays to every client the CID's alert, each bulletin (BIP) and the end of the alert, each within
  ``client_notice_delay_s``;
- once the platform is back, reports it to the SAU, which ends the alert and closes the request.

Staged breaches: ``delta_partial_report_providers`` leave one client out of their report;
``delta_careless_providers`` leave out what it names (answers to their clients' calls, the relays of
bulletins and of the end of the alert).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id, make_da_id
from secours.rand import uniform
from secours.wire import (
    ClientNotice,
    DaClient,
    DeltaDecl,
    DeltaLodging,
    MeteoAlert,
    OlgaAck,
    OlgaClosed,
    OlgaDa,
    ProviderAnswer,
    ProviderContact,
    SauContact,
)
from secours.world import ConnectionProvider, World

__all__ = ["DeltaProviderLogic"]

ME = "delta_provider"
RELAY, ANSWERS, CONTACTS = "delta.in", "delta.edi.answers", "delta.contacts"
OLGA, SAU = "olga.requests", "sau.contacts"


@dataclass(slots=True)
class Platform:
    info: ConnectionProvider
    clients: tuple[tuple[str, str], ...]  # (EORI, name)
    services: tuple[str, ...]
    down_since: datetime | None = None  # as its staff noticed
    da_id: str = ""
    alert_id: str = ""  # the CID's alert about this platform
    relayed: set[str] = field(default_factory=set)


class DeltaProviderLogic:
    def __init__(self, world: World) -> None:
        self.world = world
        self.params = world.config.params
        self.platforms: dict[str, Platform] = {}
        for p in world.connection_providers:
            mine = [d for d in world.delta_declarants if d.provider == p.id]
            services = tuple(sorted({s for d in mine for s in d.services}))
            self.platforms[p.id] = Platform(p, tuple((d.eori, d.name) for d in mine), services)
        self.provider_of = {d.eori: d.provider for d in world.delta_declarants if d.provider}

    @staticmethod
    def source(provider: str) -> str:
        return f"{ME}:{provider}"

    def start(self, now: datetime) -> Effects:
        return Effects()

    def _delay(self, *parts: str) -> timedelta:
        return timedelta(seconds=uniform(self.world.config.seed, self.params.client_notice_delay_s, *parts))

    # --- the platform's traffic ---------------------------------------------------------------

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        fx = Effects()
        if isinstance(msg, DeltaLodging):
            if msg.provider not in self.platforms:
                raise RejectedInput(f"{msg.provider} is not a connection provider of this run")
            fx.send(RELAY, msg.ref, derive_id(msg.message_id, "relay"), self.source(msg.provider), msg,
                    subject=msg.ref)  # fmt: skip
            return fx
        if isinstance(msg, DeltaDecl):
            provider = self.provider_of.get(msg.declarant)
            if provider is not None and msg.mode == "EDI":
                fx.send(ANSWERS, msg.ref, derive_id(msg.decl_no, f"relay/{msg.state}"), self.source(provider), msg,
                        subject=msg.decl_no)  # fmt: skip
            return fx
        if isinstance(msg, ProviderContact):
            return self._answer(msg, now)
        if isinstance(msg, MeteoAlert):
            return self._alert(msg, now)
        if isinstance(msg, OlgaAck | OlgaClosed | ProviderAnswer | ClientNotice):
            return fx  # our own requests' status, and our own messages on the contacts topic
        raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")

    def _answer(self, msg: ProviderContact, now: datetime) -> Effects:
        fx = Effects()
        p = self.platforms.get(msg.provider)
        if p is None or msg.kind != "question" or "answer" in self.params.delta_careless_providers:
            return fx  # staged (answer): nobody picks up the phone
        answer = ProviderAnswer(contact_id=msg.contact_id, provider=msg.provider, to=msg.trader,
                                origin_provider=p.down_since is not None, sent_at=now)  # fmt: skip
        fx.send(CONTACTS, msg.trader, derive_id(msg.contact_id, "answer"), self.source(msg.provider), answer)
        return fx

    # --- its own outage -----------------------------------------------------------------------

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        fx = Effects()
        provider = timer.ref.removeprefix(f"{ME}:").split("|", 1)[0]
        p = self.platforms.get(provider)
        if p is None:
            return fx
        if timer.kind == "own_outage" and p.down_since is None:
            p.down_since = now - timedelta(seconds=self.params.detect_self_s)
            delay = uniform(self.world.config.seed, self.params.da_delay_s, "delta-report", provider, now.isoformat())
            fx.after(now + timedelta(seconds=delay), "report", provider)
        elif timer.kind == "report" and p.down_since is not None and not p.da_id:
            fx.extend(self._report(p, now))
        elif timer.kind == "own_recovery" and p.down_since is not None:
            p.down_since = None
            if p.da_id:
                contact = SauContact(
                    contact_id=derive_id(p.da_id, "report"), by=provider, channel="email", purpose="report",
                    da_id=p.da_id, text=f"{p.info.name}: our Delta EDI platform is available again.", sent_at=now,
                )  # fmt: skip
                fx.send(SAU, p.da_id, contact.contact_id, self.source(provider), contact, subject=p.da_id)
                p.da_id = ""
        elif timer.kind == "relay":
            _, kind, ref = timer.ref.split("|", 2)
            fx.extend(self._relay(p, kind, ref, now))
        return fx

    def _report(self, p: Platform, now: datetime) -> Effects:
        fx = Effects()
        assert p.down_since is not None
        clients = p.clients[:-1] if p.info.id in self.params.delta_partial_report_providers else p.clients
        services = ", ".join(p.services)
        da = OlgaDa(
            da_id=make_da_id(now, f"{p.info.id}|delta-da/{p.down_since.isoformat()}"), filer=p.info.id,
            filer_role="provider", filer_eori=p.info.eori, company=p.info.name, phone="+33 1 00000000",
            kind="provider_outage", service=",".join(p.services), mode="EDI", component=f"{p.info.name} EDI platform",
            symptom="declarations sent by EDI reach neither Delta nor the clients' answers",
            since=p.down_since, estimated_duration="unknown", entry_office="",
            clients=tuple(DaClient(eori=e, name=n) for e, n in clients), declarations=(), transports=(),
            text=f"Our Delta EDI platform is down since {p.down_since:%d/%m/%Y %H:%M} UTC: online services "
            f"{services}, mode EDI; {len(clients)} clients concerned.",
            filed_at=now, address="", reasons="connection provider's platform failure",
        )  # fmt: skip
        p.da_id = da.da_id
        fx.send(OLGA, da.da_id, derive_id(da.da_id, "filed"), self.source(p.info.id), da, subject=da.da_id)
        return fx

    # --- relaying the CID's alert -------------------------------------------------------------

    def _alert(self, alert: MeteoAlert, now: datetime) -> Effects:
        fx = Effects()
        provider = alert.component.removeprefix(f"{ME}:")
        p = self.platforms.get(provider)
        if p is None:
            return fx  # not about a connection provider's platform: the clients read the météo themselves
        kind = {"open": "alert_relay", "bip": "bip_relay", "end": "end_relay"}[alert.phase]
        ref = f"{alert.alert_id}#{alert.bip_number}" if alert.phase == "bip" else alert.alert_id
        if f"{kind}|{ref}" in p.relayed or kind in self.params.delta_careless_providers:
            return fx
        p.relayed.add(f"{kind}|{ref}")
        fx.after(now + self._delay("relay", provider, kind, ref), "relay", f"{provider}|{kind}|{ref}")
        return fx

    def _relay(self, p: Platform, kind: str, ref: str, now: datetime) -> Effects:
        fx = Effects()
        info = {
            "alert_relay": "The CID has published an alert about our Delta EDI platform: apply the fallback "
            "procedure for your online service and follow the bulletins we relay.",
            "bip_relay": "Bulletin from the CID about our Delta EDI platform: the fallback procedure goes on.",
            "end_relay": "End of the alert: our Delta EDI platform is back. Regularise your fallback declarations.",
        }[kind]
        for eori, _ in p.clients:
            n = ClientNotice(notice_id=derive_id(f"{ref}/{eori}", kind), provider=p.info.id, to=eori,
                             kind=kind, procedure_info=info, ref=ref, sent_at=now)  # fmt: skip
            fx.send(CONTACTS, eori, n.notice_id, self.source(p.info.id), n)
        return fx
