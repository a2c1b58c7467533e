"""ECS exit: ECS-BS's movements and states, the export office's certification, the exit office's
fallback block and reintegration, and an exporter's choices when a notification gets no answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from secours.effects import Timer
from secours.errors import RejectedInput
from secours.wire import (
    EadPresented,
    EadStamped,
    EcsMovement,
    EcsMsg,
    MeteoAlert,
    OfficeInformed,
    OlgaAck,
    OlgaDa,
)
from secours.world import RunConfig, Traffic, World
from services.douane_portal.logic import PortalLogic
from services.ecs_exit.logic import EcsExitLogic
from services.ecs_export.logic import EcsExportLogic
from services.exit_office.logic import ExitOfficeLogic
from services.exporter.logic import ExporterLogic
from tests.services.helpers import incoming, sent

T0 = datetime(2026, 3, 2, 6, tzinfo=UTC)
TRAFFIC = Traffic(consignments=10, traders=3, providers=1, exporters=4, exports=20, prodouane_share=0.0)
WORLD = World(RunConfig(seed=5, start=T0, duration_hours=7, traffic=TRAFFIC))
PORT = next(m for m in WORLD.exports if not m.land)
DEFERRED = next(m for m in WORLD.exports if m.deferred)
WORLD_EXPORTERS = {e.eori: e for e in WORLD.exporters}
ALERT = MeteoAlert(alert_id="ALR-1", phase="open", services=("ECS-BS",), modes=("EDI", "DTI"), component="ecs_exit",
                   symptoms="s", instructions="i", publisher="CID", published_at=T0)  # fmt: skip


def msg(ie: str, mrn: str, by: str = "operator", at: datetime = T0) -> EcsMsg:
    return EcsMsg(msg_id=f"{ie}-{mrn}-{by}", ie=ie, mrn=mrn, by=by, channel="EDI", reintegration=False,  # type: ignore[arg-type]
                  event_time=at, office="FR000020", sent_at=at)  # fmt: skip


def test_ecs_bs_creates_the_movement_then_records_arrival_and_exit_once() -> None:
    ecs = EcsExitLogic()
    move = EcsMovement(mrn=PORT.mrn, exporter=PORT.exporter, exit_office=PORT.exit_office, validated_at=T0)
    fx = ecs.handle(incoming("ecs.delta", move), T0)
    assert [m.ie for m in sent(fx, "ecs.msg")] == ["IE501"]  # type: ignore[attr-defined]
    assert [s.state for s in sent(fx, "ecs.state")] == ["AER_ARRIVE"]  # type: ignore[attr-defined]
    arrived = ecs.handle(incoming("ecs.in", msg("IE507", PORT.mrn)), T0)
    again = ecs.handle(incoming("ecs.in", msg("IE507", PORT.mrn, "service")), T0)  # a reintegration on top
    assert [s.state for s in sent(arrived, "ecs.state")] == ["ETAT_STOCKE"] and not again.out  # type: ignore[attr-defined]
    left = ecs.handle(incoming("ecs.in", msg("EXIT_ANN", PORT.mrn)), T0)
    assert [m.ie for m in sent(left, "ecs.msg")] == ["IE518"]  # type: ignore[attr-defined]
    with pytest.raises(RejectedInput, match="no such movement"):
        ecs.handle(incoming("ecs.in", msg("IE507", "26FRNOSUCHMOVEMENT")), T0)


def test_the_export_office_certifies_the_exit_once() -> None:
    office = EcsExportLogic(WORLD)
    results = msg("IE518", PORT.mrn, "auto")
    fx = office.handle(incoming("ecs.out", results), T0)
    assert [m.ie for m in sent(fx, "ecs.msg")] == ["IE599"]  # type: ignore[attr-defined]
    assert not office.handle(incoming("ecs.out", results), T0).out


def office_in_fallback() -> tuple[ExitOfficeLogic, EadPresented]:
    """An exit office under an ECS-BS alert, and a deferred exit's EAD handed in at its counter."""
    office = ExitOfficeLogic(WORLD)
    office.handle(incoming("meteo", ALERT), T0)
    p = EadPresented(presentation_id="p", mrn=DEFERRED.mrn, office=DEFERRED.exit_office, channel="counter",
                     by=DEFERRED.exporter, step="arrival", at=T0)  # fmt: skip
    return office, p


