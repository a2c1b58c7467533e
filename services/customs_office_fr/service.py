"""customs_office_fr: the office of first entry - checks the system before recording a missing ENS."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.customs_office_fr.logic import CustomsOfficeLogic

CONSUMES = ("sb.events", "meteo", "olga.requests", "olga.status", "ics2.receipt")
PUBLISHES = ("customs.office.events", "secours.dlq")


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(CustomsOfficeLogic(ctx.world), CONSUMES)
