"""Fault kinds: one frozen pydantic model each; their union is the registry.

A new kind is one class added to :data:`Fault`. Every fault has an id, a scope (what it hits),
a start and an end (or a duration, a TTL that reverts it by itself), a seed for its random draws,
and optionally a deterministic trigger: active only from the n-th message it matches.

Times in drill files are offsets from the drill's start (``"6h"``, ``"6h30m"``, ``"45m"``,
``"90s"``) or absolute ISO-8601 instants.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from secours.clock import parse_sim

__all__ = [
    "FAULT_KINDS",
    "BrokerKillFault",
    "BrokerPauseFault",
    "CorruptFault",
    "CrashFault",
    "DownFault",
    "DropFault",
    "DuplicateFault",
    "ErrorFault",
    "Fault",
    "LatencyFault",
    "LinkCutFault",
    "NetworkFault",
    "QueueReplayFault",
    "ReorderFault",
    "Scope",
    "parse_fault",
    "parse_fault_json",
    "parse_offset",
    "resolve",
]

_OFFSET = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")


def parse_offset(text: str) -> timedelta:
    """``"6h30m"`` -> 6.5 hours. Raises ValueError naming the accepted forms."""
    match = _OFFSET.match(text.strip())
    if not text.strip() or match is None:
        raise ValueError(f"{text!r} is not a duration like 6h, 45m, 90s or 1h30m")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def resolve(text: str, origin: datetime) -> datetime:
    """An offset from ``origin`` or an absolute ISO instant."""
    return parse_sim(text) if "T" in text else origin + parse_offset(text)


class Scope(BaseModel):
    """What a fault hits. Empty fields match everything; several fields must all match."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    component: str | None = Field(None, description="a service name, e.g. ics2_nes_fr")
    actor: str | None = Field(None, description="one actor of a service, e.g. edi_provider:P001 or trader:FR...")
    eori: str | None = Field(None, description="only records for or from this EORI")
    topic: str | None = Field(None, description="only records of this logical topic (templates allowed)")
    link: tuple[str, str] | None = Field(None, description="(from component, to component)")
    message: str | None = Field(None, description="only records of this type (CloudEvents type, e.g. IE3R04)")

    def label(self) -> str:
        if self.link:
            return f"{self.link[0]}->{self.link[1]}"
        parts = [
            p for p in (self.actor or self.component, self.eori and f"eori {self.eori}", self.topic, self.message) if p
        ]
        return " ".join(parts) or "everything"


class _FaultBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    scope: Scope = Scope()
    start: str = Field("0s", description="offset from the drill start (6h, 45m) or ISO instant")
    end: str | None = Field(None, description="offset or ISO instant; or give a duration")
    duration: str | None = Field(None, description="how long it lasts (a TTL: it reverts by itself)")
    seed: int = 0
    after_messages: int | None = Field(None, ge=1, description="trigger: active from the n-th matching message")
    note: str = ""

    @model_validator(mode="after")
    def _times(self) -> _FaultBase:
        for value in (self.start, self.end, self.duration):
            if value is not None and "T" not in value:
                parse_offset(value)
        if self.end is not None and self.duration is not None:
            raise ValueError("give end or duration, not both")
        return self

    def span(self, origin: datetime) -> tuple[datetime, datetime | None]:
        start = resolve(self.start, origin)
        if self.end is not None:
            end: datetime | None = resolve(self.end, origin)
        elif self.duration is not None:
            end = start + parse_offset(self.duration)
        else:
            end = None
        if end is not None and end <= start:
            raise ValueError(f"fault {self.id} ends before it starts")
        return start, end

    @property
    def target(self) -> str:
        return self.scope.label()


class DownFault(_FaultBase):
    """The component (or one actor) is down: requests it would answer synchronously are refused
    (topics with ``when_down: refuse``, e.g. AS4 pushes: the sender must try again); queued input
    waits and is processed once it is back; what it had to send waits too; it runs no timers."""

    kind: Literal["down"] = "down"
    alert_suppressed: bool = Field(
        False, description="monitoring does not see it: the component goes on sending heartbeats (ICS2-FR-NO-ALERT)"
    )


