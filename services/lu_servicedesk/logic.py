"""The Servicedesk eDouane: Luxembourg customs' help desk, which opens and closes LUCCS's fallback.

- an operator whose own B2G system fails tells it, and tells it again once restored: it takes note
  (the operator may then lodge on the NTP portal; nothing for the desk to open);
- it watches LUCCS and its B2G endpoint the way an operations centre does (heartbeats on
  ``ops.health``, never the fault). The B2G endpoint silent: it opens the fallback (scope B2G_ADA)
  and tells every registered operator, who lodge on the NTP portal. LUCCS itself silent (B2G and
  NTP): it opens the fallback jointly with the Bureau de recette Douanes (scope FULL) and tells
  every operator to contact the Bureau;
- the system back: it notifies every operator, then closes the fallback (seed 004).

Staged breaches (``lu_careless_servicedesk``): ``late_notice`` tells the operators only
``LATE_NOTICE`` after the system is back; ``close_first`` closes the fallback at once, before the
operators are told.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.watch import SilenceWatch
from secours.wire import Heartbeat, LuServicedesk
from secours.world import World

__all__ = ["ServicedeskLogic"]

DESK = "lu.servicedesk"
SOURCE = "lu_servicedesk"
WATCHED = {"luccs": "FULL", "luccs_b2g": "B2G_ADA"}
_OPENED = {
    "FULL": "LUCCS (B2G and NTP) is unavailable: the fallback procedure is triggered with the Bureau de recette "
    "Douanes. Contact the Bureau and follow its recommendations.",
    "B2G_ADA": "LUCCS's B2G (AS4) endpoint is unavailable: the fallback procedure is triggered. Lodge your "
    "declarations on LUCCS-NTP, the National Trader Portal.",
}
# A careless desk's delay to tell the operators: past t.end_alert_max (60 minutes by default).
LATE_NOTICE = timedelta(minutes=75)
_RESTORED = "LUCCS is available again: the fallback procedure is closed. Resume lodging as usual."


class ServicedeskLogic:
    def __init__(self, world: World) -> None:
        p = world.config.params
        self.operators = tuple(eo.eori for eo in world.lu_operators)
        self.watch = SilenceWatch(WATCHED, timedelta(seconds=p.detect_self_s), world.config.start)
        self.watch_every = timedelta(seconds=p.heartbeat_s)
        self.open: dict[str, datetime] = {}  # watched component -> when its fallback was opened
        self.lapses = frozenset(p.lu_careless_servicedesk)

    def start(self, now: datetime) -> Effects:
        fx = Effects()
        self.watch.start(now)
        if self.operators:
            fx.after(now + self.watch_every, "watch", "all")
        return fx

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        fx = Effects()
        if timer.kind == "close":
            component, opened = timer.ref.split("|", 1)
            fx.extend(self._notice("fallback_close", "", WATCHED[component], "", opened, now))
            return fx
        if timer.kind == "restored":  # staged late_notice: the operators told only now
            component, opened = timer.ref.split("|", 1)
            return self._restored(component, opened, now)
        silent = self.watch.silent()
        for component in silent:
            if component in self.open or (component == "luccs_b2g" and "luccs" in silent):
                continue  # already open, or the whole of LUCCS is: one fallback, the FULL one
            self.open[component] = now
            scope = WATCHED[component]
            fx.extend(self._notice("fallback_open", "", scope, "opened", now.isoformat(), now))
            for eo in self.operators:
                fx.extend(self._notice("eo_notice", eo, scope, "opened", now.isoformat(), now))
        fx.after(now + self.watch_every, "watch", "all")
        return fx

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        fx = Effects()
        if isinstance(msg, Heartbeat):
            since = self.open.get(msg.component)
            if self.watch.heard(msg) and since is not None and msg.at > since:
                del self.open[msg.component]
                ref = f"{msg.component}|{since.isoformat()}"
                if "close_first" in self.lapses:
                    fx.extend(self._notice("fallback_close", "", WATCHED[msg.component], "", since.isoformat(), now))
                if "late_notice" in self.lapses:
                    fx.after(now + LATE_NOTICE, "restored", ref)
                else:
                    fx.extend(self._restored(msg.component, since.isoformat(), now))
            return fx
        if isinstance(msg, LuServicedesk):
            return fx  # an operator's notice (taken note of), or one of ours coming back
        raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")

    def _restored(self, component: str, opened: str, now: datetime) -> Effects:
        """Every operator told the system is back, then the fallback closed (unless closed already)."""
        fx = Effects()
        for eo in self.operators:
            fx.extend(self._notice("eo_notice", eo, WATCHED[component], "restored", opened, now))
        if "close_first" not in self.lapses:
            # Closed once every operator has been told (a minute later, as a person does it).
            fx.after(now + timedelta(minutes=1), "close", f"{component}|{opened}")
        return fx

    def _notice(self, action: str, eo: str, scope: str, notice: str, incident: str, now: datetime) -> Effects:
        fx = Effects()
        text = "" if action == "fallback_close" else (_OPENED[scope] if notice == "opened" else _RESTORED)
        n = LuServicedesk(
            notice_id=derive_id(incident, f"{action}/{eo}/{notice}"), action=action, eo=eo, scope=scope,
            joint_with="BUREAU_RECETTE" if scope == "FULL" else "", notice=notice, text=text, sent_at=now,
        )  # fmt: skip
        fx.send(DESK, eo, n.notice_id, SOURCE, n)
        return fx
