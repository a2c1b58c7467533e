"""ECS-BS checks (PROCEDURES.md §8) on hand-made journals: each passes on compliant evidence, fails naming
evidence on a breach, and judges only the movements of the scenarios the drill lists.

The world's movements arrive at set times; each journal moves the arrival of the movements it follows
into a quiet stretch (minutes 180-230, 270-290) where no other movement arrives, so the fault catches
only those.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from secours.drills.journal import Entry
from secours.drills.oracle import REGISTRY, Context, JournalIndex, evaluate
from secours.drills.oracle.ecs.movements import (
    C1D,
    C1I,
    C2D,
    C2I,
    C3,
    DEFERRED,
    FALLBACKS,
    GROUP,
    LAND,
    O2D,
    O2I,
    O3,
    RECOVERY,
    REINT,
)
from secours.drills.procedure import ProcedureParams
from secours.drills.reportdata import CheckOutcome
from secours.world import RunConfig, Traffic, World
from tests.drills.test_oracle import T0, e
from tests.drills.test_oracle_scenarios import fault

TRAFFIC = Traffic(consignments=10, traders=3, providers=1, exporters=4, exports=20, exporter_edi_share=0.75,
                  prodouane_share=0.5, substitute_share=0.5, land_exit_share=0.2)  # fmt: skip
WORLD = World(RunConfig(seed=12, traffic=TRAFFIC))
MOVES = {m.mrn: m for m in WORLD.exports}
EXPORTERS = {x.eori: x for x in WORLD.exporters}
# EDI exporters: one with a substitute, one with a prodouane account, one with neither.
SUB = next(x for x in WORLD.exporters if x.mode == "EDI" and not x.has_prodouane and x.substitute)
PRO = next(x for x in WORLD.exporters if x.mode == "EDI" and x.has_prodouane)
BARE = next(x for x in WORLD.exporters if x.mode == "EDI" and not x.has_prodouane and not x.substitute)
IMM = next(m for m in WORLD.exports if m.exporter == BARE.eori and not m.deferred and not m.land)
DEF = next(m for m in WORLD.exports if m.exporter == SUB.eori and m.deferred)
LATE = next(m for m in WORLD.exports if m.exporter == BARE.eori and m.deferred and m.exit > T0 + timedelta(hours=4))
ON_LAND = next(m for m in WORLD.exports if m.land and m.arrival > T0 + timedelta(hours=4))
PRO_MOVE = next(m for m in WORLD.exports if m.exporter == PRO.eori)
SUB_IMM = next(m for m in WORLD.exports if m.exporter == SUB.eori and not m.deferred and not m.land)
DAY = "02/03/2026"
ALR = "ALR-ECS-1"


def iso(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def at(topic: str, ce_type: str, minutes: float, source: str = "exit_office", **data: Any) -> Entry:
    """A record with a unique id, its ``at`` field set to its time."""
    key = "-".join(str(v) for v in data.values())
    return e(topic, ce_type, minutes, ce_id=f"{ce_type}-{minutes}-{key}", source=source, at=iso(minutes), **data)


def judge(check: str, entries: Iterable[Entry], *scenarios: str, hours: float = 48) -> CheckOutcome:
    ctx = Context(WORLD, ProcedureParams(), scenarios, T0 + timedelta(hours=hours))
    return REGISTRY[check].run(JournalIndex.build(entries), ctx)


def status(check: str, entries: Iterable[Entry], *scenarios: str, hours: float = 48) -> str:
    """The outcome's status; a failure must name its evidence."""
    result = judge(check, entries, *scenarios, hours=hours)
    if result.status == "fail":
        assert result.evidence, result
    return result.status


def drop(entries: list[Entry], *ce_types: str, mention: str = "") -> list[Entry]:
    """The journal without records of those types (only stamps with that mention, when given)."""
    return [x for x in entries if not (x.ce_type in ce_types and mention in str(x.data.get("mention", "")))]


# --- records -----------------------------------------------------------------------------------------


def alert(phase: str, minutes: float, alert_id: str = ALR) -> Entry:
    return e("meteo", "meteo.alert", minutes, ce_id=f"{alert_id}-{phase}", source="customs_desk_fr",
             alert_id=alert_id, phase=phase, services=["ECS-BS"], modes=["EDI", "DTI"], component="ecs_exit",
             symptoms="no answer", instructions="", publisher="CID", bip_number=0,
             published_at=iso(minutes))  # fmt: skip


def state(mrn: str, system: str, name: str, minutes: float) -> Entry:
    return at("ecs.out", "ecs.state", minutes, "ecs_exit", mrn=mrn, system=system, state=name)


