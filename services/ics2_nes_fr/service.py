"""ics2_nes_fr: French national component (Automate de sûreté): risk analysis, referrals, controls."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.ics2_nes_fr.logic import NesFrLogic

MONITORED = True  # customs and the Commission watch its heartbeats
CONSUMES = ("ics2.cr.distribution",)
PUBLISHES = ("ics2.nes.fr.out", "ics2.nes.fr.presentations", "secours.dlq")


async def run(ctx: ServiceContext) -> None:
    cfg = ctx.world.config
    await ctx.serve(NesFrLogic(cfg.seed, cfg.params), CONSUMES, heartbeat_s=ctx.world.config.params.heartbeat_s)
