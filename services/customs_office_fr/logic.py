"""The French office of first entry at the smart border (bureau de douane).

When a unit disembarks with no ENS on its ELO, the office must not simply record an infringement:
seed 000 has it first make sure the system is not down [S000]. It looks at what it can see - the
météo's open alerts about ICS2, and the OLGA assistance requests open for the unit's filer or its
provider, and whether ICS2 has the ENS after all (receipted, not yet paired with the unit) - records
that check (``customs.system_check``), then, if the ENS really is missing, records it
(``customs.ens_absence``), saying whether an outage covers it: a covered unit is not treated as an
infringement while its lodging window is open. Under a customs-side outage (S2: an alert on the
unit's ICS2 path) that window runs until the recovery plus the backlog, and the filer keeps trying to
lodge meanwhile: the office then decides only once the window has closed - an ENS lodged in it is
not missing - looking at the system again before it records anything.

A drill may stage the office as non-compliant (``unchecking_office``): it then records missing ENS
without checking the system's state (no ``customs.system_check``), every one as an infringement. It
still looks, like any officer, whether ICS2 has the ENS: a unit whose ENS was receipted is not
missing one, whatever the office thinks of the system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from secours.components import ICS2_COMPONENTS
from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.wire import (
    As4Receipt,
    EnsAbsence,
    MeteoAlert,
    OlgaAck,
    OlgaClosed,
    OlgaDa,
    SystemCheck,
    TransportArrived,
    UnitDisembarked,
)
from secours.world import World

__all__ = ["CustomsOfficeLogic"]

EVENTS = "customs.office.events"
SOURCE = "customs_office_fr"
_CHECK_AFTER = timedelta(minutes=5)  # an officer looks at the météo and OLGA before recording
_RECHECK = timedelta(minutes=15)  # while a customs outage is on, how often the office looks again


@dataclass(frozen=True)
class _Look:
    """What the office saw: open alerts on the unit's path, open requests covering it, and ended
    alerts whose lodging window is still open (with the instant each window closes)."""

    alerts: list[str]
    das: list[str]
    held: dict[str, datetime]

    @property
    def covering(self) -> tuple[str, ...]:
        return tuple(sorted([*self.alerts, *self.das, *self.held]))

    @property
    def customs(self) -> bool:
        """A customs-side outage covers it: the lodging window runs to the recovery plus the backlog."""
        return bool(self.alerts or self.held)

    @staticmethod
    def check_id(unit: str, purpose: str) -> str:
        return derive_id(unit, purpose)


class CustomsOfficeLogic:
    def __init__(self, world: World) -> None:
        self.world = world
        self.params = world.config.params
        self.by_unit = {c.unit_id: c for c in world.consignments}
        self.alerts: dict[str, str] = {}  # open alert id -> component
        # Ended alerts: (component, end). A unit whose ENS that outage held is still covered during its
        # lodging window after the end (S2: recovery + backlog), not an infringement.
        self.ended: dict[str, tuple[str, datetime]] = {}
        self.das: dict[str, OlgaDa] = {}  # open assistance requests
        self.seen: set[str] = set()
        self.receipted: dict[str, datetime] = {}  # LRN -> when ICS2 receipted it (what the office sees)
        self.listed: set[str] = set()  # staged (da_listed): units taken as missing for their client's request
        self.unseen: set[str] = set()  # staged (nes_blind): units taken as missing while the national system is down

    def start(self, now: datetime) -> Effects:
        return Effects()

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        fx = Effects()
        if isinstance(msg, MeteoAlert):
            if msg.phase == "end" or "ICS2" not in msg.services:  # an alert on Delta or ECS-BS covers no ENS
                component = self.alerts.pop(msg.alert_id, None)
                if component is not None:
                    self.ended[msg.alert_id] = (component, msg.published_at)
            else:
                self.alerts[msg.alert_id] = msg.component
        elif isinstance(msg, OlgaDa):
            self.das[msg.da_id] = msg
        elif isinstance(msg, OlgaClosed):
            self.das.pop(msg.da_id, None)
        elif isinstance(msg, As4Receipt):
            self.receipted.setdefault(msg.lrn, msg.received_at)
        elif isinstance(msg, UnitDisembarked):
            if msg.unit_id in self.by_unit and msg.unit_id not in self.seen and self._suspect(msg):
                self.seen.add(msg.unit_id)
                fx.after(now + _CHECK_AFTER, "check", msg.unit_id)
        elif not isinstance(msg, OlgaAck | TransportArrived):
            raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
        return fx

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        if timer.kind == "decide":
            return self._decide(timer.ref, now)
        unit = timer.ref
        c = self.by_unit[unit]
        if self.params.unchecking_office:  # staged: no look at the météo or OLGA, every absence an infringement
            return Effects() if c.lrn in self.receipted else self._record(unit, "", covered=False, now=now)
        look = self._look(unit, now)
        fx = self._check(unit, look, now, "system-check")
        if unit in self.listed or unit in self.unseen:  # staged (da_listed, nes_blind): missing, lodged or not
            fx.extend(self._record(unit, look.check_id(unit, "system-check"), covered=True, now=now))
            return fx
        if c.lrn in self.receipted:  # lodged after all (just not paired yet): nothing is missing
            return fx
        if look.customs:
            # A customs-side outage (S2) holds the ENS: its lodging window runs until the recovery plus
            # the backlog, and an ENS lodged in it is not missing [A, PROCEDURES.md DEADLINE-MISSED
            # #4]. The office decides once that window has closed.
            fx.after(self._reconsider(look, now), "decide", unit)
            return fx
        if self._lets_go(look):
            return fx
        fx.extend(self._record(unit, look.check_id(unit, "system-check"), covered=bool(look.covering), now=now))
        return fx

    def _decide(self, unit: str, now: datetime) -> Effects:
        """The unit's lodging window may have closed: lodged meanwhile, nothing missing; still covered by
        the customs outage, look again later; else check the system again and record the absence."""
        c = self.by_unit[unit]
        if c.lrn in self.receipted:
            return Effects()
        look = self._look(unit, now)
        if look.customs:
            fx = Effects()
            fx.after(self._reconsider(look, now), "decide", unit)
            return fx
        purpose = f"system-check/{now.isoformat()}"
        fx = self._check(unit, look, now, purpose)
        if self._lets_go(look):
            return fx
        fx.extend(self._record(unit, look.check_id(unit, purpose), covered=bool(look.covering), now=now))
        return fx

    def _suspect(self, msg: UnitDisembarked) -> bool:
        """A unit the office looks into: one that disembarked with no ENS on its ELO; a staged office
        takes every unit while the national component is under an alert (``nes_blind``), or every unit
        of a client named in an open request (``da_listed``)."""
        if msg.reason == "ens_missing":
            return True
        if "nes_blind" in self.params.ics2_fr_careless_office and "ics2_nes_fr" in self.alerts.values():
            self.unseen.add(msg.unit_id)  # its national system shows no ENS: the office ignores the ELO's MRN
            return True
        if "da_listed" not in self.params.ics2_fr_careless_office:
            return False
        c = self.by_unit[msg.unit_id]
        if any(c.trader in {x.eori for x in d.clients} for d in self.das.values()):
            self.listed.add(msg.unit_id)
            return True
        return False

    def _lets_go(self, look: _Look) -> bool:
        """Staged (``lenient``): the system was up and no outage covers the unit, yet the office records
        nothing: the control case of the procedure is skipped."""
        return "lenient" in self.params.ics2_fr_careless_office and not look.covering

    def _look(self, unit: str, now: datetime) -> _Look:
        """What the office can see about the unit's ENS: the météo, OLGA, and whether ICS2 has it."""
        c = self.by_unit[unit]
        path = self.world.ics2_path(c.trader)  # an outage off the unit's path does not cover it
        alerts = [a for a, comp in self.alerts.items() if comp in path]
        window = timedelta(seconds=self.params.lodging_window_s)
        got = self.receipted.get(c.lrn)
        held = {a: end + window for a, (comp, end) in self.ended.items()  # ended, but this unit's window still open
                if comp in path and end <= now <= end + window and (got is None or got > end)}  # fmt: skip
        # An assistance request is the smart-border fallback: it covers goods unloaded in France only (SC1).
        das = [d.da_id for d in self.das.values() if c.country_of_unloading == "FR"
               and (d.filer == c.provider or c.trader in {x.eori for x in d.clients})]  # fmt: skip
        if self._blind():
            das = []
        return _Look(alerts, das, held)

    def _blind(self) -> bool:
        """Staged (``blind_olga``): the office's check reads the météo only, never the open requests."""
        return "blind_olga" in self.params.ics2_fr_careless_office

    def _reconsider(self, look: _Look, now: datetime) -> datetime:
        # While an alert is open its end is unknown: look again in a while; after it, when the window closes.
        return now + _RECHECK if look.alerts else max(look.held.values()) + timedelta(seconds=1)

    def _check(self, unit: str, look: _Look, now: datetime, purpose: str) -> Effects:
        c = self.by_unit[unit]
        check = SystemCheck(
            check_id=look.check_id(unit, purpose), office=self.office(c.transport_id), unit_ids=(unit,),
            components=(*ICS2_COMPONENTS, *self._olga(c.trader, c.provider), f"ENS:{c.lrn}"),
            result="down" if look.alerts or look.das else "up", covering=look.covering, checked_at=now,
        )  # fmt: skip
        fx = Effects()
        fx.send(EVENTS, unit, check.check_id, SOURCE, check, subject=unit)
        return fx

    def _olga(self, trader: str, provider: str) -> tuple[str, ...]:
        return () if self._blind() else (f"OLGA:{trader}", f"OLGA:{provider}")

    def office(self, transport_id: str) -> str:
        return self.world.transport_by_id[transport_id].entry_office

    def _record(self, unit: str, check_id: str, *, covered: bool, now: datetime) -> Effects:
        c = self.by_unit[unit]
        absence = EnsAbsence(
            absence_id=derive_id(unit, "ens-absence"), office=self.office(c.transport_id), unit_id=unit, lrn=c.lrn,
            check_id=check_id, covered_by_outage=covered, recorded_at=now,
        )  # fmt: skip
        fx = Effects()
        fx.send(EVENTS, unit, absence.absence_id, SOURCE, absence, subject=unit)
        return fx
