"""ICS2-EU-*: an ICS2 component unavailable (PROCEDURES.md §6, seed 001).

The shared checks EU-C1..EU-C7 apply to several scenarios each (the coverage table of §10 counts
them per scenario); the scenario checks follow. The Commission declares the business continuity
plan for the EU components it watches (STI, CR) and the CID relays it; for the national component
the CID alone alerts (no Commission notice required there [A]).
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from secours.clock import format_sim
from secours.components import ICS2_COMPONENTS
from secours.drills.journal import Entry
from secours.drills.oracle.common import (
    answer_latency,
    closed_in_time,
    first,
    first_fault,
    held_pushed_in_time,
    longest_gap,
    misnamed,
    outage_da_in_time,
    outage_das,
    pending_ens,
    provider_case,
    receipts_by_lrn,
    retries_under_own_lrn,
    seconds,
    typed,
    verdict,
)
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.index import ENS_FILINGS, FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence

__all__: list[str] = []

EU = "ICS2-EU"
TAPAS, UUMDS, STI, CR = "ICS2-EU-TAPAS-DOWN", "ICS2-EU-UUMDS-DOWN", "ICS2-EU-STI-DOWN", "ICS2-EU-CR-DOWN"
NATIONAL, OPERATOR, PROVIDER = "ICS2-EU-NATIONAL-DOWN", "ICS2-EU-OPERATOR-DOWN", "ICS2-EU-PROVIDER-DOWN"
ALL = (TAPAS, UUMDS, STI, CR, NATIONAL, OPERATOR, PROVIDER)
CUSTOMS_SIDE = (TAPAS, UUMDS, STI, CR, NATIONAL)


def _fault(ix: JournalIndex) -> FaultWindow | None:
    return first_fault(ix, lambda w: w.component.split(".")[0] in ICS2_COMPONENTS)


def _component(f: FaultWindow) -> str:
    return f.component.split(".")[0]


def _not_exercised() -> Finding:
    return outcome("not_exercised", "no ICS2 component (STI, CR, UUM&DS, national component) down in this drill")


def _only_national(ctx: Context) -> bool:
    """NATIONAL-DOWN applies EU-C1/EU-C2 to the CID part only (no Commission notice required)."""
    return not (set(ctx.scenarios) & (set(CUSTOMS_SIDE) - {NATIONAL}))


def _ens_pushes(ix: JournalIndex) -> dict[str, list[Entry]]:
    """ENS pushes by LRN, in time order."""
    out: dict[str, list[Entry]] = {}
    for entries in ix.pushes.values():
        for e in entries:
            if e.ce_type in ENS_FILINGS and e.time is not None:
                out.setdefault(e.data["lrn"], []).append(e)
    return {lrn: sorted(v, key=lambda e: e.time.timestamp() if e.time else 0.0) for lrn, v in out.items()}


def _within(e: Entry | None, since: datetime, limit: timedelta) -> bool:
    return e is not None and e.time is not None and since <= e.time <= since + limit


@check("EU-C1", EU, "The unavailability is notified (Commission) and relayed (CID) within t.alert_max",
       applies_to=CUSTOMS_SIDE)  # fmt: skip
def eu_c1(ix: JournalIndex, ctx: Context) -> Finding:
    f = _fault(ix)
    if f is None or f.start is None:
        return _not_exercised()
    comp, limit = _component(f), seconds(ctx, "t_alert_max")
    alert = first(e for e in typed(ix, "meteo.alert") if e.data["phase"] == "open" and e.data["component"] == comp
                  and e.time is not None and e.time >= f.start)  # fmt: skip
    found: list[Evidence] = []
    if not _within(alert, f.start, limit):
        found.append(Evidence(f.fault_id, "meteo", f.start, f"no CID alert about {comp} within t.alert_max"))
    if not _only_national(ctx):
        notice = first(e for e in typed(ix, "eu.notice") if e.data["kind"] == "start" and e.data["component"] == comp
                       and e.time is not None and e.time >= f.start)  # fmt: skip
        if not _within(notice, f.start, limit):
            found.append(Evidence(f.fault_id, "eu.notices", f.start, f"no Commission notice about {comp} in time"))
    who = "the CID" if _only_national(ctx) else "the Commission and the CID"
    return verdict(found, f"{who} announced the unavailability of {comp} within t.alert_max",
                   "{n} announcements missing or late")  # fmt: skip


@check("EU-C2", EU, "End notices (Commission, CID) come after the end, within t.end_alert_max", applies_to=CUSTOMS_SIDE)
def eu_c2(ix: JournalIndex, ctx: Context) -> Finding:
    f = _fault(ix)
    if f is None or f.end is None:
        return _not_exercised()
    comp, limit = _component(f), seconds(ctx, "t_end_alert_max")
    ends = [e for e in typed(ix, "meteo.alert") if e.data["phase"] == "end" and e.data["component"] == comp]
    found: list[Evidence] = []
    early = [e for e in ends if e.time is not None and e.time < f.end]
    found += [evidence(e, "end of alert before the end of the outage") for e in early]
    if not _within(first(e for e in ends if e.time and e.time >= f.end), f.end, limit):
        found.append(Evidence(f.fault_id, "meteo", f.end, f"no end of alert about {comp} within t.end_alert_max"))
    if not _only_national(ctx):
        notices = [e for e in typed(ix, "eu.notice") if e.data["kind"] == "end" and e.data["component"] == comp]
        found += [evidence(e, "Commission end notice before the end of the outage")
                  for e in notices if e.time is not None and e.time < f.end]  # fmt: skip
        if not _within(first(e for e in notices if e.time and e.time >= f.end), f.end, limit):
            found.append(Evidence(f.fault_id, "eu.notices", f.end, f"no Commission end notice about {comp} in time"))
    return verdict(found, f"the end of the unavailability of {comp} announced in time",
                   "{n} end notices missing, early or late")  # fmt: skip


def _tried_during(ix: JournalIndex, ctx: Context, f: FaultWindow) -> set[str]:
    """LRNs a filer tried to lodge during the fault: handed to a provider, or pushed, in the window."""
    assert f.start is not None
    end = f.end or ctx.end
    tried = {e.data["lrn"] for e in ix.entries if e.topic.startswith("edi.to_provider.") and e.ce_type in ENS_FILINGS
             and e.time is not None and f.start <= e.time < end}  # fmt: skip
    tried |= {lrn for lrn, es in _ens_pushes(ix).items() if any(e.time and f.start <= e.time < end for e in es)}
    return tried


@check("EU-C3", EU, "Every ENS tried during the fault ends with exactly one MRN or an explicit rejection",
       applies_to=ALL)  # fmt: skip
def eu_c3(ix: JournalIndex, ctx: Context) -> Finding:
    f = _fault(ix) or first_fault(ix, lambda w: w.kind == "down")
    if f is None or f.start is None:
        return _not_exercised()
    tried = _tried_during(ix, ctx, f)
    if not tried:
        return outcome("not_exercised", "no ENS was lodged during the fault")
    filer = {c.lrn: c.trader for c in ctx.world.consignments}
    rejected = {e.data["lrn"] for e in ix.queue if e.ce_type == "IE3N99"}
    found: list[Evidence] = []
    for lrn in sorted(tried):
        mrns = {e.data["mrn"] for e in ix.r01_by_key.get((filer.get(lrn, ""), lrn), [])}
        if len(mrns) > 1:
            found.append(Evidence(lrn, "ics2.c2t", ix.end, f"{lrn}: {len(mrns)} MRNs ({', '.join(sorted(mrns))})"))
        elif not mrns and lrn not in rejected:
            found.append(Evidence(lrn, "ics2.c2t", ix.end, f"{lrn}: neither an MRN nor a rejection by drill end"))
    return verdict(found, f"all {len(tried)} ENS lodged during the fault ended with one MRN or a rejection",
                   "{n} ENS lodged during the fault left without one MRN or a rejection")  # fmt: skip


@check("EU-C4", EU, "No goods presented for a consignment without an MRN at presentation time", applies_to=ALL)
def eu_c4(ix: JournalIndex, ctx: Context) -> Finding:
    """Goods are presented at the smart border when their unit leaves by the green lane (the ORANGE
    lane holds a unit with no ENS), and to ICS2 in the arrival notification (IE3N06). Either needs the
    consignment's MRN issued by then: seed 001, goods "cannot be presented or declared before the ENS
    is lodged", outage or not."""
    if _fault(ix) is None and first_fault(ix, lambda w: w.kind == "down") is None:
        return _not_exercised()
    arrivals = [e for e in ix.entries if e.ce_type == "IE3N06" and e.topic == "ics2.t2c" and e.time is not None]
    green = [e for e in ix.disembarked.values() if e.data["lane"] == "GREEN" and e.time is not None]
    if not arrivals and not green:
        return outcome("not_exercised", "no goods presented in this drill")
    issued: dict[str, datetime] = {}
    for entries in ix.r01_by_key.values():
        for e in entries:
            if e.time is not None:
                issued[e.data["mrn"]] = min(issued.get(e.data["mrn"], e.time), e.time)
    by_unit = {c.unit_id: c for c in ctx.world.consignments}
    found = [evidence(p, f"MRN {m} presented before it was issued")
             for p in arrivals for m in p.data["mrns"]
             if m not in issued or (p.time and issued[m] > p.time)]  # fmt: skip
    for d in green:
        c = by_unit.get(d.data["unit_id"])
        r01 = ix.first_r01((c.trader, c.lrn)) if c is not None else None
        if c is not None and (r01 is None or r01.time is None or d.time is None or r01.time > d.time):
            found.append(evidence(d, f"{c.lrn}: unit {c.unit_id} through the green lane with no MRN issued"))
    n = sum(len(p.data["mrns"]) for p in arrivals) + len(green)
    return verdict(found, f"all {n} presentations (arrival notifications, green lanes) had their MRN",
                   "{n} goods presented without an MRN")  # fmt: skip


