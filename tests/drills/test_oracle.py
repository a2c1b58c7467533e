"""The global checks on hand-made journals: each can pass, fail (naming its evidence) or be not exercised."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pydantic
import pytest

from secours.drills.journal import Entry
from secours.drills.model import Drill
from secours.drills.oracle import REGISTRY, Context, JournalIndex, evaluate
from secours.drills.oracle.registry import Finding
from secours.drills.outcome import judge
from secours.drills.procedure import ProcedureParams
from secours.drills.report import junit_xml, report_html
from secours.drills.reportdata import CheckOutcome, ReportData
from secours.drills.scenarios import SCENARIOS
from secours.wire import As4Receipt, OlgaDa
from secours.world import RunConfig, Traffic, World

T0 = datetime(2026, 3, 2, tzinfo=UTC)
WORLD = World(RunConfig(seed=3, traffic=Traffic(consignments=2, providers=1, traders=1)))
CTX = Context(WORLD, ProcedureParams(), (), T0 + timedelta(hours=24))
C1, C2 = WORLD.consignments


def e(topic: str, ce_type: str, minutes: float, ce_id: str = "", source: str = "x", **data: Any) -> Entry:
    return Entry(topic, 0, 0, 0, data.get("lrn", ""), ce_id or f"{ce_type}-{minutes}", ce_type, source,
                 T0 + timedelta(minutes=minutes), "", data)  # fmt: skip


def filed(c: Any, mrn: str, t: float, doc: str | None = None) -> list[Entry]:
    push = e("ics2.t2c", "IE3F10", t, ce_id=f"p-{c.lrn}", message_id=f"p-{c.lrn}", lrn=c.lrn)
    return [
        push,
        e("ics2.receipt", "as4.receipt", t + 1, ref_message_id=f"p-{c.lrn}", action="IE3F10", eori=c.trader, lrn=c.lrn),
        e(
            "ics2.cr.in",
            "cr.filing",
            t + 1,
            mrn=mrn,
            transport_document_reference=doc or c.transport_document,
            eori=c.trader,
            lrn=c.lrn,
        ),
        e(f"ics2.c2t.{c.trader}", "IE3R01", t + 2, ref_message_id=f"p-{c.lrn}", eori=c.trader, lrn=c.lrn, mrn=mrn),
    ]


def arrived(c: Any, t: float) -> Entry:
    return e("sb.events", "transport.arrived", t, transport_id=c.transport_id)


def status(entries: list[Entry], check: str) -> tuple[str, int]:
    result = REGISTRY[check].run(JournalIndex.build(entries), CTX)
    return result.status, len(result.evidence)


def test_clean_journal_passes_g1_g2_g5_g7() -> None:
    journal = filed(C1, "26FRA", 10) + filed(C2, "26FRB", 20) + [arrived(C1, 300), arrived(C2, 300)]
    outcomes = {o.id: o.status for o in evaluate(JournalIndex.build(journal), CTX)}
    assert outcomes == {"G1": "pass", "G2": "pass", "G3": "not_exercised", "G4": "not_exercised",
                        "G5": "pass", "G6": "not_exercised", "G7": "pass"}  # fmt: skip


def test_g1_fails_on_two_mrns_for_one_consignment() -> None:
    twice = [
        *filed(C1, "26FRA", 10),
        e(f"ics2.c2t.{C1.trader}", "IE3R01", 30, ref_message_id="p2", eori=C1.trader, lrn=C1.lrn, mrn="26FRZ"),
    ]
    assert status(twice, "G1") == ("fail", 2)


def test_g1_fails_on_one_transport_document_under_two_lrns() -> None:
    # One trader in this world: the same filer lodges both, under the same transport document.
    journal = filed(C1, "26FRA", 10) + filed(C2, "26FRB", 20, doc=C1.transport_document)
    assert status(journal, "G1")[0] == "fail"


def test_g1_a_withdrawn_ens_frees_its_transport_document() -> None:
    refiled = filed(C1, "26FRA", 10) + filed(C2, "26FRB", 40, doc=C1.transport_document)
    withdrawn = e(f"ics2.c2t.{C1.trader}", "IE3R07", 30, ref_message_id="q", eori=C1.trader, lrn=C1.lrn, mrn="26FRA")
    assert status([*refiled, withdrawn], "G1")[0] == "pass"
    assert status(refiled, "G1")[0] == "fail"


def test_g2_fails_naming_the_receipted_message_left_without_answer() -> None:
    journal = filed(C1, "26FRA", 10)[:3]  # receipt, no IE3R01
    result = REGISTRY["G2"].run(JournalIndex.build(journal), CTX)
    assert result.status == "fail"
    assert result.evidence[0].ce_id == f"p-{C1.lrn}" and C1.lrn in result.evidence[0].note


def test_g2_not_exercised_without_receipts() -> None:
    assert status([], "G2") == ("not_exercised", 0)


def test_g5_fails_on_an_answer_before_its_push() -> None:
    journal = filed(C1, "26FRA", 10)
    early = e(f"ics2.c2t.{C1.trader}", "IE3N03", 5, eori=C1.trader, lrn=C1.lrn, mrn="26FRA")
    assert status([*journal, early], "G5")[0] == "fail"


def test_g5_fails_when_an_actor_refers_to_a_fault() -> None:
    fault = e("secours.faults", "fault.event", 1, source="harness", fault_id="secret-outage", phase="START",
              kind="down", component="ics2_sti", at="2026-03-02T00:01:00Z", fault_json="{}")  # fmt: skip
    leak = e("edi.to_trader.P001", "IE3N03", 50, source="edi_provider:P001", note="because of secret-outage")
    assert status([*filed(C1, "26FRA", 10), fault, leak], "G5")[0] == "fail"


def test_g5_follows_requests_acknowledgements_and_alerts() -> None:
    da = e("olga.requests", "olga.da", 10, da_id="DA-1")
    ack = e("olga.status", "olga.ack", 11, da_id="DA-1")
    opened = e("meteo", "meteo.alert", 10, alert_id="A1", phase="open", component="ics2_sti")
    ended = e("meteo", "meteo.alert", 50, alert_id="A1", phase="end", component="ics2_sti")
    informed = e("office.events", "office.informed", 20, da_id="DA-1", attached_ack="DA-1")
    fine = [da, ack, opened, ended, informed]
    assert status(fine, "G5")[0] == "pass"
    assert status([ack, da], "G5")[0] == "pass"  # journal order does not matter, time does
    early_ack = e("olga.status", "olga.ack", 5, da_id="DA-1")
    assert status([da, early_ack], "G5") == ("fail", 1)  # acknowledged before it was filed
    assert status([ended], "G5") == ("fail", 1)  # ends an alert never opened
    assert status([da, informed], "G5") == ("fail", 1)  # forwards an acknowledgement not yet given
    notice = e("customs.notices", "customs.notice", 5, notice_id="N1", alert_id="A1", kind="outage")
    assert status([opened, notice], "G5") == ("fail", 1)  # names an alert opened only later


def test_g7_fails_when_the_mrn_comes_after_arrival() -> None:
    journal = [*filed(C1, "26FRA", 100), arrived(C1, 50)]
    result = REGISTRY["G7"].run(JournalIndex.build(journal), CTX)
    on_board = [c for c in WORLD.consignments if c.transport_id == C1.transport_id]
    assert result.status == "fail" and len(result.evidence) == len(on_board)
    assert any(C1.lrn in ev.note and "only at" in ev.note for ev in result.evidence)


def test_g3_g6_follow_assistance_requests() -> None:
    da = e("olga", "olga.da", 10, da_id="DA-1")
    ack = e("olga", "olga.ack", 11, da_id="DA-1")
    late_ack = e("olga", "olga.ack", 200, da_id="DA-1")
    closed = e("olga", "olga.closed", 90, da_id="DA-1")
    assert status([da, ack, closed], "G3")[0] == "pass"
    assert status([da, ack], "G3")[0] == "fail"  # never closed
    assert status([da], "G3")[0] == "fail"  # never acknowledged
    assert status([da, ack], "G6")[0] == "pass"
    assert status([da, late_ack], "G6")[0] == "fail"  # held back


def test_g4_alert_must_end_after_its_fault() -> None:
    start = e("secours.faults", "fault.event", 5, source="harness", fault_id="f", phase="START", kind="down",
              component="ics2_sti", at="2026-03-02T00:05:00Z", fault_json="{}")  # fmt: skip
    end = e("secours.faults", "fault.event", 60, source="harness", fault_id="f", phase="END", kind="down",
            component="ics2_sti", at="2026-03-02T01:00:00Z", fault_json="{}")  # fmt: skip
    opened = e("meteo", "meteo.alert", 10, alert_id="A1", phase="open", component="ics2_sti")
    ended_early = e("meteo", "meteo.alert", 30, alert_id="A1", phase="end")
    ended_after = e("meteo", "meteo.alert", 70, alert_id="A1", phase="end")
    assert status([start, end, opened, ended_after], "G4")[0] == "pass"
    assert status([start, end, opened, ended_early], "G4")[0] == "fail"
    assert status([start, end, opened], "G4")[0] == "fail"


def test_expected_failures_are_marked() -> None:
    journal = filed(C1, "26FRA", 10)[:3]
    g2 = next(o for o in evaluate(JournalIndex.build(journal), CTX, frozenset({"G2"})) if o.id == "G2")
    assert g2.status == "fail" and g2.expected_failure


def fault_event(phase: str, minutes: float, component: str, fault_id: str = "f") -> Entry:
    at = (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
    return e("secours.faults", "fault.event", minutes, ce_id=f"{fault_id}-{phase}", source="harness",
             fault_id=fault_id, phase=phase, kind="down", component=component, at=at, fault_json="{}")  # fmt: skip


def test_g3_excuses_an_open_request_only_while_its_own_fault_lasts() -> None:
    da = e("olga", "olga.da", 10, da_id="DA-1", filer="P001", filer_eori="FR1", clients=[])
    ack = e("olga", "olga.ack", 11, da_id="DA-1")
    own = [fault_event("START", 5, "edi_provider:P001")]  # its filer still down at drill end
    assert status([*own, da, ack], "G3")[0] == "pass"
    other = [fault_event("START", 5, "edi_provider:P002", "g")]  # another provider's outage
    assert status([*other, da, ack], "G3")[0] == "fail"
    later = [fault_event("START", 50, "ics2_sti", "h")]  # a customs outage begun after the request
    assert status([*later, da, ack], "G3")[0] == "fail"
    assert status([fault_event("START", 5, "ics2_sti", "h"), da, ack], "G3")[0] == "pass"


def test_g4_excuses_an_open_alert_only_while_its_component_is_down() -> None:
    opened = e("meteo", "meteo.alert", 10, alert_id="A1", phase="open", component="ics2_sti")
    assert status([fault_event("START", 5, "ics2_sti"), opened], "G4")[0] == "pass"
    assert status([fault_event("START", 5, "ics2_cr"), opened], "G4")[0] == "fail"


def test_g7_coverage_only_by_an_outage_on_the_consignments_path() -> None:
    late = filed(C1, "26FRA", 400) + filed(C2, "26FRB", 20) + [arrived(C1, 300), arrived(C2, 300)]
    for component, ok in (("ics2_tapas", True), ("ics2_sti", True), ("ics2_uumds", False)):
        opened = e("meteo", "meteo.alert", 100, alert_id="A1", phase="open", component=component)
        assert (status([*late, opened], "G7")[0] == "pass") is ok, component  # C1 files system to system


def test_g7_accepts_a_consignment_covered_by_an_open_alert_when_it_arrived() -> None:
    opened = e("meteo", "meteo.alert", 100, alert_id="A1", phase="open", component="ics2_sti")
    ended = e("meteo", "meteo.alert", 250, alert_id="A1", phase="end", component="ics2_sti")
    late = filed(C1, "26FRA", 400) + filed(C2, "26FRB", 20) + [arrived(C1, 300), arrived(C2, 300)]
    assert status([*late, opened], "G7")[0] == "pass"  # the alert was open when C1 arrived
    # Ended 50 minutes before C1 arrived, its ENS still held: within its lodging window, covered.
    assert status([*late, opened, ended], "G7")[0] == "pass"
    gone = [*filed(C1, "26FRA", 400), *filed(C2, "26FRB", 20), arrived(C1, 320), arrived(C2, 300)]
    early = e("meteo", "meteo.alert", 10, alert_id="A1", phase="open", component="ics2_sti")
    ended_long_before = e("meteo", "meteo.alert", 200, alert_id="A1", phase="end", component="ics2_sti")
    assert status([*gone, early, ended_long_before], "G7") == ("fail", 1)  # window closed: C1 arrived uncovered


def test_a_check_that_raises_fails_alone_with_its_traceback(monkeypatch: Any) -> None:
    """A bug in one check is that check's failure, named and traced; the others still judge."""

    def broken(ix: JournalIndex, ctx: Context) -> Finding:
        raise KeyError("mrn")

    monkeypatch.setitem(REGISTRY, "G2", replace(REGISTRY["G2"], fn=broken))
    journal = filed(C1, "26FRA", 10) + filed(C2, "26FRB", 20) + [arrived(C1, 300), arrived(C2, 300)]
    outcomes = {o.id: o for o in evaluate(JournalIndex.build(journal), CTX, frozenset({"G2"}))}
    g2 = outcomes["G2"]
    assert g2.status == "fail" and g2.message == "the check itself failed: KeyError: 'mrn'"
    assert "raise KeyError" in g2.traceback and not g2.expected_failure  # a crash is no staged breach
    assert outcomes["G1"].status == "pass" and outcomes["G7"].status == "pass"
    data = report_data(tuple(outcomes.values()))
    assert 'data-traceback-for="G2"' in report_html(data) and "raise KeyError" in junit_xml(data)


