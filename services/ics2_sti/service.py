"""ics2_sti: takes pushes (through TAPAS or the portal), validates, allocates MRNs, queues answers per EORI."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.ics2_sti.logic import StiLogic

MONITORED = True  # customs and the Commission watch its heartbeats
CONSUMES = ("ics2.sti.in", "ics2.cr.out")
PUBLISHES = ("ics2.receipt", "ics2.sti.out", "ics2.cr.in", "secours.dlq")


async def run(ctx: ServiceContext) -> None:
    params = ctx.world.config.params
    logic = StiLogic(set(ctx.world.queue_eoris()), params.mrn_country, params.dedupe_keep_s)
    await ctx.serve(logic, CONSUMES, heartbeat_s=ctx.world.config.params.heartbeat_s)
