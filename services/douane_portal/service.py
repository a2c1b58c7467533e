"""douane_portal: the customs portal douane.gouv.fr - passes DTI exit formalities on to ECS-BS."""

from __future__ import annotations

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.douane_portal.logic import PortalLogic

MONITORED = True  # the CID watches its heartbeats
CONSUMES = ("ecs.portal",)
PUBLISHES = ("ecs.in", "secours.dlq")


def needed(config: RunConfig) -> bool:
    """Only a drill with export movements runs it."""
    return config.traffic.exporters > 0


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(PortalLogic(), CONSUMES, heartbeat_s=ctx.world.config.params.heartbeat_s)