def _pushed_again(
    ix: JournalIndex, since: datetime, until: datetime, lrns: set[str] | None = None
) -> tuple[int, list[Evidence]]:
    """ENS receipted in [since, until) then pushed again as a new message while its filer was still
    waiting for the MRN (not after a rejection, which asks for a new filing). Once the MRN is in the
    filer's queue, sending the ENS again is another mistake, a duplicate filing the CR refuses (G1),
    not a re-push for want of an answer. Returns how many receipted ENS were looked at, and the
    re-pushes."""
    receipts = receipts_by_lrn(ix)
    rejections: dict[str, list[datetime]] = {}
    answered: dict[str, datetime] = {}  # LRN -> its IE3R01 first in the filer's pull queue
    for e in ix.queue:
        if e.ce_type == "IE3N99" and e.time is not None:
            rejections.setdefault(e.data["lrn"], []).append(e.time)
        elif e.ce_type == "IE3R01" and e.time is not None and e.topic.startswith("ics2.c2t."):
            lrn = e.data["lrn"]
            answered[lrn] = min(answered.get(lrn, e.time), e.time)
    found: list[Evidence] = []
    checked = 0
    for lrn, pushes in _ens_pushes(ix).items():
        got = receipts.get(lrn)
        if got is None or not since <= got < until or (lrns is not None and lrn not in lrns):
            continue
        checked += 1
        first_id = next(p.data["message_id"] for p in pushes if p.time and p.time <= got)
        for p in pushes:
            if p.time is None or p.time <= got or p.data["message_id"] == first_id:
                continue  # before the receipt, or the same message retried (the STI keeps it one message)
            if lrn in answered and p.time > answered[lrn]:
                continue  # its MRN was in the filer's queue: a duplicate filing, not a re-push
            if any(got <= r <= p.time for r in rejections.get(lrn, [])):
                continue
            found.append(evidence(p, f"{lrn} pushed again at {format_sim(p.time)} after its receipt"))
    return checked, found


