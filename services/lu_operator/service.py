"""lu_operator: economic operators lodging import declarations with LUCCS, and their fallback (seed 004)."""

from __future__ import annotations

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.lu_operator.logic import LuOperatorLogic

CONSUMES = ("lu.decl", "lu.servicedesk", "lu.bureau", "lu.b2g.receipt")
PUBLISHES = ("lu.b2g", "lu.ntp", "lu.servicedesk", "lu.bureau", "secours.dlq")


def needed(config: RunConfig) -> bool:
    """Only a drill with Luxembourg traffic runs it (the others would only pay for its consumers)."""
    return config.traffic.lu_operators > 0


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(LuOperatorLogic(ctx.world), CONSUMES)
