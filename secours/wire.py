"""Pydantic models of every record on the wire; each maps to exactly one schema in ``schemas/``.

``schema`` names the Avro type (``<namespace>.<Name>``), ``ce_type`` is the CloudEvents type
carried in the ``ce_type`` header (the IE code for ICS2 messages, a dotted event name for the
simulator's own events). A test round-trips every model through its schema, so a field added
here and forgotten there (or the reverse) fails at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "EVIDENCE_MODELS",
    "IE3A10",
    "IE3A51",
    "IE3F10",
    "IE3F51",
    "IE3N01",
    "IE3N03",
    "IE3N06",
    "IE3N08",
    "IE3N10",
    "IE3N99",
    "IE3Q02",
    "IE3Q04",
    "IE3R01",
    "IE3R02",
    "IE3R04",
    "IE3R07",
    "MODELS",
    "ActiveMeansOfTransport",
    "ActorReady",
    "ArrivalDistribution",
    "As4Receipt",
    "AubetteQuery",
    "BsControl",
    "BsReintegrationNotice",
    "BsRelaxation",
    "C2TMessage",
    "CrFiling",
    "DaClient",
    "DeadLetter",
    "DeltaAubette",
    "DeltaDecl",
    "DeltaLodging",
    "DeltaRelease",
    "DeltaState",
    "EadCopyKept",
    "EadPresented",
    "EadReturned",
    "EadStamped",
    "EcsMovement",
    "EcsMsg",
    "EcsState",
    "EloPairing",
    "EnsAbsence",
    "EnsAmendment",
    "EnsDistribution",
    "EnsFiling",
    "ExitArrived",
    "ExitDeparted",
    "FallbackRecord",
    "FallbackUsed",
    "FaultCommand",
    "FaultEvent",
    "GoodsItem",
    "GoodsPresented",
    "ListedTrailer",
    "LoadingList",
    "LuBureau",
    "LuDecl",
    "LuImportDeclaration",
    "LuServicedesk",
    "MeteoConsulted",
    "OfficeAnswer",
    "OfficeInformed",
    "OfficeQuery",
    "OlgaAck",
    "OlgaClosed",
    "OlgaDa",
    "Party",
    "ProviderAnswer",
    "ProviderContact",
    "Push",
    "ReadPosition",
    "Regularised",
    "RunAnnouncement",
    "SauContact",
    "StateChunk",
    "SystemCheck",
    "T2CMessage",
    "TransportArrived",
    "TransportDocument",
    "TransportEquipment",
    "UnitDisembarked",
    "ValidationError",
    "WireModel",
]


class WireModel(BaseModel):
    """Base of every record: immutable, and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_name: ClassVar[str]
    ce_type: ClassVar[str]


# --- shared ICS2 data types (nested, not records on their own) -------------------------------


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Party(_Part):
    eori: str
    name: str
    country: str


class TransportDocument(_Part):
    reference: str
    type: str


class GoodsItem(_Part):
    description: str
    hs_code: str
    gross_mass_kg: float
    packages: int


class ActiveMeansOfTransport(_Part):
    identification: str
    id_type: str
    mode: int
    nationality: str
    conveyance_reference: str


class TransportEquipment(_Part):
    unit_id: str
    unit_type: Literal["TRUCK", "TRAILER"]


class ValidationError(_Part):
    rule_id: str
    pointer: str
    description: str


# --- ICS2 harmonised trader interface -----------------------------------------------------------


class T2CMessage(WireModel):
    """A message a filer or carrier pushes to customs (AS4 push, service eu_ics2_t2c)."""

    message_id: str
    lrn: str


class C2TMessage(WireModel):
    """A customs answer, waiting in the pull queue of ``eori``."""

    message_id: str
    eori: str
    lrn: str


