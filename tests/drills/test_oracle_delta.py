"""DELTA-* checks (PROCEDURES.md §7) on hand-made journals: each passes on compliant evidence, and fails
(or warns) naming evidence on a breach."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from secours.drills.journal import Entry
from secours.drills.oracle import REGISTRY, Context, JournalIndex
from secours.drills.oracle.delta.self_trigger import SELF_WORDS
from secours.drills.procedure import ProcedureParams
from secours.drills.reportdata import CheckOutcome
from secours.world import DeltaDeclarant, RunConfig, Traffic, World
from tests.drills.test_oracle import T0, e
from tests.drills.test_oracle_scenarios import fault

TRAFFIC = Traffic(consignments=40, providers=2, traders=5, delta_declarants=6, delta_declarations=30)
WORLD = World(RunConfig(seed=3, traffic=TRAFFIC))
# T0 is a Monday, 01:00 in Paris: offices open from minute 420 (08:00) to 1020 (18:00).
DTI = next(d for d in WORLD.delta_declarants if d.mode == "DTI" and "DELTA_G" in d.services)
PROVIDER = WORLD.connection_providers[0].id
CLIENTS = [d for d in WORLD.delta_declarants if d.provider == PROVIDER]
EDI_USER = CLIENTS[0]
OTHER_EDI = next(d for d in WORLD.delta_declarants if d.mode == "EDI" and d.provider != PROVIDER)
ALR = "ALR-20260302-001"
NO1, NO2 = "FR006900-26-0000001", "FR006900-26-0000002"


def iso(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def judge(check: str, entries: Iterable[Entry]) -> CheckOutcome:
    ctx = Context(WORLD, ProcedureParams(), (), T0 + timedelta(hours=48))
    return REGISTRY[check].run(JournalIndex.build(entries), ctx)


def status(check: str, entries: Iterable[Entry]) -> str:
    """The outcome's status; a failure or a warning must name its evidence."""
    result = judge(check, entries)
    if result.status in ("fail", "warn"):
        assert result.evidence, result
    return result.status


def drop(entries: list[Entry], *ce_types: str) -> list[Entry]:
    return [x for x in entries if x.ce_type not in ce_types]


def alert(phase: str, minutes: float, services: tuple[str, ...] = ("DELTA_G",), modes: tuple[str, ...] = ("EDI",),
          **extra: Any) -> Entry:  # fmt: skip
    data: dict[str, Any] = {
        "alert_id": ALR, "phase": phase, "services": list(services), "modes": list(modes), "component": "delta",
        "symptoms": "rejets des déclarations", "instructions": "", "publisher": "CID", "bip_number": 0,
        "published_at": iso(minutes),
    }  # fmt: skip
    data.update(extra)
    return e("meteo", "meteo.alert", minutes, ce_id=f"{phase}-{minutes}", source="customs_desk_fr", **data)


def used(minutes: float, by: DeltaDeclarant, service: str, covering: str, fid: str = "FB-1", **extra: Any) -> Entry:
    data: dict[str, Any] = {
        "fallback_id": fid, "by": by.eori, "office": by.office, "service": service, "mode": by.mode,
        "what": "paper_declaration", "ref": "DLT1", "decl_no": "", "covering": covering, "at": iso(minutes),
    }  # fmt: skip
    data.update(extra)
    return e("delta.office", "fallback.used", minutes, ce_id=f"{fid}-{minutes}", source=f"declarant:{by.eori}", **data)


def regularised(minutes: float, fid: str = "FB-1") -> Entry:
    return e("delta.office", "regularised", minutes, fallback_id=fid, by="x", ref="DLT1", decl_no="", at=iso(minutes))


def consulted(minutes: float, by: DeltaDeclarant, *alert_ids: str) -> Entry:
    return e("meteo.consultations", "meteo.consulted", minutes, consultation_id=f"M{minutes}", by=by.eori,
             channel="web", alert_ids=list(alert_ids), consulted_at=iso(minutes))  # fmt: skip