def test_the_exit_office_stamps_in_fallback_and_reintegrates_with_the_stamps_times() -> None:
    office, p = office_in_fallback()
    (handling,) = office.handle(incoming("ecs.counter", p), T0).timers
    fx = office.on_timer(handling, handling.at)
    (stamp,) = sent(fx, "ead.stamped")
    assert isinstance(stamp, EadStamped) and stamp.stamp == "ND" and stamp.mention == f"présenté le {T0:%d/%m/%Y}"
    assert {m.ce_type for m in (o.message for o in fx.out)} >= {
        "ead.returned",
        "ead.copy_kept",
        "bs.reintegration_notice",
    }
    end = handling.at + timedelta(hours=1)
    (later,) = office.handle(incoming("meteo", ALERT.model_copy(update={"phase": "end"})), end).timers
    (arrival,) = sent(office.on_timer(later, later.at), "ecs.msg")
    assert isinstance(arrival, EcsMsg) and (arrival.ie, arrival.by, arrival.reintegration) == ("IE507", "service", True)
    assert arrival.event_time == handling.at  # the stamp's time, not the reintegration's
    # The goods leave once ECS-BS is back: the exit is recorded in the system, not stamped.
    out = p.model_copy(update={"presentation_id": "p2", "step": "exit"})
    (handling,) = office.handle(incoming("ecs.counter", out), later.at).timers
    fx = office.on_timer(handling, handling.at)
    assert [(m.ie, m.reintegration) for m in sent(fx, "ecs.msg")] == [("EXIT_ANN", False)]  # type: ignore[attr-defined]
    assert not sent(fx, "ead.stamped")


def test_an_ead_presented_twice_is_seen_by_an_officer_once() -> None:
    # Delivered twice (read again after a restart, or resent by an exporter back from a checkpoint):
    # one officer, one stamp; the second copy schedules nothing, before or after the first is handled.
    office, p = office_in_fallback()
    (handling,) = office.handle(incoming("ecs.counter", p), T0).timers
    assert not office.handle(incoming("ecs.counter", p), T0).timers
    assert len(sent(office.on_timer(handling, handling.at), "ead.stamped")) == 1
    assert not office.handle(incoming("ecs.counter", p), handling.at).timers


def test_an_exporter_whose_notification_fails_uses_the_fallback_block_once_the_alert_is_out() -> None:
    exporter = ExporterLogic(WORLD)
    fx = exporter.on_timer(Timer(PORT.arrival, "arrive", PORT.mrn), PORT.arrival)
    assert [o.message.ce_type for o in fx.out] == ["exit.arrived", "ecs.msg"]
    (check,) = fx.timers
    exporter.handle(incoming("meteo", ALERT), check.at)
    fx = exporter.on_timer(check, check.at)
    (p,) = sent(fx, "ead.presented")
    assert isinstance(p, EadPresented) and p.step == ("arrival" if PORT.deferred else "arrival_exit")
    stamp = EadStamped(mrn=PORT.mrn, office=PORT.exit_office, stamp="ND", mention="sortie autorisée", mention_date="",
                       at=check.at)  # fmt: skip
    if not PORT.deferred:
        assert sent(exporter.handle(incoming("ecs.counter", stamp), check.at), "exit.departed")


