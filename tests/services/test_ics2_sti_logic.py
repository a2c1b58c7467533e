"""STI: receipts, IE3N99 naming the rule, MRN allocation, AS4 duplicate detection, EORI queues."""

from __future__ import annotations

from datetime import timedelta

import pytest

from secours.errors import RejectedInput
from secours.ids import is_valid_mrn
from secours.wire import IE3N99, IE3R01, CrFiling
from services.ics2_sti.logic import StiLogic
from services.ics2_sti.rules import validate
from tests.samples import MRN, NOW, WORLD, ens
from tests.services.helpers import incoming, sent

STI = lambda: StiLogic(set(WORLD.queue_eoris()))  # noqa: E731


def test_valid_filing_gets_receipt_and_mrn_and_goes_to_cr() -> None:
    f = ens(0)
    fx = STI().handle(incoming("ics2.sti.in", f), NOW)
    assert [o.topic for o in fx.out] == ["ics2.receipt", "ics2.cr.in"]
    forward = fx.out[1].message
    assert isinstance(forward, CrFiling)
    assert is_valid_mrn(forward.mrn) and forward.mrn.startswith("26FR")
    assert forward.lrn == f.lrn and forward.ref_message_id == f.message_id


@pytest.mark.parametrize("rule", ["R0201", "R0304", "R0401", "R0402"])
def test_rule_breach_is_answered_by_ie3n99_naming_the_rule(rule: str) -> None:
    f = ens(1, break_rule=rule)
    fx = STI().handle(incoming("ics2.sti.in", f), NOW)
    assert fx.out[0].topic == "ics2.receipt"
    (n99,) = sent(fx, "IE3N99")
    assert isinstance(n99, IE3N99)
    assert rule in {e.rule_id for e in n99.errors}
    assert fx.out[1].topic == "ics2.sti.out"
    assert not sent(fx, "cr.filing")


def test_retransmission_gets_the_same_receipt_and_nothing_else() -> None:
    sti = STI()
    f = ens(0)
    first = sti.handle(incoming("ics2.sti.in", f), NOW)
    again = sti.handle(incoming("ics2.sti.in", f), NOW)
    assert [o.topic for o in again.out] == ["ics2.receipt"]
    assert again.out[0].id == first.out[0].id


def test_unregistered_sender_is_refused() -> None:
    f = ens(0)
    bad = f.model_copy(update={"declarant": f.declarant.model_copy(update={"eori": "XX1"})})
    with pytest.raises(RejectedInput, match="not registered"):
        STI().handle(incoming("ics2.sti.in", bad), NOW)


def test_answers_from_cr_go_to_the_filers_queue() -> None:
    f = ens(0)
    r01 = IE3R01(message_id="m", ref_message_id="x", eori=f.declarant.eori, lrn=f.lrn, mrn=MRN, registered_at=NOW)
    fx = STI().handle(incoming("ics2.cr.out", r01), NOW)
    assert [(o.topic, o.message) for o in fx.out] == [("ics2.sti.out", r01)]


def test_a_lower_case_eori_breaks_r0102_for_the_declarant_and_the_carrier() -> None:
    f = ens(0)
    assert not [e for e in validate(f) if e.rule_id == "R0102"]
    lower = f.declarant.eori[:2] + "ab" + f.declarant.eori[4:]
    bad = f.model_copy(update={"declarant": f.declarant.model_copy(update={"eori": lower})})
    assert [e.pointer for e in validate(bad) if e.rule_id == "R0102"] == ["declarant.eori"]
    bad = f.model_copy(update={"carrier": f.carrier.model_copy(update={"eori": lower})})
    assert [e.pointer for e in validate(bad) if e.rule_id == "R0102"] == ["carrier.eori"]


def test_an_ens_lodged_after_its_arrival_is_lawful_but_not_a_day_after() -> None:
    """A fallback lodges what could not be sent once ICS2 is back, after the transport arrived (seed 001)."""
    f = ens(0)
    late = f.model_copy(update={"issued_at": f.estimated_arrival + timedelta(hours=3)})
    assert not [e for e in validate(late) if e.rule_id == "R0501"]
    stale = f.model_copy(update={"issued_at": f.estimated_arrival + timedelta(days=2)})
    assert [e.rule_id for e in validate(stale)] == ["R0501"]
