"""exporter: exporters at the exit office - arrival notification, exit announcement, and their fallback."""

from __future__ import annotations

from secours.runtime import ServiceContext
from secours.world import RunConfig
from services.exporter.logic import ExporterLogic

CONSUMES = ("ecs.out", "ecs.export", "ecs.counter", "meteo", "olga.status")
PUBLISHES = (
    "ecs.in", "ecs.portal", "ecs.counter", "ecs.exit_point", "meteo.consultations", "olga.requests", "sau.contacts",
    "secours.dlq",
)  # fmt: skip


def needed(config: RunConfig) -> bool:
    """Only a drill with export movements runs it."""
    return config.traffic.exporters > 0


async def run(ctx: ServiceContext) -> None:
    await ctx.serve(ExporterLogic(ctx.world), CONSUMES)
