"""ics2_uumds: EU user management and authentication in front of the STI portal (direct input, DTI)."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.ics2_uumds.logic import UumdsLogic

MONITORED = True  # the Commission watches its heartbeats
CONSUMES = ("ics2.portal",)
PUBLISHES = ("ics2.sti.in", "secours.dlq")


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(UumdsLogic(), CONSUMES, heartbeat_s=ctx.world.config.params.heartbeat_s)