def report_data(checks: tuple[CheckOutcome, ...]) -> ReportData:
    end = T0 + timedelta(hours=24)
    return ReportData("d", "d", "", (), "fail", False, T0, end, (), (), (), (), checks, {}, {}, 0.0)


def test_a_check_that_raises_fails_the_drill_even_where_its_failure_is_expected(monkeypatch: Any) -> None:
    def broken(ix: JournalIndex, ctx: Context) -> Finding:
        raise ValueError("no such field")

    monkeypatch.setitem(REGISTRY, "G2", replace(REGISTRY["G2"], fn=broken))
    drill = Drill.model_validate({"drill": "d", "title": "d", "expect_fail": ["G2"]})
    journal = filed(C1, "26FRA", 10) + filed(C2, "26FRB", 20) + [arrived(C1, 300), arrived(C2, 300)]
    judged = judge(drill, WORLD, journal, 0.0, T0 + timedelta(hours=24))
    assert judged.verdict == "fail" and not judged.expectation_met
    said = "1 checks raised instead of judging, e.g. G2: the check itself failed: ValueError: no such field"
    assert judged.problems[0] == said
    assert "raise ValueError" in judged.summary(drill, {})["checks"][1]["traceback"]


def test_every_scenario_has_checks_of_its_own_and_every_check_belongs_somewhere() -> None:
    """A scenario added without its oracle module (or a module not found) has no checks: caught here."""
    for scenario in SCENARIOS:
        assert any(c.scenario == scenario or scenario in c.applies_to for c in REGISTRY.values()), scenario
    groups = {c.scenario for c in REGISTRY.values() if c.applies_to}  # shared checks, e.g. "ICS2-EU"
    for c in REGISTRY.values():
        assert c.scenario in SCENARIOS | groups | {"GLOBAL"}, c.id
        assert c.applies_to <= SCENARIOS, c.id


def test_the_index_gives_records_through_their_models() -> None:
    receipt = As4Receipt(receipt_id="R1", ref_message_id="M1", action="IE3F10", eori=C1.trader, lrn=C1.lrn,
                         received_at=T0 + timedelta(minutes=1))  # fmt: skip
    journal = [arrived(C1, 0), e("ics2.receipt", "as4.receipt", 1, **receipt.model_dump(mode="json"))]
    ix = JournalIndex.build(journal)
    got = ix.of(As4Receipt)
    assert [r.body for r in got] == [receipt] and got[0].entry is journal[1] and ix.of(As4Receipt) is got
    broken = JournalIndex.build([e("olga.requests", "olga.da", 1, da_id="DA-1")])  # fields missing
    with pytest.raises(pydantic.ValidationError, match="filer_role"):
        broken.of(OlgaDa)
