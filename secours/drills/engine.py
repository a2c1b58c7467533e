"""Starts the simulated actors of one run on a bus, in this process.

Used by ``secours run`` (long-lived, for people and external relays) and by the drill runner.
The run is announced on ``secours.control`` (clock, seed, configuration). A wall-clock run's
services started in other processes (``secours run --join``) share its clock and world through it;
a stepped run (``stepped=True``, the drill runner's default) keeps every service in this process,
because its clock moves only when the services it counts are done (:mod:`secours.stepper`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from secours.bus import TopicToCreate
from secours.bus.kafka import KafkaBus
from secours.bus.ledger import Ledger
from secours.bus.settings import ClientSettings
from secours.checkpoint import CHANGELOG, StateStore
from secours.clock import Clock, SteppedClock, WallClock
from secours.codec import Codec
from secours.drills.readiness import Awaited, wait_for_actors
from secours.effects import Incoming, Outgoing
from secours.errors import BrokerUnavailable, UsageError
from secours.external import ExternalActor
from secours.faults.controller import FaultController
from secours.faults.model import Fault
from secours.faults.plane import FaultPlane, FaultTimeline, command
from secours.faults.signing import control_key
from secours.metrics import Metrics
from secours.runtime import ServiceContext
from secours.runtime.stats import ServiceStats
from secours.stepper import Stepper
from secours.topics import TopicCatalog
from secours.wire import AubetteQuery, DeltaLodging, DeltaRelease, EnsFiling, Push, RunAnnouncement
from secours.world import Params, RunConfig, World
from services import REGISTRY

__all__ = ["CONTROL", "Simulation", "follow_pace", "select_services", "wait_for_announcement"]

logger = logging.getLogger(__name__)

CONTROL = "secours.control"
_LEAD_S = 1.0  # wall seconds between the announcement and simulated time zero: services subscribe first
_READY_S = 120.0  # wall seconds a stepped run's services get to start (or restart) and read their input


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
        clock: WallClock | None = None,
        harness: bool = True,
        drill_json: str = "",
        live: bool = False,
        stepped: bool = False,
        external: Sequence[ExternalActor] = (),
        external_timeout_s: float = 60.0,
        people: Sequence[str] = (),
    ) -> None:
        self.settings = settings
        self.config = config
        self.world = World(config)
        self.services = list(services)
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.codec = Codec()
        self.catalog = TopicCatalog.load()
        self.catalog.check_schemas(self.codec.schema_names)
        # A stepped run counts what it writes and reads (its ledger), and its stepper hands out time.
        self.stepper: Stepper | None = None
        self.clock: Clock | None = clock
        if stepped:
            if clock is not None or not harness:
                raise UsageError("a stepped run keeps its own clock: it cannot join another run's")
            stepped_clock = SteppedClock(config.start, timedelta(seconds=config.transit_s))
            self.stepper = Stepper(stepped_clock, Ledger(settings.prefix))
            self.clock = stepped_clock
        self.bus = KafkaBus(settings, self.stepper.ledger if self.stepper is not None else None)
        self.harness = harness
        self.drill_json = drill_json
        # Actors outside systems play (--external): the clock waits for them, on the wall.
        self.external = tuple(external)
        self.external_timeout_s = external_timeout_s
        if self.external and stepped:
            raise UsageError("a run with outside actors runs on the wall clock, which they can read")
        # Actors whose fallback desk trainees play on the game-day page (``service:instance``).
        self.people = tuple(people)
        self.faults = FaultController(config.start, self.catalog, actors_of(self.world), systems_behind(config.params))
        self.plane: FaultPlane | None = None
        self.contexts: dict[str, ServiceContext] = {}
        # Each service's counts, kept across a crash's restart; and the metrics served, if any.
        self.stats: dict[str, ServiceStats] = {}
        self.metrics: Metrics | None = None
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._background: list[asyncio.Task[None]] = []
        self.crashes: list[tuple[str, str]] = []  # (service, "crashed" | "restarted")
        self._died: dict[str, datetime] = {}  # service -> when a crash last killed it (simulated)
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

    async def start(self, faults: Sequence[Fault] = ()) -> Clock:
        # Checkpoints cost CPU on every batch: only where a service may be killed and restarted.
        # A live run may be sent a crash at any time; a drill names the services its crashes kill.
        if self.settings.checkpoint_s is not None and not self.live:
            self.checkpointed = frozenset(f.scope.component for f in faults if f.crashes and f.scope.component)
        await self.bus.start()
        if self.harness:
            await self._refuse_a_used_prefix()
        await self.bus.ensure_topics(self.topics())
        if self.external:
            await self._wait_for_outside()
        announce = self.clock is None
        if self.clock is None:
            self.clock = WallClock(self.config.start, WallClock.wall_now() + _LEAD_S, self.config.speed)
        announce = announce or self.stepper is not None
        if announce:
            await self._announce(self.clock)
        self.plane = FaultPlane(self.bus, self.codec, self.faults, self.clock, key=control_key(), reports=self.harness)
        for fault in faults:
            # Known here at once (no race with simulated time zero), and published for other processes.
            self.faults.add(fault)
            cmd = command(fault, action="INJECT", fault_id=fault.id, issued_by="drill", now=self.config.start)
            await self.plane.publish_command(cmd)
        if self.harness:
            self.plane.hooks.append(self._crash_hook)
        if self.stepper is not None:
            # The drill's timeline is the only source of faults: nobody types a command into a run
            # that goes as fast as the machine, and no other process takes part in it.
            timeline = FaultTimeline(self.plane)
            self.stepper.join(timeline)
            self.stepper.boundary = timeline.boundary
        else:
            self._background.append(asyncio.create_task(self.plane.follow(), name="fault-plane"))
            if self.harness:
                self._background.append(asyncio.create_task(self.plane.run_harness(), name="fault-harness"))
        for name in self.services:
            self._launch(name, fresh=announce)
        if self.metrics is not None:
            self._background.append(asyncio.create_task(self.metrics.follow(self), name="metrics"))
        return self.clock

    async def ready(self) -> None:
        """A stepped run: wait until every service has started and read what is already written."""
        for name in list(self.contexts):
            await self._until_ready(name)

    async def _until_ready(self, name: str) -> None:
        ctx, task = self.contexts[name], self._tasks[name]
        wait = asyncio.create_task(ctx.ready.wait())
        try:
            await asyncio.wait({wait, task}, timeout=_READY_S, return_when=asyncio.FIRST_COMPLETED)
        finally:
            wait.cancel()
        if ctx.ready.is_set():
            return
        if task.done():
            error = None if task.cancelled() else task.exception()
            raise BrokerUnavailable(f"service {name} stopped while starting: {error or 'cancelled'}")
        raise BrokerUnavailable(f"service {name} did not start within {_READY_S:.0f} wall s")

    def _launch(self, name: str, *, fresh: bool = False) -> None:
        """Start ``name``; ``fresh``: the first instance of a new run (it has no checkpoint to load)."""
        assert self.clock is not None
        ctx = ServiceContext(
            name, self.bus, self.codec, self.catalog, self.clock, self.world, self.faults, stepper=self.stepper
        )
        ctx.order = list(REGISTRY).index(name)
        ctx.played_outside = frozenset(a.name for a in self.external if a.service == name)
        ctx.played_by_people = frozenset(a for a in self.people if a.split(":", 1)[0] == name)
        ctx.died_at = self._died.get(name)
        ctx.stats = self.stats.setdefault(name, ctx.stats)
        if self.metrics is not None:
            ctx.observe = self.metrics.tally.note
        if name in self.checkpointed and self.settings.checkpoint_s is not None:
            ctx.store = StateStore(
                self.bus, self.codec, name, self.run_id, {"world": self.world}, control_key(),
                min_interval_s=self.settings.checkpoint_s, fresh=fresh,
            )  # fmt: skip
        self.contexts[name] = ctx
        self._tasks[name] = asyncio.create_task(self._guard(name, REGISTRY[name].run(ctx)), name=name)

    async def _crash_hook(self, fault: Fault, phase: str) -> None:
        name = fault.scope.component
        if not fault.crashes or name not in self._tasks:
            return
        if phase == "START":
            task = self._tasks[name]
            task.cancel()  # like kill -9: in-memory state and held records are gone
            await asyncio.gather(task, return_exceptions=True)
            self._died[name] = self.clock.now() if self.clock is not None else self.config.start
            self.crashes.append((name, "crashed"))
        else:
            # A new instance: its state and read positions from its last checkpoint (without
            # checkpoints, an empty state that reads on from the last committed offsets).
            self._launch(name)
            self.crashes.append((name, "restarted"))
            if self.stepper is not None:
                await self._until_ready(name)  # in the run before the next step: restored, caught up

    async def _refuse_a_used_prefix(self) -> None:
        """A new run on topics that already hold an earlier run would read that run's records as its
        own (its services from the first offset, its journal from the beginning): refused, in one line."""
        if any((await self.bus.end_offsets(CONTROL)).values()):
            raise UsageError(
                f"the topics under prefix {self.settings.prefix!r} on {self.settings.bootstrap} hold an earlier "
                "run, whose records this run would read as its own: give it a --prefix of its own (or set "
                "SECOURS_TOPIC_PREFIX), or restart the broker"
            )

    async def _wait_for_outside(self) -> None:
        """Announce the run with its clock not started, and wait for its outside actors to be ready:
        a relay that joined late would find hours of simulated traffic waiting for it."""
        await self._announce(None)
        awaited = [Awaited(a.name, a.reads(self.world, self.catalog)) for a in self.external]
        logger.warning(
            "run %s on %s (topic prefix %r) waits up to %g wall s for %s: subscribe to the actor's topics, or "
            "write an ActorReady on %s; the clock starts at x%g once it is there",
            self.run_id, self.settings.bootstrap, self.settings.prefix, self.external_timeout_s,
            ", ".join(a.actor for a in awaited), CONTROL, self.config.speed,
        )  # fmt: skip
        await wait_for_actors(self.bus, self.codec, CONTROL, self.run_id, awaited, self.external_timeout_s)

    async def pace(self, *, speed: float | None = None, paused: bool | None = None) -> None:
        """A game day's trainer changes the pace of this run's wall clock: here at once, and in every
        process that joined the run once it reads the new announcement (:func:`follow_pace`)."""
        if not isinstance(self.clock, WallClock):
            raise UsageError("only a run on the wall clock changes pace")
        self.clock.pace(speed=speed, paused=paused)
        await self._announce(self.clock)

    async def _announce(self, clock: Clock | None) -> None:
        """The run on the control topic; ``clock`` None: the run waits for outside actors, no epoch yet."""
        wall = clock if isinstance(clock, WallClock) else None
        stepped = clock is not None and wall is None
        ann = RunAnnouncement(
            run_id=self.run_id,
            epoch_sim=self.config.start if clock is None else clock.epoch_sim,
            epoch_wall_ms=int(wall.epoch_wall * 1000) if wall else 0,
            speed=wall.speed if wall else self.config.speed,
            seed=self.config.seed,
            config_json=self.config.model_dump_json(),
            drill_json=self.drill_json,
            clock="stepped" if stepped else "wall",
            transit_ms=int(self.config.transit_s * 1000) if stepped else 0,
            external=tuple(a.name for a in self.external),
            paused=wall.paused if wall else False,
        )
        stamp = clock or WallClock(self.config.start, WallClock.wall_now(), self.config.speed)
        ctx = ServiceContext("runner", self.bus, self.codec, self.catalog, stamp, self.world)
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


def systems_behind(params: Params) -> Callable[[str, Incoming], set[str]]:
    """The systems that must take a record for a service to take it; while one of them refuses
    (down), the service refuses the record too (:meth:`FaultController.refused_behind`):

    - the STI takes the ENS of goods entering France for the Automate de sûreté (seed 000
      scenario 2: the providers transmit them to it, and cannot while it is down);
    - a staged faulty STI (``uumds_blocks_s2s``) needs UUM&DS for system-to-system pushes too.
    """

    def find(service: str, incoming: Incoming) -> set[str]:
        if service != "ics2_sti":
            return set()
        msg = incoming.message
        behind = {"ics2_uumds"} if params.uumds_blocks_s2s and isinstance(msg, Push) else set()
        if isinstance(msg, EnsFiling) and msg.office_of_first_entry.startswith("FR"):
            behind.add("ics2_nes_fr")
        return behind

    return find


async def follow_pace(settings: ClientSettings, run_id: str, clock: WallClock) -> None:
    """For a process that joined ``run_id``: take each later announcement's pace (speed, pause) until
    cancelled, so that a trainer's change reaches every process of the run."""
    bus = KafkaBus(settings)
    codec = Codec()
    await bus.start()
    try:
        sub = await bus.subscribe(None, [CONTROL])
        while True:
            for record in await sub.poll(0.5):
                msg = codec.decode(record.value)
                if isinstance(msg, RunAnnouncement) and msg.run_id == run_id and msg.started:
                    at = msg.epoch_wall_ms / 1000
                    if (msg.epoch_sim, at, msg.speed, msg.paused) != (clock.epoch_sim, clock.epoch_wall,
                                                                      clock.speed, clock.paused):  # fmt: skip
                        clock.follow(msg.epoch_sim, at, msg.speed, paused=msg.paused)
    finally:
        await bus.stop()


