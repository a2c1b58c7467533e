"""Scenario checks on hand-made journals: each passes on compliant evidence and fails, naming it, on a breach."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from secours.drills.journal import Entry
from secours.drills.oracle import REGISTRY, Context, JournalIndex
from secours.drills.oracle.common import longest_gap, pending_spans
from secours.drills.procedure import ProcedureParams
from secours.wire import EnsAbsence, OlgaDa
from secours.world import RunConfig, Traffic, World
from tests.drills.test_oracle import C1, C2, T0, WORLD, e

TRADER = WORLD.traders[0]
PROVIDER = TRADER.provider


def fault(kind: str, component: str, start: float, end: float) -> list[Entry]:
    def event(phase: str, minutes: float) -> Entry:
        at = (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
        return e("secours.faults", "fault.event", minutes, ce_id=f"{phase}-{component}", source="harness",
                 fault_id="f", phase=phase, kind=kind, component=component, at=at, fault_json="{}")  # fmt: skip

    return [event("START", start), event("END", end)]


def run(check: str, entries: list[Entry], *scenarios: str) -> tuple[str, str]:
    ctx = Context(WORLD, ProcedureParams(), scenarios, T0 + timedelta(hours=24))
    result = REGISTRY[check].run(JournalIndex.build(entries), ctx)
    return result.status, result.message


def name(eori: str) -> str:
    trader = WORLD.trader_by_eori.get(eori)
    return trader.name if trader is not None else "n"


def da(minutes: float, kind: str, clients: list[str], da_id: str = "DA-1", **extra: Any) -> Entry:
    return e("olga.requests", "olga.da", minutes, ce_id=da_id, source=f"edi_provider:{PROVIDER}", da_id=da_id,
             kind=kind, filer=PROVIDER, clients=[{"eori": c, "name": name(c)} for c in clients],
             declarations=[], **extra)  # fmt: skip


def test_trader_down_the_provider_files_a_da_naming_the_client_in_time() -> None:
    down = fault("down", f"trader:{TRADER.eori}", 60, 180)
    call = e("provider.contacts", "provider.contacted", 65, trader=TRADER.eori, provider=PROVIDER, kind="outage")
    check = "ICS2-FR-S1-TRADER-DOWN#1"
    assert run(check, [*down, call, da(80, "client_outage", [TRADER.eori])])[0] == "pass"
    status, message = run(check, [*down, call, da(100, "client_outage", [TRADER.eori])])  # 35 min after the call
    assert status == "fail" and "limit" in message
    assert run(check, [*down, call, da(80, "client_outage", ["FR0"])])[0] == "fail"  # names someone else
    misnamed = e("olga.requests", "olga.da", 80, ce_id="DA-2", source=f"edi_provider:{PROVIDER}", da_id="DA-2",
                 kind="client_outage", filer=PROVIDER, clients=[{"eori": TRADER.eori, "name": "Someone Else"}],
                 declarations=[])  # fmt: skip
    status, message = run(check, [*down, call, misnamed])  # the right EORI, another company's name
    assert status == "fail" and "names the client wrongly" in message
    shouted = [{"eori": TRADER.eori, "name": f" {TRADER.name.upper()} "}]
    spaced = e("olga.requests", "olga.da", 80, ce_id="DA-3", source=f"edi_provider:{PROVIDER}", da_id="DA-3",
               kind="client_outage", filer=PROVIDER, clients=shouted, declarations=[])  # fmt: skip
    assert run(check, [*down, call, spaced])[0] == "pass"  # case and spacing are no mistake
    assert run(check, [call])[0] == "not_exercised"


def test_trader_down_the_request_is_closed_within_t_close_max() -> None:
    down = fault("down", f"trader:{TRADER.eori}", 60, 180)
    request = da(80, "client_outage", [TRADER.eori])
    closed = e("olga.status", "olga.closed", 200, da_id="DA-1")
    check = "ICS2-FR-S1-TRADER-DOWN#6"
    assert run(check, [*down, request, closed])[0] == "pass"
    assert run(check, [*down, request, e("olga.status", "olga.closed", 320, da_id="DA-1")])[0] == "fail"
    assert run(check, [*down, request])[0] == "fail"


def test_a_closure_due_after_the_run_ended_is_not_judged_late() -> None:
    """A game day ended by its trainer 30 min after the recovery: the closure is not due yet (t.close_max
    is 2 h), open or not; closed late before the end, it still fails."""
    down = fault("down", f"trader:{TRADER.eori}", 60, 180)
    request = da(80, "client_outage", [TRADER.eori])
    ctx = Context(WORLD, ProcedureParams(), (), T0 + timedelta(minutes=210))
    result = REGISTRY["ICS2-FR-S1-TRADER-DOWN#6"].run(JournalIndex.build([*down, request]), ctx)
    assert result.status == "not_exercised" and "after the end of the run" in result.message
    short = Context(WORLD, ProcedureParams(t_close_max="10m"), (), T0 + timedelta(minutes=210))
    late = [*down, request, e("olga.status", "olga.closed", 200, da_id="DA-1")]
    assert REGISTRY["ICS2-FR-S1-TRADER-DOWN#6"].run(JournalIndex.build(late), short).status == "fail"


def test_provider_down_the_request_lists_every_client() -> None:
    down = fault("down", f"edi_provider:{PROVIDER}", 60, 150)
    check = "ICS2-FR-S1-PROVIDER-DOWN#2"
    assert run(check, [*down, da(75, "provider_outage", [TRADER.eori])])[0] == "pass"
    status, message = run(check, [*down, da(75, "provider_outage", [])])
    assert status == "fail" and "wrong client list" in message


def receipted(c: Any, msg_id: str, minutes: float) -> list[Entry]:
    push = e("ics2.t2c", "IE3F10", minutes, ce_id=f"{msg_id}-push", message_id=msg_id, lrn=c.lrn)
    receipt = e("ics2.receipt", "as4.receipt", minutes + 1, ce_id=f"{msg_id}-r", ref_message_id=msg_id,
                action="IE3F10", eori=c.trader, lrn=c.lrn)  # fmt: skip
    return [push, receipt]


def r01(c: Any, msg_id: str, minutes: float, mrn: str) -> Entry:
    return e(f"ics2.c2t.{c.trader}", "IE3R01", minutes, ce_id=f"{msg_id}-r01", ref_message_id=msg_id,
             eori=c.trader, lrn=c.lrn, mrn=mrn)  # fmt: skip


def test_eu_c5_a_receipted_ens_is_not_pushed_again_during_a_queue_replay() -> None:
    queued = fault("queue_replay", "ics2_cr", 60, 120)
    first = receipted(C1, "m1", 70)
    again = receipted(C1, "m2", 90)[:1]  # a new message for the same LRN, after the receipt
    assert run("EU-C5", [*queued, *first, r01(C1, "m1", 125, "26FRA")])[0] == "pass"
    assert run("EU-C5", [*queued, *first, *again])[0] == "fail"
    rejected = e(f"ics2.c2t.{C1.trader}", "IE3N99", 80, ref_message_id="m1", eori=C1.trader, lrn=C1.lrn)
    assert run("EU-C5", [*queued, *first, rejected, *again])[0] == "pass"  # a rejection asks for a new filing


def test_cr_down_held_mrns_come_back_in_receipt_order() -> None:
    queued = fault("queue_replay", "ics2_cr", 60, 120)
    both = [*receipted(C1, "m1", 70), *receipted(C2, "m2", 80)]
    in_order = [r01(C1, "m1", 121, "26FRA"), r01(C2, "m2", 122, "26FRB")]
    reversed_ = [r01(C1, "m1", 123, "26FRA"), r01(C2, "m2", 122, "26FRB")]
    assert run("ICS2-EU-CR-DOWN#2", [*queued, *both, *in_order])[0] == "pass"
    status, message = run("ICS2-EU-CR-DOWN#2", [*queued, *both, *reversed_])
    assert status == "fail" and "out of receipt order" in message


def test_eu_c1_needs_the_commission_for_eu_components_and_the_cid_only_for_the_national_one() -> None:
    def alert(component: str) -> Entry:
        return e("meteo", "meteo.alert", 70, alert_id="A", phase="open", component=component)

    def notice(component: str) -> Entry:
        return e("eu.notices", "eu.notice", 66, kind="start", component=component, audience="operators")

    sti = fault("down", "ics2_sti", 60, 120)
    assert run("EU-C1", [*sti, alert("ics2_sti"), notice("ics2_sti")], "ICS2-EU-STI-DOWN")[0] == "pass"
    assert run("EU-C1", [*sti, alert("ics2_sti")], "ICS2-EU-STI-DOWN")[0] == "fail"  # no Commission notice
    national = fault("queue_replay", "ics2_nes_fr", 60, 120)
    assert run("EU-C1", [*national, alert("ics2_nes_fr")], "ICS2-EU-NATIONAL-DOWN")[0] == "pass"
    assert run("EU-C1", [*national], "ICS2-EU-NATIONAL-DOWN")[0] == "fail"


def test_shared_checks_apply_to_the_scenarios_that_name_them() -> None:
    assert REGISTRY["EU-C5"].applies(["ICS2-EU-CR-DOWN"])
    assert not REGISTRY["EU-C5"].applies(["ICS2-EU-STI-DOWN"])
    assert not REGISTRY["EU-C1"].applies(["ICS2-FR-S2-AS-DOWN"])
    per_scenario = {s: sum(c.applies([s]) and c.scenario != "GLOBAL" for c in REGISTRY.values())
                    for s in ("ICS2-EU-STI-DOWN", "ICS2-EU-CR-DOWN", "ICS2-EU-NATIONAL-DOWN",
                              "ICS2-FR-S1-TRADER-DOWN", "ICS2-FR-S1-PROVIDER-DOWN", "ICS2-FR-S2-AS-DOWN",
                              "ICS2-FR-NO-ALERT", "ICS2-EU-PROVIDER-DOWN", "ICS2-FR-DEADLINE-MISSED",
                              "ICS2-FR-UNACCOMPANIED-TRAILERS", "ICS2-FR-SCOPE", "ICS2-EU-OPERATOR-DOWN",
                              "ICS2-EU-UUMDS-DOWN", "ICS2-EU-TAPAS-DOWN", "LUCCS-B2G-EO-DOWN",
                              "LUCCS-B2G-ADA-DOWN", "LUCCS-FULL-DOWN", "DELTA-ALERT-PUBLISHED",
                              "DELTA-SELF-TRIGGER", "DELTA-EDI-PROVIDER-DOWN", "DELTA-NOT-TECHNICAL",
                              "ECS-BS-CASE1-ECSBS-DOWN-IMMEDIATE", "ECS-BS-CASE1-ECSBS-DOWN-DEFERRED",
                              "ECS-BS-CASE1-OPERATOR-DOWN-IMMEDIATE", "ECS-BS-CASE1-OPERATOR-DOWN-DEFERRED",
                              "ECS-BS-CASE2-ECSBS-DOWN-IMMEDIATE", "ECS-BS-CASE2-ECSBS-DOWN-DEFERRED",
                              "ECS-BS-CASE2-OPERATOR-DOWN-IMMEDIATE", "ECS-BS-CASE2-OPERATOR-DOWN-DEFERRED",
                              "ECS-BS-CASE3-ECSBS-DOWN", "ECS-BS-CASE3-OPERATOR-DOWN", "ECS-BS-LAND-EXIT",
                              "ECS-BS-REINTEGRATION")}  # fmt: skip
    # PROCEDURES.md §10, the coverage table.
    assert per_scenario == {
        "ICS2-EU-STI-DOWN": 7, "ICS2-EU-CR-DOWN": 9, "ICS2-EU-NATIONAL-DOWN": 9,
        "ICS2-FR-S1-TRADER-DOWN": 7, "ICS2-FR-S1-PROVIDER-DOWN": 7, "ICS2-FR-S2-AS-DOWN": 9,
        "ICS2-FR-NO-ALERT": 7, "ICS2-EU-PROVIDER-DOWN": 7, "ICS2-FR-DEADLINE-MISSED": 5,
        "ICS2-FR-UNACCOMPANIED-TRAILERS": 6, "ICS2-FR-SCOPE": 2, "ICS2-EU-OPERATOR-DOWN": 7,
        "ICS2-EU-UUMDS-DOWN": 7, "ICS2-EU-TAPAS-DOWN": 9,
        "LUCCS-B2G-EO-DOWN": 5, "LUCCS-B2G-ADA-DOWN": 6, "LUCCS-FULL-DOWN": 6,
        "DELTA-ALERT-PUBLISHED": 9, "DELTA-SELF-TRIGGER": 15, "DELTA-EDI-PROVIDER-DOWN": 9,
        "DELTA-NOT-TECHNICAL": 4,
        "ECS-BS-CASE1-ECSBS-DOWN-IMMEDIATE": 15, "ECS-BS-CASE1-ECSBS-DOWN-DEFERRED": 16,
        "ECS-BS-CASE1-OPERATOR-DOWN-IMMEDIATE": 0, "ECS-BS-CASE1-OPERATOR-DOWN-DEFERRED": 0,
        "ECS-BS-CASE2-ECSBS-DOWN-IMMEDIATE": 14, "ECS-BS-CASE2-ECSBS-DOWN-DEFERRED": 15,
        "ECS-BS-CASE2-OPERATOR-DOWN-IMMEDIATE": 19, "ECS-BS-CASE2-OPERATOR-DOWN-DEFERRED": 20,
        "ECS-BS-CASE3-ECSBS-DOWN": 14, "ECS-BS-CASE3-OPERATOR-DOWN": 18, "ECS-BS-LAND-EXIT": 15,
        "ECS-BS-REINTEGRATION": 8,
    }  # fmt: skip


def test_deadline_missed_the_office_checks_before_recording_and_spares_covered_units() -> None:
    sti = fault("down", "ics2_sti", 60, 180)
    opened = e("meteo", "meteo.alert", 70, alert_id="A", phase="open", component="ics2_sti")
    check = e("customs.office.events", "customs.system_check", 95, unit_ids=[C1.unit_id], result="down",
              components=["ics2_sti", "ics2_cr", "ics2_nes_fr", f"OLGA:{C1.trader}",
                          f"OLGA:{C1.provider}"])  # fmt: skip
    covered = e("customs.office.events", "customs.ens_absence", 96, unit_id=C1.unit_id, covered_by_outage=True)
    wrong = e("customs.office.events", "customs.ens_absence", 96, unit_id=C1.unit_id, covered_by_outage=False)
    assert run("ICS2-FR-DEADLINE-MISSED#1", [*sti, opened, check, covered])[0] == "pass"
    assert run("ICS2-FR-DEADLINE-MISSED#1", [*sti, opened, covered])[0] == "fail"  # no check before
    assert run("ICS2-FR-DEADLINE-MISSED#2", [*sti, opened, check, covered])[0] == "pass"
    said_up = e("customs.office.events", "customs.system_check", 95, unit_ids=[C1.unit_id], result="up",
                components=check.data["components"])  # fmt: skip
    assert run("ICS2-FR-DEADLINE-MISSED#2", [*sti, opened, said_up])[0] == "fail"  # the météo showed it down
    assert run("ICS2-FR-DEADLINE-MISSED#2", [*sti, said_up])[0] == "pass"  # down, but nothing showed it yet
    assert run("ICS2-FR-DEADLINE-MISSED#3", [*sti, opened, check, covered])[0] == "pass"
    assert run("ICS2-FR-DEADLINE-MISSED#3", [*sti, opened, check, wrong])[0] == "fail"  # covered, yet an infringement


def test_deadline_missed_the_office_is_judged_on_what_the_meteo_and_olga_show() -> None:
    """The check is right to say "down" while the météo still shows the alert, even once the outage
    has ended (the end is published later); "up" is wrong only once the alert has been shown for a hop."""
    sti = fault("down", "ics2_sti", 60, 120)
    opened = e("meteo", "meteo.alert", 70, alert_id="A", phase="open", component="ics2_sti")
    ended = e("meteo", "meteo.alert", 121.5, alert_id="A", phase="end", component="ics2_sti")
    parts = ["ics2_sti", "ics2_cr", "ics2_nes_fr", f"OLGA:{C1.trader}", f"OLGA:{C1.provider}"]

    def checked(minutes: float, result: str) -> str:
        k = e("customs.office.events", "customs.system_check", minutes, ce_id=f"k{minutes}", unit_ids=[C1.unit_id],
              result=result, components=parts)  # fmt: skip
        ctx = Context(WORLD, ProcedureParams(), (), T0 + timedelta(hours=24), timedelta(seconds=5))
        return REGISTRY["ICS2-FR-DEADLINE-MISSED#2"].run(JournalIndex.build([*sti, opened, ended, k]), ctx).status

    assert checked(120.5, "down") == "pass"  # the outage ended 30 s before; the météo still shows it
    assert checked(123, "down") == "fail"  # ended and its end published: nothing left to see
    assert checked(123.05, "up") == "pass"
    assert checked(70.05, "up") == "pass"  # the alert 3 s old: not seen yet, one hop is 5 s
    assert checked(71, "up") == "fail"


def test_unaccompanied_trailers_need_a_complete_list_from_the_shipping_company_before_arrival() -> None:
    world = World(RunConfig(seed=3, traffic=Traffic(consignments=60, ferry_share=1, trailer_share=1)))
    c = next(x for x in world.consignments if x.ready < x.deadline)
    tr = world.transport_by_id[c.transport_id]
    at = (c.deadline - T0).total_seconds() / 60  # minutes from T0
    down = fault("down", f"edi_provider:{c.provider}", at - 30, at + 60)
    arrival = (tr.arrival - T0).total_seconds() / 60
    arrived = e("sb.events", "transport.arrived", arrival, transport_id=tr.id)
    mine = [x for x in world.units_on(tr.id) if x.provider == c.provider and x.deadline == c.deadline]

    def listing(
        minutes: float,
        trailers: list[Any],
        source: str = f"shipping_company:{tr.carrier}",
        imo: str = tr.identification,
    ) -> Entry:
        return e("customs.loading_lists", "loading_list.sent", minutes, source=source, transport_id=tr.id,
                 to="FR000002", carrier=tr.carrier, ship_imo=imo, voyage=tr.conveyance_reference,
                 trailers=[{"trn": x.unit_id, "lrn": x.lrn, "filer": x.trader} for x in trailers])  # fmt: skip

    def judge(check: str, *entries: Entry) -> str:
        ctx = Context(world, ProcedureParams(), ("ICS2-FR-UNACCOMPANIED-TRAILERS",), T0 + timedelta(hours=48))
        return (
            REGISTRY[f"ICS2-FR-UNACCOMPANIED-TRAILERS#{check}"].run(JournalIndex.build([*down, *entries]), ctx).status
        )

    good = listing(at + 10, mine)
    assert judge("1", arrived, good) == "pass"
    assert judge("1", arrived) == "fail"  # no list for that ferry
    assert judge("2", arrived, good) == "pass"
    assert judge("2", arrived, listing(at + 10, [])) == "fail"  # the trailer left off
    assert judge("3", arrived, good) == "pass"
    assert judge("3", arrived, listing(arrival + 15, mine)) == "fail"  # after the ferry arrived
    assert judge("4", good) == "pass"
    assert judge("4", listing(at + 10, mine, source=f"edi_provider:{c.provider}")) == "fail"
    assert judge("5", listing(at + 10, mine, imo="")) == "fail"
    assert judge("6", good) == "fail"  # no MRN for the listed trailers
    r01s = [e("ics2.c2t.x", "IE3R01", at + 70, eori=x.trader, lrn=x.lrn, ref_message_id=f"m-{x.lrn}", mrn="M")
            for x in mine]  # fmt: skip
    assert judge("6", good, *r01s) == "pass"
    receipted = [e("ics2.receipt", "as4.receipt", at - 40, ref_message_id=f"m-{x.lrn}", action="IE3F10", lrn=x.lrn)
                 for x in world.units_on(tr.id)]  # fmt: skip
    assert judge("1", arrived, *receipted) == "not_exercised"  # receipted before the outage: nothing late


def test_scope_no_french_fallback_for_goods_unloaded_elsewhere_and_they_still_get_an_mrn() -> None:
    world = World(RunConfig(seed=3, traffic=Traffic(consignments=40, foreign_unloading_share=0.5)))
    away = next(c for c in world.consignments if c.country_of_unloading != "FR")
    home = next(c for c in world.consignments if c.country_of_unloading == "FR")
    assert {c.country_of_unloading for c in world.consignments} - {"FR"} <= {"BE", "NL", "DE", "LU"}

    def judge(check: str, *entries: Entry) -> str:
        ctx = Context(world, ProcedureParams(), ("ICS2-FR-SCOPE",), T0 + timedelta(hours=48))
        return REGISTRY[f"ICS2-FR-SCOPE#{check}"].run(JournalIndex.build(list(entries)), ctx).status

    def request(*lrns: str) -> Entry:  # a whole record: the check reads it through its model
        da = OlgaDa(da_id="DA-1", filer=away.provider, filer_role="provider", filer_eori="FR0", company="P",
                    phone="0", kind="customs_unavailable", service="ICS2", mode="maritime", component="ICS2 STI",
                    symptom="no receipts", since=T0, estimated_duration="2h", entry_office="FR000001", clients=(),
                    declarations=lrns, transports=(), text="", filed_at=T0 + timedelta(minutes=10))  # fmt: skip
        return e("olga.requests", "olga.da", 10, **da.model_dump(mode="json"))

    assert judge("1") == "not_exercised"
    assert judge("1", request(home.lrn)) == "pass"
    assert judge("1", request(home.lrn, away.lrn)) == "fail"
    absence = e("customs.office.events", "customs.ens_absence", 20, **EnsAbsence(
        absence_id="X1", office="FR000001", unit_id=away.unit_id, lrn=away.lrn, check_id="K1", covered_by_outage=True,
        recorded_at=T0 + timedelta(minutes=20)).model_dump(mode="json"))  # fmt: skip
    acked = e("olga.status", "olga.ack", 11, da_id="DA-1")
    assert judge("1", request(home.lrn), acked, absence) == "fail"  # a French DA does not cover it
    alert = e("meteo", "meteo.alert", 15, alert_id="A", phase="open", component="ics2_sti")
    assert judge("1", request(home.lrn), acked, alert, absence) == "pass"  # an ICS2 outage alert does
    mrns = [e(f"ics2.c2t.{c.trader}", "IE3R01", 30, eori=c.trader, lrn=c.lrn, ref_message_id=f"m-{c.lrn}", mrn="M")
            for c in world.consignments if c.country_of_unloading != "FR"]  # fmt: skip
    assert judge("2", *mrns) == "pass"
    assert judge("2", *mrns[1:]) == "fail"


def test_operator_down_the_direct_filer_requests_completely_reports_and_gets_closed() -> None:
    world = World(RunConfig(seed=3, traffic=Traffic(consignments=60, traders=6, direct_filers=2)))
    op = world.traders[-1].eori
    down = fault("down", f"trader:{op}", 60, 180)
    mine = [c for c in world.consignments if c.trader == op]
    tr = world.transport_by_id[mine[0].transport_id]

    def request(minutes: float, **content: Any) -> Entry:
        d: dict[str, Any] = {"component": "our connection to the STI", "symptom": "connection down", "text": "t",
                             "estimated_duration": "about 2 hours",
                             "entry_office": tr.entry_office, "declarations": [c.lrn for c in mine],
                             "transports": [tr.id]} | content  # fmt: skip
        return e("olga.requests", "olga.da", minutes, ce_id="DA-OP", source=f"trader:{op}", da_id="DA-OP",
                 kind="client_outage", filer=op, clients=[{"eori": op, "name": "n"}], **d)  # fmt: skip

    def judge(check: str, *entries: Entry) -> str:
        ctx = Context(world, ProcedureParams(), ("ICS2-EU-OPERATOR-DOWN",), T0 + timedelta(hours=48))
        return REGISTRY[f"ICS2-EU-OPERATOR-DOWN#{check}"].run(JournalIndex.build([*down, *entries]), ctx).status

    assert judge("1", request(80)) == "pass"
    assert judge("1", request(120)) == "fail"  # 60 min after the start: past detect.self + t.da_max
    assert judge("1") == "fail"
    assert judge("2", request(80)) == "pass"
    assert judge("2", request(80, estimated_duration="")) == "fail"
    assert judge("2", request(80, transports=[])) == "fail"
    assert judge("2", request(80, symptom="")) == "fail"  # no reason: what shows is not said
    assert judge("2", request(80, component="")) == "fail"  # nor what failed
    assert judge("2", request(80, component="ICS2 STI")) == "fail"  # its own outage blamed on customs
    report = e("sau.contacts", "sau.contact", 200, source=f"trader:{op}", da_id="DA-OP", purpose="report")
    closed = e("olga.status", "olga.closed", 230, da_id="DA-OP")
    assert judge("4", request(80), report, closed) == "pass"
    assert judge("4", request(80), closed) == "fail"  # the end never reported
    assert judge("4", request(80), report, e("olga.status", "olga.closed", 320, da_id="DA-OP")) == "fail"


def test_eu_c6_a_referral_answer_is_answered_by_the_assessment_that_follows_it() -> None:
    """An IE3R02 gets no answer of its own: the national component's IE3N03 for its MRN closes it."""
    queued = fault("queue_replay", "ics2_nes_fr", 60, 120)
    push = e("ics2.t2c", "IE3R02", 70, ce_id="r02", message_id="r02", lrn=C1.lrn, mrn="26FRA")
    receipt = e("ics2.receipt", "as4.receipt", 70.5, ref_message_id="r02", action="IE3R02", lrn=C1.lrn)

    def n03(minutes: float) -> Entry:
        return e(f"ics2.c2t.{C1.trader}", "IE3N03", minutes, mrn="26FRA", lrn=C1.lrn, eori=C1.trader)

    assert run("EU-C6", [*queued, push, receipt, n03(130)], "ICS2-EU-NATIONAL-DOWN")[0] == "pass"
    assert run("EU-C6", [*queued, push, receipt, n03(200)], "ICS2-EU-NATIONAL-DOWN")[0] == "fail"  # past 60 min
    assert run("EU-C6", [*queued, push, receipt], "ICS2-EU-NATIONAL-DOWN")[0] == "fail"