@check("EU-C5", EU, "What was receipted during a queue-and-replay fault is not pushed again", applies_to=(TAPAS, CR))
def eu_c5(ix: JournalIndex, ctx: Context) -> Finding:
    f = first_fault(ix, lambda w: w.kind == "queue_replay" and w.component.split(".")[0] in ICS2_COMPONENTS)
    if f is None or f.start is None:
        return outcome("not_exercised", "no queue-and-replay fault of an ICS2 component in this drill")
    checked, found = _pushed_again(ix, f.start, f.end or ctx.end)
    if not checked:
        return outcome("not_exercised", "no ENS receipted during the fault")
    return verdict(found, f"none of the {checked} ENS receipted during the fault was pushed again",
                   "{n} ENS pushed again after their receipt")  # fmt: skip


@check("EU-C6", EU, "Queued answers become available within t.backlog_max of the end", applies_to=(TAPAS, CR, NATIONAL))
def eu_c6(ix: JournalIndex, ctx: Context) -> Finding:
    f = _fault(ix)
    if f is None or f.start is None or f.end is None:
        return _not_exercised()
    limit = f.end + seconds(ctx, "t_backlog_max")
    found: list[Evidence] = []
    checked = 0
    # Messages taken during the fault: their business answer.
    for msg_id, receipts in ix.receipts.items():
        got = first(receipts)
        if got is None or got.time is None or not f.start <= got.time < f.end:
            continue
        checked += 1
        answer = ix.answer_to(msg_id)
        if answer is None or answer.time is None or answer.time > limit:
            when = f"only at {format_sim(answer.time)}" if answer is not None and answer.time else "never"
            found.append(evidence(got, f"{got.data['lrn']} ({got.data['action']}): answered {when}"))
    # Answers ICS2 produced during the fault (an access point down holds them): their delivery.
    for out in ix.answers_out:
        if out.time is None or not f.start <= out.time < f.end:
            continue
        checked += 1
        queued = ix.queued_at.get(out.ce_id)
        if queued is None or queued > limit:
            when = f"only at {format_sim(queued)}" if queued is not None else "never"
            found.append(evidence(out, f"{out.ce_type} for {out.data['lrn']} put out at {format_sim(out.time)}: "
                                       f"in the {out.data['eori']} queue {when}"))  # fmt: skip
    if not checked:
        return outcome("not_exercised", "nothing was receipted or answered during the fault")
    return verdict(found, f"all {checked} messages taken or answered during the fault reached the "
                   f"filer's queue by {format_sim(limit)}",
                   "{n} answers of the fault period queued late or never")  # fmt: skip


