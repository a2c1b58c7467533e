"""eu_commission: relays unavailability notices to the Member States (ICS2 business continuity plan)."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.eu_commission.logic import CommissionLogic

CONSUMES = ("customs.notices",)
PUBLISHES = ("eu.notices", "secours.dlq")


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(CommissionLogic(), CONSUMES)
