"""trader: files the ENS of the world's consignments through the EDI providers, acts on answers."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.trader.logic import TraderLogic

CONSUMES = ("edi.to_trader.{provider}",)
PUBLISHES = (
    "edi.to_provider.{provider}",
    "sb.elo",
    "provider.contacts",
    "olga.requests",
    "sau.contacts",
    "secours.dlq",
)


async def run(ctx: ServiceContext) -> None:
    topics = [f"edi.to_trader.{p.id}" for p in ctx.world.providers]
    await ctx.serve(TraderLogic(ctx.world), topics)