class EnsFiling(T2CMessage):
    """Fields common to the ENS filings used at the smart border (IE3F10 ferry, IE3F51 shuttle)."""

    declarant: Party
    carrier: Party
    consignee: Party
    office_of_first_entry: str
    country_of_unloading: str
    transport_document: TransportDocument
    active_means: ActiveMeansOfTransport
    equipment: TransportEquipment
    goods: tuple[GoodsItem, ...]
    estimated_arrival: datetime
    issued_at: datetime

    @property
    def sender_eori(self) -> str:
        return self.declarant.eori


class IE3F10(EnsFiling):
    schema_name = "eu.ics2.IE3F10"
    ce_type = "IE3F10"


class IE3F51(EnsFiling):
    schema_name = "eu.ics2.IE3F51"
    ce_type = "IE3F51"


class As4Receipt(WireModel):
    schema_name = "eu.ics2.As4Receipt"
    ce_type = "as4.receipt"
    receipt_id: str
    ref_message_id: str
    action: str
    eori: str
    lrn: str
    received_at: datetime


class IE3R01(C2TMessage):
    schema_name = "eu.ics2.IE3R01"
    ce_type = "IE3R01"
    ref_message_id: str
    mrn: str
    registered_at: datetime


class IE3N99(C2TMessage):
    schema_name = "eu.ics2.IE3N99"
    ce_type = "IE3N99"
    ref_message_id: str
    rejected_ie: str
    errors: tuple[ValidationError, ...]
    rejected_at: datetime


class IE3N01(C2TMessage):
    schema_name = "eu.ics2.IE3N01"
    ce_type = "IE3N01"
    ref_message_id: str
    mrn: str | None = None
    error_code: str
    reason: str
    refused_at: datetime


class IE3N03(C2TMessage):
    schema_name = "eu.ics2.IE3N03"
    ce_type = "IE3N03"
    mrn: str
    member_state: str
    assessed_at: datetime


class IE3Q02(C2TMessage):
    schema_name = "eu.ics2.IE3Q02"
    ce_type = "IE3Q02"
    mrn: str
    referral_reference: str
    referral_type: str
    question: str
    issued_at: datetime


class IE3R02(T2CMessage):
    schema_name = "eu.ics2.IE3R02"
    ce_type = "IE3R02"
    eori: str
    mrn: str
    referral_reference: str
    answer: str
    answered_at: datetime

    @property
    def sender_eori(self) -> str:
        return self.eori


class IE3N06(T2CMessage):
    schema_name = "eu.ics2.IE3N06"
    ce_type = "IE3N06"
    carrier: Party
    office_of_first_entry: str
    active_means: ActiveMeansOfTransport
    actual_arrival: datetime
    mrns: tuple[str, ...]

    @property
    def sender_eori(self) -> str:
        return self.carrier.eori


class EnsAmendment(T2CMessage):
    """An amendment of a registered ENS (IE3Axx, same suffix as the filing): what changed, by MRN."""

    eori: str
    mrn: str
    sequence: int  # the filer's own count of its changes to this ENS (1, 2...)
    change: str
    amended_at: datetime

    @property
    def sender_eori(self) -> str:
        return self.eori


class IE3A10(EnsAmendment):
    schema_name = "eu.ics2.IE3A10"
    ce_type = "IE3A10"


class IE3A51(EnsAmendment):
    schema_name = "eu.ics2.IE3A51"
    ce_type = "IE3A51"


class IE3Q04(T2CMessage):
    """The filer withdraws its ENS (invalidation request)."""

    schema_name = "eu.ics2.IE3Q04"
    ce_type = "IE3Q04"
    eori: str
    mrn: str
    sequence: int
    reason: str
    requested_at: datetime

    @property
    def sender_eori(self) -> str:
        return self.eori


class IE3N10(C2TMessage):
    """The amendment is accepted (it carries no status)."""

    schema_name = "eu.ics2.IE3N10"
    ce_type = "IE3N10"
    ref_message_id: str
    mrn: str
    amended_at: datetime


class IE3R07(C2TMessage):
    """The invalidation is accepted: the ENS is INVALIDATED."""

    schema_name = "eu.ics2.IE3R07"
    ce_type = "IE3R07"
    ref_message_id: str
    mrn: str
    invalidated_at: datetime


