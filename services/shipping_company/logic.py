"""The shipping companies carrying unaccompanied trailers across the Channel (compagnies maritimes).

An unaccompanied trailer travels without its tractor, so no driver is there to fix a missing ENS
on the quay. When an outage stops ENS from being lodged within the deadline, the seed asks the
shipping company to send customs the loading list of the trailers concerned, to the CLD du Havre
[S000, "cas particuliers des remorques non accompagnées"].

What the company sees is its own check-in: which trailers booked on a sailing have an ELO paired
with an MRN (``sb.elo``, the smart border's pairing the check-in reads). It never knows what the
fault is. ``loading_list_after_s`` after a ferry's ENS deadline (2 h before arrival), it looks at
its unaccompanied trailers: those not paired by the deadline (each pairing says when it was made)
missed it - the seed's rule, "the ENS not sent within the regulatory deadlines", which the oracle
applies too - and go on one loading list for that sailing, with the ferry's IMO number and voyage,
each trailer's TRN, and the ENS LRN and filer it has from the booking. A trailer paired in the
minutes between the deadline and the look is late all the same. A sailing whose trailers were all
paired in time needs no list.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.wire import EloPairing, ListedTrailer, LoadingList
from secours.world import Transport, World

__all__ = ["CLD_DU_HAVRE", "ShippingCompanyLogic"]

LISTS = "customs.loading_lists"
CLD_DU_HAVRE = "FR000002"  # customs_office_fr's reference for the CLD du Havre (DOMAIN.md glossary)


class ShippingCompanyLogic:
    def __init__(self, world: World) -> None:
        self.world = world
        p = world.config.params
        self.after = timedelta(seconds=p.loading_list_after_s)
        self.late, self.partial = p.late_loading_lists, p.partial_loading_lists
        self.vague = p.vague_loading_lists  # staged: lists that do not say which ferry, which voyage
        self.unsent, self.delegated = p.unsent_loading_lists, p.delegated_loading_lists  # staged
        self.paired: dict[str, datetime] = {}  # unit -> when its ELO was paired with an MRN
        self.listed: dict[str, LoadingList] = {}  # by sailing, once the check is made

    def start(self, now: datetime) -> Effects:
        fx = Effects()
        for tr in self.world.transports:
            trailers = [c for c in self.world.units_on(tr.id) if c.unit_type == "TRAILER"]
            if trailers:  # every unit of a sailing has the same ENS deadline (DOMAIN.md §5)
                fx.after(max(trailers[0].deadline + self.after, now), "check", tr.id)
        return fx

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if not isinstance(msg, EloPairing):
            raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
        self.paired.setdefault(msg.unit_id, msg.paired_at)
        return Effects()

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        fx = Effects()
        tr = self.world.transport_by_id[timer.ref]
        if timer.kind == "send":  # staged late_loading_lists: the list made in time goes out now
            listing = self.listed[tr.id]
            return self._send(tr, listing.model_copy(update={"sent_at": now}))
        if tr.id in self.listed:
            return fx  # the same check fired again after a restart: one list per sailing
        late = [c for c in self.world.units_on(tr.id)
                if c.unit_type == "TRAILER" and not self._paired_by(c.unit_id, c.deadline)]  # fmt: skip
        if not late:
            return fx
        if self.partial:
            # Staged (partial_loading_lists): one trailer left off, on any day - when it is the only
            # one concerned, the list that goes out names none.
            late = late[:-1]
        listing = self._list(tr, [ListedTrailer(trn=c.unit_id, lrn=c.lrn, filer=c.trader) for c in late], now)
        self.listed[tr.id] = listing
        if self.unsent:
            return fx  # staged: made, never sent
        if self.late:  # staged: the list only goes out once the ferry is in
            fx.after(tr.arrival + timedelta(minutes=15), "send", tr.id)
            return fx
        return self._send(tr, listing)

    def _paired_by(self, unit: str, deadline: datetime) -> bool:
        at = self.paired.get(unit)
        return at is not None and at <= deadline

    def _send(self, tr: Transport, listing: LoadingList) -> Effects:
        fx = Effects()
        sender = f"shipping_company:{tr.carrier}"
        if self.delegated and listing.trailers:  # staged: the EDI provider of the first listed trailer's filer sends it
            trader = self.world.trader_by_eori.get(listing.trailers[0].filer)
            sender = f"edi_provider:{trader.provider}" if trader is not None else f"trader:{listing.trailers[0].filer}"
        fx.send(LISTS, tr.id, listing.list_id, sender, listing, subject=tr.id)
        return fx

    def _list(self, tr: Transport, trailers: list[ListedTrailer], now: datetime) -> LoadingList:
        return LoadingList(
            list_id=derive_id(tr.id, "loading-list"),
            carrier=tr.carrier,
            company=self.world.carrier_by_eori[tr.carrier].name,
            transport_id=tr.id,
            ship_imo="" if self.vague else tr.identification,
            voyage="" if self.vague else tr.conveyance_reference,
            to=CLD_DU_HAVRE,
            trailers=tuple(trailers),
            sent_at=now,
        )