def test_an_exporter_whose_own_system_fails_files_a_request_and_tells_the_office_before_presenting() -> None:
    edi = next(e for e in WORLD.exporters if e.mode == "EDI")
    move = next(m for m in WORLD.exports if m.exporter == edi.eori and not m.land)
    exporter = ExporterLogic(WORLD)
    exporter.on_timer(Timer(T0, "own_outage", f"exporter:{edi.eori}"), T0)
    fx = exporter.on_timer(Timer(move.arrival, "arrive", move.mrn), move.arrival)
    (da,) = sent(fx, "olga.da")
    assert isinstance(da, OlgaDa) and da.kind == "self_trigger" and da.service == "ECS-BS"
    assert not sent(fx, "ead.presented")  # not before the acknowledgement reaches the office
    fx = exporter.handle(incoming("olga.status", OlgaAck(da_id=da.da_id, to=edi.eori, registered_at=move.arrival)),
                         move.arrival)  # fmt: skip
    kinds = [o.message.ce_type for o in fx.out]
    assert kinds[0] == "office.informed" and "ead.presented" in kinds
    told = fx.out[0].message
    assert isinstance(told, OfficeInformed) and told.attached_ack == da.da_id and told.kind == "start"


PORTAL_ALERT = ALERT.model_copy(update={"alert_id": "ALR-2", "component": "douane_portal", "modes": ("DTI",)})


def test_the_portal_passes_dti_formalities_on_to_ecs_bs_unchanged() -> None:
    sent_by_user = msg("IE507", PORT.mrn).model_copy(update={"channel": "DTI"})
    (out,) = PortalLogic().handle(incoming("ecs.portal", sent_by_user), T0).out
    assert (out.topic, out.message, out.id) == ("ecs.in", sent_by_user, sent_by_user.msg_id)
    with pytest.raises(RejectedInput, match="not expected"):
        PortalLogic().handle(incoming("ecs.portal", msg("IE518", PORT.mrn, "auto")), T0)


def test_an_alert_on_the_portal_puts_dti_users_in_the_fallback_and_leaves_edi_users_trying() -> None:
    """Seed 003, cases 2 and 3: « panne du portail de la douane » is a fallback for DTI users only."""
    for mode, falls_back in (("DTI", True), ("EDI", False)):
        move = next(m for m in WORLD.exports if not m.land and WORLD_EXPORTERS[m.exporter].mode == mode)
        exporter = ExporterLogic(WORLD)
        fx = exporter.on_timer(Timer(move.arrival, "arrive", move.mrn), move.arrival)
        assert len(sent(fx, "ecs.msg")) == 1
        assert fx.out[-1].topic == ("ecs.portal" if mode == "DTI" else "ecs.in")
        (check,) = fx.timers
        exporter.handle(incoming("meteo", PORTAL_ALERT), check.at)
        fx = exporter.on_timer(check, check.at)
        assert bool(sent(fx, "ead.presented")) is falls_back, mode
        assert bool(sent(fx, "ecs.msg")) is not falls_back, mode  # the EDI user tries again


def test_the_exit_office_covers_dti_users_by_the_portals_alert_and_reintegrates_at_its_end() -> None:
    office = ExitOfficeLogic(WORLD)
    office.handle(incoming("meteo", PORTAL_ALERT), T0)
    dti = next(m for m in WORLD.exports if not m.land and WORLD_EXPORTERS[m.exporter].mode == "DTI")
    p = EadPresented(presentation_id="pp", mrn=dti.mrn, office=dti.exit_office, channel="email", by=dti.exporter,
                     step="arrival_exit", at=T0)  # fmt: skip
    (handling,) = office.handle(incoming("ecs.counter", p), T0).timers
    assert sent(office.on_timer(handling, handling.at), "ead.stamped")
    assert office.cases[dti.mrn].covering == "ALR-2"
    end = handling.at + timedelta(hours=1)
    (later,) = office.handle(incoming("meteo", PORTAL_ALERT.model_copy(update={"phase": "end"})), end).timers
    assert [m.ie for m in sent(office.on_timer(later, later.at), "ecs.msg")] == ["IE507", "EXIT_ANN"]  # type: ignore[attr-defined]
