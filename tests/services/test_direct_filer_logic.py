"""A direct filer (its own STI connection, no provider) whose system fails deals with customs itself."""

from __future__ import annotations

from datetime import timedelta

from secours.effects import Effects, Timer
from secours.wire import OlgaDa, ProviderContact, SauContact
from secours.world import Params, RunConfig, Traffic, World
from services.trader.logic import TraderLogic
from tests.services.helpers import sent

TRAFFIC = Traffic(consignments=200, providers=2, traders=8, direct_filers=2, first_arrival_hour=2, last_arrival_hour=10)


def world(**params: object) -> World:
    return World(RunConfig(seed=11, traffic=TRAFFIC, params=Params.model_validate(params)))


def fire(logic: TraderLogic, fx: Effects, kind: str) -> Effects:
    timer = next(t for t in fx.timers if t.kind == kind)
    return logic.on_timer(timer, timer.at)


def test_the_direct_filer_files_a_complete_request_then_reports_the_recovery() -> None:
    w = world()
    direct = w.traders[-1]
    assert w.direct_filer(direct.eori) and not w.direct_filer(w.traders[0].eori)
    logic = TraderLogic(w)
    now = w.config.start + timedelta(hours=1)
    down = logic.on_timer(Timer(now, "own_outage", f"trader:{direct.eori}"), now)
    assert sent(down, "provider.contacted") == []  # no provider to call
    filed = fire(logic, down, "direct_da")
    (da,) = sent(filed, "olga.da")
    assert isinstance(da, OlgaDa) and filed.out[0].topic == "olga.requests"
    assert (da.filer, da.filer_role, da.kind) == (direct.eori, "trader", "client_outage")
    assert da.since == now - timedelta(seconds=w.config.params.detect_self_s)
    assert da.estimated_duration == "about 2 hours" and da.entry_office.startswith("FR")
    mine = [c for c in w.consignments if c.trader == direct.eori]
    arrival = {c.lrn: w.transport_by_id[c.transport_id].arrival for c in mine}
    soon = {lrn for lrn, t in arrival.items() if da.filed_at <= t <= da.filed_at + timedelta(hours=12)}
    assert set(da.declarations) == soon and soon
    assert len(da.transports) == len({c.transport_id for c in mine if c.lrn in soon})
    back = logic.on_timer(Timer(now + timedelta(hours=2), "own_recovery", f"trader:{direct.eori}"), now)
    (report,) = sent(fire(logic, back, "direct_report"), "sau.contact")
    assert isinstance(report, SauContact) and report.da_id == da.da_id and report.purpose == "report"


def test_a_trader_with_a_provider_still_calls_it() -> None:
    w = world()
    logic = TraderLogic(w)
    now = w.config.start
    (call,) = sent(logic.on_timer(Timer(now, "own_outage", f"trader:{w.traders[0].eori}"), now), "provider.contacted")
    assert isinstance(call, ProviderContact)


def test_staged_vague_request_has_no_duration_and_no_transports() -> None:
    direct = world().traders[-1]
    logic = TraderLogic(world(vague_da_traders=[direct.eori]))
    now = logic.world.config.start + timedelta(hours=1)
    down = logic.on_timer(Timer(now, "own_outage", f"trader:{direct.eori}"), now)
    (da,) = sent(fire(logic, down, "direct_da"), "olga.da")
    assert isinstance(da, OlgaDa) and da.estimated_duration == "" and da.transports == ()


def test_a_staged_late_lodging_filer_lodges_what_its_outage_held_well_after_the_recovery() -> None:
    """late_lodging_traders: an ENS ready while the filer's system is down waits backlog_stall_s
    after the recovery; one ready after it leaves at once."""
    direct = world().traders[-1]
    w = world(late_lodging_traders=(direct.eori,), backlog_stall_s=5400.0)
    logic = TraderLogic(w)
    c = next(c for c in w.consignments if c.trader == direct.eori)
    down_at = c.ready - timedelta(minutes=10)
    logic.on_timer(Timer(down_at, "own_outage", f"trader:{direct.eori}"), down_at)
    assert logic.on_timer(Timer(c.ready, "ready", c.lrn), c.ready).out == []
    back = c.ready + timedelta(minutes=30)
    late = next(t for t in logic.on_timer(Timer(back, "own_recovery", f"trader:{direct.eori}"), back).timers
                if t.kind == "late_ready")  # fmt: skip
    assert late.ref == c.lrn and late.at == back + timedelta(seconds=5400)
    assert [o.topic for o in logic.on_timer(late, late.at).out] == [f"edi.to_provider.{c.provider}"]
