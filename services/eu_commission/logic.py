"""The European Commission (DG TAXUD), owner of the ICS2 business continuity plan (BCP).

- It watches the EU components of ICS2 (the shared trader interface, the common repository and
  UUM&DS, the sign-in to the STI portal):
  when one falls silent it notifies the subscribed operators and the Member States that the BCP is
  active, and notifies them again when the component is back [S001, R]. Like the CID it sees only
  heartbeats, never the fault.
- In a smart-border ICS outage France informs the other Member States through it [S000]: when the
  CID notifies it, it relays a start (then an end) notice to the Member States.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from secours.components import EU_COMPONENTS
from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.watch import SilenceWatch
from secours.wire import CustomsNotice, EuNotice, Heartbeat
from secours.world import World

__all__ = ["MONITORED_BY_COMMISSION", "CommissionLogic"]

EU_NOTICES = "eu.notices"
SOURCE = "eu_commission"
ME = "EU_COMMISSION"

MONITORED_BY_COMMISSION = EU_COMPONENTS


class CommissionLogic:
    def __init__(self, world: World) -> None:
        p = world.config.params
        self.relayed: set[str] = set()
        self.watch = SilenceWatch(MONITORED_BY_COMMISSION, timedelta(seconds=p.detect_self_s), world.config.start)
        self.watch_every = timedelta(seconds=p.heartbeat_s)
        self.unavailable: dict[str, datetime] = {}  # component -> when the BCP was declared active

    def start(self, now: datetime) -> Effects:
        fx = Effects()
        self.watch.start(now)
        fx.after(now + self.watch_every, "watch", "all")
        return fx

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        fx = Effects()
        for component in self.watch.silent():
            if component not in self.unavailable:
                self.unavailable[component] = now
                fx.extend(self._declare(component, "start", now))
        fx.after(now + self.watch_every, "watch", "all")
        return fx

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if isinstance(msg, Heartbeat):
            since = self.unavailable.get(msg.component)
            if self.watch.heard(msg) and since is not None and msg.at > since:
                del self.unavailable[msg.component]
                return self._declare(msg.component, "end", now)
            return Effects()
        if isinstance(msg, CustomsNotice):
            return self._relay(msg, now)
        raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")

    def _declare(self, component: str, kind: str, now: datetime) -> Effects:
        """The BCP notice, to the subscribed operators and to the Member States."""
        fx = Effects()
        ref = f"{component}/{kind}/{now.isoformat()}"
        for audience in ("operators", "MS"):
            notice = EuNotice(
                notice_id=derive_id(ref, audience), component=component, kind="start" if kind == "start" else "end",
                audience=audience, requested_by="EU_COMMISSION", sent_at=now,
            )  # fmt: skip
            fx.send(EU_NOTICES, component, notice.notice_id, SOURCE, notice)
        return fx

    def _relay(self, msg: CustomsNotice, now: datetime) -> Effects:
        fx = Effects()
        if msg.to != ME or msg.notice_id in self.relayed:
            return fx
        self.relayed.add(msg.notice_id)
        notice = EuNotice(
            notice_id=derive_id(msg.notice_id, "eu"), component=msg.component,
            kind="start" if msg.kind == "outage" else "end", audience="MS", requested_by="CID", sent_at=now,
        )  # fmt: skip
        fx.send(EU_NOTICES, msg.component, notice.notice_id, SOURCE, notice, subject=msg.alert_id)
        return fx