def msg(mrn: str, ie: str, by: str, minutes: float, *, reintegration: bool = False, event: float | None = None,
        channel: str = "SYSTEM", topic: str = "ecs.in") -> Entry:  # fmt: skip
    when = minutes if event is None else event
    return e(topic, "ecs.msg", minutes, ce_id=f"{mrn}-{ie}-{by}-{minutes}", source=by, msg_id=f"{mrn}-{ie}-{minutes}",
             ie=ie, mrn=mrn, by=by, channel=channel, reintegration=reintegration, event_time=iso(when),
             office=MOVES[mrn].exit_office, sent_at=iso(minutes))  # fmt: skip


def point(mrn: str, ce_type: str, minutes: float) -> Entry:
    return at("ecs.exit_point", ce_type, minutes, "exporter", mrn=mrn, office=MOVES[mrn].exit_office)


def presented(mrn: str, step: str, minutes: float, channel: str = "counter", office: str = "") -> Entry:
    m = MOVES[mrn]
    return at("ecs.counter", "ead.presented", minutes, f"exporter:{m.exporter}", presentation_id=f"P-{mrn}-{step}",
              mrn=mrn, office=office or m.exit_office, channel=channel, by=m.exporter, step=step)  # fmt: skip


def counter(mrn: str, ce_type: str, minutes: float, **data: Any) -> Entry:
    return at("ecs.counter", ce_type, minutes, mrn=mrn, office=MOVES[mrn].exit_office, **data)


def stamped(mrn: str, minutes: float, mention: str, date: str = DAY, stamp: str = "ND") -> list[Entry]:
    """The stamp, the original handed back, the copy kept, the operator told of the reintegration."""
    dated = mention != "sortie autorisée"
    full, written = (f"{mention} {date}", date) if dated else (mention, "")
    return [counter(mrn, "ead.stamped", minutes, stamp=stamp, mention=full, mention_date=written),
            counter(mrn, "ead.returned", minutes), counter(mrn, "ead.copy_kept", minutes),
            counter(mrn, "bs.reintegration_notice", minutes, text="reintegration once ECS-BS is back")]  # fmt: skip


def loaded(mrn: str, minutes: float) -> list[Entry]:
    """ECS-BS creates the movement and sends the AER; Delta G/X shows it leaving."""
    return [msg(mrn, "IE501", "auto", minutes), state(mrn, "ECSBS", "AER_ARRIVE", minutes),
            state(mrn, "DELTA", "EN_COURS_DE_SORTIE", minutes)]  # fmt: skip


def closed_out(mrn: str, minutes: float) -> list[Entry]:
    """ECS-BS confirms the exit (IE518) and the export office certifies it (IE599)."""
    return [state(mrn, "ECSBS", "SORTIE_CONFIRMEE", minutes), msg(mrn, "IE518", "auto", minutes, topic="ecs.out"),
            msg(mrn, "IE599", "auto", minutes + 1, topic="ecs.export")]  # fmt: skip


def reintegrated(mrn: str, minutes: float, arrival: float | None, exit_: float) -> list[Entry]:
    """The service reintegrates the arrival (unless None: case 3) and the exit, dated by their stamps."""
    first = [msg(mrn, "IE507", "service", minutes, reintegration=True, event=arrival),
             state(mrn, "ECSBS", "ETAT_STOCKE", minutes)] if arrival is not None else []  # fmt: skip
    return [*first, msg(mrn, "EXIT_ANN", "service", minutes + 1, reintegration=True, event=exit_),
            *closed_out(mrn, minutes + 1)]  # fmt: skip


# --- compliant journals, one per situation -------------------------------------------------------------


def ecs_down(start: float = 180, end: float = 230) -> list[Entry]:
    return fault("down", "ecs_exit", start, end)


def immediate(mrn: str = IMM.mrn, *, case: int = 2, arrive: float = 190) -> list[Entry]:
    """An immediate exit at the counter during an ECS-BS outage (minutes 180-230), reintegrated after it."""
    before = loaded(mrn, 100) if case == 2 else []
    after = loaded(mrn, 231) if case == 1 else []
    return [*before, point(mrn, "exit.arrived", arrive), presented(mrn, "arrival_exit", arrive + 2),
            *stamped(mrn, arrive + 3, "sortie autorisée"), point(mrn, "exit.departed", arrive + 4), *after,
            *reintegrated(mrn, 300, arrive + 3, arrive + 3)]  # fmt: skip


def deferred(mrn: str = DEF.mrn, *, case: int = 1) -> list[Entry]:
    """A deferred exit: stamped at arrival, shown again and stamped when the goods leave, both in the outage."""
    before = loaded(mrn, 100) if case == 2 else []
    after = loaded(mrn, 231) if case == 1 else []
    return [*before, point(mrn, "exit.arrived", 190), presented(mrn, "arrival", 192),
            *stamped(mrn, 193, "présenté le"), presented(mrn, "exit", 215), *stamped(mrn, 216, "sortie autorisée le"),
            point(mrn, "exit.departed", 217), *after, *reintegrated(mrn, 300, 193, 216)]  # fmt: skip


