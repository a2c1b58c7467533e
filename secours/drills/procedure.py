"""Procedure-level parameters of PROCEDURES.md §2, with their defaults; a drill may override any.

Durations are written as in drill files (``30m``, ``2h``); :meth:`ProcedureParams.seconds` reads one.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from secours.faults.model import parse_offset

__all__ = ["ProcedureParams"]


class ProcedureParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    detect_no_receipt_pushes: int = Field(
        3, ge=1, description="failed pushes before a provider concludes STI/AS is down"
    )
    detect_no_receipt_span: str = "10m"
    detect_no_mrn: str = "15m"
    detect_self: str = "5m"
    t_da_max: str = "30m"
    t_alert_max: str = "30m"
    t_client_notice_max: str = "30m"
    t_bip_max_gap: str = "2h"
    t_retry_max_gap: str = "5m"
    t_backlog_max: str = "60m"
    t_end_alert_max: str = "60m"
    t_sau_call_max: str = "30m"
    t_close_max: str = "2h"
    t_lu_notify_max: str = "30m"
    t_lu_open_max: str = "30m"
    t_check_window: str = "30m"
    t_regularise_max: str = "24h"
    t_reintegration: str = "24h"
    t_ie599_max: str = "24h"
    t_realtime: str = "15m"
    # DOMAIN.md: a normal STI -> IE3R01 takes 5 to 60 s. A drill compresses time, so every wall
    # millisecond of a hop is `speed` simulated ones: drills set what their speed allows.
    mrn_latency: str = "60s"

    @field_validator("*")
    @classmethod
    def _durations(cls, value: object) -> object:
        if isinstance(value, str):
            parse_offset(value)
        return value

    def seconds(self, name: str) -> float:
        value = getattr(self, name)
        return parse_offset(value).total_seconds() if isinstance(value, str) else float(value)
