"""A direct filer's fallback: a trader with its own STI connection whose system goes down.

No provider stands between it and customs, so it does what a provider does for its clients
(seed 001, operator's system unavailable): it warns customs and asks to use the fallback — in
France through an OLGA assistance request [A] — saying why, for how long it expects to be down,
where its goods enter, which declarations (LRNs) and which means of transport are concerned. Its
ENS wait in its system and leave when it is back; it then reports the end of the interruption to
the SAU, which closes the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from secours.effects import Effects
from secours.ids import derive_id, make_da_id
from secours.rand import uniform
from secours.wire import DaClient, OlgaDa, SauContact
from secours.world import Consignment, Params, Trader, World

__all__ = ["DirectFilerDesk"]

OLGA, SAU = "olga.requests", "sau.contacts"
_HORIZON = timedelta(hours=12)  # bookings close enough to be named in the request
_TEXT = (
    "Our ICS2 connection is down since {since}: we cannot lodge our entry summary declarations. We ask to "
    "use the fallback for the consignments and transports listed; we will lodge them as soon as it is back."
)


@dataclass(slots=True)
class _Incident:
    since: datetime
    da_id: str | None = None
    back: bool = False
    reported: bool = False


class DirectFilerDesk:
    def __init__(self, world: World, params: Params) -> None:
        self.world, self.params, self.seed = world, params, world.config.seed
        self.incidents: dict[str, _Incident] = {}  # by EORI, the open one

    @staticmethod
    def source(eori: str) -> str:
        return f"trader:{eori}"

    def outage(self, trader: Trader, since: datetime, now: datetime) -> Effects:
        fx = Effects()
        if trader.eori in self.incidents and not self.incidents[trader.eori].back:
            return fx  # the same outage, already in hand
        self.incidents[trader.eori] = _Incident(since)
        delay = uniform(self.seed, self.params.da_delay_s, "direct-da", trader.eori, since.isoformat())
        fx.after(now + timedelta(seconds=delay), "direct_da", trader.eori)
        return fx

    def recovery(self, trader: Trader, now: datetime) -> Effects:
        fx = Effects()
        incident = self.incidents.get(trader.eori)
        if incident is None or incident.back:
            return fx
        incident.back = True
        delay = uniform(self.seed, self.params.report_delay_s, "direct-report", trader.eori, now.isoformat())
        fx.after(now + timedelta(seconds=delay), "direct_report", trader.eori)
        return fx

    def on_timer(self, kind: str, eori: str, pending: list[Consignment], now: datetime) -> Effects:
        """``pending``: this trader's consignments with no MRN yet."""
        incident = self.incidents.get(eori)
        if incident is None:
            return Effects()
        if kind == "direct_da":
            return self._file(self.world.trader_by_eori[eori], incident, pending, now)
        if incident.da_id is None:  # back before the request was even filed: report once it is
            fx = Effects()
            fx.after(now + timedelta(seconds=self.params.da_delay_s[1]), "direct_report", eori)
            return fx
        return self._report(eori, incident, now)

    def _file(self, trader: Trader, incident: _Incident, pending: list[Consignment], now: datetime) -> Effects:
        fx = Effects()
        if incident.da_id is not None:
            return fx
        soon = [c for c in pending if now <= self.world.transport_by_id[c.transport_id].arrival <= now + _HORIZON]
        transports = sorted({c.transport_id for c in soon})
        vague = trader.eori in self.params.vague_da_traders  # staged: no duration, no transport details
        details = [self._transport(t) for t in transports]
        offices = sorted({self.world.transport_by_id[t].entry_office for t in transports})
        da = OlgaDa(
            da_id=make_da_id(now, f"{trader.eori}|ics2-direct|{incident.since.isoformat()}"), filer=trader.eori,
            filer_role="trader", filer_eori=trader.eori, company=trader.name, phone="+33 3 21 00 00 01",
            kind="client_outage",
            service="ICS2", mode="EDI", component=f"ICS2 connection of {trader.name}",
            symptom="our system cannot send ENS to the shared trader interface", since=incident.since,
            estimated_duration="" if vague else self.params.own_outage_estimate,
            entry_office=offices[0] if offices else "", clients=(DaClient(eori=trader.eori, name=trader.name),),
            declarations=tuple(c.lrn for c in soon), transports=() if vague else tuple(details),
            text=_TEXT.format(since=f"{incident.since:%H:%M}"), filed_at=now,
        )  # fmt: skip
        incident.da_id = da.da_id
        fx.send(OLGA, da.da_id, derive_id(da.da_id, "filed"), self.source(trader.eori), da, subject=da.da_id)
        return fx

    def _transport(self, transport_id: str) -> str:
        tr = self.world.transport_by_id[transport_id]
        return f"{tr.id} ({tr.kind.lower()} {tr.identification}, voyage {tr.conveyance_reference}, {tr.route})"

    def _report(self, eori: str, incident: _Incident, now: datetime) -> Effects:
        fx = Effects()
        if incident.reported or incident.da_id is None:
            return fx
        incident.reported = True
        contact = SauContact(
            contact_id=derive_id(incident.da_id, "report"), by=self.source(eori), channel="email", purpose="report",
            da_id=incident.da_id, text="Our ICS2 connection works again; please close the request.", sent_at=now,
        )  # fmt: skip
        fx.send(SAU, incident.da_id, contact.contact_id, self.source(eori), contact, subject=incident.da_id)
        return fx
