"""The customs offices where Delta's declarants clear their goods (seed 002).

- During opening hours (``office_hours``, Monday to Friday, Paris time) it tells a declarant asking
  about a declaration whether it is under control, waiting for credit or for cash payment, or
  released: it reads Delta's records like any officer. NONE means none of these: a technical block.
- A declarant forwarding OLGA's acknowledgement of a self-trigger request is recorded as in
  fallback from the request's registration time, the start the sheet sets.
- Paper declarations and regularisations are taken as handed in; the oracle reads them.
"""

from __future__ import annotations

from datetime import datetime

from secours.effects import Effects, Incoming, Reactive
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.wire import DeltaDecl, FallbackRecord, FallbackUsed, OfficeAnswer, OfficeInformed, OfficeQuery, Regularised
from secours.world import World, office_open

__all__ = ["DeltaOfficeLogic"]

OFFICE = "delta.office"
SOURCE = "delta_office"
_HELD = ("SOUS_CONTROLE", "CREDIT_EN_ATTENTE", "PAIEMENT_COMPTANT", "BAE")


class DeltaOfficeLogic(Reactive):
    def __init__(self, world: World) -> None:
        self.hours = world.config.params.office_hours
        self.states: dict[str, str] = {}  # Delta's state, by declaration number

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        fx = Effects()
        if isinstance(msg, DeltaDecl):
            self.states[msg.decl_no] = msg.state
        elif isinstance(msg, OfficeQuery):
            if office_open(now, self.hours):  # closed: nobody answers
                state = self.states.get(msg.decl_no, "")
                answer = OfficeAnswer(query_id=msg.query_id, office=msg.office, to=msg.by, decl_no=msg.decl_no,
                                      state=state if state in _HELD else "NONE", at=now)  # fmt: skip
                fx.send(OFFICE, msg.by, derive_id(msg.query_id, "answer"), SOURCE, answer, subject=msg.decl_no)
        elif isinstance(msg, OfficeInformed):
            if msg.kind == "start" and msg.attached_ack and msg.ack_registered_at is not None:
                record = FallbackRecord(
                    record_id=derive_id(msg.informed_id, "record"), office=msg.office, declarant=msg.by,
                    da_id=msg.da_id, service=msg.service, start=msg.ack_registered_at, at=now,
                )  # fmt: skip
                fx.send(OFFICE, msg.by, record.record_id, SOURCE, record, subject=msg.da_id)
        elif not isinstance(msg, FallbackUsed | Regularised | OfficeAnswer | FallbackRecord):
            raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
        return fx
