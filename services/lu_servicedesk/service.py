"""lu_servicedesk: the Servicedesk eDouane - watches LUCCS, opens and closes its fallback, notifies operators."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.lu_servicedesk.logic import ServicedeskLogic

CONSUMES = ("ops.health", "lu.servicedesk")
PUBLISHES = ("lu.servicedesk", "secours.dlq")


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(ServicedeskLogic(ctx.world), CONSUMES)
