"""ICS2-FR-S1-*: a system on the trade side is down (PROCEDURES.md §5, seed 000 scenario 1).

TRADER-DOWN: a client's system is down; its provider, its single correspondent with customs, files
an OLGA assistance request naming it, lodges its ENS once it is back (before its units disembark)
and reports the recovery, and the request is closed.
PROVIDER-DOWN: the provider's own platform is down; it files a request listing all its clients,
lodges everything it held once it is back, and reports the recovery.
"""

from __future__ import annotations

from datetime import datetime

from secours.clock import format_sim
from secours.drills.journal import Entry
from secours.drills.oracle.common import (
    affected,
    at_fault,
    closed_in_time,
    das_of,
    down_fault,
    first,
    first_fault,
    held_pushed_in_time,
    lodgeable_before,
    misnamed,
    outage_da_in_time,
    outage_das,
    provider_case,
    receipts_by_lrn,
    seconds,
    subject,
    typed,
    verdict,
)
from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence
from secours.world import Consignment

__all__: list[str] = []

TRADER = "ICS2-FR-S1-TRADER-DOWN"
PROVIDER = "ICS2-FR-S1-PROVIDER-DOWN"


def _not_exercised(what: str) -> Finding:
    return outcome("not_exercised", f"no {what} in this drill")


def _registered(ix: JournalIndex, da: Entry) -> datetime | None:
    ack = first(e for e in typed(ix, "olga.ack") if e.data["da_id"] == da.data["da_id"])
    return ack.time if ack is not None else None


def _lodged_before_disembarking(ix: JournalIndex, ctx: Context, f: FaultWindow, cons: list[Consignment]) -> Finding:
    receipts = receipts_by_lrn(ix)
    found: list[Evidence] = []
    checked = 0
    for c in cons:
        dis = ix.disembarked.get(c.unit_id)
        if dis is None or dis.time is None:
            continue  # not disembarked by drill end: #MRN-by-end covers it
        if not lodgeable_before(dis.time, f, ctx):
            continue  # disembarked while the system was down: the request covers it, lodging could not
        checked += 1
        got = receipts.get(c.lrn)
        if got is None or got >= dis.time:
            when = f"at {format_sim(got)}" if got else "never"
            found.append(evidence(dis, f"{c.lrn}: unit {c.unit_id} disembarked, ENS receipted {when}"))
    if not checked:
        return outcome("not_exercised", "no affected unit disembarked during the drill")
    return verdict(found, f"all {checked} affected units had their ENS receipted before disembarking",
                   "{n} affected units disembarked before their ENS was receipted")  # fmt: skip


def _mrn_by_end(ix: JournalIndex, cons: list[Consignment]) -> Finding:
    if not cons:
        return outcome("not_exercised", "no consignment affected by the outage")
    found = [Evidence(c.lrn, "ics2.c2t", ix.end, f"{c.lrn} ({c.trader}): no MRN by drill end")
             for c in cons if ix.first_r01((c.trader, c.lrn)) is None]  # fmt: skip
    return verdict(found, f"all {len(cons)} affected consignments got their MRN",
                   "{n} affected consignments without an MRN")  # fmt: skip


def _single_correspondent(ix: JournalIndex, f: FaultWindow, traders: set[str]) -> Finding:
    """(warn) SC3: clients file no DA and call no help desk about the outage; their provider does."""
    assert f.start is not None
    found = [evidence(e, f"client {e.data['filer']} filed DA {e.data['da_id']} itself") for e in typed(ix, "olga.da")
             if e.data["filer"] in traders and e.time is not None and e.time >= f.start]  # fmt: skip
    found += [evidence(e, f"client {e.data['by']} called the help desk itself") for e in typed(ix, "sau.contact")
              if e.data["by"].split(":", 1)[-1] in traders and e.time is not None and e.time >= f.start]  # fmt: skip
    return verdict(found, "the provider was the clients' single correspondent",
                   "{n} requests or calls by clients themselves", warn=True)  # fmt: skip


