"""Rules the shared trader interface checks before it allocates an MRN.

Each rule has an id that IE3N99 names, so a filer (or an EDI provider testing its relay) sees
exactly which condition failed. Ids and wording are the simulator's own [A]; the conditions come
from the formats of DOMAIN.md §3 and the smart-border constraints of DOMAIN.md §3 and §6.
"""

from __future__ import annotations

import re
from datetime import timedelta

from secours.ids import EORI_RE, IMO_RE, LRN_RE, OFFICE_RE, is_valid_mrn
from secours.wire import IE3F10, IE3F51, IE3N06, IE3Q04, IE3R02, EnsAmendment, EnsFiling, ValidationError, WireModel

__all__ = ["validate"]

_HS = re.compile(r"^[0-9]{6}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LATE_LODGING = timedelta(days=1)  # R0501: how long after the arrival an ENS may still be lodged


def _imo_ok(imo: str) -> bool:
    if not IMO_RE.match(imo):
        return False
    digits = [int(c) for c in imo]
    return sum(d * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True)) % 10 == digits[6]


def _ens(msg: EnsFiling) -> list[ValidationError]:
    errors: list[ValidationError] = []

    def fail(rule: str, pointer: str, text: str) -> None:
        errors.append(ValidationError(rule_id=rule, pointer=pointer, description=text))

    if not LRN_RE.match(msg.lrn):
        fail("R0101", "lrn", "LRN must be 1 to 22 alphanumeric characters")
    # EORIs in upper case only (secours.ids.EORI_RE): the CR tells filers apart by their EORI as written.
    for role in ("declarant", "carrier"):
        if not EORI_RE.match(getattr(msg, role).eori):
            fail(
                "R0102", f"{role}.eori", f"{role} EORI must be a country code and up to 15 upper-case letters or digits"
            )
    if not OFFICE_RE.match(msg.office_of_first_entry):
        fail("R0201", "office_of_first_entry", "office of first entry must be an8: 2 letters then 6 alphanumerics")
    if not _COUNTRY.match(msg.country_of_unloading):
        fail("R0202", "country_of_unloading", "country of unloading must be a 2-letter code")
    means = msg.active_means
    if means.mode == 3:
        fail("R0304", "active_means.mode", "a UK-to-EU smart-border ENS must not use transport mode 3 (road)")
    elif isinstance(msg, IE3F10) and (means.mode != 1 or not _imo_ok(means.identification)):
        fail("R0301", "active_means", "IE3F10 needs mode 1 (sea) and a valid IMO ship number")
    elif isinstance(msg, IE3F51) and means.mode != 2:
        fail("R0302", "active_means.mode", "IE3F51 needs mode 2 (rail)")
    if not msg.goods:
        fail("R0401", "goods", "at least one goods item is required")
    for i, item in enumerate(msg.goods):
        if item.gross_mass_kg <= 0 or item.packages <= 0:
            fail("R0401", f"goods[{i}]", "gross mass and number of packages must be positive")
        if not _HS.match(item.hs_code):
            fail("R0402", f"goods[{i}].hs_code", "commodity code must be 6 digits")
    # An ENS lodged after its transport arrived is lawful in a fallback (seed 001: "what could not be
    # sent is lodged afterwards"), so an arrival a few hours before the issue date is no error; one a
    # day or more before it cannot be this voyage's.
    if msg.estimated_arrival < msg.issued_at - _LATE_LODGING:
        fail("R0501", "estimated_arrival", "estimated arrival over a day before the issue date")
    return errors


def validate(msg: WireModel) -> list[ValidationError]:
    """Every rule ``msg`` breaks (empty when it may be registered)."""
    if isinstance(msg, EnsFiling):
        return _ens(msg)
    if isinstance(msg, IE3R02 | EnsAmendment | IE3Q04):
        if not is_valid_mrn(msg.mrn):
            return [ValidationError(rule_id="R0601", pointer="mrn", description="MRN malformed or bad check character")]
        return []
    if isinstance(msg, IE3N06):
        out = []
        if not EORI_RE.match(msg.carrier.eori):
            out.append(ValidationError(rule_id="R0102", pointer="carrier.eori", description="carrier EORI malformed"))
        if not OFFICE_RE.match(msg.office_of_first_entry):
            out.append(
                ValidationError(rule_id="R0201", pointer="office_of_first_entry", description="office must be an8")
            )
        bad = [m for m in msg.mrns if not is_valid_mrn(m)]
        if bad:
            out.append(ValidationError(rule_id="R0601", pointer="mrns", description=f"malformed MRN {bad[0]}"))
        return out
    return []