class IE3R04(C2TMessage):
    schema_name = "eu.ics2.IE3R04"
    ce_type = "IE3R04"
    ref_message_id: str
    arrival_mrn: str
    mrns_arrived: tuple[str, ...]
    mrns_not_matched: tuple[str, ...]
    registered_at: datetime


class IE3N08(C2TMessage):
    schema_name = "eu.ics2.IE3N08"
    ce_type = "IE3N08"
    mrn: str
    office: str
    control_type: str
    notified_at: datetime


# --- inside the EU: STI -> CR -> national components ---------------------------------------------


class CrFiling(WireModel):
    schema_name = "eu.ics2.CrFiling"
    ce_type = "cr.filing"
    message_id: str
    ref_message_id: str
    ie: str
    eori: str
    lrn: str
    mrn: str
    transport_document_reference: str
    office_of_first_entry: str
    country_of_unloading: str
    conveyance_reference: str
    unit_id: str
    hs_codes: tuple[str, ...]
    received_at: datetime


class EnsDistribution(WireModel):
    schema_name = "eu.ics2.EnsDistribution"
    ce_type = "cr.distribution"
    message_id: str
    member_state: str
    eori: str
    lrn: str
    mrn: str
    office_of_first_entry: str
    country_of_unloading: str
    unit_id: str
    hs_codes: tuple[str, ...]
    registered_at: datetime


class ArrivalDistribution(WireModel):
    schema_name = "eu.ics2.ArrivalDistribution"
    ce_type = "cr.arrival"
    message_id: str
    member_state: str
    arrival_mrn: str
    office_of_first_entry: str
    actual_arrival: datetime
    mrns: tuple[str, ...]


# --- the simulator's own events ------------------------------------------------------------------


class RunAnnouncement(WireModel):
    schema_name = "secours.sim.RunAnnouncement"
    ce_type = "run.announced"
    run_id: str
    epoch_sim: datetime
    epoch_wall_ms: int
    speed: float
    seed: int
    config_json: str
    drill_json: str = ""
    clock: str = "wall"
    transit_ms: int = 0
    external: tuple[str, ...] = ()

    @property
    def started(self) -> bool:
        """False while the run waits for its external actors: its clock has no wall epoch yet."""
        return self.epoch_wall_ms > 0


class ActorReady(WireModel):
    schema_name = "secours.sim.ActorReady"
    ce_type = "actor.ready"
    run_id: str
    actor: str
    topics: tuple[str, ...] = ()
    software: str = ""


class EloPairing(WireModel):
    schema_name = "secours.sim.EloPairing"
    ce_type = "elo.paired"
    elo_id: str
    unit_id: str
    transport_id: str
    eori: str
    lrn: str
    mrn: str
    paired_at: datetime


class TransportArrived(WireModel):
    schema_name = "secours.sim.TransportArrived"
    ce_type = "transport.arrived"
    transport_id: str
    kind: Literal["FERRY", "SHUTTLE"]
    route: str
    entry_office: str
    arrived_at: datetime
    units: tuple[str, ...]


class UnitDisembarked(WireModel):
    schema_name = "secours.sim.UnitDisembarked"
    ce_type = "unit.disembarked"
    transport_id: str
    unit_id: str
    elo_id: str
    mrns: tuple[str, ...]
    lane: Literal["GREEN", "ORANGE"]
    reason: str
    disembarked_at: datetime


class FaultCommand(WireModel):
    schema_name = "secours.sim.FaultCommand"
    ce_type = "fault.command"
    command_id: str
    action: Literal["INJECT", "CLEAR"]
    fault_id: str
    fault_json: str
    issued_by: str
    issued_at: datetime
    signature: str | None = None


class FaultEvent(WireModel):
    schema_name = "secours.sim.FaultEvent"
    ce_type = "fault.event"
    fault_id: str
    phase: Literal["START", "END"]
    kind: str
    component: str
    fault_json: str
    at: datetime


