"""exit_office: the exit office's staff - land-exit formalities, EAD stamping in fallback, reintegration."""

from __future__ import annotations

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.exit_office.logic import ExitOfficeLogic

CONSUMES = ("ecs.counter", "ecs.exit_point", "ecs.out", "meteo", "olga.status")
PUBLISHES = ("ecs.counter", "ecs.in", "secours.dlq")


def needed(config: RunConfig) -> bool:
    """Only a drill with export movements runs it."""
    return config.traffic.exporters > 0


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(ExitOfficeLogic(ctx.world), CONSUMES)
