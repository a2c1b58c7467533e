"""LUCCS's B2G endpoint: the ADA's AS4 access point for system-to-system declarations (seed 004).

It passes what operators lodge B2G on to LUCCS unchanged. When it is down (PROCEDURES.md
LUCCS-B2G-ADA-DOWN) a B2G lodging is refused (``lu.b2g`` is ``when_down: refuse``) while the
National Trader Portal, which does not go through it, still works.
"""

from __future__ import annotations

from datetime import datetime

from secours.effects import Effects, Incoming, Reactive
from secours.errors import RejectedInput
from secours.wire import LuImportDeclaration

__all__ = ["B2gLogic"]

B2G_IN = "lu.b2g.in"
SOURCE = "luccs_b2g"


class B2gLogic(Reactive):
    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if not isinstance(msg, LuImportDeclaration):
            raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
        fx = Effects()
        fx.send(B2G_IN, msg.eo, msg.message_id, SOURCE, msg, subject=msg.decl_id)
        return fx
