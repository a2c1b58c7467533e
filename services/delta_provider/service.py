"""delta_provider: Delta EDI connection providers - relay declarations and answers; report their own outage."""

from __future__ import annotations

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.delta_provider.logic import DeltaProviderLogic

CONSUMES = ("delta.edi", "delta.decl", "delta.contacts", "meteo", "olga.status")
PUBLISHES = ("delta.in", "delta.edi.answers", "delta.contacts", "olga.requests", "sau.contacts", "secours.dlq")


def needed(config: RunConfig) -> bool:
    """Only a drill with Delta declarants in EDI mode runs it."""
    t = config.traffic
    return t.delta_declarants > 0 and round(t.delta_declarants * t.delta_edi_share) > 0


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(DeltaProviderLogic(ctx.world), CONSUMES)
