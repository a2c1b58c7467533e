"""Starts the simulated actors of one run on a bus, in this process.

Used by ``secours run`` (long-lived, for people and external relays) and by the drill runner.
The run is announced on ``secours.control`` (clock epoch and speed, seed, configuration) so that
services started in other processes (``secours run --join``) share the same clock and world.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence

from secours.bus import TopicToCreate
from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings
from secours.checkpoint import CHANGELOG, StateStore
from secours.clock import SimClock
from secours.codec import Codec
from secours.effects import Incoming, Outgoing
from secours.errors import BrokerUnavailable, UsageError
from secours.faults.controller import FaultController
from secours.faults.model import Fault
from secours.faults.plane import FaultPlane, command
from secours.faults.signing import control_key
from secours.runtime import ServiceContext
from secours.topics import TopicCatalog
from secours.wire import AubetteQuery, DeltaLodging, DeltaRelease, RunAnnouncement
from secours.world import RunConfig, World
from services import REGISTRY

__all__ = ["CONTROL", "Simulation", "select_services", "wait_for_announcement"]

logger = logging.getLogger(__name__)

CONTROL = "secours.control"
_LEAD_S = 1.0  # wall seconds between the announcement and simulated time zero: services subscribe first


def select_services(
    only: Sequence[str] = (), without: Sequence[str] = (), *, for_config: RunConfig | None = None
) -> list[str]:
    """The services to run: ``only`` them, or every one - with ``for_config``, every one its traffic
    needs (a drill without Luxembourg traffic does not start LUCCS's services)."""
    for name in (*only, *without):
        if name not in REGISTRY:
            raise UsageError(f"unknown service {name!r}; known services: {', '.join(REGISTRY)}")
    wanted = [n for n in REGISTRY if for_config is None or REGISTRY[n].needed(for_config)]
    chosen = list(only) if only else wanted
    return [name for name in chosen if name not in set(without)]


class Simulation:
    """The services of one run in this process, with the fault plane every process has.

    ``harness=True`` (the drill runner, or ``secours run`` without ``--join``) also makes this
    process the one that runs fault actions and publishes their start and end.
    """

    def __init__(
        self,
        settings: ClientSettings,
        config: RunConfig,
        services: Sequence[str],
        *,
        run_id: str | None = None,
        clock: SimClock | None = None,
        harness: bool = True,
        drill_json: str = "",
        live: bool = False,
    ) -> None:
        self.settings = settings
        self.config = config
        self.world = World(config)
        self.services = list(services)
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.codec = Codec()
        self.catalog = TopicCatalog.load()
        self.catalog.check_schemas(self.codec.schema_names)
        self.bus = KafkaBus(settings)
        self.clock = clock
        self.harness = harness
        self.drill_json = drill_json
        self.faults = FaultController(config.start, self.catalog, actors_of(self.world))
        self.plane: FaultPlane | None = None
        self.contexts: dict[str, ServiceContext] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._background: list[asyncio.Task[None]] = []
        self.crashes: list[tuple[str, str]] = []  # (service, "crashed" | "restarted")
        # Checkpoints (secours.checkpoint) cost CPU and only matter to a service that may be killed
        # and started again: in a live run (``secours run``, a ``--join`` process someone may kill),
        # or in a drill with crash faults. A drill's other services live and die with its process.
        self.live = live
        self.checkpointed = frozenset(self.services if live and settings.checkpoint_s is not None else ())

    def topics(self) -> list[TopicToCreate]:
        variables = {
            "eori": self.world.queue_eoris(),
            "provider": [p.id for p in self.world.providers],
            "service": sorted(self.checkpointed),  # a changelog each, for the services that checkpoint
        }
        return [TopicToCreate(name, spec.partitions, spec.cleanup) for name, spec in self.catalog.concrete(variables)]

    def journal_topics(self) -> list[str]:
        """The topics a run's journal records: all but the services' checkpoints (their own storage)."""
        changelogs = CHANGELOG.split("{")[0]
        return [t.name for t in self.topics() if not t.name.startswith(changelogs)]

    async def start(self, faults: Sequence[Fault] = ()) -> SimClock:
        # Checkpoints cost CPU on every batch: only where a service may be killed and restarted.
        # A live run may be sent a crash at any time; a drill names the services its crashes kill.
        if self.settings.checkpoint_s is not None and not self.live:
            self.checkpointed = frozenset(f.scope.component for f in faults if f.kind == "crash" and f.scope.component)
        await self.bus.start()
        await self.bus.ensure_topics(self.topics())
        announce = self.clock is None
        if self.clock is None:
            self.clock = SimClock(self.config.start, SimClock.wall_now() + _LEAD_S, self.config.speed)
        if announce:
            await self._announce(self.clock)
        self.plane = FaultPlane(self.bus, self.codec, self.faults, self.clock, key=control_key(), reports=self.harness)
        for fault in faults:
            # Known here at once (no race with simulated time zero), and published for other processes.
            self.faults.add(fault)
            cmd = command(fault, action="INJECT", fault_id=fault.id, issued_by="drill", now=self.config.start)
            await self.plane.publish_command(cmd)
        self._background.append(asyncio.create_task(self.plane.follow(), name="fault-plane"))
        if self.harness:
            self.plane.hooks.append(self._crash_hook)
            self._background.append(asyncio.create_task(self.plane.run_harness(), name="fault-harness"))
        for name in self.services:
            self._launch(name, fresh=announce)
        return self.clock

    def _launch(self, name: str, *, fresh: bool = False) -> None:
        """Start ``name``; ``fresh``: the first instance of a new run (it has no checkpoint to load)."""
        assert self.clock is not None
        ctx = ServiceContext(name, self.bus, self.codec, self.catalog, self.clock, self.world, self.faults)
        if name in self.checkpointed and self.settings.checkpoint_s is not None:
            ctx.store = StateStore(
                self.bus, self.codec, name, self.run_id, {"world": self.world}, control_key(),
                min_interval_s=self.settings.checkpoint_s, fresh=fresh,
            )  # fmt: skip
        self.contexts[name] = ctx
        self._tasks[name] = asyncio.create_task(self._guard(name, REGISTRY[name].run(ctx)), name=name)

    async def _crash_hook(self, fault: Fault, phase: str) -> None:
        name = fault.scope.component
        if fault.kind != "crash" or name not in self._tasks:
            return
        if phase == "START":
            task = self._tasks[name]
            task.cancel()  # like kill -9: in-memory state and held records are gone
            await asyncio.gather(task, return_exceptions=True)
            self.crashes.append((name, "crashed"))
        else:
            # A new instance: its state and read positions from its last checkpoint (without
            # checkpoints, an empty state that reads on from the last committed offsets).
            self._launch(name)
            self.crashes.append((name, "restarted"))

    async def _announce(self, clock: SimClock) -> None:
        ann = RunAnnouncement(
            run_id=self.run_id,
            epoch_sim=clock.epoch_sim,
            epoch_wall_ms=int(clock.epoch_wall * 1000),
            speed=clock.speed,
            seed=self.config.seed,
            config_json=self.config.model_dump_json(),
            drill_json=self.drill_json,
        )
        ctx = ServiceContext("runner", self.bus, self.codec, self.catalog, clock, self.world)
        await ctx.publish([Outgoing(CONTROL, self.run_id, self.run_id, "runner", ann)])
        await ctx.flush()

    async def _guard(self, name: str, coro: Awaitable[None]) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("service %s stopped with an error", name)
            raise

    def failed(self) -> list[str]:
        tasks = [*self._tasks.values(), *self._background]
        return [t.get_name() for t in tasks if t.done() and not t.cancelled() and t.exception() is not None]

    async def stop(self) -> None:
        tasks = [*self._tasks.values(), *self._background]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._background.clear()
        await self.bus.stop()


def actors_of(world: World) -> Callable[[str, Incoming], set[str]]:
    """The actors a record concerns, for faults scoped to one actor or one EORI."""
    provider_of = {tr.eori: tr.provider for tr in world.traders}
    delta_provider_of = {d.eori: d.provider for d in world.delta_declarants if d.provider}

    def find(service: str, incoming: Incoming) -> set[str]:
        msg = incoming.message
        eoris = {
            e
            for e in (
                getattr(msg, "eori", None),
                getattr(getattr(msg, "declarant", None), "eori", None),
                getattr(getattr(msg, "carrier", None), "eori", None),
            )
            if isinstance(e, str)
        }
        suffix = incoming.topic.rsplit(".", 1)[-1]
        if incoming.topic.startswith("ics2.c2t."):
            eoris.add(suffix)
        actors = {f"trader:{e}" for e in eoris} | {f"carrier:{e}" for e in eoris}
        actors |= {f"edi_provider:{provider_of[e]}" for e in eoris if e in provider_of}
        if incoming.topic.startswith(("edi.to_provider.", "edi.to_trader.")):
            actors.add(f"edi_provider:{suffix}")
        return actors | delta_actors(msg)

    def delta_actors(msg: object) -> set[str]:
        """Delta's side: an intake per service and mode, a release engine per service, its declarants
        and their connection providers."""
        out: set[str] = set()
        declarant = getattr(msg, "declarant", None) or getattr(msg, "by", None)
        if isinstance(declarant, str):
            out.add(f"declarant:{declarant}")
            if declarant in delta_provider_of:
                out.add(f"delta_provider:{delta_provider_of[declarant]}")
        if isinstance(msg, DeltaLodging):
            out |= {f"delta:{msg.service}/{msg.mode}", f"delta_provider:{msg.provider}"}
        elif isinstance(msg, DeltaRelease):
            out.add(f"delta:{msg.service}/release")
        elif isinstance(msg, AubetteQuery):
            out.add("delta:aubette")
        return out

    return find


async def wait_for_announcement(settings: ClientSettings, timeout_s: float = 60.0) -> tuple[RunConfig, SimClock, str]:
    """For ``secours run --join``: the newest run announced on the control topic."""
    bus = KafkaBus(settings)
    codec = Codec()
    await bus.start()
    try:
        sub = await bus.subscribe(None, [CONTROL])
        latest: RunAnnouncement | None = None
        deadline = SimClock.wall_now() + timeout_s
        while SimClock.wall_now() < deadline:
            for record in await sub.poll(0.5):
                msg = codec.decode(record.value)
                if isinstance(msg, RunAnnouncement):
                    latest = msg
            if latest is not None:
                break
        if latest is None:
            raise BrokerUnavailable(f"no run announced on {CONTROL} within {timeout_s:.0f} s")
        config = RunConfig.model_validate_json(latest.config_json)
        clock = SimClock(latest.epoch_sim, latest.epoch_wall_ms / 1000, latest.speed)
        return config, clock, latest.run_id
    finally:
        await bus.stop()
