"""luccs: Luxembourg's national import system - registers declarations lodged B2G or on the NTP portal."""

from __future__ import annotations

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.luccs.logic import LuccsLogic

MONITORED = True  # the Servicedesk eDouane watches its heartbeats
CONSUMES = ("lu.b2g.in", "lu.ntp")
PUBLISHES = ("lu.decl", "secours.dlq")


def needed(config: RunConfig) -> bool:
    """Only a drill with Luxembourg traffic runs it (the others would only pay for its consumers)."""
    return config.traffic.lu_operators > 0


async def run(ctx: ServiceContext) -> None:
    params = ctx.world.config.params
    await ctx.serve(LuccsLogic(params.luccs_faulty), CONSUMES, heartbeat_s=params.heartbeat_s)
