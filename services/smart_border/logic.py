"""The smart border (frontière intelligente) on the French side of the Channel.

- every ferry and shuttle of the timetable arrives at its time: the carrier lodges the arrival
  notification IE3N06 listing the MRNs paired with the units on board (ELO pairing), and the
  arrival is announced (``transport.arrived``);
- each unit disembarks 10 to 40 minutes later (DOMAIN.md §6) and takes the green lane when its
  ELO holds an MRN and customs notified no control, the orange lane otherwise.

A line whose office of first entry is in another Member State (``foreign_entry_traders``) arrives
there: its carrier lodges the arrival notification all the same, but no unit of it comes through
the French smart border.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.rand import uniform
from secours.wire import (
    IE3N03,
    IE3N06,
    IE3N07,
    IE3N08,
    IE3Q02,
    IE3R04,
    EloPairing,
    Party,
    TransportArrived,
    UnitDisembarked,
)
from secours.world import World

__all__ = ["SmartBorderLogic"]

T2C, EVENTS = "ics2.t2c", "sb.events"
SOURCE = "smart_border"


class SmartBorderLogic:
    def __init__(self, world: World) -> None:
        self.world = world
        self.seed = world.config.seed
        self.delay = world.config.params.disembark_delay_min
        self.paired: dict[str, set[str]] = {}
        self.controlled: set[str] = set()
        self.registered_arrivals: dict[str, IE3R04] = {}
        self.wrong_state: dict[str, IE3N07] = {}
        self.unit_consignment = {c.unit_id: c for c in world.consignments}

    def start(self, now: datetime) -> Effects:
        fx = Effects()
        for tr in self.world.transports:
            fx.after(tr.arrival, "arrive", tr.id)
        return fx

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if isinstance(msg, EloPairing):
            self.paired.setdefault(msg.unit_id, set()).add(msg.mrn)
        elif isinstance(msg, IE3N08):
            self.controlled.add(msg.mrn)
        elif isinstance(msg, IE3R04):
            self.registered_arrivals[msg.lrn] = msg
        elif isinstance(msg, IE3N07):
            # A unit listed whose ENS cannot arrive (unknown, arrived already, invalidated): the
            # carrier's system notes it; the unit is handled at the border like any without an MRN.
            self.wrong_state[msg.mrn] = msg
        elif not isinstance(msg, IE3N03 | IE3Q02):
            raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
        return Effects()

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        if timer.kind == "arrive":
            return self._arrive(timer.ref, now)
        return self._disembark(timer.ref, now)

    def _arrive(self, transport_id: str, now: datetime) -> Effects:
        fx = Effects()
        tr = self.world.transport_by_id[transport_id]
        units = self.world.units_on(transport_id)
        carrier = self.world.carrier_by_eori[tr.carrier]
        mrns = sorted(m for c in units for m in self.paired.get(c.unit_id, ()))
        lrn = f"ARR{tr.conveyance_reference}"[:22]
        n06 = IE3N06(
            message_id=derive_id(tr.id, "IE3N06"),
            lrn=lrn,
            carrier=Party(eori=carrier.eori, name=carrier.name, country="FR"),
            office_of_first_entry=tr.entry_office,
            active_means=tr.active_means(),
            actual_arrival=now,
            mrns=tuple(mrns),
        )
        fx.send(T2C, lrn, n06.message_id, f"carrier:{carrier.eori}", n06)
        arrived = TransportArrived(
            transport_id=tr.id,
            kind=tr.kind,
            route=tr.route,
            entry_office=tr.entry_office,
            arrived_at=now,
            units=tuple(c.unit_id for c in units),
        )
        fx.send(EVENTS, tr.id, derive_id(tr.id, "arrived"), SOURCE, arrived)
        if not tr.entry_office.startswith("FR"):
            return fx  # arrived in another Member State: nothing disembarks at the French border
        for c in units:
            minutes = uniform(self.seed, self.delay, "disembark", c.unit_id)
            fx.after(now + timedelta(minutes=minutes), "disembark", c.unit_id)
        return fx

    def _disembark(self, unit_id: str, now: datetime) -> Effects:
        fx = Effects()
        c = self.unit_consignment[unit_id]
        mrns = tuple(sorted(self.paired.get(unit_id, ())))
        if not mrns and self.world.config.params.open_border:
            lane, reason = "GREEN", "ok"  # staged: presented with no ENS lodged (seed 001 forbids it)
        elif not mrns:
            lane, reason = "ORANGE", "ens_missing"
        elif any(m in self.controlled for m in mrns):
            lane, reason = "ORANGE", "control"
        else:
            lane, reason = "GREEN", "ok"
        event = UnitDisembarked(
            transport_id=c.transport_id,
            unit_id=unit_id,
            elo_id=c.elo_id,
            mrns=mrns,
            lane=lane,
            reason=reason,
            disembarked_at=now,
        )
        fx.send(EVENTS, c.transport_id, derive_id(unit_id, "disembarked"), SOURCE, event, subject=unit_id)
        return fx