def self_da(minutes: float, by: DeltaDeclarant = DTI, service: str = "DELTA_G", decls: tuple[str, ...] = (NO1,),
            da_id: str = "DA-1", **extra: Any) -> Entry:  # fmt: skip
    data: dict[str, Any] = {
        "da_id": da_id, "filer": by.eori, "filer_role": "trader", "filer_eori": by.eori, "company": by.name,
        "phone": by.phone, "address": by.address, "reasons": "validated, no BAE for an hour", "kind": "self_trigger",
        "service": service, "mode": by.mode, "component": "delta", "symptom": "no BAE", "since": iso(minutes - 30),
        "estimated_duration": "2h", "entry_office": by.office, "clients": [], "declarations": list(decls),
        "transports": [], "text": f"Objet : {SELF_WORDS} pour {service}", "filed_at": iso(minutes),
    }  # fmt: skip
    data.update(extra)
    return e("olga.requests", "olga.da", minutes, ce_id=f"{da_id}-{minutes}", source=f"declarant:{by.eori}", **data)


def ack(minutes: float, da_id: str = "DA-1") -> Entry:
    return e("olga.status", "olga.ack", minutes, ce_id=f"ack-{da_id}", da_id=da_id, to="x", registered_at=iso(minutes))


def closed(minutes: float, da_id: str = "DA-1") -> Entry:
    return e("olga.status", "olga.closed", minutes, ce_id=f"closed-{da_id}", da_id=da_id, closed_by="CID",
             closed_at=iso(minutes))  # fmt: skip


def informed(minutes: float, kind: str, da_id: str = "DA-1", attached: str = "DA-1") -> Entry:
    return e("delta.office", "office.informed", minutes, informed_id=f"I{minutes}", by=DTI.eori, office=DTI.office,
             kind=kind, da_id=da_id, attached_ack=attached, ack_registered_at=None, service="DELTA_G",
             at=iso(minutes))  # fmt: skip


def sau(minutes: float, purpose: str, by: str = DTI.eori, da_id: str = "DA-1", channel: str = "phone") -> Entry:
    return e("sau.contacts", "sau.contact", minutes, contact_id=f"S{minutes}", by=by, channel=channel,
             purpose=purpose, da_id=da_id, text="", sent_at=iso(minutes))  # fmt: skip


def decl(minutes: float, no: str, state: str, ref: str = "DLT1", topic: str = "delta.decl") -> Entry:
    return e(topic, "delta.decl", minutes, ce_id=f"{no}-{state}-{minutes}", source="delta", decl_no=no, ref=ref,
             declarant=DTI.eori, service="DELTA_G", mode="DTI", state=state, regularises="",
             at=iso(minutes))  # fmt: skip


def aubette(minutes: float, no: str, result: str, by: DeltaDeclarant = DTI) -> Entry:
    return e("delta.aubette", "delta.aubette", minutes, query_id=f"A{minutes}{no}", by=by.eori, decl_no=no,
             result=result, at=iso(minutes))  # fmt: skip


def query(minutes: float, no: str, by: DeltaDeclarant = DTI) -> Entry:
    return e("delta.office", "office.query", minutes, query_id=f"Q{minutes}{no}", by=by.eori, office=by.office,
             decl_no=no, asked_at=iso(minutes))  # fmt: skip


# --- DELTA-ALERT-PUBLISHED --------------------------------------------------------------------------

ALERT = "DELTA-ALERT-PUBLISHED"
OUTAGE = fault("down", "delta:DELTA_G/EDI", 60, 300)
ALERT_LIFE = [
    alert("open", 70), alert("bip", 150, bip_number=1), alert("bip", 260, bip_number=2),
    alert("end", 320, instructions="régularisez"),
]  # fmt: skip
ON_ALERT = [
    *OUTAGE, *ALERT_LIFE, consulted(80, OTHER_EDI, ALR), used(90, OTHER_EDI, "DELTA_G", ALR), regularised(400),
]  # fmt: skip


def test_alert_published_by_the_cid_naming_services_modes_and_symptoms() -> None:
    assert status(f"{ALERT}#1", ON_ALERT) == "pass"
    assert status(f"{ALERT}#1", [*ON_ALERT, alert("bip", 200, publisher="Delta")]) == "fail"
    assert status(f"{ALERT}#1", OUTAGE) == "not_exercised"
    assert status(f"{ALERT}#2", ON_ALERT) == "pass"
    assert status(f"{ALERT}#2", [*OUTAGE, alert("open", 70, symptoms="")]) == "fail"
    assert status(f"{ALERT}#2", [*OUTAGE, alert("open", 70, modes=())]) == "fail"
    assert status(f"{ALERT}#2", OUTAGE) == "fail"  # Delta down, nothing published
    assert status(f"{ALERT}#2", []) == "not_exercised"
    ics2 = alert("open", 70, services=(), component="ics2_sti", alert_id="ALR-ICS2")
    assert status(f"{ALERT}#1", [ics2]) == "not_exercised"  # the météo's ICS2 alerts are not Delta's