class QueueReplayFault(_FaultBase):
    """Accepted but not processed: the component's input waits (in Kafka) and is processed, in order,
    after recovery. Its timers wait too."""

    kind: Literal["queue_replay"] = "queue_replay"
    alert_suppressed: bool = Field(
        False, description="monitoring does not see it: the component goes on sending heartbeats (ICS2-FR-NO-ALERT)"
    )


class LatencyFault(_FaultBase):
    kind: Literal["latency"] = "latency"
    delay_s: float = Field(gt=0, description="simulated seconds added to every matching record")
    jitter_s: float = Field(0.0, ge=0)


class ErrorFault(_FaultBase):
    """The component answers every matching record with a technical error (dead-lettered, reason given)."""

    kind: Literal["error"] = "error"


class DropFault(_FaultBase):
    """Matching records are lost for good: never delivered, never recovered."""

    kind: Literal["drop"] = "drop"
    probability: float = Field(1.0, gt=0, le=1)


class DuplicateFault(_FaultBase):
    kind: Literal["duplicate"] = "duplicate"
    probability: float = Field(1.0, gt=0, le=1)


class CorruptFault(_FaultBase):
    """Matching records are delivered with damaged bytes (consumers must dead-letter them)."""

    kind: Literal["corrupt"] = "corrupt"
    probability: float = Field(1.0, gt=0, le=1)


class ReorderFault(_FaultBase):
    """Matching records are delivered in a shuffled order, ``window`` at a time."""

    kind: Literal["reorder"] = "reorder"
    window: int = Field(5, ge=2, le=1000)


class LinkCutFault(_FaultBase):
    """Nothing flows from one component to another; what was sent meanwhile arrives after repair."""

    kind: Literal["link_cut"] = "link_cut"

    @model_validator(mode="after")
    def _needs_link(self) -> LinkCutFault:
        if self.scope.link is None:
            raise ValueError("a link_cut fault needs scope.link: [from component, to component]")
        return self


class CrashFault(_FaultBase):
    """The service dies (kill -9: its memory is lost) and is restarted after ``restart_after``."""

    kind: Literal["crash"] = "crash"
    restart_after: str = "30s"

    def span(self, origin: datetime) -> tuple[datetime, datetime | None]:
        start, end = super().span(origin)
        return start, end or start + parse_offset(self.restart_after)


class BrokerPauseFault(_FaultBase):
    """The broker process is frozen (SIGSTOP) for the fault's window, then resumed."""

    kind: Literal["broker_pause"] = "broker_pause"


class BrokerKillFault(_FaultBase):
    """The broker process is killed (SIGKILL) and restarted at the fault's end."""

    kind: Literal["broker_kill"] = "broker_kill"


class NetworkFault(_FaultBase):
    """Between the services and the broker, through the loopback proxy."""

    kind: Literal["network"] = "network"
    mode: Literal["latency", "blackhole", "reset", "refuse"]
    latency_ms: float = Field(0.0, ge=0)


Fault = Annotated[
    DownFault
    | QueueReplayFault
    | LatencyFault
    | ErrorFault
    | DropFault
    | DuplicateFault
    | CorruptFault
    | ReorderFault
    | LinkCutFault
    | CrashFault
    | BrokerPauseFault
    | BrokerKillFault
    | NetworkFault,
    Field(discriminator="kind"),
]

_ADAPTER: TypeAdapter[Fault] = TypeAdapter(Fault)
FAULT_KINDS: tuple[str, ...] = (
    "down", "queue_replay", "latency", "error", "drop", "duplicate", "corrupt", "reorder", "link_cut",
    "crash", "broker_pause", "broker_kill", "network",
)  # fmt: skip


def parse_fault(data: object) -> Fault:
    return _ADAPTER.validate_python(data)


def parse_fault_json(text: str) -> Fault:
    return _ADAPTER.validate_json(text)
