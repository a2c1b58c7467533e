"""Actors played by outside systems (``secours drill run --external edi_provider[:P002]``).

An EDI provider runs the drills with its own relay in place of the simulated ``edi_provider``:
every other service runs as usual, the relay reads and writes the same topics, and the oracle
judges its records like any other actor's. This module says what such an actor is: the topics it
must read (the run waits for it to be subscribed to them), whose records are its own, and which
drills cannot be played with it outside (a fault the simulator would have to inflict inside an
outside process, or a drill that stages a breach by the simulated actor itself).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from secours.errors import UsageError
from secours.faults.model import Fault
from secours.topics import TopicCatalog
from secours.world import Params, RunConfig, World
from services import REGISTRY

__all__ = ["EXTERNAL_SPEED_MAX", "ExternalActor", "external_speed", "parse_external", "refuse_unplayable"]

# An outside system meets wall time: at this speed the shortest wait of the procedures a relay
# keeps (180 simulated seconds for an AS4 receipt) is one wall second, several broker round trips.
# Faster, a relay pushes every message again before its receipt could have come back.
EXTERNAL_SPEED_MAX = 180.0

# Services an outside system can play one instance of, and the world's ids of those instances.
_INSTANCES = {"edi_provider": "provider"}


@dataclass(frozen=True, slots=True)
class ExternalActor:
    service: str
    instance: str | None = None  # one provider (edi_provider:P002); None: every instance

    @property
    def name(self) -> str:
        return f"{self.service}:{self.instance}" if self.instance else self.service

    def owns(self, source: str) -> bool:
        """Whether a record whose ``ce_source`` is ``source`` was written by this actor."""
        if self.instance is not None:
            return source == self.name
        return source == self.service or source.startswith(f"{self.service}:")

    def providers(self, world: World) -> list[str]:
        """The EDI providers (and own connections) it plays, for an edi_provider."""
        every = [p.id for p in world.providers]
        return [self.instance] if self.instance else every

    def reads(self, world: World, catalog: TopicCatalog) -> list[str]:
        """Every concrete topic the replaced service reads for this actor (logical names, no prefix)."""
        providers = self.providers(world)
        if self.service == "edi_provider":
            eoris = [t.eori for t in world.traders if t.provider in providers]
        else:
            eoris = world.queue_eoris()
        variables = {"provider": providers, "eori": eoris}
        wanted = set(REGISTRY[self.service].consumes)
        return [name for name, spec in catalog.concrete(variables) if spec.name in wanted]

    def writes(self, world: World, catalog: TopicCatalog) -> list[str]:
        variables = {"provider": self.providers(world), "eori": world.queue_eoris()}
        wanted = set(REGISTRY[self.service].publishes)
        return [name for name, spec in catalog.concrete(variables) if spec.name in wanted]


def parse_external(text: str, config: RunConfig) -> list[ExternalActor]:
    """``edi_provider`` or ``edi_provider:P002``, comma-separated; a one-line error for anything else."""
    world = World(config)
    actors: list[ExternalActor] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        service, _, instance = item.partition(":")
        if service not in REGISTRY:
            raise UsageError(f"--external {item}: unknown actor {service!r}; known: {', '.join(REGISTRY)}")
        if not REGISTRY[service].needed(config):
            raise UsageError(f"--external {item}: this drill's traffic does not use {service}")
        if instance:
            _check_instance(item, service, instance, world)
        actors.append(ExternalActor(service, instance or None))
    if not actors:
        raise UsageError("--external: name at least one actor (for example edi_provider or edi_provider:P001)")
    names = [a.service for a in actors]
    for a in actors:
        if a.instance and names.count(a.service) > 1 and ExternalActor(a.service) in actors:
            raise UsageError(f"--external: {a.name} is already part of {a.service}")
    return actors


def _check_instance(item: str, service: str, instance: str, world: World) -> None:
    kind = _INSTANCES.get(service)
    if kind is None:
        raise UsageError(f"--external {item}: {service} can only be played as a whole (give --external {service})")
    known = [p.id for p in world.providers]
    if instance not in known:
        raise UsageError(f"--external {item}: no {kind} {instance!r} in this drill's world; its {kind}s: "
                         f"{', '.join(known)}")  # fmt: skip


def external_speed(drill_speed: float, asked: float | None) -> tuple[float, str]:
    """The wall clock's speed with outside actors, and a warning when it is faster than they can follow."""
    if asked is not None:
        warning = (
            f"--speed {asked:g} is faster than x{EXTERNAL_SPEED_MAX:g}: a 180-second receipt timeout is "
            f"{180 / asked:.2f} wall s, which an outside system may not meet"
            if asked > EXTERNAL_SPEED_MAX
            else ""
        )
        return asked, warning
    return min(drill_speed, EXTERNAL_SPEED_MAX), ""


def refuse_unplayable(actors: Sequence[ExternalActor], faults: Iterable[Fault], params: Params, drill: str) -> None:
    """A one-line error for a drill that cannot be judged with ``actors`` played outside."""
    for fault in faults:
        for actor in actors:
            if _targets(fault, actor):
                raise UsageError(
                    f"drill {drill}: fault {fault.id} ({fault.kind} {fault.target}) would act inside {actor.name}, "
                    "which an outside system plays: secours cannot inflict it on another process (stop or break "
                    "your system yourself, or run this drill with the simulated actor)"
                )
    for actor in actors:
        for name, value in _staged(actor.service, params):
            if actor.instance is None or (isinstance(value, tuple) and actor.instance in value):
                raise UsageError(
                    f"drill {drill}: it stages a non-compliant {actor.service} (params.{name} = {value!r}); with "
                    f"{actor.name} played outside nothing would stage that breach and the drill's expectation "
                    "could not be judged"
                )


def _targets(fault: Fault, actor: ExternalActor) -> bool:
    scope = fault.scope
    if scope.actor is not None and actor.owns(scope.actor):
        return True
    if scope.link is not None and actor.service in scope.link:
        return actor.instance is None or scope.actor is None or actor.owns(scope.actor)
    if scope.component == actor.service:
        return actor.instance is None or scope.actor is None
    return False


def _staged(service: str, params: Params) -> list[tuple[str, object]]:
    """The staged-breach switches (``non-compliant ...`` parameters) the service's own code reads,
    with the drill's value, where the drill sets one."""
    source = "\n".join(path.read_text(encoding="utf-8") for path in _service_files(service))
    defaults = Params()
    found: list[tuple[str, object]] = []
    for name, field in Params.model_fields.items():
        staged = (field.description or "").startswith("non-compliant")
        value = getattr(params, name)
        if staged and f".{name}" in source and value != getattr(defaults, name):
            found.append((name, value))
    return found


def _service_files(service: str) -> list[Path]:
    module = inspect.getmodule(REGISTRY[service].run)
    path = getattr(module, "__file__", None)
    return sorted(Path(path).parent.glob("*.py")) if path else []