def test_alert_bips_keep_coming_while_it_is_open() -> None:
    assert status(f"{ALERT}#3", ON_ALERT) == "pass"
    assert status(f"{ALERT}#3", [*drop(ON_ALERT, "meteo.alert"), ALERT_LIFE[0], ALERT_LIFE[-1]]) == "fail"  # 250 min
    still_open = [*OUTAGE, ALERT_LIFE[0], e("x", "heartbeat", 300)]  # nothing for 230 min, never ended
    assert status(f"{ALERT}#3", still_open) == "fail"


def test_alert_fallback_only_after_consulting_a_covering_alert() -> None:
    assert status(f"{ALERT}#4", ON_ALERT) == "pass"
    assert status(f"{ALERT}#4", drop(ON_ALERT, "meteo.consulted")) == "fail"
    early = [*drop(ON_ALERT, "meteo.consulted"), consulted(65, OTHER_EDI)]  # before the alert opened
    assert status(f"{ALERT}#4", early) == "fail"
    assert status(f"{ALERT}#4", ALERT_LIFE) == "not_exercised"


def test_alert_fallback_only_on_an_alert_covering_service_and_mode() -> None:
    assert status(f"{ALERT}#5", ON_ALERT) == "pass"
    other_mode = [*OUTAGE, alert("open", 70, modes=("DTI",)), used(90, OTHER_EDI, "DELTA_G", ALR)]
    assert status(f"{ALERT}#5", other_mode) == "fail"
    assert status(f"{ALERT}#5", [*ON_ALERT, used(95, OTHER_EDI, "DELTA_H7", ALR, "FB-2")]) == "fail"
    own_da = self_da(85, OTHER_EDI, "DELTA_H7", ())
    assert status(f"{ALERT}#5", [*ON_ALERT, own_da, used(95, OTHER_EDI, "DELTA_H7", ALR, "FB-2")]) == "pass"


def test_alert_covered_declarants_do_not_self_trigger_warn() -> None:
    assert status(f"{ALERT}#6", ON_ALERT) == "not_exercised"  # no self-trigger DA: nothing judged
    assert status(f"{ALERT}#6", [*ON_ALERT, self_da(100, OTHER_EDI, "DELTA_G", ())]) == "warn"
    assert status(f"{ALERT}#6", [*ON_ALERT, self_da(100, OTHER_EDI, "DELTA_H7", ())]) == "pass"  # not covered
    assert status(f"{ALERT}#6", OUTAGE) == "not_exercised"


def test_alert_ends_after_the_outage_in_time_with_instructions() -> None:
    assert status(f"{ALERT}#7", ON_ALERT) == "pass"
    late = [*OUTAGE, ALERT_LIFE[0], alert("end", 400, instructions="régularisez")]  # F.end + 100 min
    assert status(f"{ALERT}#7", late) == "fail"
    assert status(f"{ALERT}#7", [*OUTAGE, ALERT_LIFE[0], alert("end", 320)]) == "fail"  # no instructions
    assert status(f"{ALERT}#7", [*OUTAGE, ALERT_LIFE[0], alert("end", 250, instructions="x")]) == "fail"  # early
    assert status(f"{ALERT}#7", [*OUTAGE, ALERT_LIFE[0]]) == "fail"  # never ended
    assert status(f"{ALERT}#7", ALERT_LIFE) == "not_exercised"


def test_alert_no_fallback_after_its_end_and_every_fallback_regularised() -> None:
    assert status(f"{ALERT}#8", ON_ALERT) == "pass"
    assert status(f"{ALERT}#8", [*ON_ALERT, used(330, OTHER_EDI, "DELTA_G", ALR, "FB-2")]) == "fail"
    assert status(f"{ALERT}#9", ON_ALERT) == "pass"
    assert status(f"{ALERT}#9", drop(ON_ALERT, "regularised")) == "fail"
    assert status(f"{ALERT}#9", [*drop(ON_ALERT, "regularised"), regularised(320 + 24 * 60 + 1)]) == "fail"
    assert status(f"{ALERT}#9", drop(ON_ALERT, "fallback.used")) == "not_exercised"


