"""Delta and its alert sheet: validation and release, Aubette, the CID's Delta alerts, the office,
the connection providers, and a declarant walking the sheet's steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from secours.effects import Effects, Timer
from secours.wire import (
    AubetteQuery,
    DeltaAubette,
    DeltaDecl,
    DeltaLodging,
    DeltaRelease,
    FallbackRecord,
    FallbackUsed,
    Heartbeat,
    MeteoAlert,
    MeteoConsulted,
    OfficeAnswer,
    OfficeInformed,
    OfficeQuery,
    OlgaAck,
    OlgaClosed,
    OlgaDa,
    ProviderAnswer,
    ProviderContact,
    SauContact,
    SauDiagnosis,
)
from secours.world import DeltaDeclarant, RunConfig, Traffic, World
from services.customs_desk_fr.logic import CustomsDeskLogic
from services.declarant.logic import DeclarantLogic
from services.delta.logic import DeltaLogic
from services.delta_office.logic import DeltaOfficeLogic
from services.delta_provider.logic import DeltaProviderLogic
from tests.services.helpers import incoming, sent

T0 = datetime(2026, 3, 2, 7, tzinfo=UTC)  # a Monday, 08:00 in Paris: the offices open
TRAFFIC = Traffic(consignments=10, traders=3, providers=1, delta_declarants=4, delta_declarations=16)
WORLD = World(RunConfig(seed=9, start=T0, duration_hours=6, traffic=TRAFFIC))
EDI, DTI = WORLD.delta_declarants[0], WORLD.delta_declarants[2]  # C001's client; a portal user


def lodging(ref: str, who: str = DTI.eori, service: str = "DELTA_X_EXPORT", regularises: str = "") -> DeltaLodging:
    mode = "EDI" if who == EDI.eori else "DTI"
    return DeltaLodging(message_id=f"m-{ref}-{regularises}", ref=ref, declarant=who, service=service, mode=mode,
                        provider="C001" if mode == "EDI" else "", regularises=regularises, lodged_at=T0)  # fmt: skip


def decl_of(who: str, service: str) -> str:
    return next(d.ref for d in WORLD.delta_declarations if d.declarant == who and d.service == service)


def test_delta_validates_numbers_and_releases_through_its_own_queue() -> None:
    delta = DeltaLogic(WORLD)
    ref = decl_of(DTI.eori, "DELTA_X_EXPORT")
    fx = delta.handle(incoming("delta.in", lodging(ref)), T0)
    (validated,) = sent(fx, "delta.decl")
    assert isinstance(validated, DeltaDecl) and validated.state == "VALIDATED"
    assert validated.decl_no.startswith(f"{DTI.office}-26-") and len(validated.decl_no) == 8 + 1 + 2 + 1 + 7
    again = delta.handle(incoming("delta.in", lodging(ref)), T0)  # redelivered: same number, no second release
    assert sent(again, "delta.decl") == [validated] and not again.timers
    (due,) = fx.timers
    queued = delta.on_timer(due, due.at)
    (release,) = sent(queued, "delta.release")
    assert isinstance(release, DeltaRelease) and release.state == "BAE"
    shown = sent(delta.handle(incoming("aubette.queries", AubetteQuery(
        query_id="q", by=DTI.eori, decl_no=validated.decl_no, service="DELTA_X_EXPORT", asked_at=due.at)), due.at),
        "delta.aubette")  # fmt: skip
    assert [s.result for s in shown if isinstance(s, DeltaAubette)] == ["VALIDATED"]  # no BAE yet
    released = delta.handle(incoming("delta.release", release), due.at)
    assert [(s.state, o.source) for o, s in zip(released.out, sent(released, "delta.decl"), strict=True)] == [
        ("BAE", "delta:DELTA_X_EXPORT/release")
    ]


def test_delta_beats_once_per_intake_so_one_service_and_mode_can_fall_silent_alone() -> None:
    fx = DeltaLogic(WORLD).on_timer(Timer(T0, "beat", "all"), T0)
    beats = [(o.source, o.message.component) for o in fx.out if isinstance(o.message, Heartbeat)]
    assert [s for s, _ in beats] == list(WORLD.delta_streams) and all(s == c for s, c in beats)


def test_the_cid_alerts_on_a_silent_delta_intake_naming_service_and_mode_and_ends_when_it_beats() -> None:
    cid = CustomsDeskLogic(WORLD)
    cid.start(T0)
    watched = ("ics2_nes_fr", *WORLD.delta_streams)  # the national ICS2 component beats on
    for stream in watched:
        cid.handle(incoming("ops.health", Heartbeat(component=stream, at=T0)), T0)
    later = T0 + timedelta(minutes=10)
    for stream in watched:
        if stream != "delta:DELTA_G/EDI":
            cid.handle(incoming("ops.health", Heartbeat(component=stream, at=later)), later)
    fx = cid.on_timer(Timer(later, "watch", "all"), later)
    (alert,) = sent(fx, "meteo.alert")
    assert isinstance(alert, MeteoAlert) and (alert.services, alert.modes) == (("DELTA_G",), ("EDI",))
    assert alert.publisher == "CID" and "DELTA_G" in alert.symptoms and not sent(fx, "customs.notice")
    back = later + timedelta(minutes=20)
    fx = cid.handle(incoming("ops.health", Heartbeat(component="delta:DELTA_G/EDI", at=back)), back)
    assert [a.phase for a in sent(fx, "meteo.alert") if isinstance(a, MeteoAlert)] == ["end"]


def test_a_provider_tells_callers_its_platform_is_the_origin_and_reports_all_its_clients() -> None:
    provider = DeltaProviderLogic(WORLD)
    down = T0 + timedelta(minutes=5)
    noticed = provider.on_timer(Timer(down, "own_outage", "delta_provider:C001"), down)
    (report_at,) = noticed.timers
    question = ProviderContact(contact_id="k", trader=EDI.eori, provider="C001", kind="question", channel="phone",
                               since=down, sent_at=down)  # fmt: skip
    (answer,) = sent(provider.handle(incoming("delta.contacts", question), down), "provider.answer")
    assert isinstance(answer, ProviderAnswer) and answer.origin_provider
    (da,) = sent(provider.on_timer(report_at, report_at.at), "olga.da")
    clients = {d.eori for d in WORLD.delta_declarants if d.provider == "C001"}
    assert isinstance(da, OlgaDa) and da.kind == "provider_outage" and da.mode == "EDI"
    assert {c.eori for c in da.clients} == clients and set(da.service.split(",")) >= set(EDI.services)
    cid = CustomsDeskLogic(WORLD)
    (alert,) = sent(cid.handle(incoming("olga.requests", da), report_at.at), "meteo.alert")
    assert isinstance(alert, MeteoAlert) and alert.modes == ("EDI",) and alert.component == "delta_provider:C001"
    relay = provider.handle(incoming("meteo", alert), report_at.at)
    (when,) = relay.timers
    notices = provider.on_timer(when, when.at)
    assert {(n.to, n.kind) for n in sent(notices, "client.notice")} == {(c, "alert_relay") for c in clients}  # type: ignore[attr-defined]


def test_the_office_answers_in_opening_hours_and_records_the_fallback_from_the_registration() -> None:
    office = DeltaOfficeLogic(WORLD)
    held = DeltaDecl(decl_no="FR005900-26-0000001", ref="r", declarant=DTI.eori, service="DELTA_G", mode="DTI",
                     state="SOUS_CONTROLE", at=T0, regularises="")  # fmt: skip
    office.handle(incoming("delta.decl", held), T0)
    ask = OfficeQuery(query_id="q", by=DTI.eori, office=DTI.office, decl_no=held.decl_no, asked_at=T0)
    (answer,) = sent(office.handle(incoming("delta.office", ask), T0), "office.answer")
    assert isinstance(answer, OfficeAnswer) and answer.state == "SOUS_CONTROLE"
    night = T0 + timedelta(hours=14)  # 23:00 in Paris
    assert not office.handle(incoming("delta.office", ask), night).out
    told = OfficeInformed(informed_id="i", by=DTI.eori, office=DTI.office, kind="start", da_id="DA",
                          attached_ack="DA", ack_registered_at=T0, service="DELTA_G", at=night)  # fmt: skip
    (record,) = sent(office.handle(incoming("delta.office", told), night), "office.fallback_record")
    assert isinstance(record, FallbackRecord) and record.start == T0


def run_until(
    logic: DeclarantLogic, fx: Effects, until: datetime, kinds: tuple[str, ...], stop: str = ""
) -> list[Effects]:
    """Fire the logic's timers in time order up to ``until`` (or the first step that sends a ``stop``
    record: its answer is for the test to give), collecting what each step sends."""
    timers = sorted(fx.timers)
    out = []
    while timers and timers[0].at <= until:
        t = timers.pop(0)
        if t.kind in kinds:
            step = logic.on_timer(t, t.at)
            out.append(step)
            if stop and sent(step, stop):
                break
            timers = sorted([*timers, *step.timers])
    return out


def test_out_of_office_hours_a_declarant_consults_the_meteo_by_phone() -> None:
    """Seed 002: the CID's line, option 1, gives the alerts; the staff on duty at night use it."""
    for hours, channel in (((8, 18), "web"), ((0, 1), "phone")):  # 08:00 in Paris: open, then closed
        params = WORLD.config.params.model_copy(update={"office_hours": hours})
        world = World(WORLD.config.model_copy(update={"params": params}))
        logic = DeclarantLogic(world)
        ref = decl_of(DTI.eori, "DELTA_X_EXPORT")
        decl = next(d for d in world.delta_declarations if d.ref == ref)
        lodged = logic.on_timer(Timer(decl.ready, "ready", ref), decl.ready)
        validated = DeltaDecl(decl_no="FR005900-26-0000001", ref=ref, declarant=DTI.eori, service="DELTA_X_EXPORT",
                              mode="DTI", state="VALIDATED", at=decl.ready, regularises="")  # fmt: skip
        logic.handle(incoming("delta.decl", validated), decl.ready)
        steps = run_until(logic, lodged, decl.ready + timedelta(minutes=40), ("check", "step"), stop="meteo.consulted")
        (looked,) = [o.message for s in steps for o in s.out if isinstance(o.message, MeteoConsulted)]
        assert looked.channel == channel, hours


