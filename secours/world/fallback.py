"""The fallback procedures' parameters (PROCEDURES.md): detection, the CID's alerts and bulletins, notices,
assistance requests, loading lists, and the staged breaches of providers, filers and the CID."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from secours.world.base import _Strict

# How staged providers report customs unavailable wrongly (FallbackParams.reporting_lapses).
ReportingLapse = Literal["premature", "again", "redundant"]


class FallbackParams(_Strict):
    """Timings of the fallback procedures and the staged non-compliance of their actors."""

    detect_self_s: float = Field(300.0, gt=0, description="silence after which the CID sees an outage (detect.self)")
    bip_every_s: float = Field(3600.0, gt=0, description="periodic bulletins while an alert is open")
    client_notice_delay_s: tuple[float, float] = (60.0, 600.0)
    da_delay_s: tuple[float, float] = Field(
        (120.0, 900.0), description="from knowing of an outage to filing the OLGA assistance request"
    )
    report_delay_s: tuple[float, float] = Field(
        (300.0, 1800.0), description="from a system being back to reporting it to customs' help desk"
    )
    close_delay_s: tuple[float, float] = Field(
        (120.0, 1800.0), description="from a recovery report to the help desk closing the DA"
    )
    silent_providers: tuple[str, ...] = Field(
        (), description="non-compliant providers (staged): they do not tell their clients of customs outages"
    )
    no_da_providers: tuple[str, ...] = Field(
        (), description="non-compliant providers (staged): they file no assistance request for an outage"
    )
    partial_da_providers: tuple[str, ...] = Field(
        (), description="non-compliant providers (staged): their DA for their own outage leaves out one client"
    )
    quitting_providers: tuple[str, ...] = Field(
        (), description="non-compliant providers (staged): they give up an ENS after two pushes without a receipt"
    )
    resending_providers: tuple[str, ...] = Field(
        (), description="non-compliant providers (staged): they send a receipted ENS again when no MRN comes"
    )
    scope_blind_providers: tuple[str, ...] = Field(
        (),
        description="non-compliant providers (staged): they apply the French smart-border fallback to goods "
        "unloaded in another Member State (listed in DAs, given up when the ferry arrives)",
    )
    terse_providers: tuple[str, ...] = Field(
        (),
        description="non-compliant providers (staged): their outage notices to clients give no fallback arrangements",
    )
    hasty_reporting_providers: tuple[str, ...] = Field(
        (),
        description="non-compliant providers (staged): customs found unavailable, they report it without "
        "looking at the météo, and their report gives no symptom",
    )
    reporting_lapses: tuple[ReportingLapse, ...] = Field(
        (),
        description="non-compliant providers (staged), every provider: how they report customs unavailable "
        "wrongly: premature (a report at the second unanswered push, before the detection threshold), again "
        "(a second report twenty minutes after the first, whatever the météo shows), redundant (a report "
        "filed on customs' own outage notice)",
    )
    cid_late_recovery_notice: bool = Field(
        False,
        description="non-compliant CID (staged): it tells the providers of an ICS2 component's recovery 90 minutes "
        "after the end of its alert",
    )
    cid_sau_publishes: bool = Field(
        False,
        description="non-compliant help desk (staged): an alert opened on a provider's report of customs "
        "unavailable is published by the SAU, not the CID",
    )
    unordered_providers: tuple[str, ...] = Field(
        (),
        description="non-compliant providers (staged): with several messages of one ENS waiting, they push "
        "the newest first",
    )
    detect_no_receipt: int = Field(3, ge=1, description="failed pushes of one ENS before a provider sees customs down")
    # 30 simulated minutes by default, not the procedure's 10: at 600x or more a wall stall of a second
    # on a busy broker is 10 simulated minutes, and a fault-free drill must not read it as an outage.
    # Drills about detection (ICS2-FR-NO-ALERT) set the procedure's 600 s.
    detect_no_receipt_span_s: float = Field(1800.0, ge=0, description="... spanning at least this long")
    no_mrn_after_s: float = Field(900.0, gt=0, description="wait for an MRN after a receipt (detect.no_mrn)")
    own_outage_estimate: str = Field(
        "about 2 hours", description="how long a direct filer expects its own system to be down (its request says so)"
    )
    vague_da_traders: tuple[str, ...] = Field(
        (), description="non-compliant direct filers (staged): their request gives no duration and no transport"
    )
    loading_list_after_s: float = Field(
        600.0, ge=0, description="from a ferry's ENS deadline to the shipping company checking its trailers' pairings"
    )
    late_loading_lists: bool = Field(
        False, description="non-compliant shipping company (staged): it sends loading lists after the ferry arrived"
    )
    partial_loading_lists: bool = Field(
        False,
        description="non-compliant shipping company (staged): its loading lists leave out one trailer "
        "(a list of one names none)",
    )
    vague_loading_lists: bool = Field(
        False, description="non-compliant shipping company (staged): its loading lists name neither ship nor voyage"
    )
    unsent_loading_lists: bool = Field(
        False, description="non-compliant shipping company (staged): it makes its loading lists and never sends them"
    )
    delegated_loading_lists: bool = Field(
        False,
        description="non-compliant shipping company (staged): it leaves its loading lists to the EDI provider of the "
        "trailers' filer, who sends them",
    )
    silent_cid: bool = Field(False, description="non-compliant CID (staged): it publishes no alert and no notice")
    cid_stale_meteo: bool = Field(
        False,
        description="non-compliant CID (staged): when a component is back it sends its recovery notices but "
        "leaves the alert open on the météo, never publishing its end",
    )
    olga_deferral_s: float = Field(
        0.0,
        ge=0,
        description="faulty OLGA (staged): each assistance request registered and acknowledged only this long "
        "after it is filed, by a batch, instead of at once (0: at once, as OLGA does)",
    )
    olga_phantom_acks: bool = Field(
        False,
        description="faulty OLGA (staged): with each acknowledgement it sends the filer a second one, under a "
        "request number nobody filed",
    )
    lodging_window_s: float = Field(
        3600.0,
        ge=0,
        description="after an alert ends, how long a unit whose ENS the outage held stays covered: its "
        "lodging window (recovery + t.backlog_max)",
    )