def test_uumds_down_portal_filers_lodge_another_way_or_soon_after_and_s2s_is_unaffected() -> None:
    world = World(RunConfig(seed=5, traffic=Traffic(consignments=200, providers=2, traders=8, portal_filers=2)))
    c = next(x for x in world.consignments if world.portal_filer(x.trader))
    s2s = next(x for x in world.consignments if not world.portal_filer(x.trader))
    arr = (world.transport_by_id[c.transport_id].arrival - T0).total_seconds() / 60
    down = fault("down", "ics2_uumds", arr - 60, arr + 60)
    arrived = e("sb.events", "transport.arrived", arr, transport_id=c.transport_id)

    def judge(check: str, *entries: Entry) -> str:
        ctx = Context(world, ProcedureParams(), ("ICS2-EU-UUMDS-DOWN",), T0 + timedelta(hours=48))
        return REGISTRY[f"ICS2-EU-UUMDS-DOWN#{check}"].run(JournalIndex.build([*down, *entries]), ctx).status

    def lodged(x: Any, msg_id: str, minutes: float, topic: str) -> list[Entry]:
        return [e(topic, "IE3F10", minutes - 0.5, ce_id=msg_id, message_id=msg_id, lrn=x.lrn),
                e("ics2.receipt", "as4.receipt", minutes, ref_message_id=msg_id, action="IE3F10", lrn=x.lrn,
                  eori=x.trader)]  # fmt: skip

    def mrn(x: Any, msg_id: str, minutes: float) -> Entry:
        return e(f"ics2.c2t.{x.trader}", "IE3R01", minutes, eori=x.trader, lrn=x.lrn, ref_message_id=msg_id, mrn="M")

    group = [x for x in world.consignments if world.portal_filer(x.trader) and x.transport_id == c.transport_id]

    def all_lodged(minutes: float, topic: str) -> list[Entry]:
        return [entry for i, x in enumerate(group) for entry in lodged(x, f"p{i}", minutes, topic)]

    assert judge("2", arrived) == "fail"  # never lodged
    assert judge("2", arrived, *all_lodged(arr - 10, "ics2.t2c")) == "pass"  # through a provider, before arrival
    assert judge("2", arrived, *all_lodged(arr + 70, "ics2.portal")) == "pass"  # 10 min after the end
    assert judge("2", arrived, *all_lodged(arr + 150, "ics2.portal")) == "fail"  # 90 min after the end
    # Judged from the first push (mrn_latency, 60 s here, with no transit time in this journal).
    assert judge("1", *lodged(s2s, "s1", arr - 30, "ics2.t2c"), mrn(s2s, "s1", arr - 29.6)) == "pass"
    assert judge("1", *lodged(s2s, "s1", arr - 30, "ics2.t2c"), mrn(s2s, "s1", arr + 30)) == "fail"  # an hour late
    refused = [e("ics2.t2c", "IE3F10", t, ce_id="s2", message_id="s2", lrn=s2s.lrn) for t in (arr - 50, arr - 45)]
    late = [e("ics2.receipt", "as4.receipt", arr + 61, ref_message_id="s2", action="IE3F10", lrn=s2s.lrn,
              eori=s2s.trader), mrn(s2s, "s2", arr + 62)]  # fmt: skip
    assert judge("1", *refused, *late) == "fail"  # no receipt while UUM&DS was down: the S2S ENS was blocked
    assert judge("1", *lodged(c, "p2", arr - 30, "ics2.portal")) == "not_exercised"  # portal traffic is not S2S