@check("EU-C7", EU, "French-specific actions (DAs, relays to clients) concern French first-entry consignments only",
       applies_to=ALL)  # fmt: skip
def eu_c7(ix: JournalIndex, ctx: Context) -> Finding:
    french = {
        c.lrn for c in ctx.world.consignments if ctx.world.transport_by_id[c.transport_id].entry_office.startswith("FR")
    }
    french_filers = {c.trader for c in ctx.world.consignments if c.lrn in french}
    das = typed(ix, "olga.da")
    notices = typed(ix, "client.notice")
    if not das and not notices:
        return outcome("not_exercised", "no French-specific action (DA, relay to clients) in this drill")
    found = [evidence(e, f"DA {e.data['da_id']} lists {lrn}, not entering through France")
             for e in das for lrn in e.data["declarations"] if lrn not in french]  # fmt: skip
    found += [evidence(e, f"relay to {e.data['to']}, who has no consignment entering through France")
              for e in notices if e.data["to"] not in french_filers]  # fmt: skip
    return verdict(found, f"{len(das)} DAs and {len(notices)} relays, all about French first entries",
                   "{n} French-specific actions about other consignments")  # fmt: skip


# --- ICS2-EU-STI-DOWN -------------------------------------------------------------------------------


def _sti_fault(ix: JournalIndex) -> FaultWindow | None:
    return first_fault(ix, lambda w: _component(w) == "ics2_sti" and w.kind in ("down", "drop"))


