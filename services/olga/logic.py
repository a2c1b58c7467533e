"""OLGA, customs' tool for assistance requests (demandes d'assistance, DA).

A trader or an EDI provider files a DA through OLGA's web form when an outage stops it from
lodging electronically [S000, S002]. OLGA registers it with a timestamp at once, at any hour
(G6: no request is refused or held back because of the time of day), and acknowledges it to the
filer, who may forward the acknowledgement to the office concerned. Closing a DA is the help desk's
act (``customs_desk_fr``), not OLGA's.
"""

from __future__ import annotations

from datetime import datetime

from secours.effects import Effects, Incoming, Reactive
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.wire import OlgaAck, OlgaDa

__all__ = ["OlgaLogic"]

STATUS = "olga.status"
SOURCE = "olga"


class OlgaLogic(Reactive):
    def __init__(self) -> None:
        self.registered: dict[str, datetime] = {}

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if not isinstance(msg, OlgaDa):
            raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
        fx = Effects()
        if msg.da_id in self.registered:
            return fx  # the same request read again after a restart: registered once
        self.registered[msg.da_id] = now
        ack = OlgaAck(da_id=msg.da_id, to=msg.filer, registered_at=now)
        fx.send(STATUS, msg.da_id, derive_id(msg.da_id, "ack"), SOURCE, ack, subject=msg.da_id)
        return fx