def change(seq: int, minutes: float, ce_type: str = "IE3A10", mrn: str = "26FRM") -> Entry:
    msg_id = f"chg-{mrn}-{seq}"
    return e("ics2.t2c", ce_type, minutes, ce_id=f"{msg_id}-{minutes}", message_id=msg_id, lrn=C1.lrn, mrn=mrn,
             eori=C1.trader, sequence=seq)  # fmt: skip


def answered(seq: int, minutes: float, ce_type: str = "IE3N10", mrn: str = "26FRM") -> Entry:
    return e(f"ics2.c2t.{C1.trader}", ce_type, minutes, ce_id=f"ans-{mrn}-{seq}", ref_message_id=f"chg-{mrn}-{seq}",
             eori=C1.trader, lrn=C1.lrn, mrn=mrn)  # fmt: skip


def test_tapas_down_changes_of_an_ens_are_answered_in_the_order_sent() -> None:
    down = fault("down", "ics2_tapas", 60, 120)
    sent = [change(1, 70), change(2, 75, "IE3Q04")]
    in_order = [answered(1, 125), answered(2, 126, "IE3R07")]
    swapped = [answered(1, 127), answered(2, 126, "IE3R07")]
    check = "ICS2-EU-TAPAS-DOWN#2"
    assert run(check, [*down, *sent, *in_order]) == ("pass", run(check, [*down, *sent, *in_order])[1])
    status, message = run(check, [*down, *sent, *swapped])
    assert status == "fail" and "out of order" in message
    assert run(check, [*down, *sent, in_order[0]])[0] == "fail"  # the invalidation never answered
    # Ordered by the filer's own sequence, not by when the provider first pushed them.
    late_first = [change(1, 80), change(2, 75, "IE3Q04")]
    assert run(check, [*down, *late_first, *in_order])[0] == "pass"
    assert run(check, [*down, change(1, 30), answered(1, 31)])[0] == "not_exercised"  # before the outage
    assert run(check, [*sent, *in_order])[0] == "not_exercised"  # no TAPAS outage


