"""CID monitoring (PROCEDURES.md ICS2-FR-S2-AS-DOWN steps 1, 2, 5), the Commission relay, provider notices."""

from __future__ import annotations

from datetime import timedelta

from secours.effects import Effects
from secours.wire import ClientNotice, CustomsNotice, EuNotice, Heartbeat, MeteoAlert
from secours.world import Params, RunConfig, Traffic, World
from services.customs_desk_fr.logic import COMMISSION, CustomsDeskLogic
from services.edi_provider.logic import EdiProviderLogic
from services.eu_commission.logic import CommissionLogic
from tests.samples import NOW, WORLD
from tests.services.helpers import incoming, sent


def tick(desk: CustomsDeskLogic, fx: Effects, until_minutes: float) -> Effects:
    """Fire the desk's watch timers up to a time; what it published on the way. The monitoring is
    alive all along (a Commission system beats at every tick): silence is measured against it."""
    out = Effects()
    timers = list(fx.timers)
    while timers:
        timer = min(timers, key=lambda t: t.at)
        timers.remove(timer)
        if timer.at > NOW + timedelta(minutes=until_minutes):
            break
        pulse = Heartbeat(component="ics2_sti", at=timer.at)
        desk.handle(incoming("ops.health", pulse), timer.at)
        step = desk.on_timer(timer, timer.at)
        out.out.extend(step.out)
        timers.extend(step.timers)
    return out


def beat(minutes: float) -> Heartbeat:
    return Heartbeat(component="ics2_nes_fr", at=NOW + timedelta(minutes=minutes))


def test_silence_opens_an_alert_and_notifies_every_provider_and_the_commission() -> None:
    desk = CustomsDeskLogic(WORLD)
    fx = desk.start(NOW)
    out = tick(desk, fx, until_minutes=4)
    assert not out.out  # 4 minutes of silence: not yet (detect.self = 5 min)
    out = tick(desk, fx, until_minutes=7)
    (alert,) = sent(out, "meteo.alert")
    assert isinstance(alert, MeteoAlert) and alert.phase == "open" and alert.publisher == "CID"
    assert alert.services and alert.modes and alert.symptoms and alert.instructions
    notices = [m for m in sent(out, "customs.notice") if isinstance(m, CustomsNotice)]
    assert {n.to for n in notices} == {p.id for p in WORLD.providers} | {COMMISSION}
    assert {n.kind for n in notices} == {"outage"}


def test_the_portal_falling_silent_opens_an_alert_for_its_dti_users_only() -> None:
    """Seed 003: « panne du portail de la douane »; ECS-BS and the national component beat on."""
    world = World(RunConfig(seed=7, start=NOW, traffic=Traffic(consignments=10, providers=1, traders=2, exporters=2,
                                                                exports=4)))  # fmt: skip
    desk = CustomsDeskLogic(world)
    fx = desk.start(NOW)
    out = Effects()
    timers = list(fx.timers)
    while timers:
        timer = timers.pop(0)
        if timer.at > NOW + timedelta(minutes=10):
            break
        for component in ("ics2_sti", "ics2_nes_fr", "ecs_exit"):
            desk.handle(incoming("ops.health", Heartbeat(component=component, at=timer.at)), timer.at)
        step = desk.on_timer(timer, timer.at)
        out.out.extend(step.out)
        timers.extend(step.timers)
    (alert,) = sent(out, "meteo.alert")
    assert isinstance(alert, MeteoAlert) and alert.component == "douane_portal" and alert.modes == ("DTI",)
    assert "douane.gouv.fr" in alert.symptoms and not sent(out, "customs.notice")


def test_heartbeats_keep_it_quiet_and_their_return_ends_the_alert() -> None:
    desk = CustomsDeskLogic(WORLD)
    fx = desk.start(NOW)
    for m in range(0, 30):
        desk.handle(incoming("ops.health", beat(m), f"b{m}"), NOW + timedelta(minutes=m))
    assert not tick(desk, fx, until_minutes=30).out
    desk2 = CustomsDeskLogic(WORLD)
    fx2 = desk2.start(NOW)
    opened = tick(desk2, fx2, until_minutes=10)
    assert sent(opened, "meteo.alert")
    back = desk2.handle(incoming("ops.health", beat(60), "b60"), NOW + timedelta(minutes=60))
    (end,) = sent(back, "meteo.alert")
    assert isinstance(end, MeteoAlert) and end.phase == "end"
    assert {n.kind for n in sent(back, "customs.notice") if isinstance(n, CustomsNotice)} == {"recovery"}


def test_bulletins_while_the_alert_is_open() -> None:
    desk = CustomsDeskLogic(WORLD)
    out = tick(desk, desk.start(NOW), until_minutes=200)
    phases = [m.phase for m in sent(out, "meteo.alert") if isinstance(m, MeteoAlert)]
    assert phases[0] == "open" and phases.count("bip") >= 2


def test_commission_relays_cid_notices_to_member_states_once() -> None:
    logic = CommissionLogic(WORLD)
    n = CustomsNotice(notice_id="n1", to=COMMISSION, kind="outage", component="ics2_nes_fr", alert_id="A", sent_at=NOW)
    (notice,) = sent(logic.handle(incoming("customs.notices", n, "n1"), NOW), "eu.notice")
    assert isinstance(notice, EuNotice) and notice.kind == "start" and notice.audience == "MS"
    assert logic.handle(incoming("customs.notices", n, "n1"), NOW).out == []
    to_provider = n.model_copy(update={"to": "P001", "notice_id": "n2"})
    assert logic.handle(incoming("customs.notices", to_provider, "n2"), NOW).out == []


