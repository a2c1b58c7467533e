"""ICS2: the harmonised trader interface (T2C/C2T messages and their shared data types) and, inside
the EU, the STI -> CR -> national components flow."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from secours.wire.base import WireModel, _Part

# --- shared ICS2 data types (nested, not records on their own) -------------------------------


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


class IE3R04(C2TMessage):
    schema_name = "eu.ics2.IE3R04"
    ce_type = "IE3R04"
    ref_message_id: str
    arrival_mrn: str
    mrns_arrived: tuple[str, ...]  # the MRNs listed that are in a wrong state get an IE3N07 each
    registered_at: datetime


class IE3N07(C2TMessage):
    """An MRN of an arrival notification is unknown, or in a state where it cannot arrive."""

    schema_name = "eu.ics2.IE3N07"
    ce_type = "IE3N07"
    ref_message_id: str
    mrn: str
    reason: Literal["UNKNOWN", "ARRIVED", "INVALIDATED"]
    notified_at: datetime


class IE3N08(C2TMessage):
    schema_name = "eu.ics2.IE3N08"
    ce_type = "IE3N08"
    mrn: str
    office: str
    control_type: str
    notified_at: datetime


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


Push = EnsFiling | IE3R02 | IE3N06 | EnsAmendment | IE3Q04
"""What the STI takes: each member says who sent it (``sender_eori``)."""