def test_tapas_down_a_push_with_no_receipt_is_retried_under_its_own_lrn() -> None:
    down = fault("down", "ics2_tapas", 60, 120)
    check = "ICS2-EU-TAPAS-DOWN#1"

    def push(msg_id: str, minutes: float, lrn: str = C1.lrn) -> Entry:
        return e("ics2.t2c", "IE3F10", minutes, ce_id=f"{msg_id}-{minutes}", message_id=msg_id, lrn=lrn)

    receipt = e("ics2.receipt", "as4.receipt", 121, ref_message_id="m1", action="IE3F10", lrn=C1.lrn)
    assert run(check, [*down, push("m1", 70), push("m1", 73), push("m1", 121), receipt])[0] == "pass"
    status, message = run(check, [*down, push("m1", 70), push("m1", 73)])  # gave up, never receipted
    assert status == "fail" and "given up or renumbered" in message
    renumbered = [push("m1", 70), push("m1", 73, lrn="P001NEWLRN0001"), receipt]
    assert run(check, [*down, *renumbered])[0] == "fail"
    assert run(check, [*down, push("m1", 30), receipt])[0] == "not_exercised"  # nothing pushed during it


def test_eu_c6_answers_held_by_the_access_point_reach_the_queue_within_t_backlog_max() -> None:
    down = fault("down", "ics2_tapas", 60, 120)
    out = e("ics2.sti.out", "IE3N03", 80, ce_id="n03", mrn="26FRA", lrn=C1.lrn, eori=C1.trader)

    def queued(minutes: float) -> Entry:
        return e(f"ics2.c2t.{C1.trader}", "IE3N03", minutes, ce_id="n03", mrn="26FRA", lrn=C1.lrn, eori=C1.trader)

    assert run("EU-C6", [*down, out, queued(121)], "ICS2-EU-TAPAS-DOWN")[0] == "pass"
    assert run("EU-C6", [*down, out, queued(200)], "ICS2-EU-TAPAS-DOWN")[0] == "fail"  # 80 min after the end
    assert run("EU-C6", [*down, out], "ICS2-EU-TAPAS-DOWN")[0] == "fail"  # never delivered


