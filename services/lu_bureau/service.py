"""lu_bureau: the Bureau de recette Douanes - recommendations and paper declarations when LUCCS is down."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.lu_bureau.logic import BureauLogic

CONSUMES = ("lu.bureau",)
PUBLISHES = ("lu.bureau", "lu.decl", "secours.dlq")


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(BureauLogic(ctx.world), CONSUMES)
