"""Fault kinds: one frozen pydantic model each, which also answers for its own behaviour.

Every fault has an id, a scope (what it hits), a start and an end (or a duration, a TTL that
reverts it by itself), a seed for its random draws, and optionally a deterministic trigger: active
only from the n-th message it matches.

Each kind's class carries what the rest of the simulator asks of it, as a filter factory does: its
flags (a fault of the simulator itself or of a customs system, whether it acts in wall time, on a
component's consume or publish path, whether it pauses a component's timers...) and its hooks
(:meth:`FaultKind.on_consume`, :meth:`FaultKind.on_publish`, :meth:`FaultKind.actuate` at its
start and end, :meth:`FaultKind.scope_problem` for drill validation). The controller, the
middleware, the drill runner, the engine and the oracle ask the class; none compares kind strings.

Adding a kind: write one subclass of :class:`FaultKind` in this module, with a ``kind`` literal
and the flags and hooks it needs (plus its actuator, if it needs new machinery, like the broker
process or the network proxy). Defining the class registers it: the union :data:`Fault`, the
parser and :data:`FAULT_KINDS` (the CLI's choices) are derived from the registered classes.

Times in drill files are offsets from the drill's start (``"6h"``, ``"6h30m"``, ``"45m"``,
``"90s"``) or absolute ISO-8601 instants.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Protocol, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from secours.clock import parse_sim
from secours.rand import draw

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
    "FaultKind",
    "LatencyFault",
    "LinkCutFault",
    "NetworkFault",
    "PublishEffect",
    "QueueReplayFault",
    "ReorderFault",
    "Scope",
    "kind_class",
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
    actor: str | None = Field(
        None,
        description="one actor of a service, e.g. edi_provider:P001 or trader:FR...; in a drill file also by "
        "rank, which holds on any seed: trader:#3, trader:#1[direct] (secours.world.actors)",
    )
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


ConsumeAction = Literal["drop", "error", "hold"]
ProxyMode = Literal["pass", "latency", "blackhole", "reset", "refuse"]


class BrokerProcess(Protocol):
    """The broker process a broker fault acts on (:class:`secours.bus.brokers.RunningBroker`)."""

    @property
    def kind(self) -> str: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def kill(self) -> None: ...
    def restart(self) -> None: ...


class NetworkProxy(Protocol):
    """The loopback proxy a network fault acts on (:class:`secours.faults.proxy.TcpProxy`)."""

    def set_mode(self, mode: ProxyMode, *, latency_ms: float = 0.0) -> None: ...


@dataclass(slots=True)
class PublishEffect:
    """What the publish-side faults make of one outgoing record, each in turn (see :meth:`FaultKind.on_publish`)."""

    release: datetime
    copies: int = 1
    form: str = "as_is"  # or "corrupt"
    dropped: bool = False


_KINDS: dict[str, type[FaultKind]] = {}


class FaultKind(BaseModel):
    """What every fault has, and what its kind answers (flags below, hooks further down)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    if TYPE_CHECKING:
        kind: str  # each kind's literal, declared by its class (after the common fields)

    # --- what the kind is -------------------------------------------------------------------------
    # A fault of the simulator itself (a process killed, the broker), not of a customs system: no
    # procedure reacts to it, and the oracle does not count it as an outage.
    simulator: ClassVar[bool] = False
    # Acts in wall time, on the broker process or the network: the drill runs on the wall clock
    # and needs a broker to itself.
    wall_time: ClassVar[bool] = False
    # Acts on the broker process (it takes a moment to come back after the fault).
    on_broker: ClassVar[bool] = False
    # Its end takes the harness wall seconds that are no part of the outage (a broker starting
    # again): simulated time stands still meanwhile, so the outage lasts the fault's window.
    end_takes_wall: ClassVar[bool] = False
    # Acts through the loopback proxy between the services and the broker (which a run must start).
    through_proxy: ClassVar[bool] = False
    # Takes a component (or one actor of it) out: it must name scope.component or scope.actor.
    hits_component: ClassVar[bool] = False
    # Kills and restarts a service process (the engine's crash hook; checkpoints are kept for it).
    crashes: ClassVar[bool] = False
    # The IT system of the component or actor is down: its people's channels still work, its
    # staff notice it, and an actor's outage stops only the service hosting that actor.
    system_down: ClassVar[bool] = False
    # A whole component's input waits in Kafka (nothing is read) while it lasts.
    holds_input: ClassVar[bool] = False
    # A whole component's timers (and heartbeats) wait while it lasts.
    pauses_timers: ClassVar[bool] = False
    # Acts on a component's consume path (see on_consume) / on the publish path (see on_publish).
    consumes: ClassVar[bool] = False
    publishes: ClassVar[bool] = False

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    scope: Scope = Scope()
    start: str = Field("0s", description="offset from the drill start (6h, 45m) or ISO instant")
    end: str | None = Field(None, description="offset or ISO instant; or give a duration")
    duration: str | None = Field(None, description="how long it lasts (a TTL: it reverts by itself)")
    seed: int = 0
    after_messages: int | None = Field(None, ge=1, description="trigger: active from the n-th matching message")
    note: str = ""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        field = cls.model_fields.get("kind")
        kind = field.default if field is not None else None
        if not isinstance(kind, str):
            return  # an intermediate class, not a kind
        if kind in _KINDS and _KINDS[kind] is not cls:
            raise TypeError(f"fault kind {kind!r} is defined twice ({_KINDS[kind].__name__}, {cls.__name__})")
        _KINDS[kind] = cls

    @model_validator(mode="after")
    def _times(self) -> FaultKind:
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

    # --- hooks ------------------------------------------------------------------------------------

    def scope_problem(self) -> str | None:
        """Why a drill may not hold this fault as scoped (None: it may)."""
        if self.hits_component and not (self.scope.component or self.scope.actor):
            return f"fault {self.id}: a {self.kind} fault needs scope.component or scope.actor"
        return None

    def unsupported(self, broker: str | None, proxy: bool) -> str | None:
        """Why this run cannot play it: ``broker`` is the kind of broker secours started (None
        with --bootstrap), ``proxy`` whether it runs the network proxy. None: it can."""
        return None

    async def actuate(self, start: bool, broker: BrokerProcess | None, proxy: NetworkProxy | None) -> bool:
        """The harness's action at the fault's start (``start``) and end; False when the machinery
        it acts on is missing from this run. Most kinds act through the middleware alone."""
        return True

    def on_consume(self, when_down: str) -> ConsumeAction:
        """What a component does with a matching incoming record (kinds that consume only):
        ``when_down`` is the topic's ``when_down`` (``refuse`` or ``queue``)."""
        raise NotImplementedError(f"a {self.kind} fault does not act on the consume path")

    def on_publish(self, effect: PublishEffect, held_until: datetime, now: datetime, record_id: str) -> None:
        """Shape a matching outgoing record (kinds that publish only): ``held_until`` is the end of
        the fault, or far ahead for an open-ended one."""

    def reorder_window(self) -> int | None:
        """How many records a reorder shuffles at a time, for a kind that reorders."""
        return None