def test_a_declarant_walks_the_sheet_to_a_self_trigger_then_closes_and_regularises() -> None:
    me = DTI.eori
    logic = DeclarantLogic(WORLD)
    ref = decl_of(me, "DELTA_X_EXPORT")
    decl = next(d for d in WORLD.delta_declarations if d.ref == ref)
    lodged = logic.on_timer(Timer(decl.ready, "ready", ref), decl.ready)
    assert [o.topic for o in lodged.out] == ["delta.in"]  # a portal user lodges on douane.gouv.fr
    number = "FR005900-26-0000001"
    validated = DeltaDecl(decl_no=number, ref=ref, declarant=me, service="DELTA_X_EXPORT", mode="DTI",
                          state="VALIDATED", at=decl.ready, regularises="")  # fmt: skip
    logic.handle(incoming("delta.decl", validated), decl.ready)
    # No BAE 30 minutes after validation: the sheet starts with the météo.
    steps = run_until(logic, lodged, decl.ready + timedelta(minutes=40), ("check", "step"), stop="aubette.query")
    kinds = [o.message.ce_type for s in steps for o in s.out]
    assert kinds[:2] == ["meteo.consulted", "aubette.query"]
    (query,) = [o.message for s in steps for o in s.out if isinstance(o.message, AubetteQuery)]
    now = query.asked_at
    shown = DeltaAubette(query_id=query.query_id, by=me, decl_no=number, result="VALIDATED", at=now)
    fx = logic.handle(incoming("delta.aubette", shown), now)  # no BAE: the office is asked next
    steps = run_until(logic, fx, now + timedelta(hours=1), ("step",), stop="office.query")
    (ask,) = [o.message for s in steps for o in s.out if isinstance(o.message, OfficeQuery)]
    none = OfficeAnswer(query_id=ask.query_id, office=DTI.office, to=me, decl_no=number, state="NONE", at=ask.asked_at)
    fx = logic.handle(incoming("delta.office", none), ask.asked_at)  # a technical block: one DA for the service
    steps = run_until(logic, fx, ask.asked_at + timedelta(hours=1), ("step",))
    (da,) = [o.message for s in steps for o in s.out if isinstance(o.message, OlgaDa)]
    assert da.kind == "self_trigger" and da.service == "DELTA_X_EXPORT" and da.declarations == (number,)
    assert "auto-déclenchement de la procédure de secours" in da.text and da.address and da.reasons
    assert not [o for s in steps for o in s.out if isinstance(o.message, FallbackUsed)]  # not before the ack
    ack = OlgaAck(da_id=da.da_id, to=me, registered_at=da.filed_at)
    fx = logic.handle(incoming("olga.status", ack), da.filed_at)
    steps = run_until(logic, fx, da.filed_at + timedelta(hours=1), ("step",))
    sent_now = [o.message for s in steps for o in s.out]
    informed = [m for m in sent_now if isinstance(m, OfficeInformed)]
    used = [m for m in sent_now if isinstance(m, FallbackUsed)]
    assert [(i.kind, i.attached_ack) for i in informed] == [("start", da.da_id)]
    assert [(u.ref, u.covering) for u in used] == [(ref, da.da_id)] and used[0].at >= informed[0].at
    # Releases resume: it asks the SAU to close and tells the office; the BAE regularises the paper one.
    back = used[0].at + timedelta(minutes=30)
    bae = validated.model_copy(update={"state": "BAE", "at": back})
    fx = logic.handle(incoming("delta.decl", bae), back)
    assert [m.ce_type for m in sent(fx, "regularised")] == ["regularised"]
    steps = run_until(logic, fx, back + timedelta(hours=1), ("step",))
    closing = [o.message for s in steps for o in s.out]
    assert {type(m) for m in closing} == {SauContact, OfficeInformed}
    assert not logic.handle(incoming("olga.status", OlgaClosed(da_id=da.da_id, closed_by="SAU", closed_at=back)),
                            back).out  # fmt: skip  # nothing left to lodge: Delta had validated it