# --- ICS2-FR-S1-TRADER-DOWN -----------------------------------------------------------------------


def _trader_case(ix: JournalIndex, ctx: Context) -> tuple[FaultWindow, str, str] | None:
    f = first_fault(ix, down_fault("trader:"))
    if f is None:
        return None
    eori = subject(f)
    trader = ctx.world.trader_by_eori.get(eori)
    return (f, eori, trader.provider) if trader is not None else None


def _aware(ix: JournalIndex, ctx: Context, f: FaultWindow, eori: str) -> datetime:
    """aware(P): when the client's call reached its provider (at the latest, when it should have)."""
    assert f.start is not None
    calls = [e for e in typed(ix, "provider.contacted") if e.data["trader"] == eori and e.data["kind"] == "outage"]
    call = first(e for e in calls if e.time is not None and e.time >= f.start)
    return call.time if call is not None and call.time is not None else f.start + seconds(ctx, "detect_self")


def _client_das(ix: JournalIndex, f: FaultWindow, eori: str, provider: str) -> list[Entry]:
    assert f.start is not None
    return [da for da in das_of(ix, "client_outage", provider, f.start)
            if eori in {c["eori"] for c in da.data["clients"]}]  # fmt: skip


@check(f"{TRADER}#1", TRADER, "The provider files a DA naming the client, within t.da_max of knowing")
def trader_1(ix: JournalIndex, ctx: Context) -> Finding:
    case = _trader_case(ix, ctx)
    if case is None:
        return _not_exercised("trader's system down")
    f, eori, provider = case
    limit = _aware(ix, ctx, f, eori) + seconds(ctx, "t_da_max")
    da = first(_client_das(ix, f, eori, provider))
    if da is None and limit > ctx.end:  # the run ended before it was due (a game day ended early)
        return outcome("not_exercised", f"a DA naming {eori} was due by {format_sim(limit)}, after the run's end")
    if da is None or da.time is None or da.time > limit:
        when = f"only at {format_sim(da.time)}" if da is not None and da.time else "never"
        note = f"{provider} filed a DA naming {eori} {when} (limit {format_sim(limit)})"
        return outcome("fail", note, [evidence(da, note) if da is not None else at_fault(f, note)])
    wrong = misnamed(ctx.world, (c for c in da.data["clients"] if c["eori"] == eori))
    if wrong:
        note = f"{da.data['da_id']} names the client wrongly: {wrong[0]}"
        return outcome("fail", note, [evidence(da, note)])
    return outcome("pass", f"{provider} filed {da.data['da_id']} naming {eori} at {format_sim(da.time)}",
                   [evidence(da, "olga.da client_outage")])  # fmt: skip


@check(f"{TRADER}#2", TRADER, "(warn) The client files no DA and calls no help desk itself: its provider does")
def trader_2(ix: JournalIndex, ctx: Context) -> Finding:
    case = _trader_case(ix, ctx)
    if case is None:
        return _not_exercised("trader's system down")
    return _single_correspondent(ix, case[0], {case[1]})


def _trader_affected(ix: JournalIndex, ctx: Context) -> list[Consignment] | None:
    case = _trader_case(ix, ctx)
    if case is None:
        return None
    f, eori, _ = case
    return affected(ix, ctx, f, lambda c: c.trader == eori)


@check(f"{TRADER}#3", TRADER, "Every affected ENS of the client is receipted before its unit disembarks")
def trader_3(ix: JournalIndex, ctx: Context) -> Finding:
    case = _trader_case(ix, ctx)
    if case is None:
        return _not_exercised("trader's system down")
    f, eori, _ = case
    return _lodged_before_disembarking(ix, ctx, f, affected(ix, ctx, f, lambda c: c.trader == eori))