def deferred_back(mrn: str = DEF.mrn) -> list[Entry]:
    """A deferred exit stamped at arrival; ECS-BS is back when the goods leave, so the office records the
    arrival then the exit in the system (E8)."""
    return [point(mrn, "exit.arrived", 190), presented(mrn, "arrival", 192), *stamped(mrn, 193, "présenté le"),
            *loaded(mrn, 231), presented(mrn, "exit", 250),
            msg(mrn, "IE507", "service", 251, reintegration=True, event=193), state(mrn, "ECSBS", "ETAT_STOCKE", 251),
            msg(mrn, "EXIT_ANN", "service", 251.5), *closed_out(mrn, 251.5),
            point(mrn, "exit.departed", 252)]  # fmt: skip


def outage(*movements: list[Entry], end_alert: float = 240) -> list[Entry]:
    """An ECS-BS outage from minute 180 to 230, its alert, and the movements it catches."""
    return [*ecs_down(), alert("open", 185), alert("end", end_alert), *(x for m in movements for x in m)]


def case3(mrn: str = LATE.mrn) -> list[Entry]:
    """Arrival notified before an ECS-BS outage (minutes 270-290) during which the goods leave."""
    return [*fault("down", "ecs_exit", 270, 290), alert("open", 272), alert("end", 300), *loaded(mrn, 100),
            point(mrn, "exit.arrived", 156), msg(mrn, "IE507", "operator", 156, channel="EDI"),
            state(mrn, "ECSBS", "ETAT_STOCKE", 156), presented(mrn, "exit", 285),
            *stamped(mrn, 286, "sortie autorisée le"), point(mrn, "exit.departed", 287),
            *reintegrated(mrn, 320, None, 286)]  # fmt: skip


def own_outage(who: str, start: float = 180, end: float = 230) -> list[Entry]:
    return fault("down", f"exporter:{who}", start, end)


def da(who: str, minutes: float, da_id: str = "DA-1") -> list[Entry]:
    """A self-trigger DA for ECS-BS, registered a minute later, its acknowledgement forwarded to the office."""
    return [
        e("olga.requests", "olga.da", minutes, ce_id=f"{da_id}-filed", source=f"exporter:{who}", da_id=da_id,
          filer=who, kind="self_trigger", service="ECS-BS", mode="EDI", declarations=[], text="auto-déclenchement"),
        e("olga.status", "olga.ack", minutes + 1, ce_id=f"{da_id}-ack", da_id=da_id, to=who,
          registered_at=iso(minutes + 1)),
        at("ecs.counter", "office.informed", minutes + 2, f"exporter:{who}", informed_id=f"I-{da_id}", by=who,
           office="FR000020", kind="start", da_id=da_id, attached_ack=da_id, service="ECS-BS"),
    ]  # fmt: skip


def da_closed(who: str, asked: float = 235, closed: float = 250, da_id: str = "DA-1") -> list[Entry]:
    return [
        e("sau.contacts", "sau.contact", asked, ce_id=f"{da_id}-close", by=who, channel="email",
          purpose="close_request", da_id=da_id, text="", sent_at=iso(asked)),
        at("ecs.counter", "office.informed", asked, f"exporter:{who}", informed_id=f"E-{da_id}", by=who,
           office="FR000020", kind="end", da_id=da_id, attached_ack="", service="ECS-BS"),
        e("olga.status", "olga.closed", closed, ce_id=f"{da_id}-closed", da_id=da_id, closed_by="CID",
          closed_at=iso(closed)),
    ]  # fmt: skip


def operator_fallback(mrn: str = IMM.mrn) -> list[Entry]:
    """BARE's own system down (180-230), no prodouane, no substitute: DA, office told, then the fallback."""
    who = MOVES[mrn].exporter
    return [*own_outage(who), *loaded(mrn, 100), point(mrn, "exit.arrived", 190), *da(who, 195),
            presented(mrn, "arrival_exit", 198), *stamped(mrn, 199, "sortie autorisée"),
            point(mrn, "exit.departed", 200), *da_closed(who), *reintegrated(mrn, 260, 199, 199)]  # fmt: skip


def on_portal(mrn: str = PRO_MOVE.mrn) -> list[Entry]:
    """PRO's own system down: it has a prodouane account and notifies the arrival on the portal."""
    return [*own_outage(PRO.eori), *loaded(mrn, 100), point(mrn, "exit.arrived", 190),
            msg(mrn, "IE507", "operator", 196, channel="DTI", topic="ecs.portal"),
            state(mrn, "ECSBS", "ETAT_STOCKE", 196)]  # fmt: skip