@check(f"{STI}#1", STI, "Pending ENS are pushed with no gap over t.retry_max_gap, or within t.backlog_max after")
def sti_1(ix: JournalIndex, ctx: Context) -> Finding:
    f = _sti_fault(ix)
    if f is None or f.start is None or f.end is None:
        return outcome("not_exercised", "no STI outage that ended in this drill")
    gap, late = seconds(ctx, "t_retry_max_gap"), f.end + seconds(ctx, "t_backlog_max")
    found: list[Evidence] = []
    pending = pending_ens(ix, ctx, f, lambda c: f.end or ctx.end)  # receipted, even rejected: not pending
    receipts = receipts_by_lrn(ix)
    for c, spans, times in pending:
        kept_trying = all(longest_gap(s, times) <= gap for s in spans)
        # Lodged after the end: pushed again after it, or taken by the STI once back (a push made in
        # the last seconds of the outage is received when the STI returns).
        after = [t for t in (*times, receipts.get(c.lrn)) if t is not None and t >= f.end]
        if not kept_trying and not (after and min(after) <= late):
            note = f"{c.lrn}: neither kept pushing nor lodged after the end"
            found.append(Evidence(c.lrn, "ics2.t2c", spans[0][0], note))
    if not pending:
        return outcome("not_exercised", "no ENS pending during the outage")
    return verdict(found, f"all {len(pending)} pending ENS kept being pushed or were lodged after the end",
                   "{n} pending ENS neither retried nor lodged in time")  # fmt: skip


@check(f"{STI}#2", STI, "Retries reuse the same LRN: no new LRN for the same consignment")
def sti_2(ix: JournalIndex, ctx: Context) -> Finding:
    f = _sti_fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "no STI outage in this drill")
    retried, found = retries_under_own_lrn(ix, ctx)
    if not retried:
        return outcome("not_exercised", "no push was retried in this drill")
    return verdict(found, f"{retried} retried pushes, each under its consignment's own LRN",
                   "{n} retries under another LRN")  # fmt: skip


# --- ICS2-EU-CR-DOWN --------------------------------------------------------------------------------


def _cr_fault(ix: JournalIndex) -> FaultWindow | None:
    return first_fault(ix, lambda w: _component(w) == "ics2_cr" and w.kind == "queue_replay")


@check(f"{CR}#1", CR, "ENS that became ready during the fault are pushed during it (queued, not held back)")
def cr_1(ix: JournalIndex, ctx: Context) -> Finding:
    f = _cr_fault(ix)
    if f is None or f.start is None or f.end is None:
        return outcome("not_exercised", "no CR queue-and-replay fault that ended in this drill")
    pushes = _ens_pushes(ix)
    # Ready early enough in the window for a hand-over and a push (a few simulated minutes) before its end.
    ready = [c for c in ctx.world.consignments if f.start <= c.ready < f.end - seconds(ctx, "detect_self")]
    found = []
    for c in ready:
        got = [p.time for p in pushes.get(c.lrn, []) if p.time is not None]
        if not got or min(got) >= f.end:
            when = f"only at {format_sim(min(got))}" if got else "never"
            found.append(
                Evidence(c.lrn, "ics2.t2c", c.ready, f"{c.lrn}: ready at {format_sim(c.ready)}, pushed {when}")
            )
    if not ready:
        return outcome("not_exercised", "no ENS became ready during the fault")
    return verdict(found, f"all {len(ready)} ENS ready during the fault were pushed during it",
                   "{n} ENS held back by their filer")  # fmt: skip


@check(f"{CR}#2", CR, "After recovery the held IE3R01 are delivered in receipt order, in each filer's queue")
def cr_2(ix: JournalIndex, ctx: Context) -> Finding:
    f = _cr_fault(ix)
    if f is None or f.start is None or f.end is None:
        return outcome("not_exercised", "no CR queue-and-replay fault that ended in this drill")
    held: dict[str, list[tuple[datetime, datetime, str]]] = {}  # EORI -> (receipt, IE3R01, LRN)
    for msg_id, receipts in ix.receipts.items():
        got = first(receipts)
        if got is None or got.time is None or not f.start <= got.time < f.end:
            continue
        r01 = first(e for e in ix.answers.get(msg_id, []) if e.ce_type == "IE3R01")
        if r01 is not None and r01.time is not None and r01.time >= f.end:
            held.setdefault(got.data["eori"], []).append((got.time, r01.time, got.data["lrn"]))
    found: list[Evidence] = []
    for eori, rows in held.items():
        rows.sort()
        for (_, a, lrn_a), (_, b, lrn_b) in itertools.pairwise(rows):
            if b < a:
                found.append(
                    Evidence(lrn_b, f"ics2.c2t.{eori}", b, f"{lrn_b} answered before {lrn_a}, receipted earlier")
                )
    n = sum(len(r) for r in held.values())
    if not n:
        return outcome("not_exercised", "no IE3R01 was held by the fault")
    return verdict(found, f"{n} held IE3R01 delivered in receipt order in {len(held)} queues",
                   "{n} IE3R01 delivered out of receipt order")  # fmt: skip


