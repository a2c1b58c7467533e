"""National component outcomes are seeded per MRN; the smart border picks lanes from ENS state."""

from __future__ import annotations

from datetime import timedelta

from secours.effects import Incoming
from secours.wire import IE3N08, ArrivalDistribution, EloPairing, EnsDistribution
from secours.world import Params
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