def by_substitute(mrn: str = SUB_IMM.mrn) -> list[Entry]:
    """SUB's own system down, case 2: its substitute notifies the arrival and announces the exit."""
    return [*own_outage(SUB.eori), *loaded(mrn, 100), point(mrn, "exit.arrived", 190),
            msg(mrn, "IE507", "substitute", 196, channel="EDI"), state(mrn, "ECSBS", "ETAT_STOCKE", 196),
            msg(mrn, "EXIT_ANN", "substitute", 197, channel="EDI"), *closed_out(mrn, 197),
            point(mrn, "exit.departed", 198)]  # fmt: skip


def land(mrn: str = ON_LAND.mrn) -> list[Entry]:
    """A land exit during the outage: the driver shows the EAD at the counter, immediate path."""
    return [*outage(), *loaded(mrn, 100), point(mrn, "exit.arrived", 200), presented(mrn, "arrival_exit", 202),
            *stamped(mrn, 203, "sortie autorisée"), point(mrn, "exit.departed", 204),
            *reintegrated(mrn, 300, 203, 203)]  # fmt: skip


COMPLIANT = {
    "immediate case 2": (outage(immediate()), (C2I, REINT)),
    "immediate case 1": (outage(immediate(case=1)), (C1I, REINT)),
    "deferred case 1": (outage(deferred()), (C1D, REINT)),
    "deferred case 2, back at exit": (outage(deferred_back()), (C1D, REINT)),
    "case 3": (case3(), (C3, REINT)),
    "operator fallback": (operator_fallback(), (O2I, REINT)),
    "operator on the portal": (on_portal(), (O2D, REINT)),
    "operator's substitute": (by_substitute(), (O2I, REINT)),
    "land exit": (land(), (LAND, REINT)),
}


# --- the whole drill ---------------------------------------------------------------------------------


def test_the_fixtures_use_the_world_they_claim() -> None:
    assert IMM.exit_office == "FR000020" and ON_LAND.exit_office == "FR000030"
    assert DEF.deferred and LATE.deferred and not IMM.deferred and PRO_MOVE.exporter == PRO.eori
    quiet = [m for m in WORLD.exports if T0 + timedelta(minutes=180) <= m.arrival < T0 + timedelta(minutes=230)]
    assert not quiet  # no other movement arrives in the outage


def test_compliant_journals_fail_no_ecs_check() -> None:
    for name, (journal, scenarios) in COMPLIANT.items():
        ctx = Context(WORLD, ProcedureParams(), scenarios, T0 + timedelta(hours=48))
        ecs = [o for o in evaluate(JournalIndex.build(journal), ctx) if o.scenario in (GROUP, REINT)]
        assert ecs, name
        assert [(o.id, o.message) for o in ecs if o.status == "fail"] == [], name


def test_a_shared_check_judges_the_movements_of_the_listed_scenarios_only() -> None:
    # One outage, two movements: an immediate case 2 stamped right, a deferred case 1 stamped wrong.
    wrong = [x for x in deferred() if not (x.ce_type == "ead.stamped" and x.data["mention"].startswith("présenté"))]
    journal = outage(immediate(), wrong + stamped(DEF.mrn, 193, "présenté le", date="01/01/2026")[:1])
    assert status("E4", journal, C2I) == "pass"
    assert status("E4", journal, C1D) == "fail"
    assert status("E4", journal, C2I, C1D) == "fail"
    assert status("E4", journal) == "fail"  # outside a drill: every scenario of the check
    assert REGISTRY["E8"].applies([C1D]) and not REGISTRY["E8"].applies([C1I])
    assert not any(c.applies(["ECS-BS-CASE1-OPERATOR-DOWN-IMMEDIATE"]) for c in REGISTRY.values()
                   if c.scenario != "GLOBAL")  # fmt: skip


def test_the_case_is_read_from_the_states_at_the_fault() -> None:
    # Case 1 (no AER) is not case 2: K3 for an immediate case 1 judges nothing when only case 2 is listed.
    journal = outage(immediate(case=1))
    assert status("K3", journal, C2I) == "not_exercised"
    assert status("K3", journal, C1I) == "pass"
    assert status("K5", case3(), C3) == "pass"
    assert status("K5", case3(), O3) == "not_exercised"  # ECS-BS, not the operator, was down


# --- E: the fallback block ---------------------------------------------------------------------------


def test_e1_an_ecs_alert_in_time_and_before_the_first_presentation() -> None:
    assert status("E1", outage(immediate())) == "pass"
    no_alert = drop(outage(immediate()), "meteo.alert")
    result = judge("E1", no_alert)
    assert result.status == "fail" and result.evidence[0].topic == "secours.faults"  # the fault's start
    late = [*ecs_down(), alert("open", 193), *immediate()]  # after the presentation at 192
    assert status("E1", late) == "fail"
    assert status("E1", [*ecs_down(), alert("open", 215)]) == "fail"  # over t.alert_max
    assert status("E1", operator_fallback()) == "not_exercised"


