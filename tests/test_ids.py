from __future__ import annotations

from datetime import UTC, datetime

from secours.ids import (
    DA_ID_RE,
    EORI_RE,
    LRN_RE,
    MRN_RE,
    derive_id,
    is_valid_mrn,
    make_da_id,
    make_lrn,
    make_mrn,
    mrn_check_char,
)


def test_check_character_follows_iso_6346() -> None:
    # ISO 6346's own example: container CSQU305438 has check digit 3.
    assert mrn_check_char("CSQU305438") == "3"


def test_mrn_format_and_check() -> None:
    mrn = make_mrn(2026, "FR", "message-1")
    assert MRN_RE.match(mrn)
    assert mrn.startswith("26FR")
    assert is_valid_mrn(mrn)
    wrong = mrn[:17] + str((int(mrn[17]) + 1) % 10)
    assert not is_valid_mrn(wrong)


def test_mrn_is_fixed_by_its_cause() -> None:
    assert make_mrn(2026, "FR", "a") == make_mrn(2026, "FR", "a")
    assert len({make_mrn(2026, "FR", str(i)) for i in range(5000)}) == 5000


def test_lrn_format() -> None:
    lrn = make_lrn("P001", datetime(2026, 3, 2, tzinfo=UTC), 42)
    assert lrn == "P001260302000042"
    assert LRN_RE.match(lrn)
    assert len(lrn) <= 22


def test_derive_id_is_deterministic() -> None:
    assert derive_id("x", "receipt") == derive_id("x", "receipt")
    assert derive_id("x", "receipt") != derive_id("x", "IE3N99")


def test_an_mrn_may_end_in_f_as_the_specifications_allow() -> None:
    mrn = make_mrn(2026, "FR", "message-1")
    assert is_valid_mrn(mrn[:17] + "F")
    assert not is_valid_mrn(mrn[:17] + "G")
    assert not is_valid_mrn(mrn[:16] + "+F")


def test_da_ids_have_the_documented_form_and_are_fixed_by_their_key() -> None:
    day = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
    da = make_da_id(day, "P001|self|2026-03-02T07:00:00+00:00")
    assert DA_ID_RE.match(da) and da.startswith("DA-20260302-")
    assert da == make_da_id(day, "P001|self|2026-03-02T07:00:00+00:00")
    assert len({make_da_id(day, f"P00{i}|self") for i in range(200)}) == 200


def test_eoris_are_upper_case_everywhere() -> None:
    assert EORI_RE.match("FR12345678901234") and EORI_RE.match("LU12345678")
    assert not EORI_RE.match("FR1234abc") and not EORI_RE.match("fr12345678")
