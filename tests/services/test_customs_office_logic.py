"""The office of first entry: a unit without an ENS is checked against the system's state before it is recorded."""

from __future__ import annotations

from datetime import timedelta

from secours.wire import As4Receipt, DaClient, EnsAbsence, MeteoAlert, OlgaDa, SystemCheck, UnitDisembarked
from secours.world import RunConfig, World
from services.customs_office_fr.logic import CustomsOfficeLogic
from tests.samples import NOW, WORLD
from tests.services.helpers import incoming, sent

C = WORLD.consignments[0]


def without_ens() -> UnitDisembarked:
    return UnitDisembarked(transport_id=C.transport_id, unit_id=C.unit_id, elo_id=C.elo_id, mrns=(), lane="ORANGE",
                           reason="ens_missing", disembarked_at=NOW)  # fmt: skip


def alert(phase: str, component: str = "ics2_sti") -> MeteoAlert:
    return MeteoAlert(alert_id="ALR-1", phase=phase, services=("ICS2",), modes=("EDI",), component=component,
                      symptoms="s", instructions="i", publisher="CID", published_at=NOW)  # fmt: skip


def test_under_a_customs_outage_the_office_checks_then_waits_for_the_lodging_window() -> None:
    """S2: the ENS may still be lodged until the recovery plus the backlog; lodged in time, nothing is missing."""
    office = CustomsOfficeLogic(WORLD)
    office.handle(incoming("meteo", alert("open")), NOW)
    fx = office.handle(incoming("sb.events", without_ens()), NOW)
    assert fx.out == []  # nothing recorded before the check
    (timer,) = fx.timers
    done = office.on_timer(timer, timer.at)
    (check,) = sent(done, "customs.system_check")
    assert isinstance(check, SystemCheck) and check.result == "down" and check.covering == ("ALR-1",)
    assert {"ics2_sti", "ics2_cr", "ics2_nes_fr", f"OLGA:{C.trader}"} <= set(check.components)
    assert not sent(done, "customs.ens_absence")  # the window is open: no absence yet
    (again,) = done.timers
    assert again.kind == "decide" and again.at > timer.at
    # The alert still open: it looks again later; then the outage ends and the ENS is lodged.
    later = office.on_timer(again, again.at)
    assert later.out == [] and [t.kind for t in later.timers] == ["decide"]
    ended = alert("end").model_copy(update={"published_at": later.timers[0].at})
    office.handle(incoming("meteo", ended), later.timers[0].at)
    receipt = As4Receipt(receipt_id="R", ref_message_id="M", action="IE3F10", eori=C.trader, lrn=C.lrn,
                         received_at=later.timers[0].at + timedelta(minutes=10))  # fmt: skip
    office.handle(incoming("ics2.receipt", receipt), receipt.received_at)
    assert office.on_timer(later.timers[0], later.timers[0].at + timedelta(minutes=20)).out == []
    assert office.handle(incoming("sb.events", without_ens()), NOW).timers == []  # looked at once


def test_an_ens_still_missing_when_the_window_closes_is_recorded_after_a_new_check() -> None:
    office = CustomsOfficeLogic(WORLD)
    office.handle(incoming("meteo", alert("open")), NOW - timedelta(hours=2))
    end = NOW - timedelta(minutes=1)
    office.handle(incoming("meteo", alert("end").model_copy(update={"published_at": end})), end)
    (timer,) = office.handle(incoming("sb.events", without_ens()), NOW).timers
    done = office.on_timer(timer, timer.at)
    (check,) = sent(done, "customs.system_check")
    assert isinstance(check, SystemCheck) and check.result == "up" and check.covering == ("ALR-1",)
    assert not sent(done, "customs.ens_absence")
    (decide,) = done.timers
    window = timedelta(seconds=WORLD.config.params.lodging_window_s)
    assert decide.at == end + window + timedelta(seconds=1)  # when its lodging window closes
    last = office.on_timer(decide, decide.at)
    (recheck,) = sent(last, "customs.system_check")
    (absence,) = sent(last, "customs.ens_absence")
    assert isinstance(recheck, SystemCheck) and recheck.result == "up" and recheck.covering == ()
    assert isinstance(absence, EnsAbsence) and not absence.covered_by_outage and absence.check_id == recheck.check_id


def test_without_an_outage_the_missing_ens_is_an_infringement() -> None:
    office = CustomsOfficeLogic(WORLD)
    office.handle(incoming("meteo", alert("open")), NOW - timedelta(hours=3))
    ended = alert("end").model_copy(update={"published_at": NOW - timedelta(hours=2)})  # its lodging window over
    office.handle(incoming("meteo", ended), NOW - timedelta(hours=2))
    (timer,) = office.handle(incoming("sb.events", without_ens()), NOW).timers
    done = office.on_timer(timer, timer.at + timedelta(minutes=1))
    (check,) = sent(done, "customs.system_check")
    (absence,) = sent(done, "customs.ens_absence")
    assert isinstance(check, SystemCheck) and check.result == "up"
    assert isinstance(absence, EnsAbsence) and not absence.covered_by_outage


