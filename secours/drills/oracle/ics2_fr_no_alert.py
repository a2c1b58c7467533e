"""ICS2-FR-NO-ALERT: customs unavailable, nothing published (PROCEDURES.md §5, seed 000).

The monitoring misses the outage (the fault is ``alert_suppressed``). Each provider reaching the
``detect.no_receipt`` threshold looks at the météo, finds no alert, and reports the unavailability
in an OLGA assistance request; the CID then decides to publish (and only the CID publishes).
"""

from __future__ import annotations

import json
from datetime import datetime

from secours.clock import format_sim
from secours.drills.journal import Entry
from secours.drills.oracle.common import first, first_fault, seconds, typed, verdict
from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence

__all__: list[str] = []

NA = "ICS2-FR-NO-ALERT"
_CUSTOMS = ("ics2_sti", "ics2_cr", "ics2_nes_fr")


def suppressed(w: FaultWindow) -> bool:
    """The fault is one monitoring cannot see (``alert_suppressed``)."""
    try:
        return bool(json.loads(w.fault_json or "{}").get("alert_suppressed"))
    except ValueError:
        return False


def unannounced_fault(ix: JournalIndex) -> FaultWindow | None:
    return first_fault(ix, lambda w: w.component.split(".")[0] in _CUSTOMS and suppressed(w))


def _not_exercised() -> Finding:
    return outcome("not_exercised", "no unannounced customs outage (alert_suppressed) in this drill")


def _provider(e: Entry) -> str:
    return e.source.split(":", 1)[-1]


def detections(ix: JournalIndex, ctx: Context, f: FaultWindow) -> dict[str, datetime]:
    """When each provider reached detect.no_receipt (PROCEDURES.md §2): one message pushed
    ``detect_no_receipt_pushes`` times, spanning ``detect_no_receipt_span``, with no receipt for anything
    the provider pushed in between (one late receipt is not an outage)."""
    assert f.start is not None
    needed, span = ctx.params.detect_no_receipt_pushes, ctx.params.seconds("detect_no_receipt_span")
    end = f.end or ctx.end
    receipts: dict[str, list[datetime]] = {}  # provider -> receipt times
    for msg_id, pushes in ix.pushes.items():
        got = first(ix.receipts.get(msg_id, []))
        if pushes and got is not None and got.time is not None:
            receipts.setdefault(_provider(pushes[0]), []).append(got.time)
    found: dict[str, datetime] = {}
    for pushes in ix.pushes.values():
        if not pushes:
            continue
        who = _provider(pushes[0])
        times = sorted(e.time for e in pushes if e.time is not None)
        for t in times:
            last = max((r for r in receipts.get(who, []) if r <= t), default=None)
            failed = [x for x in times if x <= t and (last is None or x > last)]
            if len(failed) >= needed and (t - failed[0]).total_seconds() >= span:
                if f.start <= t < end and (who not in found or t < found[who]):
                    found[who] = t
                break
    return found


def _das(ix: JournalIndex, f: FaultWindow) -> list[Entry]:
    assert f.start is not None
    return [e for e in typed(ix, "olga.da") if e.data["kind"] == "customs_unavailable" and e.time and e.time >= f.start]


def told_of_outage(ix: JournalIndex, provider: str, since: datetime) -> datetime | None:
    n = first(e for e in typed(ix, "customs.notice")
              if e.data["to"] == provider and e.data["kind"] == "outage" and e.time and e.time >= since)  # fmt: skip
    return n.time if n is not None else None


@check(f"{NA}#1", NA, "Each provider reports customs unavailable within t.da_max of reaching the detection threshold")
def na_1(ix: JournalIndex, ctx: Context) -> Finding:
    f = unannounced_fault(ix)
    if f is None or f.start is None:
        return _not_exercised()
    detected = detections(ix, ctx, f)
    if not detected:
        return outcome("not_exercised", "no provider reached the detection threshold")
    limit = seconds(ctx, "t_da_max")
    das = _das(ix, f)
    found: list[Evidence] = []
    filed = 0
    for provider, t in sorted(detected.items()):
        da = first(e for e in das if e.data["filer"] == provider and e.time and e.time >= t)
        if da is not None and da.time is not None and da.time <= t + limit:
            filed += 1
            continue
        told = told_of_outage(ix, provider, f.start)
        if told is not None and told <= t + limit and da is None:
            continue  # customs told it before its request was due: it knew, nothing to report
        when = f"only at {format_sim(da.time)}" if da is not None and da.time else "never"
        found.append(Evidence(provider, "olga.requests", t, f"{provider} detected at {format_sim(t)}, reported {when}"))
    return verdict(found, f"{filed} of {len(detected)} providers reported it in time (the others had been "
                   "told)", "{n} providers did not report the unavailability in time")  # fmt: skip