def test_e2_presented_at_the_counter_or_by_email_to_the_exit_office() -> None:
    assert status("E2", outage(immediate())) == "pass"
    by_fax = [presented(IMM.mrn, "arrival_exit", 192, channel="fax") if x.ce_type == "ead.presented" else x
              for x in outage(immediate())]  # fmt: skip
    assert status("E2", by_fax) == "fail"
    elsewhere = [presented(IMM.mrn, "arrival_exit", 192, office="FR000030") if x.ce_type == "ead.presented" else x
                 for x in outage(immediate())]  # fmt: skip
    assert status("E2", elsewhere) == "fail"
    assert status("E2", by_substitute()) == "not_exercised"


def test_e3_no_stamp_after_a_failed_control() -> None:
    ok = counter(IMM.mrn, "bs.control", 192.5, result="ok")
    assert status("E3", [*outage(immediate()), ok]) == "pass"
    failed = counter(IMM.mrn, "bs.control", 192.5, result="not_ok")
    assert status("E3", [*outage(immediate()), failed]) == "fail"
    after = counter(IMM.mrn, "bs.control", 193.5, result="ok")  # the result came after the stamp
    assert status("E3", [*outage(immediate()), after]) == "fail"
    assert status("E3", by_substitute()) == "not_exercised"


def test_e4_the_mention_of_the_step_and_its_date() -> None:
    assert status("E4", outage(deferred())) == "pass"
    swapped = [*drop(outage(immediate()), "ead.stamped"), *stamped(IMM.mrn, 193, "sortie autorisée le")[:1]]
    assert status("E4", swapped) == "fail"  # immediate exit stamped as a deferred one
    dated = [*drop(outage(deferred()), "ead.stamped", mention="présenté"),
             *stamped(DEF.mrn, 193, "présenté le", date="05/03/2026")[:1]]  # fmt: skip
    result = judge("E4", dated)
    assert result.status == "fail" and "dated neither" in result.evidence[0].note
    not_nd = [*drop(outage(immediate()), "ead.stamped"), *stamped(IMM.mrn, 193, "sortie autorisée", stamp="XX")[:1]]
    assert status("E4", not_nd) == "fail"


def test_e5_original_back_and_copy_kept_after_each_stamp() -> None:
    assert status("E5", outage(deferred())) == "pass"
    at_exit = T0 + timedelta(minutes=216)
    kept = [x for x in outage(deferred()) if not (x.ce_type == "ead.returned" and x.time == at_exit)]
    result = judge("E5", kept)
    assert result.status == "fail" and "not handed back" in result.evidence[0].note


def test_e6_the_operator_is_told_of_the_reintegration() -> None:
    assert status("E6", outage(deferred())) == "pass"
    assert status("E6", drop(outage(deferred()), "bs.reintegration_notice")) == "fail"
    late = [*drop(outage(immediate()), "bs.reintegration_notice"),
            counter(IMM.mrn, "bs.reintegration_notice", 194, text="later")]  # fmt: skip
    assert status("E6", late) == "fail"


def test_e7_no_departure_before_the_exit_is_authorised() -> None:
    assert status("E7", outage(immediate())) == "pass"
    assert status("E7", outage(deferred_back())) == "pass"  # the electronic exit before leaving
    early = [*drop(outage(immediate()), "exit.departed"), point(IMM.mrn, "exit.departed", 192.5)]
    assert status("E7", early) == "fail"
    assert status("E7", on_portal()) == "not_exercised"  # nothing left during the drill


def test_e8_back_before_the_exit_the_office_records_it_in_the_system() -> None:
    assert status("E8", outage(deferred_back())) == "pass"
    assert status("E8", outage(deferred())) == "not_exercised"  # still down at the exit
    stamped_too = [*outage(deferred_back()), *stamped(DEF.mrn, 250.5, "sortie autorisée le")[:1]]
    assert status("E8", stamped_too) == "fail"
    # The alert ended before the goods left, yet the office stamped instead of using the system.
    stamped_instead = outage(deferred(), end_alert=205)
    result = judge("E8", stamped_instead)
    assert result.status == "fail" and "though back" in result.evidence[0].note
    exit_first = [x for x in outage(deferred_back()) if not (x.ce_type == "ecs.msg" and x.data["ie"] == "IE507")]
    assert status("E8", [*exit_first, msg(DEF.mrn, "IE507", "service", 260, reintegration=True, event=193)]) == "fail"