def test_provider_tells_each_client_with_the_fallback_arrangements_unless_staged_silent() -> None:
    provider = WORLD.providers[0]
    n = CustomsNotice(notice_id="n1", to=provider.id, kind="outage", component="ics2_nes_fr", alert_id="A", sent_at=NOW)
    logic = EdiProviderLogic(WORLD, WORLD.config.params)
    fx = logic.handle(incoming("customs.notices", n, "n1"), NOW)
    assert len(fx.timers) == len(WORLD.clients_of(provider.id))
    told = [m for t in fx.timers for m in sent(logic.on_timer(t, t.at), "client.notice")]
    assert {m.to for m in told if isinstance(m, ClientNotice)} == {c.eori for c in WORLD.clients_of(provider.id)}
    assert all(isinstance(m, ClientNotice) and m.procedure_info for m in told)
    silent = EdiProviderLogic(WORLD, WORLD.config.params.model_copy(update={"silent_providers": (provider.id,)}))
    assert silent.handle(incoming("customs.notices", n, "n1"), NOW).timers == []


def test_provider_tells_only_the_clients_whose_goods_enter_through_france_unless_staged_relay_all() -> None:
    """EU-C7: a French outage is not the concern of a haulier whose goods all enter the EU in Belgium."""
    world = World(RunConfig(seed=7, traffic=Traffic(consignments=60, providers=2, traders=5, foreign_entry_traders=1)))
    provider = world.providers[0]
    abroad = world.traders[0].eori
    assert world.traders[0].provider == provider.id
    n = CustomsNotice(notice_id="n1", to=provider.id, kind="outage", component="ics2_sti", alert_id="A", sent_at=NOW)

    def told(params: Params) -> set[str]:
        logic = EdiProviderLogic(world, params)
        fx = logic.handle(incoming("customs.notices", n, "n1"), NOW)
        notices = [m for t in fx.timers for m in sent(logic.on_timer(t, t.at), "client.notice")]
        return {m.to for m in notices if isinstance(m, ClientNotice)}

    clients = {c.eori for c in world.clients_of(provider.id)}
    assert told(world.config.params) == clients - {abroad}
    staged = world.config.params.model_copy(update={"eu_careless_providers": {provider.id: ("relay_all",)}})
    assert told(staged) == clients


def test_a_system_not_heard_from_before_the_day_starts_is_not_silent() -> None:
    """Services start a little before simulated time zero; silence counts from the day's start."""
    desk = CustomsDeskLogic(WORLD)
    early = WORLD.config.start - timedelta(minutes=15)
    fx = desk.start(early)
    step = desk.on_timer(fx.timers[0], WORLD.config.start - timedelta(minutes=1))
    other = Heartbeat(component="ics2_sti", at=WORLD.config.start - timedelta(minutes=1))
    desk.handle(incoming("ops.health", other), other.at)  # the monitoring's pulse is fresh
    assert not desk.on_timer(step.timers[0], WORLD.config.start).out
    late = WORLD.config.start + timedelta(minutes=6)
    desk.handle(incoming("ops.health", other.model_copy(update={"at": late})), late)
    assert sent(desk.on_timer(step.timers[0], late), "meteo.alert")  # silent since the start: an alert


def test_the_commission_declares_the_bcp_when_an_eu_component_falls_silent_and_the_cid_relays_it() -> None:
    commission = CommissionLogic(WORLD)
    fx = commission.start(NOW)
    timer = fx.timers[0]
    for minutes in range(1, 12):
        at = NOW + timedelta(minutes=minutes)
        for beating in ("ics2_tapas", "ics2_cr", "ics2_uumds"):  # TAPAS, the CR and UUM&DS beat
            commission.handle(incoming("ops.health", Heartbeat(component=beating, at=at)), at)
        step = commission.on_timer(timer, at)
        timer = step.timers[0]
        if step.out:
            break
    notices = [m for m in sent(step, "eu.notice") if isinstance(m, EuNotice)]
    assert {(n.component, n.kind) for n in notices} == {("ics2_sti", "start")}
    assert {n.audience for n in notices} == {"operators", "MS"}
    assert 5 < minutes <= 7  # the STI silent for detect.self (5 min), while the others kept beating
    assert not commission.on_timer(timer, timer.at).out  # declared once

    desk = CustomsDeskLogic(WORLD)
    desk.start(NOW)
    relay = desk.handle(incoming("eu.notices", next(n for n in notices if n.audience == "operators")), at)
    (alert,) = sent(relay, "meteo.alert")
    assert isinstance(alert, MeteoAlert) and alert.component == "ics2_sti" and alert.publisher == "CID"
    assert {m.to for m in sent(relay, "customs.notice") if isinstance(m, CustomsNotice)} == {
        p.id for p in WORLD.providers
    }  # the Commission knows already
    assert not desk.handle(incoming("eu.notices", next(n for n in notices if n.audience == "MS")), at).out

    back = NOW + timedelta(minutes=30)
    end = commission.handle(incoming("ops.health", Heartbeat(component="ics2_sti", at=back)), back)
    (over,) = [m for m in sent(end, "eu.notice") if isinstance(m, EuNotice) and m.audience == "operators"]
    assert over.kind == "end"
    ended = desk.handle(incoming("eu.notices", over), back)
    assert [m.phase for m in sent(ended, "meteo.alert") if isinstance(m, MeteoAlert)] == ["end"]