def test_a_declarant_covered_by_a_matching_alert_falls_back_at_once_and_regularises_after_its_end() -> None:
    me = EDI.eori
    logic = DeclarantLogic(WORLD)
    ref = decl_of(me, "DELTA_G")
    decl = next(d for d in WORLD.delta_declarations if d.ref == ref)
    alert = MeteoAlert(alert_id="ALR-1", phase="open", services=("DELTA_G",), modes=("EDI",), component="delta",
                       symptoms="s", instructions="i", publisher="CID", published_at=decl.ready)  # fmt: skip
    logic.handle(incoming("meteo", alert), decl.ready)
    lodged = logic.on_timer(Timer(decl.ready, "ready", ref), decl.ready)  # no answer comes: case (a)
    steps = run_until(logic, lodged, decl.ready + timedelta(minutes=30), ("check", "step"))
    used = [o.message for s in steps for o in s.out if isinstance(o.message, FallbackUsed)]
    assert [(u.ref, u.covering, u.decl_no) for u in used] == [(ref, "ALR-1", "")]
    end = alert.model_copy(update={"phase": "end"})
    fx = logic.handle(incoming("meteo", end), used[0].at + timedelta(hours=1))
    (again,) = sent(fx, "delta.declaration")
    assert isinstance(again, DeltaLodging) and again.regularises == used[0].fallback_id