def test_a_staged_office_records_without_checking() -> None:
    staged = World(RunConfig(seed=7, params=WORLD.config.params.model_copy(update={"unchecking_office": True}),
                             traffic=WORLD.config.traffic))  # fmt: skip
    office = CustomsOfficeLogic(staged)
    c = staged.consignments[0]
    disembarked = without_ens().model_copy(update={"unit_id": c.unit_id, "transport_id": c.transport_id})
    office.handle(incoming("meteo", alert("open")), NOW)  # an outage it will not look at
    (timer,) = office.handle(incoming("sb.events", disembarked), NOW).timers
    done = office.on_timer(timer, timer.at)
    (absence,) = sent(done, "customs.ens_absence")
    assert isinstance(absence, EnsAbsence) and not absence.covered_by_outage and not sent(done, "customs.system_check")
    # Whether ICS2 has the ENS it still sees: a receipted ENS is not missing.
    other = staged.consignments[1]
    receipt = As4Receipt(receipt_id="R", ref_message_id="M", action="IE3F10", eori=other.trader, lrn=other.lrn,
                         received_at=NOW)  # fmt: skip
    office.handle(incoming("ics2.receipt", receipt), NOW)
    late = without_ens().model_copy(update={"unit_id": other.unit_id, "transport_id": other.transport_id})
    (timer,) = office.handle(incoming("sb.events", late), NOW).timers
    assert office.on_timer(timer, timer.at).out == []


def test_an_outage_off_the_units_path_does_not_cover_it() -> None:
    """The unit's filer lodges system to system: the portal's sign-in (UUM&DS) being down stops it not."""
    assert not WORLD.portal_filer(C.trader)
    office = CustomsOfficeLogic(WORLD)
    office.handle(incoming("meteo", alert("open", "ics2_uumds")), NOW)
    (timer,) = office.handle(incoming("sb.events", without_ens()), NOW).timers
    done = office.on_timer(timer, timer.at)
    (check,) = sent(done, "customs.system_check")
    (absence,) = sent(done, "customs.ens_absence")
    assert isinstance(check, SystemCheck) and check.result == "up" and check.covering == ()
    assert isinstance(absence, EnsAbsence) and not absence.covered_by_outage


def careless_office(*lapses: str) -> tuple[CustomsOfficeLogic, World]:
    params = WORLD.config.params.model_copy(update={"ics2_fr_careless_office": lapses})
    staged = World(RunConfig(seed=7, params=params, traffic=WORLD.config.traffic))
    return CustomsOfficeLogic(staged), staged


def client_da(eori: str, provider: str) -> OlgaDa:
    return OlgaDa(
        da_id="DA-C-1", filer=provider, filer_role="provider", filer_eori="FR1", company="c", phone="p",
        kind="client_outage", service="ICS2", mode="EDI", component="x", symptom="s", since=NOW,
        estimated_duration="unknown", entry_office="FR620001", clients=(DaClient(eori=eori, name="n"),),
        declarations=(), transports=(), text="t", filed_at=NOW,
    )  # fmt: skip


def test_a_staged_blind_office_checks_the_meteo_only() -> None:
    """blind_olga: an open request covering the unit is not looked at: the check says up, the unit an infringement."""
    office, staged = careless_office("blind_olga")
    c = staged.consignments[0]
    office.handle(incoming("olga.requests", client_da(c.trader, c.provider)), NOW)
    disembarked = without_ens().model_copy(update={"unit_id": c.unit_id, "transport_id": c.transport_id})
    (timer,) = office.handle(incoming("sb.events", disembarked), NOW).timers
    done = office.on_timer(timer, timer.at)
    (check,) = sent(done, "customs.system_check")
    (absence,) = sent(done, "customs.ens_absence")
    assert isinstance(check, SystemCheck) and check.result == "up" and check.covering == ()
    assert not any(x.startswith("OLGA:") for x in check.components)
    assert isinstance(absence, EnsAbsence) and not absence.covered_by_outage


def test_a_staged_lenient_office_lets_an_uncovered_unit_go() -> None:
    office, staged = careless_office("lenient")
    c = staged.consignments[0]
    disembarked = without_ens().model_copy(update={"unit_id": c.unit_id, "transport_id": c.transport_id})
    (timer,) = office.handle(incoming("sb.events", disembarked), NOW).timers
    done = office.on_timer(timer, timer.at)
    assert sent(done, "customs.system_check") and not sent(done, "customs.ens_absence")


def test_a_staged_office_records_the_units_of_a_listed_client_lodged_or_not() -> None:
    """da_listed: a unit of a client named in an open request is taken as missing its ENS, even with an MRN."""
    office, staged = careless_office("da_listed")
    c = staged.consignments[0]
    office.handle(incoming("olga.requests", client_da(c.trader, c.provider)), NOW)
    receipt = As4Receipt(receipt_id="R", ref_message_id="M", action="IE3F10", eori=c.trader, lrn=c.lrn,
                         received_at=NOW)  # fmt: skip
    office.handle(incoming("ics2.receipt", receipt), NOW)
    green = without_ens().model_copy(update={"unit_id": c.unit_id, "transport_id": c.transport_id,
                                             "mrns": ("26FRMRN",), "lane": "GREEN", "reason": "ok"})  # fmt: skip
    (timer,) = office.handle(incoming("sb.events", green), NOW).timers
    (absence,) = sent(office.on_timer(timer, timer.at), "customs.ens_absence")
    assert isinstance(absence, EnsAbsence) and absence.covered_by_outage
    # A compliant office does not look at a unit that disembarked with its ENS, request or not.
    compliant, _ = careless_office()
    compliant.handle(incoming("olga.requests", client_da(c.trader, c.provider)), NOW)
    assert compliant.handle(incoming("sb.events", green), NOW).timers == []
