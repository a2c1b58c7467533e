"""Seed 000 scenario 1 on the trade side: a client's call, the provider's DA, OLGA, the help desk's closing."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from secours.effects import Effects, Timer
from secours.ids import DA_ID_RE
from secours.wire import (
    As4Receipt,
    MeteoAlert,
    MeteoConsulted,
    OlgaAck,
    OlgaClosed,
    OlgaDa,
    ProviderContact,
    SauContact,
)
from secours.world import RunConfig, World
from services.customs_desk_fr.logic import CustomsDeskLogic
from services.edi_provider.logic import EdiProviderLogic
from services.olga.logic import OlgaLogic
from services.trader.logic import TraderLogic
from tests.samples import WORLD, ens
from tests.services.helpers import incoming, sent

NOW = WORLD.config.start + timedelta(hours=3)
TRADER = WORLD.traders[0]


def fire(logic: EdiProviderLogic, fx: Effects, kind: str) -> Effects:
    """Run the first timer of ``kind`` that ``fx`` armed, at its time."""
    timer = next(t for t in fx.timers if t.kind == kind)
    return logic.on_timer(timer, timer.at)


def test_trader_calls_its_provider_when_its_system_fails_and_when_it_is_back() -> None:
    logic = TraderLogic(WORLD)
    down = logic.on_timer(Timer(NOW, "own_outage", f"trader:{TRADER.eori}"), NOW)
    (call,) = sent(down, "provider.contacted")
    assert isinstance(call, ProviderContact)
    assert (call.trader, call.provider, call.kind) == (TRADER.eori, TRADER.provider, "outage")
    assert call.since == NOW - timedelta(seconds=WORLD.config.params.detect_self_s)
    assert down.out[0].topic == "provider.contacts"
    assert logic.on_timer(Timer(NOW, "own_outage", f"trader:{TRADER.eori}"), NOW).out == []  # said once
    later = NOW + timedelta(hours=1)
    (back,) = sent(logic.on_timer(Timer(later, "own_recovery", f"trader:{TRADER.eori}"), later), "provider.contacted")
    assert isinstance(back, ProviderContact) and back.kind == "recovery"


def test_provider_files_a_da_naming_the_client_then_reports_its_recovery() -> None:
    logic = EdiProviderLogic(WORLD, WORLD.config.params)
    call = ProviderContact(contact_id="c", trader=TRADER.eori, provider=TRADER.provider, kind="outage",
                           channel="phone", since=NOW, sent_at=NOW)  # fmt: skip
    fx = logic.handle(incoming("provider.contacts", call), NOW)
    assert fx.out == []  # the request takes the staff a few minutes
    filed = fire(logic, fx, "da")
    (da,) = sent(filed, "olga.da")
    assert isinstance(da, OlgaDa)
    assert da.kind == "client_outage" and da.filer == TRADER.provider and da.filer_role == "provider"
    assert [(c.eori, c.name) for c in da.clients] == [(TRADER.eori, TRADER.name)]
    assert DA_ID_RE.match(da.da_id)
    # The office of first entry its goods enter through, one of the world's (not a fixed one).
    goods = [c for c in WORLD.consignments if c.trader == TRADER.eori]
    offices = Counter(WORLD.transport_by_id[c.transport_id].entry_office for c in goods)
    assert offices[da.entry_office] == max(offices.values())
    assert da.since == NOW and filed.out[0].source == f"edi_provider:{TRADER.provider}"
    delay = (da.filed_at - NOW).total_seconds()
    lo, hi = WORLD.config.params.da_delay_s
    assert lo <= delay <= hi
    assert logic.handle(incoming("provider.contacts", call), NOW).timers == []  # the same outage: one request
    back = call.model_copy(update={"kind": "recovery"})
    report = fire(logic, logic.handle(incoming("provider.contacts", back), da.filed_at), "report")
    (contact,) = sent(report, "sau.contact")
    assert isinstance(contact, SauContact) and contact.da_id == da.da_id and contact.purpose == "report"


def test_provider_down_lists_all_its_clients_unless_staged_otherwise() -> None:
    provider = WORLD.providers[0].id
    clients = {c.eori for c in WORLD.clients_of(provider)}
    logic = EdiProviderLogic(WORLD, WORLD.config.params)
    (da,) = sent(fire(logic, logic.on_timer(Timer(NOW, "own_outage", f"edi_provider:{provider}"), NOW), "da"),
                 "olga.da")  # fmt: skip
    assert isinstance(da, OlgaDa) and da.kind == "provider_outage"
    assert {c.eori for c in da.clients} == clients

    params = WORLD.config.params.model_copy(update={"partial_da_providers": (provider,)})
    partial = EdiProviderLogic(WORLD, params)
    (da,) = sent(fire(partial, partial.on_timer(Timer(NOW, "own_outage", f"edi_provider:{provider}"), NOW), "da"),
                 "olga.da")  # fmt: skip
    assert isinstance(da, OlgaDa) and len({c.eori for c in da.clients}) == len(clients) - 1

    silent = EdiProviderLogic(WORLD, WORLD.config.params.model_copy(update={"no_da_providers": (provider,)}))
    assert silent.on_timer(Timer(NOW, "own_outage", f"edi_provider:{provider}"), NOW).timers == []


def test_a_desk_a_trainee_plays_files_nothing_and_reports_nothing_itself() -> None:
    """--human edi_provider:P: its platform still relays, but its staff's steps are the trainee's."""
    provider = TRADER.provider
    logic = EdiProviderLogic(WORLD, WORLD.config.params, people=frozenset({provider}))
    down = logic.on_timer(Timer(NOW, "own_outage", f"edi_provider:{provider}"), NOW)
    assert down.timers == [] and down.out == []
    assert logic.desk.is_down(provider, "self")  # what it learns is still known (its relay holds what it gets)
    back = logic.on_timer(Timer(NOW, "own_recovery", f"edi_provider:{provider}"), NOW + timedelta(hours=1))
    assert back.timers == [] and not logic.desk.is_down(provider, "self")
    call = ProviderContact(contact_id="c", trader=TRADER.eori, provider=provider, kind="outage", channel="phone",
                           since=NOW, sent_at=NOW)  # fmt: skip
    assert logic.handle(incoming("provider.contacts", call), NOW).timers == []
    # Pushes with no receipt: no look at the météo and no report made for the trainee.
    fx = logic.handle(incoming(f"edi.to_provider.{provider}", ens(0)), NOW)
    timer = fx.timers[0]
    for _ in range(20):
        step = logic.on_timer(timer, timer.at)
        assert sent(step, "meteo.consulted") == [] and not [t for t in step.timers if t.kind == "da"]
        timer = next(t for t in step.timers if t.kind == "retry")
    # Another provider of the same run keeps its simulated staff.
    other = next(p.id for p in WORLD.providers if p.id != provider and not p.own_connection)
    assert [t.kind for t in logic.on_timer(Timer(NOW, "own_outage", f"edi_provider:{other}"), NOW).timers] == ["da"]


def test_a_recovery_before_the_request_is_filed_is_reported_after_it() -> None:
    provider = WORLD.providers[0].id
    logic = EdiProviderLogic(WORLD, WORLD.config.params)
    armed = logic.on_timer(Timer(NOW, "own_outage", f"edi_provider:{provider}"), NOW)
    early = logic.on_timer(Timer(NOW, "own_recovery", f"edi_provider:{provider}"), NOW)
    report_timer = next(t for t in early.timers if t.kind == "report")
    da_timer = next(t for t in armed.timers if t.kind == "da")
    if report_timer.at < da_timer.at:
        again = logic.on_timer(report_timer, report_timer.at)
        assert again.out == [] and [t.kind for t in again.timers] == ["report"]  # re-armed, not lost
        report_timer = again.timers[0]
    (da,) = sent(logic.on_timer(da_timer, da_timer.at), "olga.da")
    (contact,) = sent(logic.on_timer(report_timer, max(report_timer.at, da_timer.at)), "sau.contact")
    assert isinstance(da, OlgaDa) and isinstance(contact, SauContact) and contact.da_id == da.da_id


def test_olga_registers_once_at_any_hour_and_the_help_desk_closes_on_a_report() -> None:
    olga = OlgaLogic()
    da = OlgaDa(
        da_id="DA-P001-1", filer="P001", filer_role="provider", filer_eori="FR1", company="c", phone="p",
        kind="provider_outage", service="ICS2", mode="EDI", component="x", symptom="s", since=NOW,
        estimated_duration="unknown", entry_office="FR620001", clients=(), declarations=(), transports=(),
        text="t", filed_at=NOW,
    )  # fmt: skip
    night = NOW.replace(hour=3)
    (ack,) = sent(olga.handle(incoming("olga.requests", da), night), "olga.ack")
    assert isinstance(ack, OlgaAck) and ack.registered_at == night and ack.to == "P001"
    assert olga.handle(incoming("olga.requests", da), night).out == []  # read again: registered once

    desk = CustomsDeskLogic(World(RunConfig()))
    report = SauContact(contact_id="s", by="edi_provider:P001", channel="email", purpose="report", da_id=da.da_id,
                        text="back", sent_at=NOW)  # fmt: skip
    fx = desk.handle(incoming("sau.contacts", report), NOW)
    assert desk.handle(incoming("sau.contacts", report), NOW).timers == []  # one closing per DA
    (timer,) = fx.timers
    (closed,) = sent(desk.on_timer(timer, timer.at), "olga.closed")
    assert isinstance(closed, OlgaClosed) and closed.da_id == da.da_id


def test_a_provider_that_gets_no_receipts_looks_at_the_meteo_then_reports_customs_unavailable() -> None:
    logic = EdiProviderLogic(WORLD, WORLD.config.params)
    c = WORLD.consignments[0]
    f = ens(0)
    fx = logic.handle(incoming(f"edi.to_provider.{c.provider}", f), NOW)
    timer = fx.timers[0]
    consulted, filed = [], []
    for _ in range(20):  # retries without a receipt
        step = logic.on_timer(timer, timer.at)
        consulted += sent(step, "meteo.consulted")
        filed += [t for t in step.timers if t.kind == "da"]
        timer = next(t for t in step.timers if t.kind == "retry")
        if consulted:
            break
    (look,) = consulted
    assert isinstance(look, MeteoConsulted) and look.alert_ids == ()
    first_failed = NOW
    assert (look.consulted_at - first_failed).total_seconds() >= WORLD.config.params.detect_no_receipt_span_s
    (da_timer,) = filed
    (da,) = sent(logic.on_timer(da_timer, da_timer.at), "olga.da")
    assert isinstance(da, OlgaDa) and da.kind == "customs_unavailable" and da.since == first_failed
    assert da.component and da.symptom and f.lrn in da.declarations
    # The receipts come back: the provider reports the recovery.
    back = As4Receipt(receipt_id="r", ref_message_id=f.message_id, action="IE3F10", eori=c.trader, lrn=f.lrn,
                      received_at=da.filed_at)  # fmt: skip
    report = next(t for t in logic.handle(incoming("ics2.receipt", back), da.filed_at).timers if t.kind == "report")
    (contact,) = sent(logic.on_timer(report, report.at), "sau.contact")
    assert isinstance(contact, SauContact) and contact.da_id == da.da_id


def test_a_provider_told_by_customs_or_seeing_an_alert_reports_nothing() -> None:
    alert = MeteoAlert(alert_id="ALR-1", phase="open", services=("ICS2",), modes=("EDI",), component="ics2_sti",
                       symptoms="s", instructions="i", publisher="CID", published_at=NOW)  # fmt: skip
    logic = EdiProviderLogic(WORLD, WORLD.config.params)
    logic.handle(incoming("meteo", alert), NOW)
    c = WORLD.consignments[0]
    fx = logic.handle(incoming(f"edi.to_provider.{c.provider}", ens(0)), NOW)
    timer = fx.timers[0]
    for _ in range(8):
        step = logic.on_timer(timer, timer.at)
        assert not [t for t in step.timers if t.kind == "da"]  # the alert is there: it knows
        timer = next(t for t in step.timers if t.kind == "retry")


def test_the_cid_publishes_the_alert_a_report_reveals_and_ends_it_on_the_reported_recovery() -> None:
    desk = CustomsDeskLogic(WORLD)
    desk.start(NOW)
    report = OlgaDa(
        da_id="DA-P001-9", filer="P001", filer_role="provider", filer_eori="FR1", company="c", phone="p",
        kind="customs_unavailable", service="ICS2", mode="EDI", component="ICS2 STI", symptom="no receipt",
        since=NOW, estimated_duration="unknown", entry_office="FR620001", clients=(), declarations=(),
        transports=(), text="t", filed_at=NOW,
    )  # fmt: skip
    opened = desk.handle(incoming("olga.requests", report), NOW)
    (alert,) = sent(opened, "meteo.alert")
    assert isinstance(alert, MeteoAlert) and alert.component == "ics2_sti" and alert.publisher == "CID"
    assert sent(opened, "customs.notice")
    assert not desk.handle(incoming("olga.requests", report.model_copy(update={"da_id": "DA-2"})), NOW).out
    back = SauContact(contact_id="s", by="edi_provider:P001", channel="email", purpose="report",
                      da_id=report.da_id, text="back", sent_at=NOW)  # fmt: skip
    ended = desk.handle(incoming("sau.contacts", back), NOW)
    assert [m.phase for m in sent(ended, "meteo.alert") if isinstance(m, MeteoAlert)] == ["end"]