def _self_trigger(who: DeltaDeclarant, service: str) -> OlgaDa:
    return OlgaDa(
        da_id="DA-20260302-000042", filer=who.eori, filer_role="trader", filer_eori=who.eori, company=who.name,
        phone=who.phone, kind="self_trigger", service=service, mode=who.mode, component="own system",
        symptom="validated declarations get no BAE", since=T0, estimated_duration="unknown", entry_office=who.office,
        clients=(), declarations=("FR005900-26-0000001",), transports=(), text="auto-déclenchement", filed_at=T0,
        address=who.address, reasons="validated declarations get no BAE",
    )  # fmt: skip


def test_the_on_call_team_calls_back_with_where_its_remote_checks_found_the_malfunction() -> None:
    """Seed 002: out of hours, the SAU's on-call team checks remotely and tells the caller the origin."""
    da = _self_trigger(DTI, "DELTA_X_EXPORT")
    call = SauContact(contact_id="c1", by=DTI.eori, channel="phone", purpose="on_call_check", da_id=da.da_id,
                      text="DA filed", sent_at=T0)  # fmt: skip
    validated = DeltaDecl(decl_no="FR005900-26-0000001", ref="r1", declarant=DTI.eori, service="DELTA_X_EXPORT",
                          mode="DTI", state="VALIDATED", at=T0 - timedelta(hours=1), regularises="")  # fmt: skip

    def answer(*, released: bool, silent: set[str]) -> SauDiagnosis:
        desk = CustomsDeskLogic(WORLD)
        desk.handle(incoming("olga.requests", da), T0)
        desk.handle(incoming("delta.decl", validated), T0)
        if released:
            desk.handle(incoming("delta.decl", validated.model_copy(update={"state": "BAE"}), "bae"), T0)
        (timer,) = desk.handle(incoming("sau.contacts", call), T0).timers
        lo, hi = WORLD.config.params.sau_on_call_s
        assert T0 + timedelta(seconds=lo) <= timer.at <= T0 + timedelta(seconds=hi)
        desk.watch.silent = lambda: sorted(silent)  # type: ignore[method-assign]
        (got,) = sent(desk.on_timer(timer, timer.at), "sau.diagnosis")
        assert isinstance(got, SauDiagnosis) and got.to == DTI.eori and got.da_id == da.da_id
        return got

    assert answer(released=False, silent=set()).origin == "customs"  # validated an hour ago, no BAE: stalled
    assert answer(released=True, silent={"delta:DELTA_X_EXPORT/DTI"}).origin == "customs"  # its intake is silent
    assert answer(released=True, silent=set()).origin == "declarant"  # Delta works: the caller's side
    report = call.model_copy(update={"purpose": "report", "contact_id": "c2"})
    timers = CustomsDeskLogic(WORLD).handle(incoming("sau.contacts", report), T0).timers
    assert all(t.kind != "on_call" for t in timers)  # a recovery report is not an on-call check