# --- DELTA-SELF-TRIGGER -----------------------------------------------------------------------------

SELF = "DELTA-SELF-TRIGGER"
# Case (b), in office hours: Delta's release engine stops; NO1, validated at 490, gets no BAE.
SELF_CASE = [
    *fault("down", "delta:DELTA_G/release", 480, 720),
    decl(490, NO1, "VALIDATED"),
    consulted(530, DTI),
    aubette(535, NO1, "VALIDATED"),
    query(540, NO1),
    self_da(550),
    ack(551),
    informed(555, "start"),
    e("delta.office", "office.fallback_record", 556, record_id="R1", office=DTI.office, declarant=DTI.eori,
      da_id="DA-1", service="DELTA_G", start=iso(551), at=iso(556)),
    used(560, DTI, "DELTA_G", "DA-1"),
    sau(730, "close_request", channel="email"),
    informed(735, "end"),
    closed(740),
    regularised(800),
]  # fmt: skip


def swap(entries: list[Entry], ce_type: str, *new: Entry) -> list[Entry]:
    return [*drop(entries, ce_type), *new]


def test_self_trigger_meteo_first_and_no_matching_alert() -> None:
    assert status(f"{SELF}#1", SELF_CASE) == "pass"
    assert status(f"{SELF}#1", drop(SELF_CASE, "meteo.consulted")) == "fail"
    matching = alert("open", 500, modes=("DTI",))
    assert status(f"{SELF}#1", [*SELF_CASE, matching]) == "fail"
    assert status(f"{SELF}#1", [*SELF_CASE, alert("open", 500, modes=("EDI",))]) == "pass"  # another mode
    assert status(f"{SELF}#1", drop(SELF_CASE, "olga.da")) == "not_exercised"


def test_self_trigger_edi_declarant_rules_its_provider_out() -> None:
    asked = e("delta.contacts", "provider.contacted", 520, contact_id="PC1", trader=EDI_USER.eori, provider=PROVIDER,
              kind="question", channel="phone", since=iso(500), sent_at=iso(520))  # fmt: skip

    def answer(origin: bool) -> Entry:
        return e("delta.contacts", "provider.answer", 525, contact_id="PC1", provider=PROVIDER, to=EDI_USER.eori,
                 origin_provider=origin, sent_at=iso(525))  # fmt: skip

    da = self_da(550, EDI_USER, EDI_USER.services[0])
    assert status(f"{SELF}#2", [asked, answer(False), da]) == "pass"
    assert status(f"{SELF}#2", [asked, answer(True), da]) == "fail"  # the provider is the origin
    assert status(f"{SELF}#2", [asked, da]) == "fail"  # no answer
    assert status(f"{SELF}#2", [da]) == "fail"
    assert status(f"{SELF}#2", SELF_CASE) == "not_exercised"  # a DTI declarant


def test_self_trigger_aubette_then_the_office_before_the_da() -> None:
    assert status(f"{SELF}#3", SELF_CASE) == "pass"
    assert status(f"{SELF}#3", drop(SELF_CASE, "delta.aubette")) == "fail"
    assert status(f"{SELF}#3", swap(SELF_CASE, "delta.aubette", aubette(535, NO1, "BAE"))) == "fail"
    assert status(f"{SELF}#3", swap(SELF_CASE, "olga.da", self_da(550, decls=("DLT1",)))) == "not_exercised"
    assert status(f"{SELF}#4", SELF_CASE) == "pass"
    assert status(f"{SELF}#4", drop(SELF_CASE, "office.query")) == "fail"
    unreachable = swap(drop(SELF_CASE, "office.query"), "delta.aubette", aubette(535, NO1, "UNAVAILABLE"))
    assert status(f"{SELF}#4", unreachable) == "fail"
    night = [decl(10, NO1, "VALIDATED"), consulted(50, DTI), aubette(55, NO1, "VALIDATED"), self_da(60)]
    assert status(f"{SELF}#4", night) == "not_exercised"  # out of office hours: no office to ask


