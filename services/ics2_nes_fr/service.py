"""ics2_nes_fr: French national component (Automate de sûreté): risk analysis, referrals, controls."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.ics2_nes_fr.logic import NesFrLogic

CONSUMES = ("ics2.cr.distribution",)
PUBLISHES = ("ics2.nes.fr.out", "secours.dlq")


async def run(ctx: ServiceContext) -> None:
    cfg = ctx.world.config
    await ctx.serve(NesFrLogic(cfg.seed, cfg.params), CONSUMES)
