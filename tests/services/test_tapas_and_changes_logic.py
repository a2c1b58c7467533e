"""TAPAS relays both ways; amendments and invalidations: their order at the provider, their answers at the CR."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from secours.errors import RejectedInput
from secours.wire import IE3A10, IE3A51, IE3N01, IE3N08, IE3N10, IE3Q04, IE3R01, IE3R07, As4Receipt, CrFiling
from secours.world import Params, RunConfig, Traffic, World
from services.edi_provider.logic import EdiProviderLogic
from services.ics2_cr.logic import CrLogic
from services.ics2_tapas.logic import TapasLogic
from services.trader.logic import TraderLogic
from tests.samples import MRN, NOW, WORLD, ens, samples
from tests.services.helpers import incoming, sent, topics

FILING = next(s for s in samples() if isinstance(s, CrFiling))


def amendment(seq: int, mrn: str = MRN, eori: str = FILING.eori, lrn: str = FILING.lrn) -> IE3A10:
    return IE3A10(message_id=f"a{seq}", lrn=lrn, eori=eori, mrn=mrn, sequence=seq, change="mass", amended_at=NOW)


def invalidation(seq: int, eori: str = FILING.eori, lrn: str = FILING.lrn) -> IE3Q04:
    return IE3Q04(message_id=f"q{seq}", lrn=lrn, eori=eori, mrn=MRN, sequence=seq, reason="shut out", requested_at=NOW)


def test_tapas_passes_pushes_to_the_sti_and_answers_to_the_eori_queue() -> None:
    tapas, f = TapasLogic(), ens(0)
    fx = tapas.handle(incoming("ics2.t2c", f), NOW)
    assert [(o.topic, o.key, o.id, o.message) for o in fx.out] == [("ics2.sti.in", f.lrn, f.message_id, f)]
    r01 = IE3R01(message_id="r", eori="FR1", lrn=f.lrn, ref_message_id=f.message_id, mrn=MRN, registered_at=NOW)
    fx = tapas.handle(incoming("ics2.sti.out", r01), NOW)
    assert [(o.topic, o.id, o.message) for o in fx.out] == [("ics2.c2t.FR1", "r", r01)]
    with pytest.raises(RejectedInput, match="not expected"):
        tapas.handle(incoming("ics2.sti.out", f), NOW)


def registered() -> CrLogic:
    cr = CrLogic(seed=1, processing_s=(5.0, 60.0))
    fx = cr.handle(incoming("ics2.cr.in", FILING), NOW)
    cr.on_timer(fx.timers[0], fx.timers[0].at)
    return cr


def answer(cr: CrLogic, msg: IE3A10 | IE3Q04, now: object = NOW) -> list[object]:
    fx = cr.handle(incoming("ics2.cr.in", msg), NOW)
    if not fx.timers:
        return [o.message for o in fx.out]
    return [o.message for t in fx.timers for o in cr.on_timer(t, t.at).out]


def test_cr_answers_an_amendment_ie3n10_and_an_invalidation_ie3r07_in_the_order_received() -> None:
    cr = registered()
    fx1 = cr.handle(incoming("ics2.cr.in", amendment(1)), NOW)
    fx2 = cr.handle(incoming("ics2.cr.in", invalidation(2)), NOW)
    (t1,), (t2,) = fx1.timers, fx2.timers
    assert t1.at < t2.at  # one queue per filer: the later change is answered later
    (n10,) = sent(cr.on_timer(t1, t1.at), "IE3N10")
    (r07,) = sent(cr.on_timer(t2, t2.at), "IE3R07")
    assert isinstance(n10, IE3N10) and n10.ref_message_id == "a1" and n10.mrn == MRN
    assert isinstance(r07, IE3R07) and r07.ref_message_id == "q2"
    # Invalidated: no more changes, and the transport document may be filed again (G1).
    (n01,) = answer(cr, amendment(3))
    assert isinstance(n01, IE3N01) and n01.error_code == "WRONG_STATE"
    again = FILING.model_copy(update={"message_id": "c9", "lrn": "P001NEW", "mrn": "26FRBBBBBBBBBBBBB0"})
    assert cr.handle(incoming("ics2.cr.in", again), NOW).timers  # accepted, not IE3N01


@pytest.mark.parametrize(
    ("msg", "code"),
    [
        (amendment(1, mrn="26FRZZZZZZZZZZZZZ0"), "UNKNOWN_MRN"),
        (amendment(1, eori="FR99999999999999"), "NOT_DECLARANT"),
        (IE3A51(message_id="x", lrn=FILING.lrn, eori=FILING.eori, mrn=MRN, sequence=1, change="c", amended_at=NOW),
         "WRONG_MESSAGE"),
    ],
)  # fmt: skip
def test_cr_refuses_a_change_it_may_not_make(msg: IE3A10 | IE3A51, code: str) -> None:
    (n01,) = answer(registered(), msg)
    assert isinstance(n01, IE3N01) and n01.error_code == code and n01.ref_message_id == msg.message_id


def test_cr_refuses_an_amendment_once_a_control_was_notified() -> None:
    cr = registered()
    n08 = next(s for s in samples() if isinstance(s, IE3N08)).model_copy(update={"mrn": MRN})
    cr.handle(incoming("ics2.nes.fr.out", n08), NOW)
    (n01,) = answer(cr, amendment(1))
    assert isinstance(n01, IE3N01) and "control" in n01.reason


def provider(**staged: object) -> tuple[EdiProviderLogic, str]:
    params = WORLD.config.params.model_copy(update=staged)
    return EdiProviderLogic(WORLD, params), WORLD.consignments[0].provider


def receipt(msg_id: str, lrn: str) -> As4Receipt:
    return As4Receipt(receipt_id=f"r-{msg_id}", ref_message_id=msg_id, action="IE3A10", eori="x", lrn=lrn,
                      received_at=NOW)  # fmt: skip


def test_provider_pushes_the_messages_of_one_ens_one_at_a_time_in_the_clients_order() -> None:
    logic, pid = provider()
    c = WORLD.consignments[0]
    first, second = amendment(1, eori=c.trader, lrn=c.lrn), invalidation(2, eori=c.trader, lrn=c.lrn)
    fx1 = logic.handle(incoming(f"edi.to_provider.{pid}", first), NOW)
    fx2 = logic.handle(incoming(f"edi.to_provider.{pid}", second), NOW)
    assert topics(fx1) == ["ics2.t2c"] and fx2.out == []  # waits for the first one's receipt
    retry = logic.on_timer(fx1.timers[0], fx1.timers[0].at)  # no receipt: the same message again
    assert [o.id for o in retry.out if o.topic == "ics2.t2c"] == ["a1"]
    fx = logic.handle(incoming("ics2.receipt", receipt("a1", c.lrn)), NOW)
    assert [o.id for o in fx.out if o.topic == "ics2.t2c"] == ["q2"]  # now the next one leaves


def test_staged_unordered_provider_pushes_the_newest_change_first_when_a_push_fails() -> None:
    logic, pid = provider(unordered_providers=(WORLD.consignments[0].provider,))
    c = WORLD.consignments[0]
    fx1 = logic.handle(incoming(f"edi.to_provider.{pid}", amendment(1, eori=c.trader, lrn=c.lrn)), NOW)
    logic.handle(incoming(f"edi.to_provider.{pid}", invalidation(2, eori=c.trader, lrn=c.lrn)), NOW)
    fx = logic.on_timer(fx1.timers[0], fx1.timers[0].at)
    assert [o.id for o in fx.out if o.topic == "ics2.t2c"] == ["q2"]
    retry = next(t for t in fx.timers if t.kind == "retry")
    assert [o.id for o in logic.on_timer(retry, retry.at).out if o.topic == "ics2.t2c"] == ["q2"]  # stays on it
    fx = logic.handle(incoming("ics2.receipt", receipt("q2", c.lrn)), NOW)
    assert [o.id for o in fx.out if o.topic == "ics2.t2c"] == ["a1"]


def test_trader_amends_then_withdraws_after_its_mrn_without_waiting_for_answers() -> None:
    world = World(RunConfig(seed=3, traffic=Traffic(consignments=60, traders=6, amendment_share=1.0,
                                                    invalidation_share=1.0), params=Params()))  # fmt: skip
    trader = TraderLogic(world)
    c = next(x for x in world.consignments if x.amendments == 2)
    r01 = IE3R01(message_id="r", eori=c.trader, lrn=c.lrn, ref_message_id="f", mrn=MRN, registered_at=NOW)
    fx = trader.handle(incoming(f"edi.to_trader.{c.provider}", r01), NOW)
    changes = sorted((t for t in fx.timers if t.kind.startswith("change:")), key=lambda t: t.at)
    assert [t.kind for t in changes] == ["change:1", "change:2", "change:3"]
    lo, hi = world.config.params.change_after_s
    assert NOW + timedelta(seconds=lo) <= changes[0].at <= NOW + timedelta(seconds=hi)
    sent_msgs = [trader.on_timer(t, t.at).out[0].message for t in changes]
    assert [m.ce_type for m in sent_msgs] == ["IE3A10" if world.transport_by_id[c.transport_id].kind == "FERRY"
                                             else "IE3A51"] * 2 + ["IE3Q04"]  # fmt: skip
    assert [getattr(m, "sequence", 0) for m in sent_msgs] == [1, 2, 3]
    assert c not in world.units_on(c.transport_id)  # shut out: it does not travel


def test_a_world_without_changes_is_drawn_as_before() -> None:
    """No random draw for changes unless asked: the digest is that of the generator before they existed."""
    plain = World(RunConfig(seed=9, traffic=Traffic(consignments=50, traders=5)))
    assert all(c.amendments == 0 and not c.withdrawn for c in plain.consignments)
    fields = [(c.lrn, c.ready.isoformat(), c.unit_id, c.transport_document, c.sent_twice, c.invalid_rule)
              for c in plain.consignments]  # fmt: skip
    digest = hashlib.sha256(repr(fields).encode()).hexdigest()
    assert digest == "b682cb89955bbc7d35a09364d860be621ba64cdd06b11199e464b721515ff8d4"
