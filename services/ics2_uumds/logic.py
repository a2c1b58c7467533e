"""ICS2 UUM&DS: the EU's user management and authentication in front of the STI portal.

A trader lodging by direct input (DTI) signs in to the STI portal through UUM&DS; what it submits
then reaches the shared trader interface directly (not through TAPAS, the AS4 access point), and
the STI's receipt answers it.
System-to-system traffic does not go through UUM&DS (``uumds_blocks_s2s`` defaults to false in
PROCEDURES.md §6). When UUM&DS is down nobody can sign in: a submission gets no receipt (the
topic is ``when_down: refuse``) and the filer must try again, switch channel, or wait.
"""

from __future__ import annotations

from datetime import datetime

from secours.effects import Effects, Incoming, Reactive
from secours.errors import RejectedInput
from secours.wire import T2CMessage

__all__ = ["UumdsLogic"]

STI_IN = "ics2.sti.in"
SOURCE = "ics2_uumds"


class UumdsLogic(Reactive):
    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if not isinstance(msg, T2CMessage):
            raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
        fx = Effects()
        # Signed in: the submission goes on to the STI unchanged (same message id: a second
        # submission of the same form is the STI's duplicate to detect, as for an AS4 retry).
        fx.send(STI_IN, msg.lrn, msg.message_id, SOURCE, msg)
        return fx
