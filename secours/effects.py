"""What a service's pure logic hands back: records to publish and timers to set.

``logic.py`` modules build :class:`Effects`; ``secours.runtime`` publishes the records, arms the
timers and calls the logic back when a timer fires. Keeping both as plain data is what lets the
logic be tested synchronously, without a broker or a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from secours.wire import WireModel

__all__ = ["Effects", "Incoming", "Outgoing", "Reactive", "Timer"]


@dataclass(frozen=True, slots=True)
class Outgoing:
    topic: str
    key: str
    id: str
    source: str
    message: WireModel
    subject: str = ""


@dataclass(frozen=True, slots=True, order=True)
class Timer:
    at: datetime
    kind: str
    ref: str


@dataclass(slots=True)
class Effects:
    out: list[Outgoing] = field(default_factory=list)
    timers: list[Timer] = field(default_factory=list)

    def send(self, topic: str, key: str, id: str, source: str, message: WireModel, subject: str = "") -> None:
        self.out.append(Outgoing(topic, key, id, source, message, subject or key))

    def after(self, at: datetime, kind: str, ref: str) -> None:
        self.timers.append(Timer(at, kind, ref))

    def extend(self, other: Effects) -> None:
        self.out.extend(other.out)
        self.timers.extend(other.timers)


@dataclass(frozen=True, slots=True)
class Incoming:
    """A decoded record with the CloudEvents attributes the logic may need."""

    topic: str
    message: WireModel
    ce_id: str
    source: str
    time: datetime | None


class Reactive:
    """Base of a logic that only answers records: nothing to do at start-up, no timers of its own
    (relays such as TAPAS or LUCCS's B2G endpoint, registers such as OLGA)."""

    def start(self, now: datetime) -> Effects:
        return Effects()

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        return Effects()
