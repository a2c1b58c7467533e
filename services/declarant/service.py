"""declarant: French declarants clearing goods in Delta, and their alert sheet when clearance stops (seed 002)."""

from __future__ import annotations

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.declarant.logic import DeclarantLogic

CONSUMES = (
    "delta.decl",
    "delta.edi.answers",
    "delta.aubette",
    "delta.office",
    "delta.contacts",
    "meteo",
    "olga.status",
    "sau.answers",
)
PUBLISHES = (
    "delta.edi", "delta.in", "aubette.queries", "delta.aubette", "delta.office", "delta.contacts",
    "meteo.consultations", "olga.requests", "sau.contacts", "secours.dlq",
)  # fmt: skip


def needed(config: RunConfig) -> bool:
    """Only a drill with Delta traffic runs it."""
    return config.traffic.delta_declarants > 0


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(DeclarantLogic(ctx.world), CONSUMES)
