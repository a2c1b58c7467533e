"""EDI provider: push, retry until the means of transport arrives, relay answers to the right client."""

from __future__ import annotations

from datetime import datetime, timedelta

from secours.effects import Incoming
from secours.wire import IE3R01, As4Receipt, EnsFiling
from services.edi_provider.logic import EdiProviderLogic
from tests.samples import MRN, WORLD, ens
from tests.services.helpers import incoming


def provider() -> EdiProviderLogic:
    return EdiProviderLogic(WORLD, WORLD.config.params)


def test_push_then_receipt_stops_retries() -> None:
    logic, f = provider(), ens(0)
    now = f.issued_at
    fx = logic.handle(incoming(f"edi.to_provider.{WORLD.consignments[0].provider}", f), now)
    assert [o.topic for o in fx.out] == ["ics2.t2c"]
    assert fx.out[0].source == f"edi_provider:{WORLD.consignments[0].provider}"
    (timer,) = fx.timers
    receipt = As4Receipt(
        receipt_id="r", ref_message_id=f.message_id, action="IE3F10", eori="x", lrn=f.lrn, received_at=now
    )
    logic.handle(incoming("ics2.receipt", receipt), now)
    assert logic.on_timer(timer, timer.at).out == []


def test_keeps_retrying_with_the_same_message_then_slower_after_the_arrival() -> None:
    """Until the transport arrives, every retry gap; after it, the slower after-arrival pace, until
    customs takes the ENS (it is lodged once customs is back) or a day has passed."""
    logic, f = provider(), ens(0)
    params = WORLD.config.params
    now = f.issued_at
    fx = logic.handle(incoming(f"edi.to_provider.{WORLD.consignments[0].provider}", f), now)
    timer = fx.timers[0]
    before, after = [], []
    while True:
        fx = logic.on_timer(timer, timer.at)
        pushed = [o for o in fx.out if o.topic == "ics2.t2c"]
        if not pushed:
            break
        assert pushed[0].message == f and pushed[0].id == f.message_id  # AS4 retry: same message id
        retry = next(t for t in fx.timers if t.kind == "retry")
        (before if timer.at < f.estimated_arrival else after).append((retry.at - timer.at).total_seconds())
        timer = retry
    assert len(before) > 2 and max(before) <= params.retry_gap_s
    assert after and min(after) == max(after) == params.after_arrival_retry_s
    assert timer.at >= now + timedelta(hours=24)  # given up only after a day


def test_relays_queue_messages_to_the_client_once() -> None:
    logic = provider()
    trader = WORLD.traders[0]
    r01 = IE3R01(
        message_id="m", ref_message_id="x", eori=trader.eori, lrn="L1", mrn=MRN, registered_at=ens(0).issued_at
    )
    fx = logic.handle(incoming(f"ics2.c2t.{trader.eori}", r01), r01.registered_at)
    assert [(o.topic, o.message) for o in fx.out] == [(f"edi.to_trader.{trader.provider}", r01)]
    assert logic.handle(incoming(f"ics2.c2t.{trader.eori}", r01), r01.registered_at).out == []


def retried_until(logic: EdiProviderLogic, f: EnsFiling) -> tuple[datetime, set[float]]:
    """Push ``f`` with no receipt ever coming: when the provider stops trying, and the gaps between its
    pushes once the transport has arrived."""
    timer = logic.handle(incoming(f"edi.to_provider.{WORLD.consignments[0].provider}", f), f.issued_at).timers[0]
    after: set[float] = set()
    while True:
        fx = logic.on_timer(timer, timer.at)
        retry = [t for t in fx.timers if t.kind == "retry"]
        if not retry:
            return timer.at, after
        if timer.at >= f.estimated_arrival:
            after.add((retry[0].at - timer.at).total_seconds())
        timer = retry[0]


def test_goods_unloaded_elsewhere_are_sent_again_past_the_arrival_and_left_out_of_requests() -> None:
    """Scope rule SC1: the smart-border rules (pushed every few minutes until the arrival, French DA) are for
    goods unloaded in France; either is lodged once customs is back, the French at the after-arrival pace."""
    params = WORLD.config.params
    french, elsewhere = ens(0), ens(0).model_copy(update={"country_of_unloading": "BE"})
    until, gaps = retried_until(provider(), french)
    assert until > french.estimated_arrival + timedelta(hours=12) and gaps == {params.after_arrival_retry_s}
    until, gaps = retried_until(provider(), elsewhere)
    assert until > elsewhere.estimated_arrival + timedelta(hours=12) and gaps == {params.retry_gap_s}
    logic = provider()
    owner = WORLD.consignments[0].provider
    logic.handle(incoming(f"edi.to_provider.{owner}", elsewhere), elsewhere.issued_at)
    assert logic.holding(owner) == {}
    blind = EdiProviderLogic(WORLD, WORLD.config.params.model_copy(update={"scope_blind_providers": (owner,)}))
    blind.handle(incoming(f"edi.to_provider.{owner}", elsewhere), elsewhere.issued_at)
    assert blind.holding(owner) == {elsewhere.declarant.eori: [elsewhere.lrn]}


