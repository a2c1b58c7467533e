"""ICS2 TAPAS: DG TAXUD's AS4 access point, the EU's door for system-to-system traffic.

Every AS4 push of a filer, a provider or a carrier comes in here and goes on to the shared trader
interface unchanged (same message id, so a retransmission stays the STI's duplicate to detect);
every answer the STI queues for an EORI goes out here to that EORI's pull queue. Direct input on
the STI portal does not use it (UUM&DS hands portal submissions to the STI directly).

So when TAPAS is down, a push gets no receipt (``ics2.t2c`` is ``when_down: refuse``: the sender
tries again) and the answers already produced wait on ``ics2.sti.out`` until it is back
(PROCEDURES.md ICS2-EU-TAPAS-DOWN: lodging, amendments, invalidations and the answers IE3R01,
IE3R07, IE3N10, IE3N03 are all held up).
"""

from __future__ import annotations

from datetime import datetime

from secours.effects import Effects, Incoming, Reactive
from secours.errors import RejectedInput
from secours.wire import C2TMessage, T2CMessage

__all__ = ["TapasLogic", "c2t"]

T2C, STI_IN, STI_OUT = "ics2.t2c", "ics2.sti.in", "ics2.sti.out"
SOURCE = "ics2_tapas"


def c2t(eori: str) -> str:
    return f"ics2.c2t.{eori}"


class TapasLogic(Reactive):
    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        fx = Effects()
        if incoming.topic == T2C and isinstance(msg, T2CMessage):
            # Keyed by LRN as it came: the messages of one ENS keep the order they were pushed in.
            fx.send(STI_IN, msg.lrn, msg.message_id, SOURCE, msg)
        elif incoming.topic == STI_OUT and isinstance(msg, C2TMessage):
            fx.send(c2t(msg.eori), msg.lrn, msg.message_id, SOURCE, msg)
        else:
            raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
        return fx