def lu(topic: str, ce_type: str, minutes: float, **data: Any) -> Entry:
    return e(topic, ce_type, minutes, ce_id=f"{ce_type}-{minutes}-{data.get('decl_id', data.get('action', ''))}",
             **data)  # fmt: skip


def test_luccs_operator_down_it_tells_the_servicedesk_before_using_the_portal() -> None:
    down = fault("down", "lu_operator:LU12345678", 60, 150)
    told = lu("lu.servicedesk", "lu.servicedesk", 66, action="eo_outage", eo="LU12345678", scope="B2G_EO")
    ntp = lu("lu.ntp", "lu.declaration", 70, decl_id="D1", eo="LU12345678", channel="NTP", message_id="n1")
    late = lu("lu.servicedesk", "lu.servicedesk", 100, action="eo_outage", eo="LU12345678", scope="B2G_EO")
    assert run("LUCCS-B2G-EO-DOWN#1", [*down, told])[0] == "pass"
    assert run("LUCCS-B2G-EO-DOWN#1", [*down, late])[0] == "fail"  # 35 min after noticing (5 + 30 allowed)
    assert run("LUCCS-B2G-EO-DOWN#2", [*down, told, ntp])[0] == "pass"
    assert run("LUCCS-B2G-EO-DOWN#2", [*down, ntp, late])[0] == "fail"
    # Something that never happened is shown at the fault's start: a failed check always has evidence.
    ctx = Context(WORLD, ProcedureParams(), ("LUCCS-B2G-EO-DOWN",), T0 + timedelta(hours=24))
    for check in ("LUCCS-B2G-EO-DOWN#1", "LUCCS-B2G-EO-DOWN#3"):
        silent = REGISTRY[check].run(JournalIndex.build(down), ctx)
        assert silent.status == "fail" and silent.evidence and "never" in silent.evidence[0].note
    for check in ("LUCCS-FULL-DOWN#1", "LUCCS-FULL-DOWN#5"):
        nothing = REGISTRY[check].run(JournalIndex.build(fault("down", "luccs", 60, 120)), ctx)
        assert nothing.status == "fail" and nothing.evidence