class DownFault(FaultKind):
    """The component (or one actor) is down: requests it would answer synchronously are refused
    (topics with ``when_down: refuse``, e.g. AS4 pushes: the sender must try again); queued input
    waits and is processed once it is back; what it had to send waits too; it runs no timers."""

    hits_component = True
    system_down = True
    pauses_timers = True
    consumes = True
    publishes = True

    kind: Literal["down"] = "down"
    alert_suppressed: bool = Field(
        False, description="monitoring does not see it: the component goes on sending heartbeats (ICS2-FR-NO-ALERT)"
    )

    def on_consume(self, when_down: str) -> ConsumeAction:
        return "drop" if when_down == "refuse" else "hold"  # a refused push: no receipt, the sender retries

    def on_publish(self, effect: PublishEffect, held_until: datetime, now: datetime, record_id: str) -> None:
        effect.release = max(effect.release, held_until)


class QueueReplayFault(FaultKind):
    """Accepted but not processed: the component's input waits (in Kafka) and is processed, in order,
    after recovery. Its timers wait too."""

    hits_component = True
    holds_input = True
    pauses_timers = True
    consumes = True

    kind: Literal["queue_replay"] = "queue_replay"
    alert_suppressed: bool = Field(
        False, description="monitoring does not see it: the component goes on sending heartbeats (ICS2-FR-NO-ALERT)"
    )

    def on_consume(self, when_down: str) -> ConsumeAction:
        return "hold"


class LatencyFault(FaultKind):
    publishes = True

    kind: Literal["latency"] = "latency"
    delay_s: float = Field(gt=0, description="simulated seconds added to every matching record")
    jitter_s: float = Field(0.0, ge=0)

    def on_publish(self, effect: PublishEffect, held_until: datetime, now: datetime, record_id: str) -> None:
        jitter = self.jitter_s * (2 * draw(self.seed, self.id, "jitter", record_id) - 1)
        effect.release = max(effect.release, now + timedelta(seconds=max(0.0, self.delay_s + jitter)))


class ErrorFault(FaultKind):
    """The component answers every matching record with a technical error (dead-lettered, reason given)."""

    hits_component = True
    consumes = True

    kind: Literal["error"] = "error"

    def on_consume(self, when_down: str) -> ConsumeAction:
        return "error"


class DropFault(FaultKind):
    """Matching records are lost for good: never delivered, never recovered."""

    publishes = True

    kind: Literal["drop"] = "drop"
    probability: float = Field(1.0, gt=0, le=1)

    def on_publish(self, effect: PublishEffect, held_until: datetime, now: datetime, record_id: str) -> None:
        effect.dropped = True


class DuplicateFault(FaultKind):
    publishes = True

    kind: Literal["duplicate"] = "duplicate"
    probability: float = Field(1.0, gt=0, le=1)

    def on_publish(self, effect: PublishEffect, held_until: datetime, now: datetime, record_id: str) -> None:
        effect.copies = 2