def careless(*lapses: str) -> tuple[EdiProviderLogic, str]:
    """A provider staged with ``lapses`` (eu_careless_providers), and its id."""
    p = WORLD.consignments[0].provider
    params = WORLD.config.params.model_copy(update={"eu_careless_providers": {p: lapses}})
    return EdiProviderLogic(WORLD, params), p


def test_staged_renumbering_provider_retries_under_a_new_lrn() -> None:
    (logic, p), f = careless("renumber"), ens(0)
    fx = logic.handle(incoming(f"edi.to_provider.{p}", f), f.issued_at)
    (timer,) = fx.timers
    fx = logic.on_timer(timer, timer.at)
    (push,) = [o for o in fx.out if o.topic == "ics2.t2c"]
    assert isinstance(push.message, EnsFiling) and push.message.lrn == f"{f.lrn}R2"
    assert push.id == f.message_id  # the same message, renumbered


def test_staged_late_replaying_provider_waits_with_what_its_outage_held() -> None:
    (logic, p), f = careless("late_replay"), ens(0)
    held = Incoming(f"edi.to_provider.{p}", f, f.message_id, "test", f.issued_at)
    now = f.issued_at + timedelta(hours=1)  # read once the provider is back
    fx = logic.handle(held, now)
    assert not fx.out
    (timer,) = fx.timers
    assert timer.kind == "replay" and timer.at == now + timedelta(seconds=WORLD.config.params.backlog_stall_s)
    assert [o.topic for o in logic.on_timer(timer, timer.at).out] == ["ics2.t2c"]


def test_staged_double_replaying_provider_sends_a_held_ens_again_after_its_receipt() -> None:
    (logic, p), f = careless("double_replay"), ens(0)
    now = f.issued_at + timedelta(hours=1)
    logic.handle(Incoming(f"edi.to_provider.{p}", f, f.message_id, "test", f.issued_at), now)
    receipt = As4Receipt(
        receipt_id="r", ref_message_id=f.message_id, action="IE3F10", eori="x", lrn=f.lrn, received_at=now
    )
    fx = logic.handle(incoming("ics2.receipt", receipt), now)
    (again,) = [o for o in fx.out if o.topic == "ics2.t2c"]
    assert again.message.lrn == f.lrn and again.id != f.message_id


def test_staged_holding_provider_keeps_new_ens_back_until_an_mrn_comes() -> None:
    (logic, p), first, second = careless("hold_back"), ens(0), ens(1)
    now = first.issued_at
    logic.handle(incoming(f"edi.to_provider.{p}", first), now)
    receipt = As4Receipt(
        receipt_id="r", ref_message_id=first.message_id, action="IE3F10", eori="x", lrn=first.lrn, received_at=now
    )
    no_mrn = next(t for t in logic.handle(incoming("ics2.receipt", receipt), now).timers if t.kind == "no_mrn")
    logic.on_timer(no_mrn, no_mrn.at)
    assert not logic.handle(incoming(f"edi.to_provider.{p}", second), no_mrn.at).out
    trader = WORLD.trader_by_eori[WORLD.consignments[0].trader]
    r01 = IE3R01(message_id="m", ref_message_id="x", eori=trader.eori, lrn=first.lrn, mrn=MRN,
                 registered_at=no_mrn.at)  # fmt: skip
    fx = logic.handle(incoming(f"ics2.c2t.{trader.eori}", r01), no_mrn.at)
    assert [o.message.lrn for o in fx.out if o.topic == "ics2.t2c"] == [second.lrn]


def test_a_staged_idle_provider_leaves_aside_what_waited_for_its_platform() -> None:
    """ics2_fr_s1_idle_providers: an order handed over long before it is read (held by the provider's
    own outage) is never lodged; one read at once is pushed as usual."""
    f = ens(0)
    p = WORLD.consignments[0].provider
    idle = EdiProviderLogic(WORLD, WORLD.config.params.model_copy(update={"ics2_fr_s1_idle_providers": (p,)}))
    handed = Incoming(f"edi.to_provider.{p}", f, f.message_id, f"trader:{f.declarant.eori}", f.issued_at)
    assert idle.handle(handed, f.issued_at + timedelta(minutes=90)).out == []
    assert [o.topic for o in idle.handle(handed, f.issued_at + timedelta(seconds=5)).out] == ["ics2.t2c"]
    assert [o.topic for o in provider().handle(handed, f.issued_at + timedelta(minutes=90)).out] == ["ics2.t2c"]