def test_luccs_a_declaration_lodged_on_the_portal_then_replayed_on_b2g_is_lodged_twice() -> None:
    down = fault("down", "luccs_b2g", 60, 120)
    b2g = lu("lu.b2g", "lu.declaration", 65, decl_id="D1", eo="LU1", channel="B2G", message_id="b1")
    ntp = lu("lu.ntp", "lu.declaration", 80, decl_id="D1", eo="LU1", channel="NTP", message_id="n1")
    reg = lu("lu.decl", "lu.decl", 80.1, decl_id="D1", eo="LU1", channel="NTP", status="REGISTERED",
             message_id="n1", record_id="r1", ref="")  # fmt: skip
    dup = lu("lu.decl", "lu.decl", 125, decl_id="D1", eo="LU1", channel="B2G", status="DUPLICATE",
             message_id="b2", record_id="r2", ref="r1")  # fmt: skip
    assert run("LUCCS-B2G-ADA-DOWN#3", [*down, b2g, ntp, reg])[0] == "pass"
    assert run("LUCCS-B2G-ADA-DOWN#6", [*down, b2g, ntp, reg])[0] == "pass"  # failed on B2G, registered on NTP
    status, message = run("LUCCS-B2G-ADA-DOWN#3", [*down, b2g, ntp, reg, dup])
    assert status == "fail" and "lodged twice" in message
    assert run("LUCCS-B2G-ADA-DOWN#6", [*down, b2g])[0] == "fail"  # lost