class DeadLetter(WireModel):
    schema_name = "secours.sim.DeadLetter"
    ce_type = "dead_letter"
    service: str
    topic: str
    partition: int
    offset: int
    key: bytes | None = None
    value: bytes | None = None
    reason: str
    dead_at: datetime


class ReadPosition(_Part):
    topic: str
    partition: int
    offset: int


class StateChunk(WireModel):
    """A piece of a service's checkpoint (:mod:`secours.checkpoint`), on the compacted changelog."""

    schema_name = "secours.sim.StateChunk"
    ce_type = "state.chunk"
    run_id: str
    service: str
    generation: int
    index: int
    count: int
    sha256: str
    mac: str | None = None
    positions: tuple[ReadPosition, ...]
    data: bytes


MODELS: tuple[type[WireModel], ...] = (
    IE3F10,
    IE3F51,
    As4Receipt,
    IE3R01,
    IE3N99,
    IE3N01,
    IE3N03,
    IE3Q02,
    IE3R02,
    IE3N06,
    IE3R04,
    IE3N08,
    IE3A10,
    IE3A51,
    IE3Q04,
    IE3N10,
    IE3R07,
    CrFiling,
    EnsDistribution,
    ArrivalDistribution,
    RunAnnouncement,
    ActorReady,
    EloPairing,
    TransportArrived,
    UnitDisembarked,
    DeadLetter,
    FaultCommand,
    FaultEvent,
    StateChunk,
)
"""Every record type, in one place: the codec registers them, the round-trip test walks them."""

Push = EnsFiling | IE3R02 | IE3N06 | EnsAmendment | IE3Q04
"""What the STI takes: each member says who sent it (``sender_eori``)."""


# --- operations and the fallback procedures' evidence (PROCEDURES.md §1) ------------------------


class Heartbeat(WireModel):
    schema_name = "secours.sim.Heartbeat"
    ce_type = "ops.heartbeat"
    component: str
    at: datetime


class MeteoAlert(WireModel):
    schema_name = "secours.sim.MeteoAlert"
    ce_type = "meteo.alert"
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
    notice_id: str
    to: str
    kind: Literal["outage", "recovery"]
    component: str
    alert_id: str
    sent_at: datetime


class EuNotice(WireModel):
    schema_name = "secours.sim.EuNotice"
    ce_type = "eu.notice"
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
    eori: str
    name: str


class OlgaDa(WireModel):
    """An assistance request (demande d'assistance) filed in OLGA, customs' request-tracking tool."""

    schema_name = "secours.sim.OlgaDa"
    ce_type = "olga.da"
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


class GoodsPresented(WireModel):
    """The national component has processed the presentation of goods that arrived (``goods.presented``)."""

    schema_name = "secours.sim.GoodsPresented"
    ce_type = "goods.presented"
    presentation_id: str
    office: str
    mrns: tuple[str, ...]
    controlled: tuple[str, ...]  # those selected for control (each gets an IE3N08)
    processed_at: datetime


class OlgaAck(WireModel):
    schema_name = "secours.sim.OlgaAck"
    ce_type = "olga.ack"
    da_id: str
    to: str
    registered_at: datetime


class OlgaClosed(WireModel):
    schema_name = "secours.sim.OlgaClosed"
    ce_type = "olga.closed"
    da_id: str
    closed_by: str
    closed_at: datetime


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


# --- Luxembourg: LUCCS, its Servicedesk eDouane and the Bureau de recette (seed 004) ---------------


class LuImportDeclaration(WireModel):
    """An import declaration an economic operator lodges: B2G (AS4), on the NTP portal, or on paper."""

    schema_name = "lu.luccs.ImportDeclaration"
    ce_type = "lu.declaration"
    message_id: str
    decl_id: str
    eo: str
    decl_type: str  # H1..H7
    channel: Literal["B2G", "NTP", "PAPER"]
    ref: str  # what it follows up: the recommendation (paper), the paper registration (regularisation), or ""
    lodged_at: datetime


