"""delta: Delta G/X/H7 clearance - validation, release (BAE) or the office's hold, and Aubette."""

from __future__ import annotations

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.delta.logic import DeltaLogic

CONSUMES = ("delta.in", "delta.release", "aubette.queries")
PUBLISHES = ("delta.decl", "delta.release", "delta.aubette", "ops.health", "secours.dlq")


def needed(config: RunConfig) -> bool:
    """Only a drill with Delta traffic runs it."""
    return config.traffic.delta_declarants > 0


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(DeltaLogic(ctx.world), CONSUMES)