async def wait_for_announcement(settings: ClientSettings, timeout_s: float = 60.0) -> tuple[RunConfig, WallClock, str]:
    """For ``secours run --join``: the newest run announced on the control topic."""
    bus = KafkaBus(settings)
    codec = Codec()
    await bus.start()
    try:
        sub = await bus.subscribe(None, [CONTROL])
        latest: RunAnnouncement | None = None
        deadline = WallClock.wall_now() + timeout_s
        while WallClock.wall_now() < deadline:
            for record in await sub.poll(0.5):
                msg = codec.decode(record.value)
                if isinstance(msg, RunAnnouncement) and msg.started:  # not one still waiting for outside actors
                    latest = msg
            if latest is not None:
                break
        if latest is None:
            raise BrokerUnavailable(f"no run announced on {CONTROL} within {timeout_s:.0f} s")
        if latest.clock != "wall":
            raise UsageError(
                f"run {latest.run_id} has a {latest.clock} clock, which moves only with the services of its own "
                "process: another process cannot join it (run the drill with --clock wall to share it)"
            )
        config = RunConfig.model_validate_json(latest.config_json)
        clock = WallClock(latest.epoch_sim, latest.epoch_wall_ms / 1000, latest.speed, paused=latest.paused)
        return config, clock, latest.run_id
    finally:
        await bus.stop()
