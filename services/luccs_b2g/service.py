"""luccs_b2g: LUCCS's B2G (AS4) endpoint - receipts operators' system-to-system declarations, passes them to LUCCS."""

from __future__ import annotations

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.luccs_b2g.logic import B2gLogic

MONITORED = True  # the Servicedesk eDouane watches its heartbeats
CONSUMES = ("lu.b2g",)
PUBLISHES = ("lu.b2g.in", "lu.b2g.receipt", "secours.dlq")


def needed(config: RunConfig) -> bool:
    """Only a drill with Luxembourg traffic runs it (the others would only pay for its consumers)."""
    return config.traffic.lu_operators > 0


async def run(ctx: ServiceContext) -> None:
    logic = B2gLogic(ctx.world.config.params.dedupe_keep_s)
    await ctx.serve(logic, CONSUMES, heartbeat_s=ctx.world.config.params.heartbeat_s)
