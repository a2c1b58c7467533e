"""lu_servicedesk: the Servicedesk eDouane - watches LUCCS, opens and closes its fallback, notifies operators."""

from __future__ import annotations

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.lu_servicedesk.logic import ServicedeskLogic

CONSUMES = ("ops.health", "lu.servicedesk")
PUBLISHES = ("lu.servicedesk", "secours.dlq")


def needed(config: RunConfig) -> bool:
    """Only a drill with Luxembourg traffic runs it (the others would only pay for its consumers)."""
    return config.traffic.lu_operators > 0


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(ServicedeskLogic(ctx.world), CONSUMES)
