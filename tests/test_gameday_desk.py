"""A trainee's desk without a broker: its forms go through the wire models, and its scorecard is
judged on hand-made journals (done, late, missed, not due)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from secours.drills.oracle import Context, evaluate
from secours.drills.oracle.index import JournalIndex
from secours.drills.procedure import ProcedureParams
from secours.errors import UsageError
from secours.gameday.afteraction import ROLE_SCENARIOS
from secours.gameday.desk import FormError, desk_key, parse_human
from secours.gameday.provider_desk import EdiProviderDesk
from secours.gameday.scorecard import scorecards
from secours.wire import ProviderContact
from secours.world import RunConfig, Traffic, World
from tests.drills.test_oracle import T0, e
from tests.drills.test_oracle_scenarios import fault

WORLD = World(RunConfig(seed=5, traffic=Traffic(consignments=20, providers=2, traders=4)))
PROVIDER = WORLD.providers[1]
ACTOR = f"edi_provider:{PROVIDER.id}"
CLIENTS = [c.eori for c in WORLD.clients_of(PROVIDER.id)]
SCENARIOS = ROLE_SCENARIOS["edi_provider"]  # what a game day judges a provider's desk on


def test_only_an_edi_provider_of_the_world_can_be_played() -> None:
    assert parse_human(ACTOR, WORLD) == ACTOR
    with pytest.raises(UsageError, match=r"no EDI provider 'P009' in this drill's world \(there are P001, P002\)"):
        parse_human("edi_provider:P009", WORLD)
    with pytest.raises(UsageError, match="only these actors' desks can be played: edi_provider"):
        parse_human("olga:desk", WORLD)


def test_a_desk_key_opens_one_desk_and_is_not_the_trainers() -> None:
    one, other = desk_key("secret", ACTOR), desk_key("secret", "edi_provider:P001")
    assert one != other and "secret" not in one and one == desk_key("secret", ACTOR)
    assert desk_key("another secret", ACTOR) != one


def form(**changes: Any) -> dict[str, Any]:
    return {"kind": "provider_outage", "component": "EDI platform", "symptom": "down", "since": "2026-03-02 07:05",
            "clients": list(CLIENTS), "declarations": "", "text": "Our platform is down", **changes}  # fmt: skip


def test_the_request_form_makes_the_providers_own_request() -> None:
    desk = EdiProviderDesk(ACTOR, WORLD)
    da = desk.olga_request(form(declarations="P0022603020001, P0022603020002"), T0 + timedelta(hours=7, minutes=9))
    assert (da.filer, da.filer_eori, da.company, da.filer_role) == (
        PROVIDER.id,
        PROVIDER.eori,
        PROVIDER.name,
        "provider",
    )
    assert [c.eori for c in da.clients] == CLIENTS and all(c.name for c in da.clients)
    assert da.since == T0 + timedelta(hours=7, minutes=5)  # written without a zone: simulated time is UTC
    assert da.declarations == ("P0022603020001", "P0022603020002")
    again = desk.olga_request(form(), T0 + timedelta(hours=7, minutes=9))
    assert again.da_id != da.da_id  # a second request of the same minute is another request


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"clients": ["fr123"]}, "clients", "'fr123' is not an EORI"),
        ({"clients": [CLIENTS[0], "FR-1"]}, "clients", "'FR-1' is not an EORI"),
        ({"clients": []}, "clients", "name at least one client"),
        ({"since": "yesterday"}, "since", "valid datetime"),
        ({"since": "2026-03-32 07:00"}, "since", "datetime"),
        ({"kind": "coffee_break"}, "kind", "client_outage"),
    ],
)
def test_a_malformed_field_gets_its_message_beside_it(changes: dict[str, Any], field: str, words: str) -> None:
    desk = EdiProviderDesk(ACTOR, WORLD)
    with pytest.raises(FormError) as caught:
        desk.olga_request(form(**changes), T0)
    assert field in caught.value.fields and words in caught.value.fields[field], caught.value.fields
    assert str(caught.value).startswith(f"{field}: ") and "\n" not in str(caught.value)


def test_the_help_desk_form_is_about_one_of_the_desks_own_requests() -> None:
    desk = EdiProviderDesk(ACTOR, WORLD)
    with pytest.raises(FormError, match="not one of your requests"):
        desk.sau_contact({"request": "DA-20260302-000001", "purpose": "report", "channel": "phone"}, T0)
    da = desk.olga_request(form(), T0)
    desk.note("olga.requests", ACTOR, da, T0)
    contact = desk.sau_contact({"request": da.da_id, "purpose": "report", "channel": "email", "text": "back"}, T0)
    assert (contact.by, contact.da_id, contact.purpose) == (ACTOR, da.da_id, "report")
    with pytest.raises(FormError) as caught:
        desk.sau_contact({"request": da.da_id, "purpose": "report", "channel": "pigeon"}, T0)
    assert set(caught.value.fields) == {"channel"}


def test_the_desk_sees_its_clients_calls_and_not_the_others() -> None:
    desk = EdiProviderDesk(ACTOR, WORLD)
    other = WORLD.clients_of(WORLD.providers[0].id)[0].eori
    for trader, provider in ((CLIENTS[0], PROVIDER.id), (other, WORLD.providers[0].id)):
        call = ProviderContact(contact_id=f"c-{trader}", trader=trader, provider=provider, kind="outage",
                               channel="phone", since=T0, sent_at=T0)  # fmt: skip
        desk.note("provider.contacts", f"trader:{trader}", call, T0)
    (seen,) = desk.view(T0, [])["calls"]
    assert seen["client"] == CLIENTS[0] and seen["kind"] == "outage"


# --- the scorecard ---------------------------------------------------------------------------------


def da(minutes: float, kind: str, clients: list[str], da_id: str = "DA-20260302-000001") -> Any:
    return e("olga.requests", "olga.da", minutes, ce_id=da_id, source=ACTOR, da_id=da_id, kind=kind,
             filer=PROVIDER.id, clients=[{"eori": c, "name": WORLD.trader_by_eori[c].name} for c in clients],
             declarations=[])  # fmt: skip


def report(minutes: float, da_id: str = "DA-20260302-000001") -> Any:
    return e("sau.contacts", "sau.contact", minutes, ce_id=f"r-{minutes}", source=ACTOR, contact_id=f"r-{minutes}",
             by=ACTOR, purpose="report", channel="email", da_id=da_id)  # fmt: skip


def card(entries: list[Any], end_minutes: float = 24 * 60) -> dict[str, Any]:
    ctx = Context(WORLD, ProcedureParams(), SCENARIOS, T0 + timedelta(minutes=end_minutes))
    checks = evaluate(JournalIndex.build(entries), ctx)
    (only,) = scorecards([ACTOR], entries, checks, ctx)
    return only.summary()


def statuses(summary: dict[str, Any]) -> list[str]:
    return [s["status"] for s in summary["steps"]]


def test_platform_down_request_and_recovery_done_in_time() -> None:
    down = fault("down", ACTOR, 60, 120)
    closed = e("olga.status", "olga.closed", 140, da_id="DA-20260302-000001")
    summary = card([*down, da(70, "provider_outage", CLIENTS), report(130), closed])
    assert statuses(summary) == ["done", "done"]
    first, second = summary["steps"]
    assert (first["took_s"], first["allowed_s"]) == (600, 35 * 60)  # detect.self + t.da_max from the start
    assert (second["took_s"], second["allowed_s"]) == (600, 2 * 3600)
    assert [c["status"] for c in first["checks"]] == ["pass", "pass"]
    assert summary["records"] == 2


def test_a_late_request_is_late_and_one_never_filed_is_missed() -> None:
    down = fault("down", ACTOR, 60, 120)
    late = card([*down, da(100, "provider_outage", CLIENTS)])
    assert statuses(late)[0] == "late" and late["steps"][0]["took_s"] == 40 * 60
    assert late["steps"][0]["checks"][0]["status"] == "fail"
    never = card(down)
    assert statuses(never) == ["missed", "missed"] and never["missed"] == 2


def test_a_step_due_after_the_end_of_the_exercise_is_not_due() -> None:
    down = fault("down", ACTOR, 60, 120)
    summary = card([*down, da(70, "provider_outage", CLIENTS)], end_minutes=150)  # ended 30 min after recovery
    assert statuses(summary) == ["done", "not due"]
    # the oracle does not call the closure late either: it was due after the run's end
    assert all(c["id"] != "ICS2-FR-S1-PROVIDER-DOWN#7" for c in summary["steps"][1]["checks"])


def test_a_request_missing_a_client_is_done_on_time_and_its_check_fails() -> None:
    summary = card([*fault("down", ACTOR, 60, 120), da(70, "provider_outage", CLIENTS[:-1])])
    step = summary["steps"][0]
    assert step["status"] == "done"
    assert {c["id"]: c["status"] for c in step["checks"]}["ICS2-FR-S1-PROVIDER-DOWN#2"] == "fail"


def test_a_clients_calls_call_for_a_request_naming_it_and_its_recovery_report() -> None:
    client = CLIENTS[0]
    calls = [
        e("provider.contacts", "provider.contacted", 65, trader=client, provider=PROVIDER.id, kind="outage"),
        e("provider.contacts", "provider.contacted", 185, trader=client, provider=PROVIDER.id, kind="recovery"),
    ]
    entries = [*fault("down", f"trader:{client}", 60, 180), *calls, da(80, "client_outage", [client]), report(200)]
    summary = card(entries)
    assert [s["step"] for s in summary["steps"]] == [
        f"OLGA request naming client {client}",
        f"recovery of client {client} reported to the help desk",
    ]
    assert statuses(summary) == ["done", "done"]
    wrong_client = card([*fault("down", f"trader:{client}", 60, 180), *calls, da(80, "client_outage", [CLIENTS[1]])])
    assert statuses(wrong_client) == ["missed", "missed"]


def unannounced(start: float, end: float) -> list[Any]:
    """The STI down with monitoring blind to it (alert_suppressed): ICS2-FR-NO-ALERT."""

    def event(phase: str, minutes: float) -> Any:
        at = (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
        blind = '{"alert_suppressed": true}'
        return e("secours.faults", "fault.event", minutes, ce_id=f"{phase}-sti", source="harness", fault_id="sti",
                 phase=phase, kind="down", component="ics2_sti", at=at, fault_json=blind)  # fmt: skip

    return [event("START", start), event("END", end)]


def pushes(*minutes: float) -> list[Any]:
    lrn = f"{PROVIDER.id}2603020000001"
    return [e("ics2.t2c", "IE3F10", m, ce_id=f"push-{m}", source=ACTOR, message_id="m-1", lrn=lrn) for m in minutes]


def look(minutes: float) -> Any:
    return e("meteo.consultations", "meteo.consulted", minutes, source=ACTOR, by=ACTOR, channel="web", alert_ids=[])


def report_unavailable(minutes: float) -> Any:
    return e("olga.requests", "olga.da", minutes, ce_id="DA-20260302-000009", source=ACTOR, da_id="DA-20260302-000009",
             kind="customs_unavailable", filer=PROVIDER.id, clients=[], declarations=[], component="ICS2 STI",
             since=(T0 + timedelta(minutes=62)).isoformat(), symptom="no AS4 receipt")  # fmt: skip


def test_customs_down_unannounced_calls_for_a_look_at_the_meteo_and_a_report() -> None:
    base = [*unannounced(60, 180), *pushes(62, 67, 73)]  # the threshold: 3 pushes over 11 min, at 00:73
    summary = card([*base, look(78), report_unavailable(80)], end_minutes=300)
    (step,) = summary["steps"]
    assert step["status"] == "done" and step["took_s"] == 7 * 60 and step["allowed_s"] == 30 * 60, step
    assert {c["id"]: c["status"] for c in step["checks"]} == {
        "ICS2-FR-NO-ALERT#1": "pass", "ICS2-FR-NO-ALERT#4": "pass", "ICS2-FR-NO-ALERT#5": "pass",
        "ICS2-FR-NO-ALERT#6": "pass"}  # fmt: skip
    blind = card([*base, report_unavailable(80)], end_minutes=300)  # no look at the météo first
    assert {c["id"]: c["status"] for c in blind["steps"][0]["checks"]}["ICS2-FR-NO-ALERT#4"] == "fail"
    assert statuses(card(base, end_minutes=300)) == ["missed"]
    told = e("customs.notices", "customs.notice", 70, to=PROVIDER.id, kind="outage", component="ICS2 STI",
             alert_id="A-1")  # fmt: skip
    assert card([*base, told], end_minutes=300)["steps"] == []  # customs told it first: nothing to report


def test_each_form_makes_the_record_the_actors_system_writes() -> None:
    desk = EdiProviderDesk(ACTOR, WORLD)
    (out,), line = desk.act("meteo", {}, ["ALR-ICS2-1"], T0)
    assert (out.topic, out.key, out.source) == ("meteo.consultations", PROVIDER.id, ACTOR)
    assert out.message.alert_ids == ("ALR-ICS2-1",) and "ALR-ICS2-1" in line  # type: ignore[attr-defined]
    (out,), line = desk.act("olga", form(), [], T0)
    assert (out.topic, out.source, out.subject) == ("olga.requests", ACTOR, out.key) and line.startswith(out.key)
    desk.note(out.topic, ACTOR, out.message, T0)
    (out,), line = desk.act("sau", {"request": out.key, "purpose": "close_request", "channel": "email"}, [], T0)
    assert (out.topic, out.source) == ("sau.contacts", ACTOR) and "close request" in line
