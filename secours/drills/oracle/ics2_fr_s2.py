"""ICS2-FR-S2-AS-DOWN: the customs system (Automate de sûreté) is down (PROCEDURES.md §5, seed 000).

The CID warns every provider directly and the Member States through the Commission; each
provider warns each client at once with the fallback arrangements, keeps transmitting pending ENS
until the means of transport arrives, and tells its clients when the system is back.
"""

from __future__ import annotations

from datetime import datetime

from secours.clock import format_sim
from secours.drills.journal import Entry
from secours.drills.oracle.common import (
    at_fault,
    first,
    first_fault,
    longest_gap,
    pending_ens,
    seconds,
    typed,
    verdict,
)
from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence
from secours.world import Consignment

__all__: list[str] = []

S2 = "ICS2-FR-S2-AS-DOWN"
_COMPONENT = "ics2_nes_fr"


def _fault(ix: JournalIndex) -> FaultWindow | None:
    return first_fault(ix, lambda w: _COMPONENT in w.component)


def _customs_notice(ix: JournalIndex, provider: str, kind: str, after: datetime) -> Entry | None:
    return first(e for e in typed(ix, "customs.notice") if e.data["to"] == provider and e.data["kind"] == kind
                 and e.time is not None and e.time >= after)  # fmt: skip


def _not_exercised() -> Finding:
    return outcome("not_exercised", f"no outage of {_COMPONENT} (the Automate de sûreté) in this drill")


@check(f"{S2}#1", S2, "Every provider gets the CID's outage notice within t.alert_max of the outage")
def s2_1(ix: JournalIndex, ctx: Context) -> Finding:
    f = _fault(ix)
    if f is None or f.start is None:
        return _not_exercised()
    found = []
    for p in ctx.world.providers:
        notice = _customs_notice(ix, p.id, "outage", f.start)
        if notice is None or notice.time is None or notice.time - f.start > seconds(ctx, "t_alert_max"):
            late = f"only at {format_sim(notice.time)}" if notice is not None and notice.time else "never"
            found.append(evidence(f.start_entry or ix.entries[0], f"provider {p.id}: outage notice {late}"))
    return verdict(
        found, f"all {len(ctx.world.providers)} providers warned in time", "{n} providers not warned in time"
    )


@check(f"{S2}#2", S2, "The Member States are told through the Commission within t.alert_max")
def s2_2(ix: JournalIndex, ctx: Context) -> Finding:
    f = _fault(ix)
    if f is None or f.start is None:
        return _not_exercised()
    notice = first([e for e in typed(ix, "eu.notice") if e.data["kind"] == "start" and e.data["audience"] == "MS"
                     and e.time is not None and e.time >= f.start])  # fmt: skip
    if notice is None or notice.time is None or notice.time - f.start > seconds(ctx, "t_alert_max"):
        when = f"only at {format_sim(notice.time)}" if notice is not None and notice.time else "never"
        note = f"no Commission notice to the Member States in time ({when})"
        return outcome("fail", note, [evidence(notice, note) if notice is not None else at_fault(f, note)])
    return outcome("pass", f"Commission notice to the Member States at {format_sim(notice.time)}",
                   [evidence(notice, "eu.notice start, audience MS")])  # fmt: skip


def _client_notices(ix: JournalIndex, ctx: Context, kind: str) -> Finding:
    f = _fault(ix)
    if f is None or f.start is None:
        return _not_exercised()
    since = f.start if kind == "outage" else (f.end or f.start)
    sent = {(e.data["provider"], e.data["to"]): e for e in typed(ix, "client.notice") if e.data["kind"] == kind}
    found: list[Evidence] = []
    limit = seconds(ctx, "t_client_notice_max")
    for p in ctx.world.providers:
        trigger = _customs_notice(ix, p.id, kind, since)
        for client in ctx.world.concerned_clients_of(p.id):  # not those whose goods enter elsewhere (EU-C7)
            notice = sent.get((p.id, client.eori))
            if trigger is None or trigger.time is None:
                if notice is None:
                    continue  # the provider was never told; #1 / #8 report that
                found.append(evidence(notice, f"{p.id} told {client.eori} without a customs notice"))
            elif notice is None or notice.time is None:
                found.append(evidence(trigger, f"{p.id} never told client {client.eori} ({kind})"))
            elif not trigger.time <= notice.time <= trigger.time + limit:
                found.append(evidence(notice, f"{p.id} told {client.eori} at {format_sim(notice.time)}, not within "
                                              f"t.client_notice_max of {format_sim(trigger.time)}"))  # fmt: skip
    n = sum(len(ctx.world.concerned_clients_of(p.id)) for p in ctx.world.providers)
    return verdict(found, f"all {n} clients told ({kind}) in time", "{n} clients not told (" + kind + ") in time")


@check(
    f"{S2}#3", S2, "Every provider tells each client of the outage, after customs' notice, within t.client_notice_max"
)
def s2_3(ix: JournalIndex, ctx: Context) -> Finding:
    return _client_notices(ix, ctx, "outage")


