"""The shipping company: a loading list of the trailers with no MRN paired after the deadline, once per sailing."""

from __future__ import annotations

from datetime import timedelta

from secours.effects import Timer
from secours.wire import EloPairing, LoadingList
from secours.world import Params, RunConfig, Traffic, World
from services.shipping_company.logic import CLD_DU_HAVRE, ShippingCompanyLogic
from tests.services.helpers import incoming, sent

TRAFFIC = Traffic(consignments=300, trailer_share=0.8, ferry_share=1.0)


def world(**params: object) -> World:
    return World(RunConfig(seed=7, traffic=TRAFFIC, params=Params.model_validate(params)))


def ferry_with_trailers(w: World) -> str:
    """A sailing carrying at least three trailers."""
    return next(tr.id for tr in w.transports if sum(c.unit_type == "TRAILER" for c in w.units_on(tr.id)) >= 3)


def check_timer(logic: ShippingCompanyLogic, transport_id: str) -> Timer:
    return next(t for t in logic.start(logic.world.config.start).timers if t.ref == transport_id)


def pair(unit_id: str) -> EloPairing:
    return EloPairing(elo_id="ELO1", unit_id=unit_id, transport_id="T", eori="FR1", lrn="L", mrn="26FR00000000000010",
                      paired_at=START)  # fmt: skip


START = world().config.start


def test_the_list_names_the_trailers_not_paired_ten_minutes_after_the_deadline() -> None:
    w = world()
    logic = ShippingCompanyLogic(w)
    tr = w.transport_by_id[ferry_with_trailers(w)]
    timer = check_timer(logic, tr.id)
    assert timer.at == tr.arrival - timedelta(hours=2) + timedelta(minutes=10)
    trailers = [c for c in w.units_on(tr.id) if c.unit_type == "TRAILER"]
    logic.handle(incoming("sb.elo", pair(trailers[0].unit_id)), timer.at)
    (listing,) = sent(logic.on_timer(timer, timer.at), "loading_list.sent")
    assert isinstance(listing, LoadingList)
    assert listing.to == CLD_DU_HAVRE and listing.carrier == tr.carrier
    assert (listing.ship_imo, listing.voyage) == (tr.identification, tr.conveyance_reference)
    assert [t.trn for t in listing.trailers] == [c.unit_id for c in trailers[1:]]
    assert {(t.lrn, t.filer) for t in listing.trailers} == {(c.lrn, c.trader) for c in trailers[1:]}
    assert logic.on_timer(timer, timer.at).out == []  # the same check again: one list per sailing


def test_no_list_when_every_trailer_is_paired() -> None:
    w = world()
    logic = ShippingCompanyLogic(w)
    transport_id = ferry_with_trailers(w)
    timer = check_timer(logic, transport_id)
    for c in w.units_on(transport_id):
        logic.handle(incoming("sb.elo", pair(c.unit_id)), timer.at)
    assert logic.on_timer(timer, timer.at).out == []


def test_staged_company_leaves_a_trailer_off_and_sends_after_the_arrival() -> None:
    w = world(partial_loading_lists=True, late_loading_lists=True)
    logic = ShippingCompanyLogic(w)
    tr = w.transport_by_id[ferry_with_trailers(w)]
    timer = check_timer(logic, tr.id)
    fx = logic.on_timer(timer, timer.at)
    assert fx.out == []
    (send,) = fx.timers
    assert send.at > tr.arrival
    (listing,) = sent(logic.on_timer(send, send.at), "loading_list.sent")
    assert isinstance(listing, LoadingList) and listing.sent_at == send.at
    trailers = sum(c.unit_type == "TRAILER" for c in w.units_on(tr.id))
    assert len(listing.trailers) == trailers - 1


def test_a_trailer_paired_after_its_deadline_is_late_all_the_same() -> None:
    """The rule of the seed: the ENS not lodged by the deadline. Paired between the deadline and the
    company's look, a trailer still goes on the list; paired by the deadline, it does not."""
    w = world()
    logic = ShippingCompanyLogic(w)
    tr = w.transport_by_id[ferry_with_trailers(w)]
    timer = check_timer(logic, tr.id)
    trailers = [c for c in w.units_on(tr.id) if c.unit_type == "TRAILER"]
    deadline = trailers[0].deadline
    for c in trailers:
        at = deadline - timedelta(minutes=1) if c is trailers[0] else deadline + timedelta(minutes=6)
        logic.handle(incoming("sb.elo", pair(c.unit_id).model_copy(update={"paired_at": at})), at)
    (listing,) = sent(logic.on_timer(timer, timer.at), "loading_list.sent")
    assert isinstance(listing, LoadingList)
    assert {t.trn for t in listing.trailers} == {c.unit_id for c in trailers[1:]}


def test_staged_company_leaves_off_a_ferrys_only_late_trailer_and_still_sends_its_list() -> None:
    """The staged breach shows on any day: with one trailer concerned, the list goes out naming none."""
    w = world(partial_loading_lists=True)
    logic = ShippingCompanyLogic(w)
    tr = w.transport_by_id[ferry_with_trailers(w)]
    timer = check_timer(logic, tr.id)
    trailers = [c for c in w.units_on(tr.id) if c.unit_type == "TRAILER"]
    for c in trailers[1:]:  # every trailer but the first paired in time
        logic.handle(incoming("sb.elo", pair(c.unit_id)), timer.at)
    (listing,) = sent(logic.on_timer(timer, timer.at), "loading_list.sent")
    assert isinstance(listing, LoadingList) and listing.transport_id == tr.id
    assert listing.trailers == ()
