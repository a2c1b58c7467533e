"""National component outcomes are seeded per MRN; the smart border picks lanes from ENS state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from secours.effects import Incoming
from secours.wire import IE3N08, ArrivalDistribution, EloPairing, EnsDistribution
from secours.world import Params, RunConfig, Traffic, World
from services.ics2_nes_fr.logic import NesFrLogic
from services.smart_border.logic import SmartBorderLogic
from tests.samples import NOW, WORLD, samples
from tests.services.helpers import incoming, sent

DIST = next(s for s in samples() if isinstance(s, EnsDistribution))


def test_referral_or_assessment_follows_the_rates() -> None:
    for rate, expected in ((1.0, "IE3Q02"), (0.0, "IE3N03")):
        logic = NesFrLogic(1, Params(referral_rate=rate))
        (timer,) = logic.handle(incoming("ics2.cr.distribution", DIST), NOW).timers
        (msg,) = logic.on_timer(timer, timer.at).out
        assert msg.message.ce_type == expected


def test_control_at_arrival_when_selected() -> None:
    logic = NesFrLogic(1, Params(control_rate=1.0, referral_rate=0.0))
    logic.handle(incoming("ics2.cr.distribution", DIST), NOW)
    arr = ArrivalDistribution(
        message_id="a",
        member_state="FR",
        arrival_mrn=DIST.mrn,
        office_of_first_entry="FR000001",
        actual_arrival=NOW,
        mrns=(DIST.mrn,),
    )
    (timer,) = logic.handle(incoming("ics2.cr.distribution", arr), NOW).timers
    (n08,) = sent(logic.on_timer(timer, timer.at), "IE3N08")
    assert isinstance(n08, IE3N08) and n08.office == "FR000001"


def test_staged_stalled_component_sits_on_buffered_presentations_only() -> None:
    """faulty_nes: [backlog_stalled]: a presentation that waited in an outage is processed
    backlog_stall_s after it is read; a fresh one at once."""
    logic = NesFrLogic(1, Params(faulty_nes=("backlog_stalled",), backlog_stall_s=5400.0))
    arr = ArrivalDistribution(
        message_id="a", member_state="FR", arrival_mrn=DIST.mrn, office_of_first_entry="FR000001",
        actual_arrival=NOW, mrns=(DIST.mrn,),
    )  # fmt: skip
    buffered = Incoming("ics2.cr.distribution", arr, "a", "test", NOW - timedelta(minutes=30))
    fx = logic.handle(buffered, NOW)
    assert not fx.out
    (timer,) = fx.timers
    assert timer.at == NOW + timedelta(seconds=5400)
    assert sent(logic.on_timer(timer, timer.at), "goods.presented")
    fresh = Incoming("ics2.cr.distribution", arr, "b", "test", NOW)
    assert sent(logic.handle(fresh, NOW), "goods.presented")


def test_lanes_green_orange_and_missing_ens() -> None:
    logic = SmartBorderLogic(WORLD)
    tr = next(t for t in WORLD.transports if len(WORLD.units_on(t.id)) >= 2)
    a, b = WORLD.units_on(tr.id)[:2]
    mrn_a = "26FRAAAAAAAAAAAAA0"
    pairing = EloPairing(
        elo_id=a.elo_id, unit_id=a.unit_id, transport_id=tr.id, eori=a.trader, lrn=a.lrn, mrn=mrn_a, paired_at=NOW
    )
    logic.handle(incoming("sb.elo", pairing, "p1"), NOW)
    fx = logic.on_timer(next(t for t in logic.start(NOW).timers if t.ref == tr.id), tr.arrival)
    (n06,) = sent(fx, "IE3N06")
    assert mrn_a in n06.mrns  # type: ignore[attr-defined]
    lanes = {}
    for timer in fx.timers:
        assert tr.arrival + timedelta(minutes=10) <= timer.at <= tr.arrival + timedelta(minutes=40)
        (event,) = logic.on_timer(timer, timer.at).out
        lanes[timer.ref] = (event.message.lane, event.message.reason)  # type: ignore[attr-defined]
    assert lanes[a.unit_id] == ("GREEN", "ok")
    assert lanes[b.unit_id] == ("ORANGE", "ens_missing")


def test_the_foreign_line_arrives_in_belgium_and_nothing_of_it_disembarks_at_the_french_border() -> None:
    """foreign_entry_traders: the first traders ship on the Hull-Zeebrugge line only, unloaded there;
    the carrier notifies that arrival to the Belgian office; no unit comes through the smart border."""
    world = World(RunConfig(seed=7, traffic=Traffic(consignments=80, providers=2, traders=6, foreign_entry_traders=2)))
    abroad = {tr.eori for tr in world.traders[:2]}
    mine = [c for c in world.consignments if c.trader in abroad]
    assert mine and all(not world.enters_through_france(c) and c.country_of_unloading == "BE" for c in mine)
    assert all(world.enters_through_france(c) for c in world.consignments if c.trader not in abroad)
    assert {c.trader for c in world.consignments if not world.enters_through_france(c)} == abroad
    logic = SmartBorderLogic(world)
    tr = world.transport_by_id[mine[0].transport_id]
    fx = logic.on_timer(next(t for t in logic.start(NOW).timers if t.ref == tr.id), tr.arrival)
    (n06,) = sent(fx, "IE3N06")
    assert n06.office_of_first_entry == "BE000001"  # type: ignore[attr-defined]
    assert sent(fx, "transport.arrived") and not fx.timers  # no disembarkation here
    with pytest.raises(ValidationError, match="foreign_entry_traders"):
        Traffic(traders=3, foreign_entry_traders=2, direct_filers=1)