def test_e9_reintegrated_by_the_service_within_the_deadline() -> None:
    assert status("E9", outage(immediate())) == "pass"
    late = [x for x in outage(immediate()) if x.ce_type != "ecs.msg" or x.data["by"] != "service"]
    late += [msg(IMM.mrn, ie, "service", 1700, reintegration=True, event=193) for ie in ("IE507", "EXIT_ANN")]
    result = judge("E9", late)  # end of alert at 240 + 24 h = minute 1680
    assert result.status == "fail" and "after" in result.evidence[0].note
    relaxed = [*late, counter(IMM.mrn, "bs.relaxation", 250, alert_id=ALR, new_deadline=iso(1800))]
    assert status("E9", relaxed) == "pass"
    during = [x for x in outage(immediate()) if not (x.ce_type == "ecs.msg" and x.data["ie"] == "IE507")]
    during.append(msg(IMM.mrn, "IE507", "service", 200, reintegration=True, event=193))  # ECS-BS still down
    result = judge("E9", during)
    assert result.status == "fail" and "while ECS-BS was down" in result.evidence[0].note
    never = drop(outage(immediate()), "ecs.msg")
    assert status("E9", never) == "fail"
    assert status("E9", never, hours=10) == "not_exercised"  # the deadline is after the drill


def test_e10_exit_results_then_certification() -> None:
    assert status("E10", outage(immediate())) == "pass"
    uncertified = [x for x in outage(immediate()) if not (x.ce_type == "ecs.msg" and x.data["ie"] == "IE599")]
    result = judge("E10", uncertified)
    assert result.status == "fail" and "IE599" in result.evidence[0].note
    open_ = [x for x in outage(immediate()) if not (x.ce_type == "ecs.state" and x.data["state"] == "SORTIE_CONFIRMEE")]
    assert status("E10", open_) == "fail"
    no_results = [x for x in outage(immediate()) if not (x.ce_type == "ecs.msg" and x.data["ie"] in ("IE518", "IE599"))]
    assert status("E10", no_results) == "fail"
    assert status("E10", no_results, hours=10) == "not_exercised"


def test_e11_the_arrival_presented_in_real_time() -> None:
    assert status("E11", outage(immediate())) == "pass"
    slow = [presented(IMM.mrn, "arrival_exit", 225) if x.ce_type == "ead.presented" else x
            for x in outage(immediate())]  # fmt: skip
    assert status("E11", slow) == "fail"
    # Arrived before the alert: real time counts from the alert's opening.
    early = [point(IMM.mrn, "exit.arrived", 181) if x.ce_type == "exit.arrived" else x for x in outage(immediate())]
    assert status("E11", early) == "pass"
    assert status("E11", case3()) == "not_exercised"  # case 3: presented at the exit only


def test_e12_dated_by_the_stamp_and_sent_once() -> None:
    assert status("E12", outage(deferred())) == "pass"
    assert status("E12", outage(deferred_back())) == "pass"  # the exit recorded live, at its own time
    wrong = msg(DEF.mrn, "EXIT_ANN", "service", 301, reintegration=True, event=301)  # not the stamp's time
    misdated = [wrong if x.ce_type == "ecs.msg" and x.data["ie"] == "EXIT_ANN" else x for x in outage(deferred())]
    result = judge("E12", misdated)
    assert result.status == "fail" and "dated" in result.evidence[0].note
    twice = [*outage(deferred()), msg(DEF.mrn, "IE507", "service", 400, reintegration=True, event=193)]
    assert status("E12", twice) == "fail"


# --- O: the exporter's own system down ---------------------------------------------------------------


def test_o1_prodouane_means_dti() -> None:
    assert status("O1", on_portal()) == "pass"
    on_edi = [x for x in on_portal() if x.ce_type != "ecs.msg"] + [msg(PRO_MOVE.mrn, "IE507", "operator", 196)]
    result = judge("O1", on_edi)
    assert result.status == "fail" and result.evidence[0].topic == "secours.faults"
    fell_back = [*on_portal(), *da(PRO.eori, 192), *stamped(PRO_MOVE.mrn, 199, "présenté le")]
    assert len(judge("O1", fell_back).evidence) == 2  # a DA and a stamp
    assert status("O1", operator_fallback()) == "not_exercised"


def test_o2_the_substitute_does_the_formalities() -> None:
    assert status("O2", by_substitute()) == "pass"
    fell_back = [x for x in by_substitute() if x.ce_type != "ecs.msg" or x.data["ie"] != "EXIT_ANN"]
    fell_back += [presented(SUB_IMM.mrn, "exit", 198), *stamped(SUB_IMM.mrn, 199, "sortie autorisée le")]
    result = judge("O2", fell_back)
    assert result.status == "fail" and len(result.evidence) == 2  # the exit not by it, and a stamp
    assert status("O2", operator_fallback()) == "not_exercised"


