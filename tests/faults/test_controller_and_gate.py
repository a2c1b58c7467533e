"""Fault decisions without a broker: scopes, windows (TTL revert), triggers, the publish and consume gates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from secours.codec import Codec
from secours.drills.engine import systems_behind
from secours.effects import Incoming, Outgoing
from secours.errors import CodecError
from secours.faults.consume import ConsumeGate
from secours.faults.controller import FaultController, Verdict
from secours.faults.gate import PublishGate
from secours.faults.model import FAULT_KINDS, kind_class, parse_fault, parse_offset
from secours.topics import TopicCatalog
from secours.world import Params
from tests.samples import samples

T0 = datetime(2026, 3, 2, tzinfo=UTC)
CATALOG = TopicCatalog.load()
R01 = next(s for s in samples() if s.ce_type == "IE3R01")
ELO = next(s for s in samples() if s.ce_type == "elo.paired")


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def controller(*faults: dict[str, object]) -> FaultController:
    c = FaultController(T0, CATALOG)
    for f in faults:
        c.add(parse_fault(f))
    return c


def out(topic: str = "ics2.cr.out", source: str = "ics2_cr", msg: object = R01, ident: str = "m1") -> Outgoing:
    return Outgoing(topic, "L1", ident, source, msg, "L1")  # type: ignore[arg-type]


def test_offsets_and_windows() -> None:
    assert parse_offset("1h30m") == timedelta(minutes=90)
    with pytest.raises(ValueError, match="not a duration"):
        parse_offset("soon")
    f = parse_fault({"id": "a", "kind": "down", "scope": {"component": "ics2_sti"}, "start": "2h", "duration": "45m"})
    assert f.span(T0) == (at(2), at(2.75))
    with pytest.raises(ValidationError, match="not both"):
        parse_fault({"id": "b", "kind": "down", "start": "1h", "end": "2h", "duration": "1h"})
    with pytest.raises(ValidationError, match=r"scope\.link"):
        parse_fault({"id": "c", "kind": "link_cut"})


def test_fault_is_live_only_in_its_window_and_reverts_by_itself() -> None:
    c = controller({"id": "d", "kind": "down", "scope": {"component": "ics2_sti"}, "start": "1h", "end": "2h"})
    assert [a.fault.id for a in c.live(at(1.5))] == ["d"]
    assert c.live(at(0.9)) == [] and c.live(at(2.0)) == []


def test_clear_ends_a_fault_early() -> None:
    c = controller({"id": "d", "kind": "down", "scope": {"component": "ics2_sti"}, "start": "1h"})
    assert c.live(at(100))  # open-ended
    c.clear("d", at(3))
    assert c.live(at(2.5)) and not c.live(at(3))


def test_queue_replay_pauses_only_its_component() -> None:
    c = controller(
        {"id": "q", "kind": "queue_replay", "scope": {"component": "ics2_nes_fr"}, "start": "1h", "end": "2h"}
    )
    assert c.paused_until("ics2_nes_fr", at(1.5)) == at(2)
    assert c.paused_until("ics2_cr", at(1.5)) is None
    assert c.paused_until("ics2_nes_fr", at(2.1)) is None


def test_down_refuses_pushes_keeps_queued_input_and_error_answers_with_an_error() -> None:
    push = next(m for m in samples() if m.ce_type == "IE3F10")
    queued = Incoming("ics2.cr.out", R01, "m1", "ics2_cr", at(1))
    pushed = Incoming("ics2.t2c", push, "p1", "edi_provider:P001", at(1))
    c = controller({"id": "d", "kind": "down", "scope": {"component": "ics2_sti"}, "start": "1h", "end": "2h"})
    assert c.on_incoming("ics2_sti", pushed, at(1.5)).action == "drop"  # AS4 push: refused, sender retries
    assert c.on_incoming("ics2_sti", queued, at(1.5)).action == "hold"  # CR answers wait for the STI
    assert c.on_incoming("ics2_sti", pushed, at(2.5)).action == "process"
    assert c.on_incoming("ics2_cr", queued, at(1.5)).action == "process"
    assert c.timers_paused_until("ics2_sti", at(1.5)) == at(2)
    e = controller({"id": "e", "kind": "error", "scope": {"component": "ics2_sti"}, "start": "1h", "end": "2h"})
    assert e.on_incoming("ics2_sti", queued, at(1.5)).action == "error"


def test_a_refusing_system_behind_the_sti_refuses_its_pushes_there_and_a_queuing_one_does_not() -> None:
    """Seed 000 scenario 2: the Automate de sûreté down refuses the ENS of goods entering France,
    which the STI takes for it; goods entering elsewhere, and a queuing AS, leave the STI alone."""
    french = next(m for m in samples() if m.ce_type == "IE3F10")
    elsewhere = french.model_copy(update={"office_of_first_entry": "BE101000"})
    params = Params()
    down = controller({"id": "as", "kind": "down", "scope": {"component": "ics2_nes_fr"}, "start": "1h", "end": "2h"})
    down.systems_behind = systems_behind(params)
    push = Incoming("ics2.sti.in", french, "p1", "ics2_tapas", at(1))
    assert down.on_incoming("ics2_sti", push, at(1.5)) == Verdict("drop", "as")  # no receipt: the provider retries
    assert down.on_incoming("ics2_sti", push, at(2.5)).action == "process"  # back: taken
    other = Incoming("ics2.sti.in", elsewhere, "p2", "ics2_tapas", at(1))
    assert down.on_incoming("ics2_sti", other, at(1.5)).action == "process"
    queuing = controller(
        {"id": "q", "kind": "queue_replay", "scope": {"component": "ics2_nes_fr"}, "start": "1h", "end": "2h"}
    )
    queuing.systems_behind = systems_behind(params)
    assert queuing.on_incoming("ics2_sti", push, at(1.5)).action == "process"  # receipts given, processing held
    # UUM&DS stands in front of the portal only, unless a faulty STI is staged (uumds_blocks_s2s).
    uumds = {"id": "u", "kind": "down", "scope": {"component": "ics2_uumds"}, "start": "1h", "end": "2h"}
    portal_only = controller(uumds)
    portal_only.systems_behind = systems_behind(params)
    assert portal_only.on_incoming("ics2_sti", other, at(1.5)).action == "process"
    blocking = controller(uumds)
    blocking.systems_behind = systems_behind(Params(uumds_blocks_s2s=True))
    assert blocking.on_incoming("ics2_sti", other, at(1.5)) == Verdict("drop", "u")


def test_eori_scope_matches_records_of_that_eori_only() -> None:
    eori = R01.eori  # type: ignore[attr-defined]
    scope = {"component": "trader", "eori": eori}
    c = controller({"id": "t", "kind": "down", "scope": scope, "start": "1h", "end": "2h"})
    c.actors_of = lambda service, incoming: {f"trader:{incoming.message.eori}"}  # type: ignore[attr-defined]
    assert c.on_incoming("trader", Incoming("edi.to_trader.P001", R01, "x", "", None), at(1.5)).action == "hold"
    other = R01.model_copy(update={"eori": "FR00000000000001"})
    assert c.on_incoming("trader", Incoming("edi.to_trader.P001", other, "y", "", None), at(1.5)).action == "process"


def test_nth_message_trigger() -> None:
    c = controller({"id": "n", "kind": "drop", "scope": {"topic": "ics2.cr.out"}, "start": "0s", "after_messages": 3})
    plans = [c.on_outgoing("ics2_cr", out(ident=str(i)), at(1)) for i in range(5)]
    assert [len(p) for p in plans] == [1, 1, 0, 0, 0]


def test_drop_probability_is_seeded() -> None:
    spec = {"id": "p", "kind": "drop", "scope": {"topic": "ics2.cr.out"}, "probability": 0.5, "seed": 3}
    kept = [len(controller(spec).on_outgoing("ics2_cr", out(ident=str(i)), at(1))) for i in range(200)]
    again = [len(controller(spec).on_outgoing("ics2_cr", out(ident=str(i)), at(1))) for i in range(200)]
    assert kept == again
    assert 60 < sum(kept) < 140


def test_gate_holds_delays_duplicates_corrupts_and_releases() -> None:
    latency = {
        "id": "l",
        "kind": "latency",
        "scope": {"topic": "ics2.cr.out"},
        "start": "1h",
        "end": "2h",
        "delay_s": 600,
    }
    gate = PublishGate("ics2_cr", controller(latency))
    assert gate.submit(out(), at(1.5)) == []
    assert gate.next_due() == at(1.5) + timedelta(seconds=600)
    assert gate.due(at(1.5) + timedelta(seconds=599)) == []
    assert len(gate.due(at(1.5) + timedelta(seconds=600))) == 1
    assert len(gate.submit(out(), at(2.5))) == 1  # window over: no delay

    dup = PublishGate("ics2_cr", controller({"id": "u", "kind": "duplicate", "scope": {"topic": "ics2.cr.out"}}))
    assert len(dup.submit(out(), at(1))) == 2

    bad = PublishGate("ics2_cr", controller({"id": "c", "kind": "corrupt", "scope": {"topic": "ics2.cr.out"}}))
    (rel,) = bad.submit(out(), at(1))
    assert rel.corrupt


def test_down_actor_holds_its_output_until_recovery() -> None:
    spec = {"id": "d", "kind": "down", "scope": {"actor": "trader:X"}, "start": "1h", "end": "2h"}
    gate = PublishGate("trader", controller(spec))
    assert gate.submit(out("sb.elo", "trader:X", ELO), at(1.5)) == []
    assert len(gate.submit(out("sb.elo", "trader:Y", ELO), at(1.5))) == 1
    assert gate.next_due() == at(2)
    assert len(gate.due(at(2))) == 1


def test_a_system_down_leaves_its_people_s_channels_working() -> None:
    spec = {"id": "d", "kind": "down", "scope": {"actor": "edi_provider:P001"}, "start": "1h", "end": "2h"}
    c = controller(spec)
    gate = PublishGate("edi_provider", c)
    da = next(s for s in samples() if s.ce_type == "olga.da")
    assert len(gate.submit(out("olga.requests", "edi_provider:P001", da), at(1.5))) == 1  # the OLGA web form
    assert gate.submit(out("ics2.t2c", "edi_provider:P001"), at(1.5)) == []  # the platform: held
    # Only the service hosting the actor stops reading for it: the smart border still reads the queue.
    r01 = Incoming("ics2.c2t.FR1", R01, "i", "ics2_sti", at(1.5))
    actors = FaultController(T0, CATALOG, lambda service, incoming: {"edi_provider:P001"})
    actors.add(parse_fault(spec))
    assert actors.on_incoming("edi_provider", r01, at(1.5)).action == "hold"
    assert actors.on_incoming("smart_border", r01, at(1.5)).action == "process"
    assert c.own_outage("edi_provider", c.faults["d"]) == "edi_provider:P001"
    assert c.own_outage("trader", c.faults["d"]) is None


def test_link_cut_holds_only_records_towards_the_cut_component() -> None:
    spec = {"id": "k", "kind": "link_cut", "scope": {"link": ["ics2_cr", "ics2_nes_fr"]}, "start": "1h", "end": "2h"}
    gate = PublishGate("ics2_cr", controller(spec))
    dist = next(s for s in samples() if s.ce_type == "cr.distribution")
    assert gate.submit(out("ics2.cr.distribution", msg=dist), at(1.5)) == []  # read by ics2_nes_fr: held
    assert len(gate.submit(out("ics2.cr.out"), at(1.5))) == 1  # read by ics2_sti: flows


def test_reorder_shuffles_within_its_window_and_flushes_at_the_end() -> None:
    spec = {"id": "r", "kind": "reorder", "scope": {"topic": "ics2.cr.out"}, "start": "1h", "end": "2h", "window": 4}
    gate = PublishGate("ics2_cr", controller(spec))
    released = []
    for i in range(8):
        released += [r.out.id for r in gate.submit(out(ident=str(i)), at(1.5))]
    assert sorted(released) == [str(i) for i in range(8)]
    assert released != [str(i) for i in range(8)]  # seed 0 shuffles these two windows
    assert gate.submit(out(ident="x"), at(1.6)) == []  # buffered
    assert [r.out.id for r in gate.due(at(2))] == ["x"]  # the window closed: the rest leaves


def test_corrupted_bytes_keep_the_header_and_break_the_body() -> None:
    codec = Codec()
    data = codec.encode(R01)
    broken = PublishGate.corrupt(data)
    assert broken[:10] == data[:10] and broken != data
    with pytest.raises(CodecError):
        codec.decode(broken)


def test_a_web_portal_works_for_users_whose_system_is_down_not_when_the_system_serving_it_is() -> None:
    lodging = next(s for s in samples() if s.ce_type == "lu.declaration").model_copy(update={"channel": "NTP"})
    on_portal = Incoming("lu.ntp", lodging, "n1", "lu_operator:LU12345678", at(1))
    luccs_down = controller({"id": "f", "kind": "down", "scope": {"component": "luccs"}, "start": "0s"})
    assert luccs_down.on_incoming("luccs", on_portal, at(1)).action == "drop"  # refused: the portal is LUCCS's
    operator_down = controller({"id": "e", "kind": "down", "scope": {"actor": "lu_operator:LU12345678"}})
    sent = Outgoing("lu.ntp", "LU12345678", "n1", "lu_operator:LU12345678", lodging, "D1")
    assert [form for _, form, _ in operator_down.on_outgoing("lu_operator", sent, at(1))] == ["as_is"]
    assert operator_down.on_outgoing("lu_operator", sent, at(1))[0][0] == at(1)  # sent now, by hand
    b2g = Outgoing("lu.b2g", "LU12345678", "b1", "lu_operator:LU12345678", lodging, "D1")
    assert operator_down.on_outgoing("lu_operator", b2g, at(1))[0][0] > at(1)  # its own B2G system: held


def test_consume_gate_holds_what_a_fault_holds_and_hands_it_back_once_it_ends() -> None:
    c = controller(
        {"id": "d", "kind": "down", "scope": {"component": "ics2_sti"}, "start": "1h", "duration": "1h"},
        {"id": "q", "kind": "queue_replay", "scope": {"component": "ics2_cr"}, "start": "1h", "duration": "2h"},
    )
    queued = Incoming("ics2.cr.out", R01, "x", "", None)
    sti, cr, none = ConsumeGate("ics2_sti", c), ConsumeGate("ics2_cr", c), ConsumeGate("ics2_sti", None)
    assert sti.admit(queued, at(1.5)).action == "hold" and sti.held_until() == at(2)
    assert sti.released(at(1.9)) == [] and sti.state() == [("d", queued)]
    assert sti.released(at(2)) == [queued] and not sti.held and sti.held_until() is None
    assert sti.timers_paused(at(1.5)) and not sti.timers_paused(at(2)) and sti.timer_at(at(1.2)) == at(2)
    assert sti.paused_until(at(1.5)) is None  # down: input is read (and refused or held), not left in Kafka
    assert cr.paused_until(at(1.5)) == at(3)  # queuing: nothing is read
    assert none.admit(queued, at(1.5)).action == "process" and none.timer_at(at(1.2)) == at(1.2)


def test_every_kind_is_one_registered_class_that_answers_for_itself() -> None:
    assert all(kind_class(k) is not None for k in FAULT_KINDS)
    assert len(set(FAULT_KINDS)) == 13 and kind_class("nonsense") is None
    assert {k for k in FAULT_KINDS if (cls := kind_class(k)) and cls.simulator} == {
        "crash",
        "broker_pause",
        "broker_kill",
    }
    assert {k for k in FAULT_KINDS if (cls := kind_class(k)) and cls.wall_time} == {
        "broker_pause",
        "broker_kill",
        "network",
    }
    crash = parse_fault({"id": "c", "kind": "crash", "scope": {"actor": "trader:FR1"}})
    assert crash.scope_problem() == "fault c: a crash needs scope.component (the service that dies)"
    kill = parse_fault({"id": "k", "kind": "broker_kill"})
    assert kill.unsupported("kafka", False) is None and "Apache Kafka" in (kill.unsupported("tansu", True) or "")
    assert "not --bootstrap" in (kill.unsupported(None, True) or "")