def test_luccs_down_paper_declarations_follow_the_bureaus_recommendation() -> None:
    down = fault("down", "luccs", 60, 120)
    contact = lu("lu.bureau", "lu.bureau", 70, action="contact", eo="LU1", message_id="c1")
    rec = lu("lu.bureau", "lu.bureau", 80, action="recommendation", eo="LU1", message_id="r1", channel="PAPER",
             ref="c1")  # fmt: skip
    paper = lu("lu.bureau", "lu.declaration", 90, decl_id="D1", eo="LU1", channel="PAPER", ref="r1", message_id="p")
    unadvised = lu("lu.bureau", "lu.declaration", 75, decl_id="D2", eo="LU1", channel="PAPER", ref="", message_id="q")
    assert run("LUCCS-FULL-DOWN#2", [*down, contact, rec, paper])[0] == "pass"
    assert run("LUCCS-FULL-DOWN#3", [*down, contact, rec, paper])[0] == "pass"
    assert run("LUCCS-FULL-DOWN#2", [*down, unadvised])[0] == "fail"  # paper with no contact
    assert run("LUCCS-FULL-DOWN#3", [*down, contact, rec, unadvised])[0] == "fail"


def test_s2_a_rejected_ens_is_not_pending_until_its_filer_sends_it_again() -> None:
    """ICS2-FR-S2-AS-DOWN#6 follows pending ENS: receipted then rejected (IE3N99), an ENS waits for its
    filer's correction, and only the corrected filing is pending again, from its first push."""
    ready = (C1.ready - T0).total_seconds() / 60
    down = fault("queue_replay", "ics2_nes_fr", ready - 10, ready + 60)
    rejected = [
        *receipted(C1, "m1", ready + 1),
        e(f"ics2.c2t.{C1.trader}", "IE3N99", ready + 3, ce_id="m1-n99", ref_message_id="m1", lrn=C1.lrn),
    ]
    corrected = receipted(C1, "m2", ready + 11)  # eight minutes later: more than t.retry_max_gap
    check = "ICS2-FR-S2-AS-DOWN#6"
    assert run(check, [*down, *rejected, *corrected])[0] == "pass"
    # The corrected filing is pending from its first push: pushed again after eight minutes, it fails.
    m2 = e("ics2.t2c", "IE3F10", ready + 11, ce_id="m2-push", message_id="m2", lrn=C1.lrn)
    m2_again = e("ics2.t2c", "IE3F10", ready + 19, ce_id="m2-again", message_id="m2", lrn=C1.lrn)
    m2_receipt = e("ics2.receipt", "as4.receipt", ready + 20, ce_id="m2-r", ref_message_id="m2", action="IE3F10",
                   eori=C1.trader, lrn=C1.lrn)  # fmt: skip
    status, message = run(check, [*down, *rejected, m2, m2_again, m2_receipt])
    assert status == "fail" and message.startswith("1 pending ENS")
    # Never receipted, pushed with an eight-minute gap: the retries were too sparse.
    sparse = [e("ics2.t2c", "IE3F10", ready + m, ce_id=f"m1-{m}", message_id="m1", lrn=C1.lrn) for m in (1, 9)]
    assert run(check, [*down, *sparse, *receipted(C1, "m1", ready + 12)])[0] == "fail"


