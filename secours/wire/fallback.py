"""Operations and the fallback procedures' evidence (PROCEDURES.md §1): heartbeats, the météo des
services en ligne, notices, assistance requests (OLGA), people's channels and loading lists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator

from secours.ids import EORI_RE
from secours.wire.base import WireModel, _Part


def _eori(value: str) -> str:
    if not EORI_RE.match(value):
        raise ValueError(f"{value!r} is not an EORI: two capital letters, then 1 to 15 capital letters or digits")
    return value


Eori = Annotated[str, AfterValidator(_eori)]

# --- operations and the fallback procedures' evidence (PROCEDURES.md §1) ------------------------


class Heartbeat(WireModel):
    schema_name = "secours.sim.Heartbeat"
    ce_type = "ops.heartbeat"
    component: str
    at: datetime


class MeteoAlert(WireModel):
    schema_name = "secours.sim.MeteoAlert"
    ce_type = "meteo.alert"
    timing_mark = "detection"
    timeline_lane = "alerts"
    alert_id: str
    phase: Literal["open", "bip", "end"]
    services: tuple[str, ...]
    modes: tuple[str, ...]
    component: str
    symptoms: str
    instructions: str
    publisher: str
    bip_number: int = 0
    published_at: datetime


class CustomsNotice(WireModel):
    schema_name = "secours.sim.CustomsNotice"
    ce_type = "customs.notice"
    timing_mark = "detection"
    timeline_lane = "alerts"
    notice_id: str
    to: str
    kind: Literal["outage", "recovery"]
    component: str
    alert_id: str
    sent_at: datetime


class EuNotice(WireModel):
    schema_name = "secours.sim.EuNotice"
    ce_type = "eu.notice"
    timing_mark = "detection"
    timeline_lane = "alerts"
    notice_id: str
    component: str
    kind: Literal["start", "end"]
    audience: Literal["MS", "operators"]
    requested_by: str
    sent_at: datetime


class ClientNotice(WireModel):
    schema_name = "secours.sim.ClientNotice"
    ce_type = "client.notice"
    notice_id: str
    provider: str
    to: str
    kind: Literal["outage", "recovery", "alert_relay", "bip_relay", "end_relay"]
    procedure_info: str
    ref: str
    sent_at: datetime


# --- assistance requests and people's channels (phone, e-mail, the OLGA web form) ---------------


class ProviderContact(WireModel):
    """A client calls or writes to its EDI provider (``provider.contacted``): its own system is down or back."""

    schema_name = "secours.sim.ProviderContact"
    ce_type = "provider.contacted"
    contact_id: str
    trader: str
    provider: str
    kind: Literal["outage", "recovery", "question"]
    channel: Literal["phone", "email"]
    since: datetime
    sent_at: datetime


class DaClient(_Part):
    eori: Eori  # OLGA's form takes no malformed EORI (nor does the game day's, which uses this model)
    name: str


class OlgaDa(WireModel):
    """An assistance request (demande d'assistance) filed in OLGA, customs' request-tracking tool."""

    schema_name = "secours.sim.OlgaDa"
    ce_type = "olga.da"
    timing_mark = "detection"
    timeline_lane = "assistance"
    da_id: str
    filer: str  # actor id: EORI of a trader, or provider id
    filer_role: Literal["trader", "provider"]
    filer_eori: str
    company: str
    phone: str
    kind: Literal["client_outage", "provider_outage", "customs_unavailable", "self_trigger"]
    service: str
    mode: str
    component: str  # the system that is down, as the filer names it
    symptom: str
    since: datetime  # start of the outage, as the filer knows it
    estimated_duration: str
    entry_office: str
    clients: tuple[DaClient, ...]
    declarations: tuple[str, ...]  # LRNs concerned, when known
    transports: tuple[str, ...]  # means of transport concerned, when known
    text: str
    filed_at: datetime
    address: str = ""  # the filer's address (Delta self-trigger, seed 002)
    reasons: str = ""  # why the filer self-triggers the fallback (seed 002)


class OlgaAck(WireModel):
    schema_name = "secours.sim.OlgaAck"
    ce_type = "olga.ack"
    da_id: str
    to: str
    registered_at: datetime


class GoodsPresented(WireModel):
    """The national component has processed the presentation of goods that arrived (``goods.presented``)."""

    schema_name = "secours.sim.GoodsPresented"
    ce_type = "goods.presented"
    presentation_id: str
    office: str
    mrns: tuple[str, ...]
    controlled: tuple[str, ...]  # those selected for control (each gets an IE3N08)
    processed_at: datetime


class MeteoConsulted(WireModel):
    """An operator looks at the météo des services en ligne (``meteo.consulted``)."""

    schema_name = "secours.sim.MeteoConsulted"
    ce_type = "meteo.consulted"
    consultation_id: str
    by: str
    channel: Literal["web", "phone"]
    alert_ids: tuple[str, ...]  # the open alerts seen
    consulted_at: datetime


class SystemCheck(WireModel):
    """The office of first entry makes sure the system is not down before recording a missing ENS."""

    schema_name = "secours.sim.SystemCheck"
    ce_type = "customs.system_check"
    check_id: str
    office: str
    unit_ids: tuple[str, ...]
    components: tuple[str, ...]  # what was looked at (ICS2 components, the filer's and provider's DAs)
    result: Literal["up", "down"]
    covering: tuple[str, ...]  # the alerts and DAs that cover the unit
    checked_at: datetime


class EnsAbsence(WireModel):
    """The office records that a unit disembarked without an ENS (``customs.ens_absence``)."""

    schema_name = "secours.sim.EnsAbsence"
    ce_type = "customs.ens_absence"
    absence_id: str
    office: str
    unit_id: str
    lrn: str
    check_id: str
    covered_by_outage: bool
    recorded_at: datetime


class OlgaClosed(WireModel):
    schema_name = "secours.sim.OlgaClosed"
    ce_type = "olga.closed"
    da_id: str
    closed_by: str
    closed_at: datetime


class SauContact(WireModel):
    """A call or e-mail to customs' user help desk about an assistance request."""

    schema_name = "secours.sim.SauContact"
    ce_type = "sau.contact"
    contact_id: str
    by: str
    channel: Literal["phone", "email"]
    purpose: Literal["on_call_check", "close_request", "report"]
    da_id: str
    text: str
    sent_at: datetime


class SauDiagnosis(WireModel):
    """The SAU's on-call technical team, called after an out-of-hours self-trigger request (seed 002),
    says where its remote checks found the malfunction: on customs' side or on the caller's."""

    schema_name = "secours.sim.SauDiagnosis"
    ce_type = "sau.diagnosis"
    diagnosis_id: str
    da_id: str
    to: str  # the caller's EORI
    service: str
    origin: Literal["customs", "declarant"]
    finding: str
    at: datetime


class ListedTrailer(_Part):
    trn: str  # trailer registration number
    lrn: str  # the ENS's LRN, when the shipping company knows it ("" otherwise)
    filer: str  # EORI of the ENS filer, when known ("" otherwise)


class LoadingList(WireModel):
    """A shipping company sends customs the loading list of the unaccompanied trailers whose ENS
    missed the deadline (``loading_list.sent``), to the CLD du Havre [S000]."""

    schema_name = "secours.sim.LoadingList"
    ce_type = "loading_list.sent"
    list_id: str
    carrier: str  # EORI of the shipping company
    company: str
    transport_id: str
    ship_imo: str  # the ferry's IMO number ("" when not given)
    voyage: str  # the voyage (conveyance reference; "" when not given)
    to: str  # customs office reference number of the addressee
    trailers: tuple[ListedTrailer, ...]
    sent_at: datetime
