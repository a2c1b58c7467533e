"""LUCCS and its fallback: registration once, the Servicedesk's watch, the Bureau, the operators' channels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from secours.effects import Effects, Timer
from secours.wire import Heartbeat, LuAs4Receipt, LuBureau, LuDecl, LuImportDeclaration, LuServicedesk
from secours.world import RunConfig, Traffic, World
from services.lu_bureau.logic import BureauLogic
from services.lu_operator.logic import LuOperatorLogic
from services.lu_servicedesk.logic import ServicedeskLogic
from services.luccs.logic import LuccsLogic
from services.luccs_b2g.logic import B2gLogic
from tests.services.helpers import incoming

T0 = datetime(2026, 3, 2, 6, tzinfo=UTC)
LU = Traffic(consignments=10, traders=3, providers=1, lu_operators=2, lu_declarations=20)
WORLD = World(RunConfig(seed=8, start=T0, duration_hours=5, traffic=LU))
EO = WORLD.lu_operators[0].eori


def lodging(decl_id: str = "D1", channel: str = "B2G", message_id: str = "m1", ref: str = "") -> LuImportDeclaration:
    return LuImportDeclaration(message_id=message_id, decl_id=decl_id, eo=EO, decl_type="H1", channel=channel,  # type: ignore[arg-type]
                               ref=ref, lodged_at=T0)  # fmt: skip


def only(fx: Effects) -> object:
    (out,) = fx.out
    return out.message


def test_the_b2g_endpoint_receipts_each_lodging_and_passes_it_on_to_luccs_once() -> None:
    """AS4: a receipt for every lodging it takes; the same message again (an AS4 retry) gets the receipt
    again and is not passed on twice."""
    endpoint = B2gLogic()
    fx = endpoint.handle(incoming("lu.b2g", lodging()), T0)
    assert [(o.topic, o.message.ce_type) for o in fx.out] == [
        ("lu.b2g.receipt", "lu.as4.receipt"),
        ("lu.b2g.in", "lu.declaration"),
    ]
    receipt = fx.out[0].message
    assert isinstance(receipt, LuAs4Receipt) and (receipt.ref_message_id, receipt.decl_id) == ("m1", "D1")
    again = endpoint.handle(incoming("lu.b2g", lodging(), "m1-again"), T0)
    assert [(o.topic, o.message) for o in again.out] == [("lu.b2g.receipt", receipt)]


def test_an_operator_sends_a_b2g_lodging_again_once_without_a_receipt_then_takes_it_as_failed() -> None:
    logic = LuOperatorLogic(WORLD)
    d = WORLD.lu_declarations[0]
    fx = logic.on_timer(Timer(d.ready, "ready", d.decl_id), d.ready)
    (sent,) = [o.message for o in fx.out if o.topic == "lu.b2g"]
    as4 = next(t for t in fx.timers if t.kind == "as4")
    assert as4.at == d.ready + timedelta(seconds=WORLD.config.params.lu_as4_timeout_s)
    retry = logic.on_timer(as4, as4.at)
    assert [o.message for o in retry.out] == [sent]  # the same AS4 message again
    (again,) = retry.timers
    assert not logic.on_timer(again, again.at).out and logic.files[d.decl_id].b2g_failed
    # A receipt in time stops the retries.
    logic = LuOperatorLogic(WORLD)
    fx = logic.on_timer(Timer(d.ready, "ready", d.decl_id), d.ready)
    receipt = LuAs4Receipt(receipt_id="r", ref_message_id=sent.message_id, eo=d.eo, decl_id=d.decl_id,  # type: ignore[attr-defined]
                           received_at=d.ready)  # fmt: skip
    logic.handle(incoming("lu.b2g.receipt", receipt), d.ready)
    as4 = next(t for t in fx.timers if t.kind == "as4")
    assert not logic.on_timer(as4, as4.at).out and not logic.files[d.decl_id].b2g_failed


def test_luccs_registers_a_declaration_once_and_calls_a_second_lodging_a_duplicate() -> None:
    luccs = LuccsLogic()
    first = only(luccs.handle(incoming("lu.b2g.in", lodging()), T0))
    retry = only(luccs.handle(incoming("lu.b2g.in", lodging()), T0))  # same message: the same answer
    again = only(luccs.handle(incoming("lu.ntp", lodging(channel="NTP", message_id="m2")), T0))
    assert isinstance(first, LuDecl) and first.status == "REGISTERED" and retry == first
    assert isinstance(again, LuDecl) and again.status == "DUPLICATE" and again.ref == first.record_id


def beat(component: str, minutes: float) -> Heartbeat:
    return Heartbeat(component=component, at=T0 + timedelta(minutes=minutes))


def test_the_servicedesk_opens_the_fallback_when_the_b2g_endpoint_falls_silent_and_closes_it_after() -> None:
    desk = ServicedeskLogic(WORLD)
    desk.start(T0)
    for m in (0, 1):
        desk.handle(incoming("ops.health", beat("luccs", m)), T0)
        desk.handle(incoming("ops.health", beat("luccs_b2g", m)), T0)
    desk.handle(incoming("ops.health", beat("luccs", 9)), T0)  # LUCCS beats on, its B2G endpoint is silent
    fx = desk.on_timer(Timer(T0 + timedelta(minutes=9), "watch", "all"), T0 + timedelta(minutes=9))
    notices = [o.message for o in fx.out if isinstance(o.message, LuServicedesk)]
    assert (notices[0].action, notices[0].scope, notices[0].notice) == ("fallback_open", "B2G_ADA", "opened")
    assert {n.eo for n in notices if n.action == "eo_notice"} == {eo.eori for eo in WORLD.lu_operators}
    fx = desk.handle(incoming("ops.health", beat("luccs_b2g", 30)), T0 + timedelta(minutes=30))
    assert {o.message.notice for o in fx.out} == {"restored"}  # type: ignore[attr-defined]
    (close,) = fx.timers
    closing = desk.on_timer(close, close.at)
    assert [(o.message.action, o.message.scope) for o in closing.out] == [("fallback_close", "B2G_ADA")]  # type: ignore[attr-defined]


def test_the_bureau_answers_a_contact_with_its_recommendation_and_takes_paper_declarations() -> None:
    bureau = BureauLogic(WORLD)
    contact = LuBureau(message_id="c1", action="contact", eo=EO, office="LU000001", channel="", recommendation="",
                       ref="", sent_at=T0)  # fmt: skip
    (timer,) = bureau.handle(incoming("lu.bureau", contact), T0).timers
    rec = only(bureau.on_timer(timer, timer.at))
    assert isinstance(rec, LuBureau) and rec.action == "recommendation" and rec.ref == "c1" and rec.channel == "PAPER"
    taken = only(bureau.handle(incoming("lu.bureau", lodging(channel="PAPER", ref=rec.message_id)), T0))
    assert isinstance(taken, LuDecl) and taken.status == "PAPER_ACCEPTED" and taken.ref == rec.message_id


def test_an_operator_tells_the_servicedesk_then_uses_the_portal_and_regularises_paper_once_luccs_is_back() -> None:
    ops = LuOperatorLogic(WORLD)
    decl = next(d for d in WORLD.lu_declarations if d.eo == EO)
    fx = ops.on_timer(Timer(decl.ready, "ready", decl.decl_id), decl.ready)
    assert [o.topic for o in fx.out] == ["lu.b2g"]
    fx = ops.on_timer(Timer(decl.ready, "own_outage", f"lu_operator:{EO}"), decl.ready + timedelta(minutes=1))
    assert [o.topic for o in fx.out] == ["lu.servicedesk"]  # the B2G one waits in its own system's queue
    later = next(d for d in WORLD.lu_declarations if d.eo == EO and d.ready > decl.ready)
    fx = ops.on_timer(Timer(later.ready, "ready", later.decl_id), later.ready)
    assert [o.topic for o in fx.out] == ["lu.ntp"]
    fx = ops.on_timer(Timer(later.ready, "own_recovery", f"lu_operator:{EO}"), later.ready + timedelta(minutes=5))
    assert [o.message.action for o in fx.out if o.topic == "lu.servicedesk"] == ["eo_restored"]  # type: ignore[attr-defined]


def test_with_luccs_down_an_operator_asks_the_bureau_and_follows_its_recommendation() -> None:
    ops = LuOperatorLogic(WORLD)
    decl = next(d for d in WORLD.lu_declarations if d.eo == EO)
    opened = LuServicedesk(notice_id="n", action="eo_notice", eo=EO, scope="FULL", joint_with="BUREAU_RECETTE",
                           notice="opened", text="", sent_at=T0)  # fmt: skip
    ops.handle(incoming("lu.servicedesk", opened), T0)
    fx = ops.on_timer(Timer(decl.ready, "ready", decl.decl_id), decl.ready)
    assert [(o.topic, o.message.action) for o in fx.out] == [("lu.bureau", "contact")]  # type: ignore[attr-defined]
    rec = LuBureau(message_id="r1", action="recommendation", eo=EO, office="LU000001", channel="PAPER",
                   recommendation="paper", ref="c", sent_at=decl.ready)  # fmt: skip
    paper = only(ops.handle(incoming("lu.bureau", rec), decl.ready))
    assert isinstance(paper, LuImportDeclaration) and paper.channel == "PAPER" and paper.ref == "r1"
    accepted = LuDecl(record_id="p1", message_id=paper.message_id, decl_id=decl.decl_id, eo=EO, channel="PAPER",
                      status="PAPER_ACCEPTED", ref="r1", registered_at=decl.ready)  # fmt: skip
    ops.handle(incoming("lu.decl", accepted), decl.ready)
    restored = opened.model_copy(update={"notice": "restored"})
    fx = ops.handle(incoming("lu.servicedesk", restored), decl.ready + timedelta(hours=1))
    regularised = [o.message for o in fx.out if o.topic == "lu.b2g"]
    assert [(m.decl_id, m.ref) for m in regularised] == [(decl.decl_id, "p1")]  # type: ignore[attr-defined]


def test_a_paper_declaration_whose_registration_comes_after_luccs_is_back_is_lodged_once() -> None:
    """The operator hands in its paper SAD just as LUCCS comes back: the Servicedesk's notice arrives
    before the Bureau's registration. It waits for that registration, then regularises, instead of
    lodging the declaration again on B2G as a new one (which LUCCS would refuse as a duplicate)."""
    ops = LuOperatorLogic(WORLD)
    decl = next(d for d in WORLD.lu_declarations if d.eo == EO)
    opened = LuServicedesk(notice_id="n", action="eo_notice", eo=EO, scope="FULL", joint_with="BUREAU_RECETTE",
                           notice="opened", text="", sent_at=T0)  # fmt: skip
    ops.handle(incoming("lu.servicedesk", opened), T0)
    ops.on_timer(Timer(decl.ready, "ready", decl.decl_id), decl.ready)
    rec = LuBureau(message_id="r1", action="recommendation", eo=EO, office="LU000001", channel="PAPER",
                   recommendation="paper", ref="c", sent_at=decl.ready)  # fmt: skip
    paper = only(ops.handle(incoming("lu.bureau", rec), decl.ready))
    assert isinstance(paper, LuImportDeclaration) and paper.channel == "PAPER"
    back = decl.ready + timedelta(minutes=1)
    fx = ops.handle(incoming("lu.servicedesk", opened.model_copy(update={"notice": "restored"})), back)
    assert fx.out == []  # nothing lodged while the paper registration is awaited
    (check,) = fx.timers
    assert ops.on_timer(check, check.at).out == []  # still awaited: still nothing
    accepted = LuDecl(record_id="p1", message_id=paper.message_id, decl_id=decl.decl_id, eo=EO, channel="PAPER",
                      status="PAPER_ACCEPTED", ref="r1", registered_at=back)  # fmt: skip
    regularised = only(ops.handle(incoming("lu.decl", accepted), back + timedelta(minutes=1)))
    assert isinstance(regularised, LuImportDeclaration)
    assert (regularised.channel, regularised.decl_id, regularised.ref) == ("B2G", decl.decl_id, "p1")
    assert ops.handle(incoming("lu.decl", accepted), back + timedelta(minutes=2)).out == []  # the same answer again


@pytest.mark.parametrize("registered", [True, False], ids=["registered", "unregistered"])
def test_a_portal_lodging_just_before_the_operators_b2g_is_back_waits_for_its_registration(registered: bool) -> None:
    """Lodged on the NTP portal seconds before its own B2G system came back: the recovery does not send it
    through B2G as well (LUCCS would refuse it as a duplicate). Its registration arriving, nothing more
    goes; with none by its check, it is lodged again, through B2G now."""
    ops = LuOperatorLogic(WORLD)
    decl = next(d for d in WORLD.lu_declarations if d.eo == EO)
    ops.on_timer(Timer(decl.ready, "own_outage", f"lu_operator:{EO}"), decl.ready - timedelta(minutes=30))
    fx = ops.on_timer(Timer(decl.ready, "ready", decl.decl_id), decl.ready)
    portal = only(fx)
    assert isinstance(portal, LuImportDeclaration) and portal.channel == "NTP"
    (check,) = fx.timers
    assert check.at == decl.ready + timedelta(seconds=WORLD.config.params.lu_ack_timeout_s)
    back = decl.ready + timedelta(seconds=4)
    fx = ops.on_timer(Timer(back, "own_recovery", f"lu_operator:{EO}"), back)
    assert [o.topic for o in fx.out] == ["lu.servicedesk"]  # eo_restored, and nothing through B2G
    if registered:
        done = LuDecl(record_id="x1", message_id=portal.message_id, decl_id=decl.decl_id, eo=EO, channel="NTP",
                      status="REGISTERED", ref="", registered_at=back)  # fmt: skip
        ops.handle(incoming("lu.decl", done), back + timedelta(seconds=1))
        assert ops.on_timer(check, check.at).out == []
    else:
        again = only(ops.on_timer(check, check.at))
        assert isinstance(again, LuImportDeclaration) and again.channel == "B2G"


def test_a_world_without_luccs_traffic_is_drawn_as_before() -> None:
    plain = World(RunConfig(seed=8, traffic=Traffic(consignments=10, traders=3, providers=1)))
    withlu = World(RunConfig(seed=8, traffic=Traffic(consignments=10, traders=3, providers=1, lu_operators=2)))
    assert plain.consignments == withlu.consignments and not plain.lu_declarations
