"""ics2_tapas: the AS4 access point - passes pushes on to the STI and answers out to the EORI queues."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.ics2_tapas.logic import TapasLogic

MONITORED = True  # the Commission watches its heartbeats
CONSUMES = ("ics2.t2c", "ics2.sti.out")
PUBLISHES = ("ics2.sti.in", "ics2.c2t.{eori}", "secours.dlq")


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(TapasLogic(), CONSUMES, heartbeat_s=ctx.world.config.params.heartbeat_s)
