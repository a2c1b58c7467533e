"""smart_border: ferries and shuttles arrive (IE3N06), units disembark and take a lane."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.smart_border.logic import SmartBorderLogic

CONSUMES = ("sb.elo", "ics2.nes.fr.out", "ics2.c2t.{eori}")
PUBLISHES = ("ics2.t2c", "sb.events", "secours.dlq")


async def run(ctx: ServiceContext) -> None:
    topics = ["sb.elo", "ics2.nes.fr.out"] + [f"ics2.c2t.{c.eori}" for c in ctx.world.carriers]
    await ctx.serve(SmartBorderLogic(ctx.world), topics)