def test_self_trigger_ground_truth_case_a_or_b() -> None:
    assert status(f"{SELF}#5", SELF_CASE) == "pass"  # case (b): validated for 60 min, no BAE
    too_soon = swap(SELF_CASE, "delta.decl", decl(540, NO1, "VALIDATED"))  # 10 min: not blocked yet
    assert status(f"{SELF}#5", too_soon) == "fail"
    held = [*SELF_CASE, decl(500, NO1, "SOUS_CONTROLE")]
    assert status(f"{SELF}#5", held) == "fail"
    relayed = swap(SELF_CASE, "delta.decl", decl(490, NO1, "VALIDATED", topic="delta.edi.answers"))
    assert status(f"{SELF}#5", relayed) == "fail"  # a provider's relay is no ground truth
    d = next(x for x in WORLD.delta_declarations if x.declarant == DTI.eori and x.service == "DELTA_G")
    at = (d.ready - T0).total_seconds() / 60
    assert status(f"{SELF}#5", [self_da(at + 20, decls=(d.ref,))]) == "pass"  # case (a): 20 min unvalidated
    assert status(f"{SELF}#5", [self_da(at + 5, decls=(d.ref,))]) == "fail"  # only 5 min: still may validate
    validated = decl(at + 2, "FR006900-26-0000009", "VALIDATED", ref=d.ref)
    assert status(f"{SELF}#5", [validated, self_da(at + 20, decls=(d.ref,))]) == "fail"


def test_self_trigger_da_content() -> None:
    assert status(f"{SELF}#6", SELF_CASE) == "pass"
    assert status(f"{SELF}#6", swap(SELF_CASE, "olga.da", self_da(550, text="panne"))) == "fail"
    assert status(f"{SELF}#6", swap(SELF_CASE, "olga.da", self_da(550, phone=""))) == "fail"
    assert status(f"{SELF}#6", swap(SELF_CASE, "olga.da", self_da(550, filer_eori="fr-123"))) == "fail"
    assert status(f"{SELF}#6", swap(SELF_CASE, "olga.da", self_da(550, since="hier"))) == "fail"


def test_self_trigger_one_da_per_service() -> None:
    assert status(f"{SELF}#7", SELF_CASE) == "pass"
    assert status(f"{SELF}#7", [*SELF_CASE, used(570, DTI, "DELTA_H7", "DA-1", "FB-2")]) == "fail"
    assert status(f"{SELF}#7", [*SELF_CASE, self_da(800, da_id="DA-2")]) == "fail"  # two DAs for DELTA_G
    both = swap(SELF_CASE, "olga.da", self_da(550, service="DELTA_G,DELTA_H7"))
    assert status(f"{SELF}#7", both) == "fail"
    assert status(f"{SELF}#8", SELF_CASE) == "pass"
    assert status(f"{SELF}#8", [*SELF_CASE, self_da(600, da_id="DA-2")]) == "fail"  # DA-1 still open
    assert status(f"{SELF}#8", [*SELF_CASE, self_da(600, service="DELTA_H7", da_id="DA-2")]) == "pass"
    assert status(f"{SELF}#8", [*SELF_CASE, self_da(800, da_id="DA-2")]) == "pass"  # after DA-1 closed


def test_self_trigger_ack_forwarded_and_fallback_only_after_both() -> None:
    assert status(f"{SELF}#9", SELF_CASE) == "pass"
    assert status(f"{SELF}#9", swap(SELF_CASE, "office.informed", informed(555, "start", attached=""))) == "fail"
    assert status(f"{SELF}#9", drop(SELF_CASE, "office.informed")) == "fail"
    assert status(f"{SELF}#9", drop(SELF_CASE, "olga.ack")) == "fail"
    assert status(f"{SELF}#10", SELF_CASE) == "pass"
    assert status(f"{SELF}#10", [*SELF_CASE, used(552, DTI, "DELTA_G", "DA-1", "FB-2")]) == "fail"
    assert status(f"{SELF}#10", drop(SELF_CASE, "office.informed")) == "fail"
    assert status(f"{SELF}#10", drop(SELF_CASE, "fallback.used")) == "not_exercised"
    assert status(f"{SELF}#11", SELF_CASE) == "pass"
    record = e("delta.office", "office.fallback_record", 556, record_id="R1", office=DTI.office, declarant=DTI.eori,
               da_id="DA-1", service="DELTA_G", start=iso(550), at=iso(556))  # fmt: skip
    assert status(f"{SELF}#11", swap(SELF_CASE, "office.fallback_record", record)) == "fail"
    assert status(f"{SELF}#11", drop(SELF_CASE, "office.fallback_record")) == "fail"


