"""LUCCS's B2G endpoint: the ADA's AS4 access point for system-to-system declarations (seed 004).

Every lodging it takes gets a synchronous AS4 receipt back to the operator, and goes on to LUCCS
unchanged. A lodging sent again with the same AS4 message id (the operator's AS4 retry) gets the
same receipt again and is not passed on twice (AS4 duplicate detection, as for ICS2). When it is
down (PROCEDURES.md LUCCS-B2G-ADA-DOWN) a B2G lodging is refused (``lu.b2g`` is ``when_down:
refuse``): no receipt, while the National Trader Portal, which does not go through it, still works.
"""

from __future__ import annotations

from datetime import datetime

from secours.effects import Effects, Incoming, Reactive
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.recent import Recent
from secours.wire import LuAs4Receipt, LuImportDeclaration

__all__ = ["B2gLogic"]

B2G_IN, RECEIPT = "lu.b2g.in", "lu.b2g.receipt"
SOURCE = "luccs_b2g"


class B2gLogic(Reactive):
    def __init__(self, dedupe_keep_s: float = 172800.0) -> None:
        self.taken: Recent[str] = Recent(dedupe_keep_s)

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if not isinstance(msg, LuImportDeclaration):
            raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
        fx = Effects()
        receipt = LuAs4Receipt(
            receipt_id=derive_id(msg.message_id, "receipt"), ref_message_id=msg.message_id, eo=msg.eo,
            decl_id=msg.decl_id, received_at=now,
        )  # fmt: skip
        fx.send(RECEIPT, msg.eo, receipt.receipt_id, SOURCE, receipt, subject=msg.decl_id)
        if msg.message_id in self.taken:
            return fx  # an AS4 retry of what it took: the receipt again, nothing else
        self.taken.add(msg.message_id, now)
        fx.send(B2G_IN, msg.eo, msg.message_id, SOURCE, msg, subject=msg.decl_id)
        return fx
