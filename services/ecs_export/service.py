"""ecs_export: the export office (Delta G/X export) - hands movements to ECS-BS, certifies exit (IE599)."""

from __future__ import annotations

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.ecs_export.logic import EcsExportLogic

CONSUMES = ("ecs.out",)
PUBLISHES = ("ecs.delta", "ecs.export", "secours.dlq")


def needed(config: RunConfig) -> bool:
    """Only a drill with export movements runs it."""
    return config.traffic.exporters > 0


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(EcsExportLogic(ctx.world), CONSUMES)
