"""The CID's desk played by a trainee, without a broker: the simulated CID publishes nothing, the
trainee's forms make the CID's records, and the scorecard judges them on hand-made journals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from secours.drills.oracle import Context, JournalIndex, evaluate
from secours.drills.procedure import ProcedureParams
from secours.errors import UsageError
from secours.gameday.cid_desk import CID_ACTOR, CidDesk
from secours.gameday.desk import FormError, make_desk, parse_human
from secours.gameday.scorecard import scorecards
from secours.wire import CustomsNotice, MeteoAlert, OlgaClosed, SauContact
from services.customs_desk_fr.logic import CustomsDeskLogic
from tests.drills.test_oracle import T0, e
from tests.samples import NOW, WORLD
from tests.services.helpers import incoming, sent
from tests.services.test_customs_desk_and_commission_logic import tick

PROVIDERS = [p.id for p in WORLD.providers]


def test_the_cid_is_played_by_its_name_only() -> None:
    assert parse_human(CID_ACTOR, WORLD) == CID_ACTOR and isinstance(make_desk(CID_ACTOR, WORLD), CidDesk)
    with pytest.raises(UsageError, match="customs' desk played is the CID: customs_desk_fr:CID"):
        parse_human("customs_desk_fr:SAU", WORLD)


def test_with_a_trainee_at_the_cid_the_simulated_cid_publishes_nothing_and_the_sau_still_works() -> None:
    desk = CustomsDeskLogic(WORLD, cid_played=True)
    out = tick(desk, desk.start(NOW), until_minutes=7)  # the national component silent past detect.self
    assert sent(out, "meteo.alert") == [] and sent(out, "customs.notice") == []
    assert "ics2_nes_fr" in desk.open  # it saw the outage all the same
    report = SauContact(contact_id="c", by="edi_provider:P001", channel="email", purpose="report",
                        da_id="DA-20260302-000001", text="back", sent_at=NOW)  # fmt: skip
    (timer,) = desk.handle(incoming("sau.contacts", report), NOW).timers
    (closed,) = sent(desk.on_timer(timer, timer.at), "olga.closed")
    assert isinstance(closed, OlgaClosed)
    plain = CustomsDeskLogic(WORLD)
    assert sent(tick(plain, plain.start(NOW), until_minutes=7), "meteo.alert")  # unplayed, it publishes


def opened(desk: CidDesk, **changes: Any) -> MeteoAlert:
    form = {"phase": "open", "component": "ics2_nes_fr", "services": "ICS2", "modes": ["EDI", "DTI"],
            "symptoms": "ENS get no risk analysis", "instructions": "fiche n°9", **changes}  # fmt: skip
    return desk.alert(form, NOW)


def test_an_alert_its_bulletins_and_its_end() -> None:
    desk = CidDesk(CID_ACTOR, WORLD)
    first = opened(desk)
    assert (first.phase, first.publisher, first.services, first.modes) == ("open", "CID", ("ICS2",), ("EDI", "DTI"))
    desk.note("meteo", "customs_desk_fr", first, NOW)
    bip = desk.alert({"phase": "bip", "alert": first.alert_id, "symptoms": "still down"}, NOW + timedelta(hours=1))
    assert (bip.bip_number, bip.component, bip.services) == (1, "ics2_nes_fr", ("ICS2",))
    desk.note("meteo", "customs_desk_fr", bip, NOW)
    bip2 = desk.alert({"phase": "bip", "alert": first.alert_id}, NOW + timedelta(hours=2))
    assert bip2.bip_number == 2
    end = desk.alert({"phase": "end", "alert": first.alert_id, "instructions": "back"}, NOW + timedelta(hours=3))
    desk.note("meteo", "customs_desk_fr", end, NOW)
    with pytest.raises(FormError, match="not one of your open alerts"):
        desk.alert({"phase": "bip", "alert": first.alert_id}, NOW)
    assert opened(desk).alert_id != first.alert_id


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"component": "coffee_machine"}, "component"),
        ({"services": ""}, "services"),
        ({"modes": []}, "modes"),
        ({"phase": "later"}, "phase"),
    ],
)
def test_a_bad_alert_gets_its_message_beside_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(FormError) as caught:
        opened(CidDesk(CID_ACTOR, WORLD), **changes)
    assert set(caught.value.fields) == {field}


def test_notices_go_to_every_provider_and_to_the_commission_when_ticked() -> None:
    desk = CidDesk(CID_ACTOR, WORLD)
    alert = opened(desk)
    outs, line = desk.act("notices", {"kind": "outage", "alert": alert.alert_id, "commission": True}, [], NOW)
    assert [o.key for o in outs] == [*PROVIDERS, "EU_COMMISSION"] and "sent to" in line
    assert all(o.source == "customs_desk_fr" and o.topic == "customs.notices" for o in outs)
    assert all(isinstance(o.message, CustomsNotice) and o.message.kind == "outage" for o in outs)
    outs, _ = desk.act("notices", {"kind": "recovery", "alert": alert.alert_id}, [], NOW)
    assert [o.key for o in outs] == PROVIDERS
    with pytest.raises(FormError) as caught:
        desk.act("notices", {"kind": "maybe", "alert": alert.alert_id}, [], NOW)
    assert set(caught.value.fields) == {"kind"}
    with pytest.raises(FormError, match="not one of your alerts"):
        desk.act("notices", {"kind": "outage", "alert": "ALR-1"}, [], NOW)


# --- the CID's scorecard ---------------------------------------------------------------------------


def as_down(start: float, end: float, blind: bool = False) -> list[Any]:
    def event(phase: str, minutes: float) -> Any:
        at = (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
        return e("secours.faults", "fault.event", minutes, ce_id=f"{phase}-as", source="harness", fault_id="as",
                 phase=phase, kind="down", component="ics2_nes_fr", at=at,
                 fault_json='{"alert_suppressed": true}' if blind else "{}")  # fmt: skip

    return [event("START", start), event("END", end)]


def published(minutes: float, phase: str) -> Any:
    return e("meteo", "meteo.alert", minutes, ce_id=f"a-{phase}", source="customs_desk_fr", alert_id="ALR-1",
             phase=phase, component="ics2_nes_fr", services=["ICS2"], modes=["EDI"], publisher="CID")  # fmt: skip


def notices(minutes: float, kind: str, to: list[str]) -> list[Any]:
    return [e("customs.notices", "customs.notice", minutes, ce_id=f"n-{kind}-{p}", source="customs_desk_fr",
              notice_id=f"n-{kind}-{p}", to=p, kind=kind, component="ics2_nes_fr", alert_id="ALR-1")
            for p in to]  # fmt: skip


def card(entries: list[Any]) -> dict[str, Any]:
    ctx = Context(WORLD, ProcedureParams(), ("ICS2-FR-S2-AS-DOWN",), T0 + timedelta(hours=24))
    (only,) = scorecards([CID_ACTOR], entries, evaluate(JournalIndex.build(entries), ctx), ctx)
    return only.summary()


def test_the_cid_publishes_in_time_and_every_step_is_done() -> None:
    entries = [*as_down(60, 180), published(70, "open"), *notices(72, "outage", [*PROVIDERS, "EU_COMMISSION"]),
               published(190, "end"), *notices(195, "recovery", PROVIDERS)]  # fmt: skip
    summary = card(entries)
    assert [s["status"] for s in summary["steps"]] == ["done"] * 5, summary["steps"]
    assert [s["took_s"] for s in summary["steps"]] == [600, 720, 720, 600, 900]
    assert summary["records"] == len(entries) - 2  # all but the fault's start and end
    by_step = {s["step"]: {c["id"]: c["status"] for c in s["checks"]} for s in summary["steps"]}
    assert by_step["outage notice to every EDI provider"] == {"ICS2-FR-S2-AS-DOWN#1": "pass"}
    assert by_step["recovery notice to every EDI provider"] == {"ICS2-FR-S2-AS-DOWN#8": "pass"}


def test_a_provider_left_out_the_notices_missed_and_a_late_alert() -> None:
    entries = [*as_down(60, 180), published(100, "open"), *notices(72, "outage", PROVIDERS[:-1])]
    steps = {s["step"]: s for s in card(entries)["steps"]}
    assert steps["météo alert opened on the Automate de sûreté"]["status"] == "late"
    assert steps["outage notice to every EDI provider"]["status"] == "missed"
    assert steps["outage notice to every EDI provider"]["checks"][0]["status"] == "fail"
    assert steps["the Commission told, for the other Member States"]["status"] == "missed"
    assert steps["end of the alert on the météo"]["status"] == "missed"


def test_an_outage_monitoring_could_not_see_is_due_from_the_request_that_reveals_it() -> None:
    report = e("olga.requests", "olga.da", 90, ce_id="DA-9", source="edi_provider:P001", da_id="DA-9",
               kind="customs_unavailable", filer="P001", clients=[], declarations=[])  # fmt: skip
    summary = card([*as_down(60, 180, blind=True), report, published(100, "open")])
    first = summary["steps"][0]
    assert first["status"] == "done" and first["took_s"] == 600 and "DA-9" in first["trigger"]
    assert card(as_down(60, 180, blind=True))["steps"] == []  # nobody reported it: nothing called for yet