def test_o3_a_registered_da_before_the_fallback() -> None:
    assert status("O3", operator_fallback()) == "pass"
    assert status("O3", drop(operator_fallback(), "olga.da")) == "fail"
    unregistered = drop(operator_fallback(), "olga.ack")
    assert status("O3", unregistered) == "fail"
    assert status("O3", outage(immediate())) == "not_exercised"


def test_o4_the_exit_office_told_before_the_first_presentation() -> None:
    assert status("O4", operator_fallback()) == "pass"
    hasty = [x for x in operator_fallback() if not (x.ce_type == "office.informed" and x.data["kind"] == "start")]
    assert status("O4", hasty) == "fail"
    wrong_ack = [x for x in operator_fallback() if not (x.ce_type == "office.informed" and x.data["kind"] == "start")]
    wrong_ack.append(at("ecs.counter", "office.informed", 197, f"exporter:{BARE.eori}", informed_id="I-x",
                        by=BARE.eori, office="FR000020", kind="start", da_id="DA-1", attached_ack="",
                        service="ECS-BS"))  # fmt: skip
    assert status("O4", wrong_ack) == "fail"


def test_o5_closure_requested_and_office_told_once_back() -> None:
    assert status("O5", operator_fallback()) == "pass"
    assert status("O5", drop(operator_fallback(), "sau.contact")) == "fail"
    late = [*drop(operator_fallback(), "sau.contact", "office.informed"), *da(BARE.eori, 195)[2:],
            *da_closed(BARE.eori, asked=400)[:2]]  # fmt: skip
    result = judge("O5", late)
    assert result.status == "fail" and len(result.evidence) == 2
    assert status("O5", outage(immediate())) == "not_exercised"


# --- K: the cases ------------------------------------------------------------------------------------


def test_k1_the_states_match_the_case() -> None:
    assert status("K1", outage(immediate())) == "pass"
    assert status("K1", case3()) == "pass"
    no_delta = [x for x in outage(immediate()) if not (x.ce_type == "ecs.state" and x.data["system"] == "DELTA")]
    result = judge("K1", no_delta)
    assert result.status == "fail" and result.evidence[0].topic == "secours.faults"
    busy = [*outage(immediate()), state(IMM.mrn, "ECSBS", "ETAT_STOCKE", 200)]  # ECS-BS down, yet it records
    assert status("K1", busy) == "fail"


def test_k2_case1_ecs_bs_loads_the_movement_before_the_reintegration() -> None:
    assert status("K2", outage(immediate(case=1))) == "pass"
    never = [x for x in outage(immediate(case=1)) if not (x.ce_type == "ecs.msg" and x.data["ie"] == "IE501")]
    result = judge("K2", never)
    assert result.status == "fail" and result.evidence[0].topic == "secours.faults"
    early = [*outage(immediate(case=1)), msg(IMM.mrn, "IE507", "service", 230.5, reintegration=True, event=193)]
    assert status("K2", early) == "fail"
    assert status("K2", outage(immediate())) == "not_exercised"


def test_k3_immediate_exit_one_plain_stamp() -> None:
    assert status("K3", outage(immediate())) == "pass"
    twice = [*outage(immediate()), *stamped(IMM.mrn, 194, "présenté le")[:1]]
    assert status("K3", twice) == "fail"


def test_k4_deferred_exit_two_stamps_in_real_time() -> None:
    assert status("K4", outage(deferred())) == "pass"
    assert status("K4", outage(deferred_back())) == "pass"  # E8 applied
    one = drop(outage(deferred()), "ead.stamped", mention="sortie autorisée")
    assert status("K4", one) == "fail"
    slow = [point(DEF.mrn, "exit.departed", 240) if x.ce_type == "exit.departed" else x for x in outage(deferred())]
    result = judge("K4", slow)
    assert result.status == "fail" and "shown again" in result.evidence[0].note


def test_k5_case3_one_dated_exit_stamp() -> None:
    assert status("K5", case3()) == "pass"
    presented_too = [*case3(), *stamped(LATE.mrn, 285.5, "présenté le")[:1]]
    assert status("K5", presented_too) == "fail"


def test_k6_the_messages_each_case_needs() -> None:
    assert status("K6", outage(deferred())) == "pass"
    assert status("K6", case3()) == "pass"
    no_exit = [x for x in outage(deferred()) if not (x.ce_type == "ecs.msg" and x.data["ie"] == "EXIT_ANN")]
    assert status("K6", no_exit) == "fail"
    second_arrival = [*case3(), msg(LATE.mrn, "IE507", "service", 320, reintegration=True, event=156)]
    assert status("K6", second_arrival) == "fail"