class CorruptFault(FaultKind):
    """Matching records are delivered with damaged bytes (consumers must dead-letter them)."""

    publishes = True

    kind: Literal["corrupt"] = "corrupt"
    probability: float = Field(1.0, gt=0, le=1)

    def on_publish(self, effect: PublishEffect, held_until: datetime, now: datetime, record_id: str) -> None:
        effect.form = "corrupt"


class ReorderFault(FaultKind):
    """Matching records are delivered in a shuffled order, ``window`` at a time."""

    publishes = True

    kind: Literal["reorder"] = "reorder"
    window: int = Field(5, ge=2, le=1000)

    def reorder_window(self) -> int | None:
        return self.window


class LinkCutFault(FaultKind):
    """Nothing flows from one component to another; what was sent meanwhile arrives after repair."""

    publishes = True

    kind: Literal["link_cut"] = "link_cut"

    @model_validator(mode="after")
    def _needs_link(self) -> LinkCutFault:
        if self.scope.link is None:
            raise ValueError("a link_cut fault needs scope.link: [from component, to component]")
        return self

    def on_publish(self, effect: PublishEffect, held_until: datetime, now: datetime, record_id: str) -> None:
        effect.release = max(effect.release, held_until)


class CrashFault(FaultKind):
    """The service dies (kill -9: its memory is lost) and is restarted after ``restart_after``."""

    simulator = True
    hits_component = True
    crashes = True

    kind: Literal["crash"] = "crash"
    restart_after: str = "30s"

    def span(self, origin: datetime) -> tuple[datetime, datetime | None]:
        start, end = super().span(origin)
        return start, end or start + parse_offset(self.restart_after)

    def scope_problem(self) -> str | None:
        problem = super().scope_problem()
        if problem is None and not self.scope.component:
            return f"fault {self.id}: a crash needs scope.component (the service that dies)"
        return problem


class _BrokerFault(FaultKind):
    """A fault of the broker process: only on a broker secours started itself."""

    simulator = True
    wall_time = True
    on_broker = True

    def unsupported(self, broker: str | None, proxy: bool) -> str | None:
        if broker is None:
            return f"fault {self.id}: {self.kind} needs a broker secours starts itself (not --bootstrap)"
        return None


class BrokerPauseFault(_BrokerFault):
    """The broker process is frozen (SIGSTOP) for the fault's window, then resumed."""

    kind: Literal["broker_pause"] = "broker_pause"

    async def actuate(self, start: bool, broker: BrokerProcess | None, proxy: NetworkProxy | None) -> bool:
        if broker is None:
            return False
        await asyncio.to_thread(broker.pause if start else broker.resume)
        return True


class BrokerKillFault(_BrokerFault):
    """The broker process is killed (SIGKILL) and restarted at the fault's end."""

    end_takes_wall = True

    kind: Literal["broker_kill"] = "broker_kill"

    def unsupported(self, broker: str | None, proxy: bool) -> str | None:
        if broker == "tansu":
            return (
                f"fault {self.id}: broker_kill needs Apache Kafka (--broker kafka): Tansu keeps everything in memory "
                "and a restart would lose every topic and offset"
            )
        return super().unsupported(broker, proxy)

    async def actuate(self, start: bool, broker: BrokerProcess | None, proxy: NetworkProxy | None) -> bool:
        if broker is None:
            return False
        await asyncio.to_thread(broker.kill if start else broker.restart)
        return True


class NetworkFault(FaultKind):
    """Between the services and the broker, through the loopback proxy."""

    wall_time = True
    through_proxy = True

    kind: Literal["network"] = "network"
    mode: Literal["latency", "blackhole", "reset", "refuse"]
    latency_ms: float = Field(0.0, ge=0)

    def unsupported(self, broker: str | None, proxy: bool) -> str | None:
        return None if proxy else f"fault {self.id}: network faults need the proxy secours starts with its own broker"

    async def actuate(self, start: bool, broker: BrokerProcess | None, proxy: NetworkProxy | None) -> bool:
        if proxy is None:
            return False
        proxy.set_mode(self.mode if start else "pass", latency_ms=self.latency_ms)
        return True


# The registry: every kind defined above, in the order defined. For the type checker a fault is
# any FaultKind; pydantic parses the discriminated union of the registered classes.
if TYPE_CHECKING:
    Fault = FaultKind
else:
    Fault = Annotated[Union[tuple(_KINDS.values())], Field(discriminator="kind")]  # noqa: UP007

_ADAPTER: TypeAdapter[Fault] = TypeAdapter(Fault)
FAULT_KINDS: tuple[str, ...] = tuple(_KINDS)


def kind_class(kind: str) -> type[FaultKind] | None:
    """The class of a kind named in a record (a journal's fault event), None for an unknown one."""
    return _KINDS.get(kind)


def parse_fault(data: object) -> Fault:
    return _ADAPTER.validate_python(data)


def parse_fault_json(text: str) -> Fault:
    return _ADAPTER.validate_json(text)
