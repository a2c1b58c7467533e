"""What the parts of the world share: strict configuration models, the parameters every service reads,
and customs offices' opening hours."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ServiceParams(_Strict):
    """What the services keep up: how often a monitored system says it is alive, and how long a service
    remembers (the message ids it acted on; the CR, the ENS it registered)."""

    heartbeat_s: float = Field(60.0, gt=0, description="how often monitored systems say they are alive")
    dedupe_keep_s: float = Field(
        172800.0, gt=0, description="how long services remember the message ids they acted on (redeliveries)"
    )
    ens_retention_s: float = Field(
        259200.0, gt=0, description="how long after its registration the CR keeps an ENS (then archived, forgotten)"
    )


_PARIS = ZoneInfo("Europe/Paris")


def office_open(when: datetime, hours: tuple[int, int]) -> bool:
    """Customs offices' opening hours (DOMAIN.md §8): Monday to Friday, ``hours`` in Paris time."""
    local = when.astimezone(_PARIS)
    return local.weekday() < 5 and hours[0] <= local.hour < hours[1]
