"""Trader: files at ready time, corrects after IE3N99, pairs the ELO, answers referrals."""

from __future__ import annotations

from secours.ids import derive_id
from secours.wire import IE3N99, IE3Q02, IE3R01, EloPairing, EnsFiling, ValidationError
from services.trader.logic import TraderLogic
from tests.samples import MRN, WORLD
from tests.services.helpers import incoming, sent


def test_files_every_consignment_at_its_ready_time() -> None:
    logic = TraderLogic(WORLD)
    fx = logic.start(WORLD.config.start)
    assert sorted(t.ref for t in fx.timers) == sorted(c.lrn for c in WORLD.consignments)
    c = WORLD.consignments[0]
    out = logic.on_timer(next(t for t in fx.timers if t.ref == c.lrn), c.ready)
    (ens,) = out.out
    assert ens.topic == f"edi.to_provider.{c.provider}"
    assert isinstance(ens.message, EnsFiling) and ens.message.lrn == c.lrn


def test_corrects_and_refiles_under_the_same_lrn_after_ie3n99() -> None:
    logic = TraderLogic(WORLD)
    c = WORLD.consignments[0]
    err = ValidationError(rule_id="R0201", pointer="office_of_first_entry", description="bad")
    n99 = IE3N99(
        message_id="n",
        ref_message_id="x",
        eori=c.trader,
        lrn=c.lrn,
        rejected_ie="IE3F10",
        errors=(err,),
        rejected_at=c.ready,
    )
    (timer,) = logic.handle(incoming(f"edi.to_trader.{c.provider}", n99), c.ready).timers
    (refiled,) = logic.on_timer(timer, timer.at).out
    assert isinstance(refiled.message, EnsFiling)
    assert refiled.message.lrn == c.lrn and refiled.message.office_of_first_entry.isalnum()


def test_pairs_elo_with_mrn_and_answers_referral() -> None:
    logic = TraderLogic(WORLD)
    c = WORLD.consignments[0]
    r01 = IE3R01(
        message_id="m",
        ref_message_id=derive_id(c.lrn, "filing/1"),
        eori=c.trader,
        lrn=c.lrn,
        mrn=MRN,
        registered_at=c.ready,
    )
    (pairing,) = sent(logic.handle(incoming("edi.to_trader.x", r01), c.ready), "elo.paired")
    assert isinstance(pairing, EloPairing) and pairing.unit_id == c.unit_id and pairing.mrn == MRN
    q02 = IE3Q02(
        message_id="q",
        eori=c.trader,
        lrn=c.lrn,
        mrn=MRN,
        referral_reference="RFI1",
        referral_type="RFI",
        question="?",
        issued_at=c.ready,
    )
    (timer,) = logic.handle(incoming("edi.to_trader.x", q02), c.ready).timers
    (answer,) = sent(logic.on_timer(timer, timer.at), "IE3R02")
    assert answer.referral_reference == "RFI1" and answer.mrn == MRN  # type: ignore[attr-defined]
