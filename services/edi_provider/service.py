"""edi_provider: pushes its clients' ENS to the STI, retries, relays the answers of their queues."""

from __future__ import annotations

from secours.runtime import ServiceContext
from services.edi_provider.logic import EdiProviderLogic, to_provider

CONSUMES = (
    "edi.to_provider.{provider}", "ics2.receipt", "ics2.c2t.{eori}", "customs.notices", "provider.contacts", "meteo",
)  # fmt: skip
PUBLISHES = (
    "ics2.t2c",
    "ics2.portal",  # direct input by the STI portal's users (W001...)
    "edi.to_provider.{provider}",  # a portal user handing an ENS to its EDI provider
    "edi.to_trader.{provider}",
    "olga.requests",
    "sau.contacts",
    "meteo.consultations",
    "secours.dlq",
)


async def run(ctx: ServiceContext) -> None:
    world = ctx.world
    # Providers an outside system plays (--external edi_provider:P002): their topics are its own.
    outside = frozenset(a.split(":", 1)[1] for a in ctx.played_outside if a.startswith("edi_provider:"))
    ours = [p.id for p in world.providers if p.id not in outside]
    topics = [to_provider(p) for p in ours] + ["ics2.receipt"]
    topics += [f"ics2.c2t.{tr.eori}" for tr in world.traders if tr.provider in ours]
    topics += ["customs.notices", "provider.contacts", "meteo"]
    # Providers whose fallback desk a trainee plays (--human edi_provider:P002): we run their platform.
    people = frozenset(a.split(":", 1)[1] for a in ctx.played_by_people)
    await ctx.serve(EdiProviderLogic(world, world.config.params, outside, people), topics)