class LuDecl(WireModel):
    """LUCCS registered a declaration (or saw it lodged twice); the Bureau took a paper one."""

    schema_name = "secours.sim.LuDecl"
    ce_type = "lu.decl"
    record_id: str
    message_id: str  # the lodging it answers
    decl_id: str
    eo: str
    channel: Literal["B2G", "NTP", "PAPER"]
    status: Literal["REGISTERED", "DUPLICATE", "PAPER_ACCEPTED"]
    ref: str
    registered_at: datetime


class LuServicedesk(WireModel):
    """A notice to or from the Servicedesk eDouane (e-mail or phone)."""

    schema_name = "secours.sim.LuServicedesk"
    ce_type = "lu.servicedesk"
    notice_id: str
    action: Literal["eo_outage", "eo_restored", "fallback_open", "fallback_close", "eo_notice"]
    eo: str  # the operator concerned ("" for the fallback itself)
    scope: Literal["B2G_EO", "B2G_ADA", "FULL"]
    joint_with: str  # "BUREAU_RECETTE" when the Bureau de recette runs the fallback with the Servicedesk
    notice: str  # eo_notice: "opened" or "restored"
    text: str
    sent_at: datetime


class LuBureau(WireModel):
    """An operator contacting the Bureau de recette Douanes, or its recommendation."""

    schema_name = "secours.sim.LuBureau"
    ce_type = "lu.bureau"
    message_id: str
    action: Literal["contact", "recommendation"]
    eo: str
    office: str
    channel: str  # recommendation: the channel to lodge through (PAPER by default)
    recommendation: str
    ref: str  # recommendation: the contact it answers
    sent_at: datetime


# --- Delta G/X/H7 clearance and its alert sheet (seed 002) -----------------------------------------

DeltaState = Literal["VALIDATED", "BAE", "SOUS_CONTROLE", "CREDIT_EN_ATTENTE", "PAIEMENT_COMPTANT"]


class DeltaLodging(WireModel):
    """A declaration lodged in Delta: by direct input (DTI), or by EDI relayed by a connection provider."""

    schema_name = "fr.delta.Declaration"
    ce_type = "delta.declaration"
    message_id: str
    ref: str  # the declarant's own reference
    declarant: str
    service: str  # DELTA_G, DELTA_X_IMPORT, DELTA_X_EXPORT, DELTA_H7
    mode: Literal["EDI", "DTI"]
    provider: str  # the connection provider relaying it (EDI), "" for DTI
    regularises: str  # the fallback (paper) declaration it regularises, "" otherwise
    lodged_at: datetime


class DeltaDecl(WireModel):
    """Delta's record of a declaration's state (``delta.decl``): validated (with its number), released
    (BAE), or held by the office (under control, waiting for credit, cash payment)."""

    schema_name = "secours.sim.DeltaDecl"
    ce_type = "delta.decl"
    decl_no: str  # <office an8>-<YY>-<seq 7>
    ref: str
    declarant: str
    service: str
    mode: Literal["EDI", "DTI"]
    state: DeltaState
    regularises: str
    at: datetime


class DeltaRelease(WireModel):
    """Delta's own queue: a validated declaration's release (or hold) falls due."""

    schema_name = "secours.sim.DeltaRelease"
    ce_type = "delta.release"
    decl_no: str
    ref: str
    service: str
    state: DeltaState
    due_at: datetime


class AubetteQuery(WireModel):
    """A declarant looks a declaration up in Aubette (douane.gouv.fr)."""

    schema_name = "secours.sim.AubetteQuery"
    ce_type = "aubette.query"
    query_id: str
    by: str
    decl_no: str
    service: str
    asked_at: datetime


class DeltaAubette(WireModel):
    """What Aubette showed (``delta.aubette``): the declaration's state, or UNAVAILABLE when the
    declarant could not reach it (recorded by the declarant)."""

    schema_name = "secours.sim.DeltaAubette"
    ce_type = "delta.aubette"
    query_id: str
    by: str
    decl_no: str
    result: str  # a DeltaState, or UNAVAILABLE
    at: datetime