@check(f"{TRADER}#4", TRADER, "Every affected ENS of the client gets its MRN by drill end")
def trader_4(ix: JournalIndex, ctx: Context) -> Finding:
    cons = _trader_affected(ix, ctx)
    if cons is None:
        return _not_exercised("trader's system down")
    return _mrn_by_end(ix, cons)


@check(f"{TRADER}#5", TRADER, "The DA is registered before the legal deadlines it could still meet")
def trader_5(ix: JournalIndex, ctx: Context) -> Finding:
    """Deadlines the procedure could meet: those later than F.start + detect.self + t.da_max (the client
    noticing, then its provider filing, each within its allowance): the DA is registered before the
    earliest. A deadline already past when the fault began, or too close to it to be met, calls for
    the DA as soon as the procedure allows: within t.da_max of aware(P)."""
    case = _trader_case(ix, ctx)
    if case is None:
        return _not_exercised("trader's system down")
    f, eori, provider = case
    assert f.start is not None
    da = first(_client_das(ix, f, eori, provider))
    registered = _registered(ix, da) if da is not None else None
    cons = affected(ix, ctx, f, lambda c: c.trader == eori)
    if not cons:
        return outcome("not_exercised", "no consignment of the client was affected")
    reachable = f.start + seconds(ctx, "detect_self") + seconds(ctx, "t_da_max")
    limits = [(c.deadline, "the earliest legal deadline it could meet") for c in cons if c.deadline >= reachable]
    if any(c.deadline < reachable for c in cons):  # past, or too close to meet: as soon as allowed
        limits.append((_aware(ix, ctx, f, eori) + seconds(ctx, "t_da_max"), "t.da_max after the provider knew"))
    limit, why = min(limits)
    if registered is None:
        note = f"no DA registered; one was due before {why} ({format_sim(limit)})"
        return outcome("fail", note, [at_fault(f, note)])
    if registered > limit:
        note = f"DA registered at {format_sim(registered)}, after {why} ({format_sim(limit)})"
        return outcome("fail", note, [evidence(da, note) if da is not None else at_fault(f, note)])
    return outcome("pass", f"DA registered at {format_sim(registered)}, before {why} "
                   f"({format_sim(limit)})")  # fmt: skip


@check(f"{TRADER}#6", TRADER, "The DA is closed within t.close_max of the recovery")
def trader_6(ix: JournalIndex, ctx: Context) -> Finding:
    case = _trader_case(ix, ctx)
    if case is None:
        return _not_exercised("trader's system down")
    f, eori, provider = case
    return closed_in_time(ix, ctx, f, _client_das(ix, f, eori, provider))


@check(f"{TRADER}#7", TRADER, "No missing-ENS record for a unit of the client whose ENS was receipted in time")
def trader_7(ix: JournalIndex, ctx: Context) -> Finding:
    case = _trader_case(ix, ctx)
    if case is None:
        return _not_exercised("trader's system down")
    absences = typed(ix, "customs.ens_absence")
    if not absences:
        return _not_exercised("missing-ENS record (customs.ens_absence)")
    _, eori, _ = case
    receipts = receipts_by_lrn(ix)
    mine = {c.unit_id: c for c in ctx.world.consignments if c.trader == eori}
    found = []
    for a in absences:
        c = mine.get(a.data["unit_id"])
        dis = ix.disembarked.get(a.data["unit_id"])
        got = receipts.get(c.lrn) if c is not None else None
        if c is not None and got is not None and dis is not None and dis.time is not None and got < dis.time:
            found.append(evidence(a, f"unit {c.unit_id} recorded as missing its ENS, receipted at {format_sim(got)}"))
    return verdict(found, "no unit of the client wrongly recorded as missing its ENS",
                   "{n} units wrongly recorded as missing their ENS")  # fmt: skip


# --- ICS2-FR-S1-PROVIDER-DOWN ---------------------------------------------------------------------


