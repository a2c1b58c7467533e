"""France: Delta G/X/H7 clearance, Aubette, the customs office and the fallback declarations (seed 002)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from secours.wire.base import WireModel

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
    timing_mark = "fallback"
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
