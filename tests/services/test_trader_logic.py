"""Trader: files at ready time, corrects after IE3N99, pairs the ELO, answers referrals."""

from __future__ import annotations

from secours.effects import Timer
from secours.ids import derive_id
from secours.wire import IE3N99, IE3Q02, IE3R01, EloPairing, EnsFiling, ValidationError
from secours.world import RunConfig, World
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


def careless(*lapses: str) -> TraderLogic:
    return TraderLogic(
        World(RunConfig(seed=WORLD.config.seed, traffic=WORLD.config.traffic,
                        params=WORLD.config.params.model_copy(update={"ics2_fr_s1_careless_clients": lapses})))
    )  # fmt: skip


def test_a_staged_client_forgets_the_data_ready_while_its_system_was_down() -> None:
    logic = careless("forget_held")
    c = next(c for c in logic.world.consignments if not logic.world.self_filer(c.trader))
    logic.on_timer(Timer(c.ready, "own_outage", f"trader:{c.trader}"), c.ready)
    assert logic.on_timer(Timer(c.ready, "ready", c.lrn), c.ready).out == []


def test_a_staged_client_files_its_own_request_when_its_system_is_down() -> None:
    logic = careless("own_da")
    c = next(c for c in logic.world.consignments if not logic.world.self_filer(c.trader))
    fx = logic.on_timer(Timer(c.ready, "own_outage", f"trader:{c.trader}"), c.ready)
    assert [t.kind for t in fx.timers] == ["direct_da"] and sent(fx, "provider.contacted")


def test_a_staged_client_chases_an_unanswered_filing_once() -> None:
    logic = careless("chase")
    c = next(c for c in logic.world.consignments if not logic.world.self_filer(c.trader))
    (chase,) = logic.on_timer(Timer(c.ready, "ready", c.lrn), c.ready).timers
    assert chase.kind == "chase"
    assert [t.kind for t in logic.on_timer(chase, chase.at).timers] == ["direct_da"]
    assert logic.on_timer(chase, chase.at).timers == []  # one request is enough
