from __future__ import annotations

from secours.effects import Effects, Incoming
from secours.wire import WireModel


def incoming(topic: str, message: WireModel, ce_id: str | None = None) -> Incoming:
    return Incoming(topic, message, ce_id or getattr(message, "message_id", "id"), "test", None)


def sent(fx: Effects, ce_type: str) -> list[WireModel]:
    return [o.message for o in fx.out if o.message.ce_type == ce_type]


def topics(fx: Effects) -> list[str]:
    return [o.topic for o in fx.out]