def test_k7_dti_then_a_substitute_then_the_fallback() -> None:
    assert status("K7", operator_fallback()) == "pass"  # neither prodouane nor a substitute
    assert status("K7", by_substitute()) == "pass"
    assert status("K7", on_portal()) == "pass"
    skipped = [*by_substitute(), presented(SUB_IMM.mrn, "exit", 198)]
    result = judge("K7", skipped)
    assert result.status == "fail" and "a substitute" in result.evidence[0].note
    assert status("K7", outage(immediate())) == "not_exercised"


def test_notifications_sent_while_ecs_bs_is_down_do_not_count() -> None:
    # At a land exit the officers record the exit live before the alert tells them ECS-BS is down:
    # refused, then reintegrated once - not twice.
    refused = [msg(ON_LAND.mrn, ie, "service", 200.5) for ie in ("IE507", "EXIT_ANN")]
    for check in ("K6", "E12", "E9", f"{REINT}#1"):
        assert status(check, [*land(), *refused]) == "pass", check
    only_refused = [x for x in land() if not (x.ce_type == "ecs.msg" and x.data["by"] == "service")] + refused
    result = judge("E9", only_refused)
    assert result.status == "fail" and "while ECS-BS was down" in result.evidence[0].note


def test_k8_land_exit_at_the_counter_immediate_path() -> None:
    assert status("K8", land()) == "pass"
    mailed = [presented(ON_LAND.mrn, "arrival_exit", 202, channel="email") if x.ce_type == "ead.presented" else x
              for x in land()]  # fmt: skip
    assert status("K8", mailed) == "fail"
    assert status("K8", outage(immediate())) == "not_exercised"


# --- ECS-BS-REINTEGRATION --------------------------------------------------------------------------------


def test_reintegration_1_exactly_the_fallback_movements() -> None:
    assert status(f"{REINT}#1", outage(immediate(), deferred())) == "pass"
    missing = [x for x in outage(immediate()) if not (x.ce_type == "ecs.msg" and x.data["by"] == "service")]
    assert status(f"{REINT}#1", missing) == "fail"
    extra = [*by_substitute(), msg(SUB_IMM.mrn, "IE507", "service", 260, reintegration=True, event=196)]
    assert status(f"{REINT}#1", extra) == "fail"
    assert status(f"{REINT}#1", by_substitute()) == "not_exercised"


def test_reintegration_2_relaxation_only_after_a_long_outage() -> None:
    relax = counter(IMM.mrn, "bs.relaxation", 250, alert_id=ALR, new_deadline=iso(3000))
    assert status(f"{REINT}#2", [*outage(immediate()), relax]) == "fail"  # 55 min of alert
    long_ = [*fault("down", "ecs_exit", 180, 1000), alert("open", 185), alert("end", 1010)]
    assert status(f"{REINT}#2", [*long_, counter(IMM.mrn, "bs.relaxation", 1020, alert_id=ALR,
                                                 new_deadline=iso(4000))]) == "pass"  # fmt: skip
    late = counter(IMM.mrn, "bs.relaxation", 2500, alert_id=ALR, new_deadline=iso(4000))
    assert status(f"{REINT}#2", [*long_, late]) == "fail"
    assert status(f"{REINT}#2", outage(immediate())) == "not_exercised"


def test_reintegration_3_no_operator_notification_after_the_end_of_alert() -> None:
    assert status(f"{REINT}#3", outage(deferred())) == "pass"
    replayed = [*outage(deferred()), msg(DEF.mrn, "IE507", "operator", 245, channel="EDI")]
    assert status(f"{REINT}#3", replayed) == "fail"
    # The operator's own fallback ends with its DA's closure (minute 250).
    assert status(f"{REINT}#3", [*operator_fallback(), msg(IMM.mrn, "EXIT_ANN", "operator", 251)]) == "fail"
    assert status(f"{REINT}#3", [*operator_fallback(), msg(IMM.mrn, "EXIT_ANN", "operator", 249)]) == "pass"


def test_every_ecs_check_is_tested_here() -> None:
    ids = {c.id for c in REGISTRY.values() if c.scenario in (GROUP, REINT)}
    assert ids == {*(f"E{i}" for i in range(1, 13)), *(f"O{i}" for i in range(1, 6)),
                   *(f"K{i}" for i in range(1, 9)), f"{REINT}#1", f"{REINT}#2", f"{REINT}#3"}  # fmt: skip
    assert set(REGISTRY["E1"].applies_to) | set(FALLBACKS) == set(FALLBACKS)
    assert set(REGISTRY["K6"].applies_to) == set(RECOVERY) and set(REGISTRY["K4"].applies_to) == set(DEFERRED)
    assert {O2I, O2D, O3, C2D} <= set(REGISTRY["E2"].applies_to)