class OfficeQuery(WireModel):
    """A declarant asks its customs office whether a declaration is under control, waiting for credit
    or for cash payment (only the office can say, during opening hours)."""

    schema_name = "secours.sim.OfficeQuery"
    ce_type = "office.query"
    query_id: str
    by: str
    office: str
    decl_no: str
    asked_at: datetime


class OfficeAnswer(WireModel):
    schema_name = "secours.sim.OfficeAnswer"
    ce_type = "office.answer"
    query_id: str
    office: str
    to: str
    decl_no: str
    state: str  # SOUS_CONTROLE, CREDIT_EN_ATTENTE, PAIEMENT_COMPTANT, BAE, or NONE (a technical block)
    at: datetime


class OfficeInformed(WireModel):
    """A declarant tells its office that its fallback starts (forwarding OLGA's acknowledgement) or ends."""

    schema_name = "secours.sim.OfficeInformed"
    ce_type = "office.informed"
    informed_id: str
    by: str
    office: str
    kind: Literal["start", "end"]
    da_id: str
    attached_ack: str  # the DA whose acknowledgement is forwarded ("" when none is)
    ack_registered_at: datetime | None = None
    service: str
    at: datetime


class FallbackRecord(WireModel):
    """The office records the start of a declarant's fallback: the DA's registration time."""

    schema_name = "secours.sim.FallbackRecord"
    ce_type = "office.fallback_record"
    record_id: str
    office: str
    declarant: str
    da_id: str
    service: str
    start: datetime
    at: datetime


class FallbackUsed(WireModel):
    """A declaration handled under the fallback: a paper declaration handed to the office."""

    schema_name = "secours.sim.FallbackUsed"
    ce_type = "fallback.used"
    fallback_id: str
    by: str
    office: str
    service: str
    mode: Literal["EDI", "DTI"]
    what: str  # paper_declaration
    ref: str
    decl_no: str  # "" when it could not be validated
    covering: str  # the DA or the alert it relies on
    at: datetime


class Regularised(WireModel):
    """A fallback declaration is now in Delta electronically."""

    schema_name = "secours.sim.Regularised"
    ce_type = "regularised"
    fallback_id: str
    by: str
    ref: str
    decl_no: str
    at: datetime


class ProviderAnswer(WireModel):
    """A connection provider answers a client's question: is its own platform the origin?"""

    schema_name = "secours.sim.ProviderAnswer"
    ce_type = "provider.answer"
    contact_id: str
    provider: str
    to: str
    origin_provider: bool
    sent_at: datetime


# --- ECS exit: ECS-BS, the exit office and the export office (seed 003) ---------------------------


class EcsMovement(WireModel):
    """Delta G/X (the export office) hands a validated export declaration to ECS-BS."""

    schema_name = "secours.sim.EcsMovement"
    ce_type = "ecs.movement"
    mrn: str
    exporter: str
    exit_office: str
    validated_at: datetime


class EcsMsg(WireModel):
    """An ECS message (``ecs.msg``): the AER (IE501), an arrival notification (IE507), an exit
    announcement (EXIT_ANN), exit results (IE518) or the certification of exit (IE599)."""

    schema_name = "secours.sim.EcsMsg"
    ce_type = "ecs.msg"
    msg_id: str
    ie: Literal["IE501", "IE507", "EXIT_ANN", "IE518", "IE599"]
    mrn: str
    by: Literal["operator", "substitute", "service", "auto"]
    channel: Literal["EDI", "DTI", "SYSTEM"]
    reintegration: bool
    event_time: datetime  # when the arrival or exit really happened (a reintegration carries the stamp's)
    office: str
    sent_at: datetime