@check(f"{S2}#4", S2, "Each outage notice to a client carries the fallback arrangements")
def s2_4(ix: JournalIndex, ctx: Context) -> Finding:
    notices = [e for e in typed(ix, "client.notice") if e.data["kind"] == "outage"]
    if not notices:
        return outcome("not_exercised", "no outage notice to a client in this drill")
    empty = [evidence(e, f"{e.data['provider']} -> {e.data['to']}: no procedure_info") for e in notices
             if not str(e.data.get("procedure_info", "")).strip()]  # fmt: skip
    return verdict(empty, f"all {len(notices)} outage notices give the fallback arrangements",
                    "{n} outage notices without the fallback arrangements")  # fmt: skip


@check(
    f"{S2}#5", S2, "Every provider tells each client of the recovery, after customs' notice, within t.client_notice_max"
)
def s2_5(ix: JournalIndex, ctx: Context) -> Finding:
    return _client_notices(ix, ctx, "recovery")


@check(f"{S2}#6", S2, "Providers keep pushing each pending ENS, no gap over t.retry_max_gap, until receipt or arrival")
def s2_6(ix: JournalIndex, ctx: Context) -> Finding:
    f = _fault(ix)
    if f is None or f.start is None or f.end is None:
        return _not_exercised()
    gap = seconds(ctx, "t_retry_max_gap")
    found: list[Evidence] = []

    def until(c: Consignment) -> datetime:  # until its receipt (in the spans) or its transport's arrival
        arrival = ix.arrivals.get(c.transport_id)
        return min(t for t in (arrival.time if arrival else None, ix.end) if t is not None)

    pending = pending_ens(ix, ctx, f, until)
    for c, spans, pushes in pending:
        worst = max(longest_gap(s, pushes) for s in spans)
        if worst > gap:
            at = next(s[0] for s in spans if longest_gap(s, pushes) == worst)
            found.append(Evidence(c.lrn, "ics2.t2c", at, f"{c.lrn}: {int(worst.total_seconds())} s without a push"))
    if not pending:
        return outcome("not_exercised", "no ENS was left without a receipt during the outage")
    return verdict(found, f"{len(pending)} pending ENS pushed without a long gap until receipt or arrival",
                    "{n} pending ENS left unpushed longer than t.retry_max_gap")  # fmt: skip


@check(f"{S2}#7", S2, "After recovery every pending ENS gets its MRN and then its assessment (IE3N03)")
def s2_7(ix: JournalIndex, ctx: Context) -> Finding:
    f = _fault(ix)
    if f is None or f.start is None or f.end is None:
        return _not_exercised()
    found: list[Evidence] = []
    pending = 0
    for c in ctx.world.consignments:
        arrival = ix.arrivals.get(c.transport_id)
        if c.ready > f.end or (arrival is not None and arrival.time is not None and arrival.time < f.start):
            continue
        if not ctx.world.enters_through_france(c):
            continue  # its national component is another Member State's, not the AS
        r01 = ix.first_r01((c.trader, c.lrn))
        n03 = ix.n03_by_mrn.get(r01.data["mrn"]) if r01 is not None else None
        if n03 is not None and n03.time is not None and n03.time < f.start:
            continue  # assessed before the outage: not pending
        pending += 1
        if r01 is None or n03 is None or (r01.time and n03.time and n03.time < r01.time):
            what = "no MRN" if r01 is None else "no assessment (IE3N03)"
            found.append(Evidence(c.lrn, "ics2.c2t", f.end, f"{c.lrn}: {what} after recovery"))
    if not pending:
        return outcome("not_exercised", "no ENS was pending during the outage")
    return verdict(found, f"all {pending} pending ENS got their MRN, then their assessment",
                    "{n} pending ENS not processed after recovery")  # fmt: skip


@check(f"{S2}#8", S2, "The CID tells every provider of the recovery within t.end_alert_max of it")
def s2_8(ix: JournalIndex, ctx: Context) -> Finding:
    f = _fault(ix)
    if f is None or f.end is None:
        return _not_exercised()
    found = []
    for p in ctx.world.providers:
        notice = _customs_notice(ix, p.id, "recovery", f.end)
        if notice is None or notice.time is None or notice.time - f.end > seconds(ctx, "t_end_alert_max"):
            found.append(Evidence(p.id, "customs.notices", f.end, f"provider {p.id}: no recovery notice in time"))
    return verdict(found, "every provider told of the recovery in time", "{n} providers not told of the recovery")


@check(f"{S2}#9", S2, "(warn) No provider files a 'customs unavailable' DA once it has the outage notice")
def s2_9(ix: JournalIndex, ctx: Context) -> Finding:
    f = _fault(ix)
    if f is None or f.start is None:
        return _not_exercised()
    das = [e for e in typed(ix, "olga.da") if e.data.get("kind") == "customs_unavailable"]
    found = []
    for da in das:
        provider = da.source.split(":", 1)[-1]
        notice = _customs_notice(ix, provider, "outage", f.start)
        if notice is not None and notice.time is not None and da.time is not None and notice.time <= da.time:
            found.append(evidence(da, f"{provider} filed a DA after the CID had warned it"))
    return verdict(found, "no redundant DA", "{n} redundant DAs", warn=True)
