"""customs_desk_fr: the CID/SAU - watches customs systems, publishes alerts, notifies providers."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.customs_desk_fr.logic import CustomsDeskLogic

CONSUMES = ("ops.health", "sau.contacts", "eu.notices", "olga.requests", "delta.decl")
PUBLISHES = ("meteo", "customs.notices", "olga.status", "sau.answers", "secours.dlq")


async def run(ctx: ServiceContext) -> None:
    # A trainee at the CID's desk (--human customs_desk_fr:CID) publishes its alerts and notices.
    await ctx.serve(CustomsDeskLogic(ctx.world, cid_played=bool(ctx.played_by_people)), CONSUMES)
