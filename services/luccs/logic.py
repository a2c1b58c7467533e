"""LUCCS, Luxembourg's national import system: registers import declarations (seed 004).

Declarations come system to system (B2G, through ``luccs_b2g``) or by hand on the National Trader
Portal (NTP). Each declaration is registered once: the same lodging received again (an AS4 retry,
the same message id) gets the same answer; a second lodging of a registered declaration (another
message: the NTP copy of a B2G message, a B2G replay) is answered DUPLICATE, the evidence of a
declaration lodged twice (PROCEDURES.md LUCCS-*: "lodged exactly once"). A paper declaration
regularised after an outage carries the paper registration in ``ref``.

Staged faulty LUCCS (``luccs_faulty``): ``ntp_unanswered``, its NTP portal takes lodgings that LUCCS
never registers nor answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from secours.effects import Effects, Incoming, Reactive
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.wire import LuDecl, LuImportDeclaration

__all__ = ["LuccsLogic"]

DECL = "lu.decl"
SOURCE = "luccs"


class LuccsLogic(Reactive):
    def __init__(self, faulty: Iterable[str] = ()) -> None:
        self.faulty = frozenset(faulty)
        self.registered: dict[str, LuDecl] = {}  # by declaration id
        self.answered: dict[str, LuDecl] = {}  # by lodging message id

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if not isinstance(msg, LuImportDeclaration) or msg.channel == "PAPER":
            raise RejectedInput(f"{msg.ce_type} ({getattr(msg, 'channel', '?')}) is not expected on {incoming.topic}")
        fx = Effects()
        if msg.channel == "NTP" and "ntp_unanswered" in self.faulty:
            return fx  # staged: the portal took it, LUCCS never sees it
        answer = self.answered.get(msg.message_id)
        if answer is None:
            first = self.registered.get(msg.decl_id)
            answer = LuDecl(
                record_id=derive_id(msg.message_id, "lu.decl"), message_id=msg.message_id, decl_id=msg.decl_id,
                eo=msg.eo, channel=msg.channel, status="DUPLICATE" if first else "REGISTERED",
                ref=first.record_id if first else msg.ref, registered_at=now,
            )  # fmt: skip
            self.answered[msg.message_id] = answer
            self.registered.setdefault(msg.decl_id, answer)
        fx.send(DECL, msg.eo, answer.record_id, SOURCE, answer, subject=msg.decl_id)
        return fx