def test_self_trigger_out_of_hours_the_sau_is_called() -> None:
    night = [self_da(100), ack(101)]
    assert status(f"{SELF}#12", [*night, sau(110, "on_call_check")]) == "pass"
    assert status(f"{SELF}#12", [*night, sau(140, "on_call_check")]) == "fail"  # 39 min after registration
    assert status(f"{SELF}#12", [*night, sau(110, "on_call_check", channel="email")]) == "fail"
    assert status(f"{SELF}#12", night) == "fail"
    assert status(f"{SELF}#12", SELF_CASE) == "not_exercised"  # registered in office hours


def test_self_trigger_closed_once_the_system_is_back() -> None:
    assert status(f"{SELF}#13", SELF_CASE) == "pass"
    assert status(f"{SELF}#13", drop(SELF_CASE, "sau.contact")) == "fail"
    late = swap(SELF_CASE, "sau.contact", sau(900, "close_request"))  # back at 720, limit 840
    assert status(f"{SELF}#13", late) == "fail"
    assert status(f"{SELF}#13", drop(SELF_CASE, "olga.closed")) == "fail"
    own = [*fault("down", f"declarant:{DTI.eori}", 480, 600), *drop(SELF_CASE, "fault.event")]
    assert status(f"{SELF}#13", own) == "fail"  # its own system back at 600: the request at 730 is late
    assert status(f"{SELF}#13", drop(SELF_CASE, "fault.event")) == "not_exercised"


def test_self_trigger_nothing_after_closure_and_everything_regularised() -> None:
    assert status(f"{SELF}#14", SELF_CASE) == "pass"
    assert status(f"{SELF}#14", [*SELF_CASE, used(750, DTI, "DELTA_G", "DA-1", "FB-2"), regularised(800, "FB-2")]) == (
        "fail"
    )
    assert status(f"{SELF}#15", SELF_CASE) == "pass"
    assert status(f"{SELF}#15", swap(SELF_CASE, "regularised", regularised(740 + 24 * 60 + 1))) == "fail"
    assert status(f"{SELF}#15", drop(SELF_CASE, "regularised")) == "fail"
    assert status(f"{SELF}#15", drop(SELF_CASE, "olga.closed")) == "fail"  # never closed, fallback used


# --- DELTA-EDI-PROVIDER-DOWN ------------------------------------------------------------------------

EDI = "DELTA-EDI-PROVIDER-DOWN"
SERVICES = sorted({s for c in CLIENTS for s in c.services})


def report(minutes: float, clients: list[DeltaDeclarant] = CLIENTS, services: list[str] = SERVICES) -> Entry:
    return e("olga.requests", "olga.da", minutes, ce_id=f"report-{minutes}", source=f"delta_provider:{PROVIDER}",
             da_id="DA-P", filer=PROVIDER, filer_role="provider", kind="provider_outage", service=",".join(services),
             mode="EDI", clients=[{"eori": c.eori, "name": c.name} for c in clients], declarations=[],
             filed_at=iso(minutes))  # fmt: skip


def relay(minutes: float, to: DeltaDeclarant, kind: str, ref: str) -> Entry:
    return e("delta.contacts", "client.notice", minutes, ce_id=f"{kind}-{to.eori}-{minutes}", notice_id=f"N{minutes}",
             provider=PROVIDER, to=to.eori, kind=kind, procedure_info="fallback", ref=ref,
             sent_at=iso(minutes))  # fmt: skip


def provider_alert(phase: str, minutes: float, **extra: Any) -> Entry:
    return alert(phase, minutes, tuple(SERVICES), ("EDI",), component=f"delta_provider:{PROVIDER}", **extra)


