"""eu_commission: watches the EU components, declares the ICS2 BCP active and over, relays the CID's notices."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.eu_commission.logic import CommissionLogic

CONSUMES = ("customs.notices", "ops.health")
PUBLISHES = ("eu.notices", "secours.dlq")


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(CommissionLogic(ctx.world), CONSUMES)
