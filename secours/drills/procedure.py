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
    detect_no_receipt_span: str = Field(
        "10m", description="the failed pushes of detect.no_receipt span at least this long"
    )
    detect_no_mrn: str = Field(
        "15m", description="no IE3R01 this long after a receipt: a provider concludes CR/AS is not processing"
    )
    detect_self: str = Field("5m", description="time for an actor to notice a fault in its own system")
    t_da_max: str = Field("30m", description="from knowing of an outage to filing the OLGA assistance request (DA)")
    t_alert_max: str = Field(
        "30m",
        description="from the fault's start (or the DA that reveals it) to the alert or notices "
        "(CID, Commission, LU Servicedesk)",
    )
    t_client_notice_max: str = Field(
        "30m", description="from a provider learning of an event to its notices and relays to its clients"
    )
    t_bip_max_gap: str = Field("2h", description="longest gap between two bulletins while an alert is open")
    t_retry_max_gap: str = Field(
        "5m", description="longest gap between a provider's push attempts during a customs outage"
    )
    t_backlog_max: str = Field(
        "60m", description="after recovery: what was held is lodged or replayed, answers drained"
    )
    t_end_alert_max: str = Field(
        "60m", description="after the fault's end: end-of-alert, recovery and restoration notices"
    )
    t_sau_call_max: str = Field("30m", description="after an out-of-hours DA: the phone call to the SAU")
    t_close_max: str = Field(
        "2h", description="after the filer's system is back: DA closure request and the office told"
    )
    t_lu_notify_max: str = Field("30m", description="Luxembourg's 'as soon as possible' notices")
    t_lu_open_max: str = Field("30m", description="Luxembourg's Servicedesk opening the fallback ('immediately')")
    t_check_window: str = Field("30m", description="customs' system check before recording a missing ENS")
    t_regularise_max: str = Field(
        "24h",
        description="after the end of alert or DA closure: paper or fallback declarations regularised electronically",
    )
    t_reintegration: str = Field(
        "24h", description="after the end of alert: ECS-BS reintegration (extended locally after an exceptional outage)"
    )
    t_ie599_max: str = Field("24h", description="after IE518: the exit certification sent to the exporter")
    t_realtime: str = Field(
        "15m", description="from the goods' arrival at the exit office to the fallback EAD presentation"
    )
    # DOMAIN.md: a normal STI -> IE3R01 takes 5 to 60 s. A drill compresses time, so every wall
    # millisecond of a hop is `speed` simulated ones: drills set what their speed allows.
    mrn_latency: str = Field(
        "60s", description="longest normal time from a filing to its IE3R01 (DOMAIN.md: 5 to 60 s)"
    )

    @field_validator("*")
    @classmethod
    def _durations(cls, value: object) -> object:
        if isinstance(value, str):
            parse_offset(value)
        return value

    def seconds(self, name: str) -> float:
        value = getattr(self, name)
        return parse_offset(value).total_seconds() if isinstance(value, str) else float(value)
