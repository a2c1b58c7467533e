"""ecs_exit: ECS-BS - movements and AER, arrival notifications, exit announcements, IE518."""

from __future__ import annotations

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.ecs_exit.logic import EcsExitLogic

MONITORED = True  # the CID watches its heartbeats
CONSUMES = ("ecs.delta", "ecs.in")  # DTI submissions come through the portal (douane_portal)
PUBLISHES = ("ecs.out", "secours.dlq")


def needed(config: RunConfig) -> bool:
    """Only a drill with export movements runs it."""
    return config.traffic.exporters > 0


async def run(ctx: ServiceContext) -> None:
    losing = ctx.world.config.params.ecs_losing_backlog
    await ctx.serve(EcsExitLogic(losing_backlog=losing), CONSUMES, heartbeat_s=ctx.world.config.params.heartbeat_s)
