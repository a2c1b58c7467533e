"""Starts the simulated actors of one run on a bus, in this process.

Used by ``secours run`` (long-lived, for people and external relays) and by the drill runner.
The run is announced on ``secours.control`` (clock epoch and speed, seed, configuration) so that
services started in other processes (``secours run --join``) share the same clock and world.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence

from secours.bus import TopicToCreate
from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings
from secours.clock import SimClock
from secours.codec import Codec
from secours.effects import Outgoing
from secours.errors import BrokerUnavailable, UsageError
from secours.runtime import ServiceContext
from secours.topics import TopicCatalog
from secours.wire import RunAnnouncement
from secours.world import RunConfig, World
from services import REGISTRY

__all__ = ["CONTROL", "Simulation", "select_services", "wait_for_announcement"]

logger = logging.getLogger(__name__)

CONTROL = "secours.control"
_LEAD_S = 1.0  # wall seconds between the announcement and simulated time zero: services subscribe first


def select_services(only: Sequence[str] = (), without: Sequence[str] = ()) -> list[str]:
    for name in (*only, *without):
        if name not in REGISTRY:
            raise UsageError(f"unknown service {name!r}; known services: {', '.join(REGISTRY)}")
    chosen = list(only) if only else list(REGISTRY)
    return [name for name in chosen if name not in set(without)]


class Simulation:
    def __init__(
        self,
        settings: ClientSettings,
        config: RunConfig,
        services: Sequence[str],
        *,
        run_id: str | None = None,
        clock: SimClock | None = None,
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
        self.contexts: dict[str, ServiceContext] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def topics(self) -> list[TopicToCreate]:
        variables = {
            "eori": self.world.queue_eoris(),
            "provider": [p.id for p in self.world.providers],
        }
        return [TopicToCreate(name, spec.partitions, spec.cleanup) for name, spec in self.catalog.concrete(variables)]

    async def start(self) -> SimClock:
        await self.bus.start()
        await self.bus.ensure_topics(self.topics())
        announce = self.clock is None
        if self.clock is None:
            self.clock = SimClock(self.config.start, SimClock.wall_now() + _LEAD_S, self.config.speed)
        if announce:
            await self._announce(self.clock)
        for name in self.services:
            ctx = ServiceContext(name, self.bus, self.codec, self.catalog, self.clock, self.world)
            self.contexts[name] = ctx
            self._tasks.append(asyncio.create_task(self._guard(name, REGISTRY[name].run(ctx)), name=name))
        return self.clock

    async def _announce(self, clock: SimClock) -> None:
        ann = RunAnnouncement(
            run_id=self.run_id,
            epoch_sim=clock.epoch_sim,
            epoch_wall_ms=int(clock.epoch_wall * 1000),
            speed=clock.speed,
            seed=self.config.seed,
            config_json=self.config.model_dump_json(),
        )
        ctx = ServiceContext("runner", self.bus, self.codec, self.catalog, clock, self.world)
        await ctx.publish([Outgoing(CONTROL, self.run_id, self.run_id, "runner", ann)])
        await ctx.flush()

    async def _guard(self, name: str, coro: object) -> None:
        try:
            await coro  # type: ignore[misc]
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("service %s stopped with an error", name)
            raise

    def failed(self) -> list[str]:
        return [t.get_name() for t in self._tasks if t.done() and not t.cancelled() and t.exception() is not None]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.bus.stop()


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
