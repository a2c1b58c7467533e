"""luccs_b2g: LUCCS's B2G (AS4) endpoint - passes operators' system-to-system declarations to LUCCS."""

from __future__ import annotations

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.luccs_b2g.logic import B2gLogic

MONITORED = True  # the Servicedesk eDouane watches its heartbeats
CONSUMES = ("lu.b2g",)
PUBLISHES = ("lu.b2g.in", "secours.dlq")


def needed(config: RunConfig) -> bool:
    """Only a drill with Luxembourg traffic runs it (the others would only pay for its consumers)."""
    return config.traffic.lu_operators > 0


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(B2gLogic(), CONSUMES, heartbeat_s=ctx.world.config.params.heartbeat_s)
