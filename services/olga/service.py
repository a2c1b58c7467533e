"""olga: registers and acknowledges assistance requests (DA), at any hour."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.olga.logic import OlgaLogic

CONSUMES = ("olga.requests",)
PUBLISHES = ("olga.status", "secours.dlq")


async def run(ctx: ServiceContext) -> None:
    params = ctx.world.config.params
    await ctx.serve(OlgaLogic(params.olga_deferral_s, params.olga_phantom_acks), CONSUMES)