EDI_CASE = [
    *fault("down", f"delta_provider:{PROVIDER}", 60, 300),
    e("delta.contacts", "provider.contacted", 62, contact_id="PC1", trader=EDI_USER.eori, provider=PROVIDER,
      kind="question", channel="phone", since=iso(60), sent_at=iso(62)),
    e("delta.contacts", "provider.answer", 63, contact_id="PC1", provider=PROVIDER, to=EDI_USER.eori,
      origin_provider=True, sent_at=iso(63)),
    report(80),
    provider_alert("open", 100),
    *[relay(110, c, "alert_relay", ALR) for c in CLIENTS],
    provider_alert("bip", 180, bip_number=1),
    *[relay(190, c, "bip_relay", f"{ALR}#1") for c in CLIENTS],
    used(120, EDI_USER, SERVICES[0], ALR),
    provider_alert("end", 320, instructions="régularisez"),
    *[relay(330, c, "end_relay", ALR) for c in CLIENTS],
]  # fmt: skip


def test_edi_provider_clients_told_the_provider_is_the_origin() -> None:
    assert len(CLIENTS) >= 2
    assert status(f"{EDI}#1", EDI_CASE) == "pass"
    wrong = e("delta.contacts", "provider.answer", 63, contact_id="PC1", provider=PROVIDER, to=EDI_USER.eori,
              origin_provider=False, sent_at=iso(63))  # fmt: skip
    assert status(f"{EDI}#1", swap(EDI_CASE, "provider.answer", wrong)) == "fail"
    assert status(f"{EDI}#1", drop(EDI_CASE, "provider.answer")) == "fail"
    assert status(f"{EDI}#1", drop(EDI_CASE, "provider.contacted")) == "not_exercised"
    assert status(f"{EDI}#1", SELF_CASE) == "not_exercised"


def test_edi_provider_reports_in_time_naming_services_mode_and_clients() -> None:
    assert status(f"{EDI}#2", EDI_CASE) == "pass"
    assert status(f"{EDI}#2", swap(EDI_CASE, "olga.da", report(100))) == "fail"  # aware at 65, limit 95
    assert status(f"{EDI}#2", drop(EDI_CASE, "olga.da")) == "fail"
    assert status(f"{EDI}#3", EDI_CASE) == "pass"
    assert status(f"{EDI}#3", swap(EDI_CASE, "olga.da", report(80, clients=CLIENTS[:1]))) == "fail"
    assert status(f"{EDI}#3", swap(EDI_CASE, "olga.da", report(80, services=SERVICES[:1]))) == "fail"
    text = f"Plateforme EDI {PROVIDER} en panne: {', '.join(SERVICES)}; clients {' '.join(c.eori for c in CLIENTS)}"
    call = e("sau.contacts", "sau.contact", 80, contact_id="S1", by=PROVIDER, channel="phone", purpose="report",
             da_id="", text=text, sent_at=iso(80))  # fmt: skip
    assert status(f"{EDI}#3", swap(EDI_CASE, "olga.da", call)) == "pass"
    assert status(f"{EDI}#3", drop(EDI_CASE, "olga.da")) == "not_exercised"


def test_edi_provider_the_cid_alerts_in_time_on_the_reported_services() -> None:
    assert status(f"{EDI}#4", EDI_CASE) == "pass"
    late = [*drop(EDI_CASE, "meteo.alert"), provider_alert("open", 115)]  # report at 80, limit 110
    assert status(f"{EDI}#4", late) == "fail"
    dti = [*drop(EDI_CASE, "meteo.alert"), alert("open", 100, tuple(SERVICES), ("DTI",))]
    assert status(f"{EDI}#4", dti) == "fail"
    partial = [*drop(EDI_CASE, "meteo.alert"), alert("open", 100, tuple(SERVICES[:1]), ("EDI",))]
    assert status(f"{EDI}#4", partial) == "fail"
    assert status(f"{EDI}#4", drop(EDI_CASE, "olga.da")) == "not_exercised"


def test_edi_provider_relays_alert_bips_and_end_to_every_client() -> None:
    for n in ("5", "6", "9"):
        assert status(f"{EDI}#{n}", EDI_CASE) == "pass"
    missing = [x for x in EDI_CASE if not (x.ce_type == "client.notice" and x.data["to"] == CLIENTS[-1].eori)]
    for n in ("5", "6", "9"):
        assert status(f"{EDI}#{n}", missing) == "fail"
    late_bip = [x for x in EDI_CASE if not (x.ce_type == "client.notice" and x.data["kind"] == "bip_relay")]
    late_bip += [relay(215, c, "bip_relay", f"{ALR}#1") for c in CLIENTS]  # BIP at 180, limit 210
    assert status(f"{EDI}#6", late_bip) == "fail"
    no_alert = drop(EDI_CASE, "meteo.alert")
    for n in ("5", "6", "9"):
        assert status(f"{EDI}#{n}", no_alert) == "not_exercised"