class EcsState(WireModel):
    """A movement's state in Delta G/X or in ECS-BS (``ecs.state``)."""

    schema_name = "secours.sim.EcsState"
    ce_type = "ecs.state"
    mrn: str
    system: Literal["DELTA", "ECSBS"]
    state: Literal["EN_COURS_DE_SORTIE", "AER_ARRIVE", "ETAT_STOCKE", "SORTIE_CONFIRMEE", "SORTIE_CERTIFIEE"]
    at: datetime


class ExitArrived(WireModel):
    """The goods reach the exit office (physical)."""

    schema_name = "secours.sim.ExitArrived"
    ce_type = "exit.arrived"
    mrn: str
    office: str
    at: datetime


class ExitDeparted(WireModel):
    """The goods leave the customs territory of the Union (physical)."""

    schema_name = "secours.sim.ExitDeparted"
    ce_type = "exit.departed"
    mrn: str
    office: str
    at: datetime


class EadPresented(WireModel):
    """The operator (or the driver) presents the EAD at the exit office's counter, or e-mails it."""

    schema_name = "secours.sim.EadPresented"
    ce_type = "ead.presented"
    presentation_id: str
    mrn: str
    office: str
    channel: Literal["counter", "email"]
    by: str
    step: Literal["arrival_exit", "arrival", "exit"]  # immediate exit; deferred: at arrival, then at exit
    at: datetime


class BsControl(WireModel):
    schema_name = "secours.sim.BsControl"
    ce_type = "bs.control"
    mrn: str
    office: str
    result: Literal["ok", "not_ok"]
    at: datetime


class EadStamped(WireModel):
    """The exit office stamps the EAD (cachet ND) with the mention of the step."""

    schema_name = "secours.sim.EadStamped"
    ce_type = "ead.stamped"
    mrn: str
    office: str
    stamp: str  # ND
    mention: str  # « sortie autorisée », « présenté le dd/mm/yyyy », « sortie autorisée le dd/mm/yyyy »
    mention_date: str  # the date written in the mention (dd/mm/yyyy), "" for « sortie autorisée »
    at: datetime


class EadReturned(WireModel):
    schema_name = "secours.sim.EadReturned"
    ce_type = "ead.returned"
    mrn: str
    office: str
    at: datetime


class EadCopyKept(WireModel):
    schema_name = "secours.sim.EadCopyKept"
    ce_type = "ead.copy_kept"
    mrn: str
    office: str
    at: datetime


class BsReintegrationNotice(WireModel):
    """The exit office tells the operator it will reintegrate the movement once ECS-BS is back."""

    schema_name = "secours.sim.BsReintegrationNotice"
    ce_type = "bs.reintegration_notice"
    mrn: str
    office: str
    text: str
    at: datetime


class BsRelaxation(WireModel):
    """An exceptionally long outage: the office relaxes the 24-hour reintegration deadline."""

    schema_name = "secours.sim.BsRelaxation"
    ce_type = "bs.relaxation"
    alert_id: str
    office: str
    new_deadline: datetime
    at: datetime


EVIDENCE_MODELS: tuple[type[WireModel], ...] = (
    Heartbeat,
    MeteoAlert,
    CustomsNotice,
    EuNotice,
    ClientNotice,
    ProviderContact,
    OlgaDa,
    OlgaAck,
    GoodsPresented,
    MeteoConsulted,
    SystemCheck,
    EnsAbsence,
    OlgaClosed,
    SauContact,
    LoadingList,
    LuImportDeclaration,
    LuDecl,
    LuServicedesk,
    LuBureau,
    DeltaLodging,
    DeltaDecl,
    DeltaRelease,
    AubetteQuery,
    DeltaAubette,
    OfficeQuery,
    OfficeAnswer,
    OfficeInformed,
    FallbackRecord,
    FallbackUsed,
    Regularised,
    ProviderAnswer,
    EcsMovement,
    EcsMsg,
    EcsState,
    ExitArrived,
    ExitDeparted,
    EadPresented,
    BsControl,
    EadStamped,
    EadReturned,
    EadCopyKept,
    BsReintegrationNotice,
    BsRelaxation,
)
MODELS = MODELS + EVIDENCE_MODELS