@check(f"{NA}#2", NA, "(warn) No report before a detection threshold is reached")
def na_2(ix: JournalIndex, ctx: Context) -> Finding:
    f = unannounced_fault(ix)
    if f is None or f.start is None:
        return _not_exercised()
    das = _das(ix, f)
    if not das:
        return outcome("not_exercised", "no report of customs unavailable in this drill")
    detected = detections(ix, ctx, f)
    found = [evidence(d, f"{d.data['filer']} reported before reaching the threshold") for d in das
             if d.time is None or d.data["filer"] not in detected or d.time < detected[d.data["filer"]]]  # fmt: skip
    return verdict(found, f"all {len(das)} reports came after detection", "{n} premature reports", warn=True)


def _alert_open_at(ix: JournalIndex, component: str, t: datetime) -> Entry | None:
    alerts = [e for e in typed(ix, "meteo.alert") if e.data["component"] == component]
    for a in alerts:
        if a.data["phase"] != "open" or a.time is None or a.time > t:
            continue
        ended = [e for e in alerts if e.data["alert_id"] == a.data["alert_id"] and e.data["phase"] == "end"
                 and e.time is not None and e.time <= t]  # fmt: skip
        if not ended:
            return a
    return None


@check(f"{NA}#3", NA, "(warn) No alert covering the component was open when the report was filed")
def na_3(ix: JournalIndex, ctx: Context) -> Finding:
    f = unannounced_fault(ix)
    if f is None:
        return _not_exercised()
    das = _das(ix, f)
    if not das:
        return outcome("not_exercised", "no report of customs unavailable in this drill")
    comp = f.component.split(".")[0]
    found = [evidence(d, f"alert {a.data['alert_id']} was open") for d in das if d.time is not None
             for a in [_alert_open_at(ix, comp, d.time)] if a is not None]  # fmt: skip
    return verdict(found, "no report duplicated an open alert", "{n} reports while an alert was open",
                   warn=True)  # fmt: skip


@check(f"{NA}#4", NA, "The provider looked at the météo between detection and its report")
def na_4(ix: JournalIndex, ctx: Context) -> Finding:
    f = unannounced_fault(ix)
    if f is None or f.start is None:
        return _not_exercised()
    das = _das(ix, f)
    if not das:
        return outcome("not_exercised", "no report of customs unavailable in this drill")
    detected = detections(ix, ctx, f)
    looks = typed(ix, "meteo.consulted")
    found = []
    for d in das:
        # From the provider's detection; a report filed before it (too soon: #2 says so) from the fault's start.
        since = detected.get(d.data["filer"], f.start)
        since = since if d.time is None or since <= d.time else f.start
        seen = [e for e in looks if _provider(e) == d.data["filer"] and e.time and d.time and since <= e.time <= d.time]
        if not seen:
            found.append(evidence(d, f"{d.data['filer']} reported without looking at the météo first"))
    return verdict(found, f"all {len(das)} reports preceded by a look at the météo",
                   "{n} reports without a look at the météo")  # fmt: skip


@check(f"{NA}#5", NA, "The report names the component, the time of the first failure and the symptom")
def na_5(ix: JournalIndex, ctx: Context) -> Finding:
    f = unannounced_fault(ix)
    if f is None:
        return _not_exercised()
    das = _das(ix, f)
    if not das:
        return outcome("not_exercised", "no report of customs unavailable in this drill")
    needed = ("component", "since", "symptom")
    found = [evidence(d, f"{d.data['da_id']}: missing {', '.join(k for k in needed if not d.data.get(k))}")
             for d in das if not all(d.data.get(k) for k in needed)]  # fmt: skip
    return verdict(found, f"all {len(das)} reports give component, first failure and symptom",
                   "{n} reports with missing content")  # fmt: skip


@check(f"{NA}#6", NA, "At most one such report per provider per fault")
def na_6(ix: JournalIndex, ctx: Context) -> Finding:
    f = unannounced_fault(ix)
    if f is None:
        return _not_exercised()
    das = _das(ix, f)
    if not das:
        return outcome("not_exercised", "no report of customs unavailable in this drill")
    by: dict[str, list[Entry]] = {}
    for d in das:
        by.setdefault(d.data["filer"], []).append(d)
    found = [evidence(ds[1], f"{p} reported {len(ds)} times") for p, ds in by.items() if len(ds) > 1]
    return verdict(found, f"{len(by)} providers, one report each", "{n} providers reported more than once")


@check(f"{NA}#7", NA, "Any alert later published about the outage is the CID's")
def na_7(ix: JournalIndex, ctx: Context) -> Finding:
    f = unannounced_fault(ix)
    if f is None or f.start is None:
        return _not_exercised()
    comp = f.component.split(".")[0]
    opened = [e for e in typed(ix, "meteo.alert") if e.data["phase"] == "open" and e.data["component"] == comp]
    alerts = [e for e in opened if e.time is not None and e.time >= f.start]
    if not alerts:
        return outcome("not_exercised", "no alert was published about the outage")
    found = [evidence(a, f"published by {a.data['publisher']}") for a in alerts if a.data["publisher"] != "CID"]
    return verdict(found, f"{len(alerts)} alert(s), published by the CID",
                   "{n} alerts not by the CID")  # fmt: skip
