"""ics2_cr: the ENS lifecycle, registration (IE3R01) and distribution to national components."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.ics2_cr.logic import CrLogic

MONITORED = True  # customs and the Commission watch its heartbeats
CONSUMES = ("ics2.cr.in", "ics2.nes.fr.out")
PUBLISHES = ("ics2.cr.out", "ics2.cr.distribution", "secours.dlq")


async def run(ctx: ServiceContext) -> None:
    cfg = ctx.world.config
    p = cfg.params
    logic = CrLogic(
        cfg.seed,
        p.cr_processing_s,
        p.mrn_country,
        dedupe_keep_s=p.dedupe_keep_s,
        retention_s=p.ens_retention_s,
        lapses=p.faulty_cr,
        stall_s=p.backlog_stall_s,
        registers_duplicates=p.cr_registers_duplicates,
    )
    await ctx.serve(
        logic,
        CONSUMES,
        heartbeat_s=ctx.world.config.params.heartbeat_s,
    )
