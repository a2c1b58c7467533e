"""lu_bureau: the Bureau de recette Douanes - recommendations and paper declarations when LUCCS is down."""

from __future__ import annotations

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.lu_bureau.logic import BureauLogic

CONSUMES = ("lu.bureau",)
PUBLISHES = ("lu.bureau", "lu.decl", "secours.dlq")


def needed(config: RunConfig) -> bool:
    """Only a drill with Luxembourg traffic runs it (the others would only pay for its consumers)."""
    return config.traffic.lu_operators > 0


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(BureauLogic(ctx.world), CONSUMES)
