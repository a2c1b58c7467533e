"""What an EDI provider's staff do when a system on their side fails (seed 000, scenario 1).

- A client calls: its own system is down. The provider, its single correspondent with customs
  (SC3), files an OLGA assistance request naming that client; when the client is back, the
  provider reports the recovery to customs' help desk so that the request is closed.
- The provider's own platform is down (noticed ``detect_self_s`` after it fails). Its OLGA web
  access is independent of it: it files a request listing **all** its clients, whether or not they
  have traffic in progress; when the platform is back it replays what it holds (the runtime keeps
  it) and reports the recovery.

The channels used here (phone, e-mail, the OLGA web form) are out of band: a platform outage does
not stop them (``out_of_band`` topics).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from secours.effects import Effects, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id, make_da_id
from secours.rand import uniform
from secours.wire import DaClient, OlgaDa, ProviderContact, SauContact
from secours.world import Params, Trader, World

__all__ = ["ProviderDesk"]

OLGA, SAU = "olga.requests", "sau.contacts"

_CLIENT_DOWN = (
    "Our client {name} ({eori}) cannot send us its ENS data: its own system has been down since {since}. "
    "We will lodge its ENS as soon as it is back, before its units disembark at the smart border."
)
CUSTOMS_COMPONENT = "ICS2 STI"  # what a provider can tell from outside: its pushes get no AS4 receipt
_CUSTOMS_DOWN = (
    "Since {since} our AS4 pushes to ICS2 get no receipt, and the météo shows no alert. We keep pushing every "
    "held ENS; the declarations concerned are listed here."
)
_PROVIDER_DOWN = (
    "Our EDI platform has been down since {since}: no ENS can be lodged or relayed for our clients listed "
    "here. We will lodge every held ENS as soon as it is back, before the units disembark."
)


@dataclass(slots=True)
class OpenDa:
    da_id: str
    provider: str
    kind: str
    clients: tuple[str, ...]
    reported: bool = False


@dataclass
class ProviderDesk:
    world: World
    params: Params
    das: dict[str, OpenDa] = field(default_factory=dict)  # by (provider|eori) or (provider|self)
    down_since: dict[str, datetime] = field(default_factory=dict)  # by "provider|subject", while down
    since_of: dict[str, datetime] = field(default_factory=dict)  # start of the latest outage, kept after it
    to_file: set[str] = field(default_factory=set)  # requests decided but not filed yet
    named: dict[str, str] = field(default_factory=dict)  # the component a request names, when told which
    # Providers whose desk a trainee plays: what they learn is still tracked, what they do is the trainee's.
    people: frozenset[str] = frozenset()

    @property
    def seed(self) -> int:
        return self.world.config.seed

    @staticmethod
    def source(provider: str) -> str:
        return f"edi_provider:{provider}"

    # --- what the staff learn ---------------------------------------------------------------

    def client_contact(self, msg: ProviderContact, now: datetime) -> Effects:
        """A client's call: its own system is down (file a DA for it) or back (report the recovery)."""
        if msg.provider not in self.world.provider_by_id or msg.trader not in self.world.trader_by_eori:
            raise RejectedInput(f"contact from {msg.trader} to {msg.provider}, not one of its clients")
        return (
            self._outage(msg.provider, msg.trader, msg.since, now)
            if msg.kind == "outage"
            else (self._recovery(msg.provider, msg.trader, now) if msg.kind == "recovery" else Effects())
        )

    def own_outage(self, provider: str, now: datetime) -> Effects:
        return self._outage(provider, "self", now - timedelta(seconds=self.params.detect_self_s), now)

    def own_recovery(self, provider: str, now: datetime) -> Effects:
        return self._recovery(provider, "self", now)

    def is_down(self, provider: str, subject: str) -> bool:
        return f"{provider}|{subject}" in self.down_since

    def customs_unavailable(
        self, provider: str, since: datetime, now: datetime, subject: str = "customs", component: str = ""
    ) -> Effects:
        """Customs found unavailable: a request reporting it (``subject`` "customs/again" or
        "customs/redundant" for a staged report of its own), naming ``component`` when the provider
        knows it (what customs told it), else what it can tell from outside."""
        if component:
            self.named[f"{provider}|{subject}"] = component
        return self._outage(provider, subject, since, now)

    def customs_back(self, provider: str, now: datetime) -> Effects:
        """Customs available again: every request reporting it unavailable gets its recovery reported."""
        fx = Effects()
        for subject in ("customs", "customs/again", "customs/redundant"):
            fx.extend(self._recovery(provider, subject, now))
        return fx

    def _outage(self, provider: str, subject: str, since: datetime, now: datetime) -> Effects:
        fx = Effects()
        key = f"{provider}|{subject}"
        if key in self.down_since or provider in self.params.no_da_providers:
            return fx
        open_da = self.das.get(key)
        if open_da is not None and not open_da.reported:
            self.down_since[key] = since  # down again before its recovery was reported: the same request
            return fx
        self.down_since[key] = self.since_of[key] = since
        if provider in self.people:
            return fx  # the trainee files the request (or does not)
        self.to_file.add(key)
        delay = uniform(self.seed, self.params.da_delay_s, "da", key, since.isoformat())
        if subject == "customs" and "premature" in self.params.reporting_lapses:
            delay = 0.0  # staged: filed at once
        fx.after(now + timedelta(seconds=delay), "da", key)
        return fx

    def _recovery(self, provider: str, subject: str, now: datetime) -> Effects:
        fx = Effects()
        key = f"{provider}|{subject}"
        if self.down_since.pop(key, None) is None or provider in self.people:
            return fx  # not down (or a second word of the same recovery); a trainee's desk reports itself
        delay = uniform(self.seed, self.params.report_delay_s, "report", key, now.isoformat())
        fx.after(now + timedelta(seconds=delay), "report", key)
        return fx

    # --- what they do --------------------------------------------------------------------------

    def on_timer(self, timer: Timer, now: datetime, holding: dict[str, list[str]]) -> Effects:
        """``holding``: LRNs the provider holds per client, for the DA's list of declarations."""
        provider, subject = timer.ref.split("|")
        if timer.kind == "da":
            return self._file(provider, subject, now, holding)
        return self._report(timer.ref, now)

    def cancel(self, provider: str, subject: str) -> None:
        """Customs has said it itself: a request about it not filed yet is no longer needed."""
        key = f"{provider}|{subject}"
        if key in self.to_file:
            self.to_file.discard(key)
            self.down_since.pop(key, None)

    def _file(self, provider: str, subject: str, now: datetime, holding: dict[str, list[str]]) -> Effects:
        fx = Effects()
        key = f"{provider}|{subject}"
        if key not in self.to_file:
            return fx  # cancelled meanwhile
        self.to_file.discard(key)
        since = self.since_of[key]  # (back already, maybe: the request is filed all the same, then closed)
        p = self.world.provider_by_id[provider]
        symptom = "no ENS data can be passed on for the clients listed"
        if subject == "self":
            clients = list(self.world.clients_of(provider))
            if provider in self.params.partial_da_providers and len(clients) > 1:
                clients = clients[:-1]  # staged: one client left out of the list
            kind, text, component = "provider_outage", _PROVIDER_DOWN, f"EDI platform of {p.name}"
        elif subject.startswith("customs"):
            held = {eori for eori, lrns in holding.items() if lrns}
            clients = [c for c in self.world.clients_of(provider) if c.eori in held]
            kind, text, component = "customs_unavailable", _CUSTOMS_DOWN, self.named.get(key, CUSTOMS_COMPONENT)
            n = sum(len(v) for v in holding.values())
            symptom = f"no AS4 receipt since {since:%H:%M}: {n} ENS held, pushed again every few minutes"
            if provider in self.params.hasty_reporting_providers:
                symptom = ""  # staged: a report that does not say what goes wrong
        else:
            clients = [self.world.trader_by_eori[subject]]
            kind, text, component = "client_outage", _CLIENT_DOWN, f"IT system of {clients[0].name}"
        declarations = tuple(lrn for c in clients for lrn in holding.get(c.eori, []))
        da = OlgaDa(
            da_id=make_da_id(now, f"{key}|{since.isoformat()}"),
            filer=provider, filer_role="provider", filer_eori=p.eori, company=p.name, phone="+33 3 21 00 00 00",
            kind=kind, service="ICS2", mode="EDI", component=component, symptom=symptom, since=since,
            estimated_duration="unknown", entry_office=self._entry_office(clients, declarations),
            clients=tuple(DaClient(eori=c.eori, name=c.name) for c in clients),
            declarations=declarations, transports=(),
            text=text.format(name=clients[0].name if clients else "", eori=clients[0].eori if clients else "",
                             since=f"{since:%H:%M}"),
            filed_at=now,
        )  # fmt: skip
        self.das[key] = OpenDa(da.da_id, provider, kind, tuple(c.eori for c in clients))
        fx.send(OLGA, da.da_id, derive_id(da.da_id, "filed"), self.source(provider), da, subject=da.da_id)
        return fx

    def _entry_office(self, clients: Sequence[Trader], declarations: Sequence[str]) -> str:
        """The office of first entry the request names: that of the declarations it lists, or, when it
        lists none (an outage with nothing held yet), the one its clients' goods enter through most."""
        by_lrn = self.world.consignment_by_lrn
        goods = [by_lrn[lrn] for lrn in declarations if lrn in by_lrn]
        if not goods:
            eoris = {c.eori for c in clients}
            goods = [c for c in self.world.consignments if c.trader in eoris]
        offices = Counter(self.world.transport_by_id[c.transport_id].entry_office for c in goods)
        return offices.most_common(1)[0][0] if offices else ""

    def _report(self, key: str, now: datetime) -> Effects:
        fx = Effects()
        if key in self.to_file:  # the system came back before the request was even filed: report after it
            fx.after(now + timedelta(seconds=self.params.da_delay_s[1]), "report", key)
            return fx
        da = self.das.get(key)
        if da is None or da.reported:
            return fx
        da.reported = True
        contact = SauContact(
            contact_id=derive_id(da.da_id, "report"), by=self.source(da.provider), channel="email",
            purpose="report", da_id=da.da_id, text="The system is available again; please close the request.",
            sent_at=now,
        )  # fmt: skip
        fx.send(SAU, da.da_id, contact.contact_id, self.source(da.provider), contact, subject=da.da_id)
        return fx