def test_edi_provider_clients_wait_for_the_alert() -> None:
    assert status(f"{EDI}#7", EDI_CASE) == "pass"
    eager = self_da(90, CLIENTS[-1], CLIENTS[-1].services[0], ())
    assert status(f"{EDI}#7", [*EDI_CASE, eager]) == "warn"
    assert status(f"{EDI}#8", EDI_CASE) == "pass"
    assert status(f"{EDI}#8", [*EDI_CASE, used(95, CLIENTS[-1], SERVICES[0], ALR, "FB-2")]) == "fail"
    assert status(f"{EDI}#8", drop(EDI_CASE, "fallback.used")) == "not_exercised"
    assert status(f"{EDI}#8", [*drop(EDI_CASE, "meteo.alert")]) == "fail"  # no alert at all


# --- DELTA-NOT-TECHNICAL ----------------------------------------------------------------------------

HELD = "DELTA-NOT-TECHNICAL"
# NO1 held by the office (under control), NO2 released: no technical block anywhere.
STATES = [decl(480, NO1, "VALIDATED"), decl(490, NO1, "SOUS_CONTROLE"), decl(480, NO2, "VALIDATED"),
          decl(500, NO2, "BAE")]  # fmt: skip
LOOKED = [aubette(540, NO1, "VALIDATED"), aubette(540, NO2, "BAE"), query(545, NO1)]
WRONG_DA = self_da(550, decls=(NO1, NO2))


def test_not_technical_no_da_over_released_or_held_declarations() -> None:
    assert status(f"{HELD}#1", [*STATES, *LOOKED]) == "not_exercised"  # no DA: nothing judged
    assert status(f"{HELD}#1", [*STATES, *LOOKED, self_da(550, decls=(NO1,))]) == "pass"  # NO1 held, not BAE
    assert status(f"{HELD}#1", [*STATES, *LOOKED, WRONG_DA]) == "fail"  # NO2 released
    assert status(f"{HELD}#2", [*STATES, *LOOKED]) == "not_exercised"
    assert status(f"{HELD}#2", [*STATES, *LOOKED, self_da(550, decls=(NO1,))]) == "fail"  # NO1 held
    assert status(f"{HELD}#2", [*STATES, *LOOKED, self_da(550, decls=(NO1, "DLT9"))]) == "pass"  # case (a) too
    for n in ("1", "2", "4"):
        assert status(f"{HELD}#{n}", [decl(480, NO1, "VALIDATED"), decl(500, NO1, "BAE")]) == "not_exercised"


def test_not_technical_a_da_decision_follows_aubette_and_the_office() -> None:
    assert status(f"{HELD}#3", [*STATES, *LOOKED, WRONG_DA]) == "pass"
    assert status(f"{HELD}#3", [*STATES, *LOOKED[1:], WRONG_DA]) == "fail"  # NO1 not looked up
    assert status(f"{HELD}#3", [*STATES, *LOOKED[:2], WRONG_DA]) == "fail"  # the office not asked about NO1
    night = [*STATES, aubette(40, NO1, "VALIDATED"), aubette(40, NO2, "BAE"), self_da(60, decls=(NO1, NO2))]
    assert status(f"{HELD}#3", night) == "pass"  # out of office hours: Aubette is enough
    assert status(f"{HELD}#3", STATES) == "not_exercised"


def test_not_technical_no_fallback_while_the_office_holds_the_declaration() -> None:
    assert status(f"{HELD}#4", STATES) == "not_exercised"  # no fallback declaration: nothing judged
    assert status(f"{HELD}#4", [*STATES, used(560, DTI, "DELTA_G", "DA-1", decl_no=NO1)]) == "fail"
    released = [*STATES, decl(590, NO1, "BAE"), used(600, DTI, "DELTA_G", "DA-1", decl_no=NO1)]
    assert status(f"{HELD}#4", released) == "pass"