# --- ICS2-EU-NATIONAL-DOWN --------------------------------------------------------------------------


def _national_fault(ix: JournalIndex) -> FaultWindow | None:
    return first_fault(ix, lambda w: _component(w) == "ics2_nes_fr" and w.kind == "queue_replay")


@check(f"{NATIONAL}#1", NATIONAL, "IE3R01 and IE3R04 keep being delivered during the fault")
def national_1(ix: JournalIndex, ctx: Context) -> Finding:
    """Each ENS filing (IE3F10, IE3F51) and each arrival notification (IE3N06) receipted during the
    fault gets its answer (IE3R01, IE3R04, or a rejection) within mrn_latency of its receipt: the
    national component's outage must not stop the EU answers, message by message."""
    f = _national_fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "no national component queue-and-replay fault in this drill")
    end, latency = f.end or ctx.end, answer_latency(ctx)
    found: list[Evidence] = []
    judged = 0
    for msg_id, pushes in ix.pushes.items():
        push = first(p for p in pushes if p.ce_type in ENS_FILINGS | {"IE3N06"})
        receipt = first(ix.receipts.get(msg_id, []))
        if push is None or receipt is None or not f.start <= _at(receipt) < end:
            continue  # not receipted during the fault (one never receipted is G2's)
        judged += 1
        answer = ix.answer_to(msg_id)
        if answer is None or _at(answer) - _at(receipt) > latency:
            when = f"only at {format_sim(_at(answer))}" if answer is not None else "never"
            found.append(evidence(push, f"{push.ce_type} {push.data['lrn']} receipted at "
                                        f"{format_sim(_at(receipt))}, answered {when}"))  # fmt: skip
    if not judged:
        return outcome("not_exercised", "no filing or arrival notification was receipted during the fault")
    return verdict(found, f"all {judged} filings and arrival notifications receipted during the fault were "
                   "answered within mrn_latency", "{n} answered late or never during the fault")  # fmt: skip


@check(f"{NATIONAL}#2", NATIONAL, "Buffered presentations and IE3N08 are processed within t.backlog_max of the end")
def national_2(ix: JournalIndex, ctx: Context) -> Finding:
    f = _national_fault(ix)
    if f is None or f.start is None or f.end is None:
        return outcome("not_exercised", "no national component fault that ended in this drill")
    limit = f.end + seconds(ctx, "t_backlog_max")
    arrivals = [e for e in ix.entries if e.ce_type == "cr.arrival" and e.time is not None
                and f.start <= e.time < f.end]  # fmt: skip
    presented: dict[str, Entry] = {}
    for e in typed(ix, "goods.presented"):
        for mrn in e.data["mrns"]:
            presented.setdefault(mrn, e)
    n08 = {e.data["mrn"]: e for e in ix.entries if e.ce_type == "IE3N08" and e.source == "ics2_nes_fr"}
    found: list[Evidence] = []
    for a in arrivals:
        for mrn in a.data["mrns"]:
            done = presented.get(mrn)
            if done is None or done.time is None or done.time > limit:
                when = f"only at {format_sim(done.time)}" if done is not None and done.time else "never"
                found.append(evidence(a, f"presentation of {mrn} buffered, processed {when}"))
            elif mrn in done.data["controlled"]:
                control = n08.get(mrn)
                if control is None or control.time is None or control.time > limit:
                    found.append(evidence(done, f"control of {mrn} decided, IE3N08 not sent by {format_sim(limit)}"))
    n = sum(len(a.data["mrns"]) for a in arrivals)
    if not n:
        return outcome("not_exercised", "no presentation reached the national component in the fault")
    return verdict(found, f"all {n} buffered presentations (and their IE3N08) processed by "
                   f"{format_sim(limit)}", "{n} buffered presentations processed late or never")  # fmt: skip


