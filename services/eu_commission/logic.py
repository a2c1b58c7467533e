"""The European Commission (DG TAXUD), owner of the ICS2 business continuity plan.

In a smart-border ICS outage France informs the other Member States through the Commission
[S000]: when the CID notifies it, the Commission relays a start (then an end) notice to the
Member States.
"""

from __future__ import annotations

from datetime import datetime

from secours.effects import Effects, Incoming, Timer
from secours.ids import derive_id
from secours.wire import CustomsNotice, EuNotice

__all__ = ["CommissionLogic"]

EU_NOTICES = "eu.notices"
SOURCE = "eu_commission"
ME = "EU_COMMISSION"


class CommissionLogic:
    def __init__(self) -> None:
        self.relayed: set[str] = set()

    def start(self, now: datetime) -> Effects:
        return Effects()

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        return Effects()

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        fx = Effects()
        if not isinstance(msg, CustomsNotice):
            raise ValueError(f"{msg.ce_type} is not expected on {incoming.topic}")
        if msg.to != ME or msg.notice_id in self.relayed:
            return fx
        self.relayed.add(msg.notice_id)
        notice = EuNotice(
            notice_id=derive_id(msg.notice_id, "eu"), component=msg.component,
            kind="start" if msg.kind == "outage" else "end", audience="MS", requested_by="CID", sent_at=now,
        )  # fmt: skip
        fx.send(EU_NOTICES, msg.component, notice.notice_id, SOURCE, notice, subject=msg.alert_id)
        return fx
