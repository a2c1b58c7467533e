"""shipping_company: sends the loading list of unaccompanied trailers whose ENS is late to the CLD du Havre."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.shipping_company.logic import ShippingCompanyLogic

CONSUMES = ("sb.elo",)
PUBLISHES = ("customs.loading_lists", "secours.dlq")


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(ShippingCompanyLogic(ctx.world), CONSUMES)