@check(f"{NATIONAL}#3", NATIONAL, "No missing-ENS record for a consignment that has an MRN")
def national_3(ix: JournalIndex, ctx: Context) -> Finding:
    f = _national_fault(ix)
    if f is None:
        return outcome("not_exercised", "no national component fault in this drill")
    absences = typed(ix, "customs.ens_absence")
    if not absences:
        return outcome("not_exercised", "no missing-ENS record (customs.ens_absence) in this drill")
    by_unit = {c.unit_id: c for c in ctx.world.consignments}
    found = []
    for a in absences:
        c = by_unit.get(a.data["unit_id"])
        r01 = ix.first_r01((c.trader, c.lrn)) if c is not None else None
        if r01 is not None and r01.time is not None and a.time is not None and r01.time <= a.time:
            found.append(evidence(a, f"unit {a.data['unit_id']} recorded as missing its ENS, MRN {r01.data['mrn']}"))
    return verdict(found, f"{len(absences)} missing-ENS records, none for a consignment with an MRN",
                   "{n} missing-ENS records for consignments that had an MRN")  # fmt: skip


# --- ICS2-EU-PROVIDER-DOWN --------------------------------------------------------------------------


@check(f"{PROVIDER}#1", PROVIDER, "The provider files a DA with its complete client list within t.da_max of noticing")
def provider_1(ix: JournalIndex, ctx: Context) -> Finding:
    case = provider_case(ix, ctx)
    if case is None:
        return outcome("not_exercised", "no provider platform down in this drill")
    f, provider = case
    da, late = outage_da_in_time(ix, ctx, f, provider)
    if late is not None:
        return late
    assert da is not None
    assert da.time is not None
    want = {c.eori for c in ctx.world.clients_of(provider)}
    listed = {c["eori"] for c in da.data["clients"]}
    if listed != want:
        return outcome("fail", f"{da.data['da_id']} lists {len(listed)} of {len(want)} clients "
                       f"(missing {sorted(want - listed)})", [evidence(da, "incomplete client list")])  # fmt: skip
    wrong = misnamed(ctx.world, da.data["clients"])
    if wrong:
        return outcome("fail", f"{da.data['da_id']} names {len(wrong)} clients wrongly, e.g. {wrong[0]}",
                       [evidence(da, w) for w in wrong])  # fmt: skip
    return outcome("pass", f"{provider} filed {da.data['da_id']} at {format_sim(da.time)}, listing "
                   f"all {len(want)} clients", [evidence(da, "olga.da provider_outage")])  # fmt: skip


@check(f"{PROVIDER}#2", PROVIDER, "Held messages are replayed within t.backlog_max of the recovery")
def provider_2(ix: JournalIndex, ctx: Context) -> Finding:
    case = provider_case(ix, ctx)
    if case is None:
        return outcome("not_exercised", "no provider platform down in this drill")
    return held_pushed_in_time(ix, ctx, *case, before_disembarking=False)


@check(f"{PROVIDER}#3", PROVIDER, "No client message is replayed twice (pushed again after a receipt)")
def provider_3(ix: JournalIndex, ctx: Context) -> Finding:
    case = provider_case(ix, ctx)
    if case is None or case[0].start is None:
        return outcome("not_exercised", "no provider platform down in this drill")
    f, provider = case
    assert f.start is not None
    mine = {c.lrn for c in ctx.world.consignments if c.provider == provider}
    checked, found = _pushed_again(ix, f.start, ctx.end, mine)
    if not checked:
        return outcome("not_exercised", "no ENS of the provider's clients receipted after the outage")
    return verdict(found, f"none of {checked} receipted ENS replayed twice",
                   "{n} ENS replayed after their receipt")  # fmt: skip


@check(f"{PROVIDER}#4", PROVIDER, "The DA is closed within t.close_max of the recovery")
def provider_4(ix: JournalIndex, ctx: Context) -> Finding:
    case = provider_case(ix, ctx)
    if case is None:
        return outcome("not_exercised", "no provider platform down in this drill")
    f, provider = case
    return closed_in_time(ix, ctx, f, outage_das(ix, f, provider))