def test_pending_spans_stop_at_a_receipt_and_restart_at_a_corrected_filing() -> None:
    t = [T0 + timedelta(minutes=m) for m in range(40)]
    messages = [(t[2], t[3], [t[2]]), (t[11], t[12], [t[11]])]
    assert pending_spans(messages, t[0], t[30]) == [(t[0], t[3]), (t[11], t[12])]
    assert pending_spans([(t[2], None, [t[2], t[5]])], t[0], t[30]) == [(t[0], t[30])]
    assert pending_spans([(t[2], t[3], [t[2]])], t[5], t[30]) == []  # receipted before it was due
    assert longest_gap((t[0], t[30]), [t[2], t[5]]) == timedelta(minutes=25)


def test_trader_down_the_request_is_registered_before_the_deadlines_it_can_meet_or_at_once() -> None:
    """S1-TRADER-DOWN#5: before the earliest deadline the procedure can meet; a deadline too close to
    meet (or already past) asks for the request within t.da_max of the provider knowing."""
    deadline = (C1.deadline - T0).total_seconds() / 60  # both consignments: 19:27:30
    check = "ICS2-FR-S1-TRADER-DOWN#5"

    def registered_at(start: float, at: float) -> str:
        down = fault("down", f"trader:{TRADER.eori}", start, start + 120)
        ack = e("olga", "olga.ack", at, da_id="DA-1")
        arrived = e("sb.events", "transport.arrived", deadline + 120, transport_id=C1.transport_id)
        return run(check, [*down, da(at - 1, "client_outage", [TRADER.eori]), ack, arrived])[0]

    far = deadline - 90  # the deadline can be met: it is the limit
    assert registered_at(far, deadline - 5) == "pass" and registered_at(far, deadline + 5) == "fail"
    close = deadline - 10  # too close to meet: within detect.self + t.da_max of the start
    assert registered_at(close, close + 30) == "pass" and registered_at(close, close + 40) == "fail"
    past = deadline + 30  # past when the fault began (the unit not arrived yet): at once, too
    assert registered_at(past, past + 30) == "pass" and registered_at(past, past + 40) == "fail"


def test_national_down_each_filing_and_arrival_is_answered_within_mrn_latency() -> None:
    """ICS2-EU-NATIONAL-DOWN#1 judges every message: one answered filing does not cover another."""
    queued = fault("queue_replay", "ics2_nes_fr", 60, 180)
    check = "ICS2-EU-NATIONAL-DOWN#1"
    r01_a = r01(C1, "a", 70.5, "26FRA")
    r01_b = r01(C2, "b", 80.5, "26FRB")
    n06 = e("ics2.t2c", "IE3N06", 90, ce_id="n06", message_id="n06", lrn="", mrn="26FRA")
    n06_receipt = e("ics2.receipt", "as4.receipt", 90, ce_id="n06-r", ref_message_id="n06", action="IE3N06", lrn="")
    r04 = e(f"ics2.c2t.{C1.trader}", "IE3R04", 90.5, ce_id="r04", ref_message_id="n06", mrn="26FRA")
    both = [*queued, *receipted(C1, "a", 70), r01_a, *receipted(C2, "b", 80), r01_b, n06, n06_receipt, r04]
    assert run(check, both, "ICS2-EU-NATIONAL-DOWN")[0] == "pass"
    status, message = run(check, [x for x in both if x is not r01_b], "ICS2-EU-NATIONAL-DOWN")
    assert status == "fail" and message.startswith("1 answered late")  # C2's filing never answered
    late = r01(C2, "b", 83, "26FRB")  # three minutes after its receipt: more than mrn_latency
    assert run(check, [*(x for x in both if x is not r01_b), late], "ICS2-EU-NATIONAL-DOWN")[0] == "fail"
    assert run(check, [x for x in both if x not in (r04,)], "ICS2-EU-NATIONAL-DOWN")[0] == "fail"  # no IE3R04
    assert run(check, queued, "ICS2-EU-NATIONAL-DOWN")[0] == "not_exercised"
