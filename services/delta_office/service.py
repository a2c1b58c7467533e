"""delta_office: the customs offices of Delta's declarants - state queries, fallback records."""

from __future__ import annotations

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.delta_office.logic import DeltaOfficeLogic

CONSUMES = ("delta.decl", "delta.office")
PUBLISHES = ("delta.office", "secours.dlq")


def needed(config: RunConfig) -> bool:
    """Only a drill with Delta traffic runs it."""
    return config.traffic.delta_declarants > 0


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(DeltaOfficeLogic(ctx.world), CONSUMES)
