"""OLGA, customs' tool for assistance requests (demandes d'assistance, DA).

A trader or an EDI provider files a DA through OLGA's web form when an outage stops it from
lodging electronically [S000, S002]. OLGA registers it with a timestamp at once, at any hour
(G6: no request is refused or held back because of the time of day), and acknowledges it to the
filer, who may forward the acknowledgement to the office concerned. Closing a DA is the help desk's
act (``customs_desk_fr``), not OLGA's.

Staged faulty OLGA (``olga_deferral_s`` > 0): requests are registered and acknowledged only by a
batch, that long after they are filed (G6 must see them held back); ``olga_phantom_acks``, each
acknowledgement is followed by one under a request number nobody filed (G5 must see it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Reactive, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id, make_da_id
from secours.wire import OlgaAck, OlgaDa

__all__ = ["OlgaLogic"]

STATUS = "olga.status"
SOURCE = "olga"


class OlgaLogic(Reactive):
    def __init__(self, deferral_s: float = 0.0, phantom_acks: bool = False) -> None:
        self.phantom_acks = phantom_acks
        self.registered: dict[str, datetime] = {}
        self.deferral = timedelta(seconds=deferral_s)
        self.held: dict[str, OlgaDa] = {}  # staged: filed, waiting for the batch

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        return self._register(self.held.pop(timer.ref), now)

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if not isinstance(msg, OlgaDa):
            raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
        if msg.da_id in self.registered or msg.da_id in self.held:
            return Effects()  # the same request read again after a restart: registered once
        if self.deferral:
            self.held[msg.da_id] = msg
            fx = Effects()
            fx.after(now + self.deferral, "register", msg.da_id)
            return fx
        return self._register(msg, now)

    def _register(self, msg: OlgaDa, now: datetime) -> Effects:
        fx = Effects()
        self.registered[msg.da_id] = now
        ack = OlgaAck(da_id=msg.da_id, to=msg.filer, registered_at=now)
        fx.send(STATUS, msg.da_id, derive_id(msg.da_id, "ack"), SOURCE, ack, subject=msg.da_id)
        if self.phantom_acks:  # staged: its numbering gone wrong, an acknowledgement of nothing filed
            phantom = OlgaAck(da_id=make_da_id(now, f"phantom/{msg.da_id}"), to=msg.filer, registered_at=now)
            fx.send(STATUS, phantom.da_id, derive_id(phantom.da_id, "ack"), SOURCE, phantom, subject=phantom.da_id)
        return fx