@check(f"{PROVIDER}#1", PROVIDER, "The provider files a DA about its own outage within t.da_max of noticing it")
def provider_1(ix: JournalIndex, ctx: Context) -> Finding:
    case = provider_case(ix, ctx)
    if case is None:
        return _not_exercised("provider platform down")
    f, provider = case
    da, late = outage_da_in_time(ix, ctx, f, provider)
    if late is not None:
        return late
    assert da is not None
    assert da.time is not None
    return outcome("pass", f"{provider} filed {da.data['da_id']} at {format_sim(da.time)}",
                   [evidence(da, "olga.da provider_outage")])  # fmt: skip


@check(f"{PROVIDER}#2", PROVIDER, "The DA lists every client of the provider, traffic in progress or not")
def provider_2(ix: JournalIndex, ctx: Context) -> Finding:
    case = provider_case(ix, ctx)
    if case is None:
        return _not_exercised("provider platform down")
    f, provider = case
    das = outage_das(ix, f, provider)
    if not das:
        return outcome("not_exercised", "no outage DA to read (#1 reports it)")
    want = {c.eori for c in ctx.world.clients_of(provider)}
    found = []
    for da in das:
        listed = {c["eori"] for c in da.data["clients"]}
        if listed != want:
            missing, extra = sorted(want - listed), sorted(listed - want)
            found.append(evidence(da, f"DA {da.data['da_id']}: missing {missing}, not clients {extra}"))
        found += [evidence(da, f"DA {da.data['da_id']}: {w}") for w in misnamed(ctx.world, da.data["clients"])]
    return verdict(found, f"the DA lists all {len(want)} clients",
                   "{n} DAs with a wrong client list")  # fmt: skip


def _provider_affected(ix: JournalIndex, ctx: Context) -> tuple[FaultWindow, list[Consignment]] | None:
    case = provider_case(ix, ctx)
    if case is None:
        return None
    f, provider = case
    return f, affected(ix, ctx, f, lambda c: c.provider == provider)


@check(f"{PROVIDER}#3", PROVIDER, "Every affected ENS of its clients is receipted before its unit disembarks")
def provider_3(ix: JournalIndex, ctx: Context) -> Finding:
    found = _provider_affected(ix, ctx)
    if found is None:
        return _not_exercised("provider platform down")
    return _lodged_before_disembarking(ix, ctx, *found)


@check(f"{PROVIDER}#4", PROVIDER, "Every held ENS is pushed within t.backlog_max of the recovery, before disembarking")
def provider_4(ix: JournalIndex, ctx: Context) -> Finding:
    case = provider_case(ix, ctx)
    if case is None:
        return _not_exercised("provider platform down")
    return held_pushed_in_time(ix, ctx, *case, before_disembarking=True)


@check(f"{PROVIDER}#5", PROVIDER, "Every affected ENS gets its MRN by drill end")
def provider_5(ix: JournalIndex, ctx: Context) -> Finding:
    found = _provider_affected(ix, ctx)
    if found is None:
        return _not_exercised("provider platform down")
    return _mrn_by_end(ix, found[1])


@check(f"{PROVIDER}#6", PROVIDER, "(warn) No client of the provider files a DA or calls the help desk about it")
def provider_6(ix: JournalIndex, ctx: Context) -> Finding:
    case = provider_case(ix, ctx)
    if case is None:
        return _not_exercised("provider platform down")
    f, provider = case
    return _single_correspondent(ix, f, {c.eori for c in ctx.world.clients_of(provider)})


@check(f"{PROVIDER}#7", PROVIDER, "The DA is closed within t.close_max of the recovery")
def provider_7(ix: JournalIndex, ctx: Context) -> Finding:
    case = provider_case(ix, ctx)
    if case is None:
        return _not_exercised("provider platform down")
    f, provider = case
    return closed_in_time(ix, ctx, f, outage_das(ix, f, provider))
