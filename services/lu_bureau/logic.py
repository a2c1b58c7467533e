"""The Bureau de recette Douanes (LU000001): runs LUCCS's exception fallback with the Servicedesk.

When the whole of LUCCS is down, operators contact it and follow its recommendations (seed 004).
Its recommendation here [A, DOMAIN.md §9]: lodge a paper single administrative document (SAD) at
the office, to be regularised in LUCCS once it is back. It answers each contact after
``lu_bureau_answer_s`` and takes the paper declarations handed in (``PAPER_ACCEPTED``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.rand import uniform
from secours.wire import LuBureau, LuDecl, LuImportDeclaration
from secours.world import World

__all__ = ["BureauLogic"]

BUREAU, DECL = "lu.bureau", "lu.decl"
SOURCE = "lu_bureau"
OFFICE = "LU000001"
RECOMMENDATION = (
    "Lodge a paper single administrative document (SAD) at the Bureau de recette Douanes, quoting this "
    "recommendation; register it in LUCCS as soon as the system is back."
)


class BureauLogic:
    def __init__(self, world: World) -> None:
        self.seed = world.config.seed
        self.answer_s = world.config.params.lu_bureau_answer_s
        self.contacts: dict[str, LuBureau] = {}
        self.taken: dict[str, LuDecl] = {}

    def start(self, now: datetime) -> Effects:
        return Effects()

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        fx = Effects()
        contact = self.contacts[timer.ref]
        rec = LuBureau(
            message_id=derive_id(contact.message_id, "recommendation"), action="recommendation", eo=contact.eo,
            office=OFFICE, channel="PAPER", recommendation=RECOMMENDATION, ref=contact.message_id, sent_at=now,
        )  # fmt: skip
        fx.send(BUREAU, contact.eo, rec.message_id, SOURCE, rec)
        return fx

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        fx = Effects()
        if isinstance(msg, LuBureau):
            if msg.action == "contact" and msg.message_id not in self.contacts:
                self.contacts[msg.message_id] = msg
                delay = uniform(self.seed, self.answer_s, "bureau", msg.message_id)
                fx.after(now + timedelta(seconds=delay), "answer", msg.message_id)
            return fx  # a recommendation is ours, coming back
        if isinstance(msg, LuImportDeclaration) and msg.channel == "PAPER":
            taken = self.taken.get(msg.message_id)
            if taken is None:
                taken = LuDecl(
                    record_id=derive_id(msg.message_id, "paper"), message_id=msg.message_id, decl_id=msg.decl_id,
                    eo=msg.eo, channel="PAPER", status="PAPER_ACCEPTED", ref=msg.ref, registered_at=now,
                )  # fmt: skip
                self.taken[msg.message_id] = taken
            fx.send(DECL, msg.eo, taken.record_id, SOURCE, taken, subject=msg.decl_id)
            return fx
        raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
