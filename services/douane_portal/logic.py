"""The customs portal, douane.gouv.fr, in front of ECS-BS for direct input (DTI, prodouane account).

An exporter doing its exit formalities in DTI signs in to the portal, which passes its arrival
notifications and exit announcements on to ECS-BS unchanged. When the portal is down (seed 003,
cases 2 and 3: « panne du portail de la douane ») a submission is refused (``ecs.portal`` is
``when_down: refuse``): DTI users are then in the ECS-BS fallback, while EDI users, who reach
ECS-BS system to system, go on as usual.
"""

from __future__ import annotations

from datetime import datetime

from secours.effects import Effects, Incoming, Reactive
from secours.errors import RejectedInput
from secours.wire import EcsMsg

__all__ = ["PortalLogic"]

ECS_IN = "ecs.in"
SOURCE = "douane_portal"


class PortalLogic(Reactive):
    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if not isinstance(msg, EcsMsg) or msg.ie not in ("IE507", "EXIT_ANN"):
            raise RejectedInput(f"{msg.ce_type} {getattr(msg, 'ie', '')} is not expected on {incoming.topic}")
        fx = Effects()
        fx.send(ECS_IN, msg.mrn, msg.msg_id, SOURCE, msg, subject=msg.mrn)
        return fx
