"""G1-G7: the invariants every drill is checked against (PROCEDURES.md §4)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta

from secours.clock import format_sim
from secours.drills.journal import Entry
from secours.drills.oracle.common import covered, seconds
from secours.drills.oracle.index import JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence

__all__: list[str] = []

# What ends each kind of push (PROCEDURES.md G2); an IE3R02 is ended by the assessment it unblocks.
_ENDS = {
    "IE3F10": "IE3R01/IE3N99/IE3N01",
    "IE3F51": "IE3R01/IE3N99/IE3N01",
    "IE3N06": "IE3R04/IE3N99",
    "IE3A10": "IE3N10/IE3N01",
    "IE3A51": "IE3N10/IE3N01",
    "IE3Q04": "IE3R07/IE3N01",
}


@check(
    "G1",
    "GLOBAL",
    "No ENS registered twice: one MRN per (filer, LRN), and per (filer, transport document) one MRN not invalidated",
)
def g1(ix: JournalIndex, ctx: Context) -> Finding:
    found: list[Evidence] = []
    by_document: dict[tuple[str, str], set[str]] = defaultdict(set)
    for key, r01s in ix.r01_by_key.items():
        mrns = {e.data["mrn"] for e in r01s}
        if len(mrns) > 1:
            found.extend(evidence(e, f"LRN {key[1]} of {key[0]} registered as {e.data['mrn']}") for e in r01s)
        for mrn in mrns - ix.invalidated.keys():  # a withdrawn ENS frees its transport document
            filing = ix.filing_by_mrn.get(mrn)
            if filing is not None:
                by_document[(key[0], filing.data["transport_document_reference"])].add(mrn)
    for (eori, doc), mrns in by_document.items():
        if len(mrns) > 1:
            found.extend(
                evidence(ix.filing_by_mrn[m], f"transport document {doc} of {eori} has MRN {m}") for m in sorted(mrns)
            )
    registered = sum(len(v) > 0 for v in ix.r01_by_key.values())
    if found:
        return outcome("fail", f"{len(found)} registrations break one-MRN-per-consignment", found)
    if not registered:
        return outcome("not_exercised", "no ENS was registered")
    return outcome("pass", f"{registered} ENS registered, each exactly once")


@check("G2", "GLOBAL", "No silent loss: every receipted trader-to-customs message ends with a business answer")
def g2(ix: JournalIndex, ctx: Context) -> Finding:
    lost: list[Evidence] = []
    answered = 0
    # A message receipted too late for its answer to be due by the drill's end is pending, not lost:
    # the longest normal answer is an MRN (mrn_latency) or a national assessment (assessment_s), and
    # an answer travels a few hops (the CR or the national component, the STI, TAPAS, the provider).
    longest = max(seconds(ctx, "mrn_latency"), timedelta(seconds=ctx.world.config.params.assessment_s[1]))
    due_by = ctx.end - longest - 4 * ctx.hop
    for msg_id, receipts in ix.receipts.items():
        pushes = ix.pushes.get(msg_id)
        if not pushes:
            continue
        push = pushes[0]
        if ix.answer_to(msg_id) is not None:
            answered += 1
            continue
        if receipts[0].time is not None and receipts[0].time > due_by:
            continue
        what = _ENDS.get(push.ce_type, "IE3N03")
        when = format_sim(receipts[0].time) if receipts[0].time else "?"
        lost.append(evidence(push, f"{push.ce_type} {msg_id} (LRN {push.data['lrn']}) receipted at {when}, no {what}"))
    if lost:
        return outcome("fail", f"{len(lost)} receipted messages never got a business answer", lost)
    if not answered:
        return outcome("not_exercised", "no message was receipted")
    return outcome("pass", f"all {answered} receipted messages got a business answer")


def _events(ix: JournalIndex, ce_type: str) -> list[Entry]:
    return [e for e in ix.entries if e.ce_type == ce_type]


# Services whose actors are trade parties (a fault scoped "trader:EORI" hits that one filer): a
# request filed by or for other parties is not about it. A fault on a customs system may be.
_TRADE_SIDE = frozenset({"trader", "edi_provider", "delta_provider", "declarant", "exporter", "lu_operator"})


def _da_fault_still_active(ix: JournalIndex, da: Entry) -> bool:
    """Whether the fault an assistance request is about was still active at drill end: a fault that
    had begun when the request was filed, on the filer, one of its clients, or a customs system."""
    d = da.data
    parties = {d.get("filer", ""), d.get("filer_eori", ""), *(c["eori"] for c in d.get("clients", ()))} - {""}
    for w in ix.faults.values():
        if w.start is None or w.end is not None or da.time is None or w.start > da.time:
            continue
        service, _, who = w.component.partition(":")
        if service.split(".")[0] not in _TRADE_SIDE or who in parties:
            return True
    return False


def _alert_fault_still_active(ix: JournalIndex, component: str) -> bool:
    """Whether a fault on the component an alert is about was still active at drill end."""
    return any(w.start is not None and w.end is None and component in w.component for w in ix.faults.values())


@check("G3", "GLOBAL", "Every OLGA assistance request is acknowledged and closed by drill end")
def g3(ix: JournalIndex, ctx: Context) -> Finding:
    das = _events(ix, "olga.da")
    if not das:
        return outcome("not_exercised", "no assistance request (olga.da) in this drill")
    acked = {e.data["da_id"] for e in _events(ix, "olga.ack")}
    closed = {e.data["da_id"] for e in _events(ix, "olga.closed")}
    found = [evidence(e, f"DA {e.data['da_id']} never acknowledged") for e in das if e.data["da_id"] not in acked]
    found += [
        evidence(e, f"DA {e.data['da_id']} still open at drill end")
        for e in das
        if e.data["da_id"] not in closed and not _da_fault_still_active(ix, e)
    ]
    if found:
        return outcome("fail", f"{len(found)} assistance requests not acknowledged or not closed", found)
    return outcome("pass", f"all {len(das)} assistance requests acknowledged and closed")


@check("G4", "GLOBAL", "Every météo alert opened is ended, after the end of the fault it covers")
def g4(ix: JournalIndex, ctx: Context) -> Finding:
    opened = [e for e in _events(ix, "meteo.alert") if e.data.get("phase") == "open"]
    if not opened:
        return outcome("not_exercised", "no météo alert (meteo.alert) in this drill")
    ends = {e.data["alert_id"]: e for e in _events(ix, "meteo.alert") if e.data.get("phase") == "end"}
    found: list[Evidence] = []
    for alert in opened:
        end = ends.get(alert.data["alert_id"])
        component = str(alert.data.get("component", ""))
        covered = [
            w
            for w in ix.faults.values()
            if w.start is not None and alert.time and w.start <= alert.time and component and component in w.component
        ]
        if end is None:
            if not (component and _alert_fault_still_active(ix, component)):
                found.append(evidence(alert, f"alert {alert.data['alert_id']} never ended"))
            continue
        early = [w for w in covered if w.end is not None and end.time is not None and end.time < w.end]
        if early:
            found.append(evidence(end, f"alert {alert.data['alert_id']} ended before fault {early[0].fault_id} did"))
    if found:
        return outcome("fail", f"{len(found)} alerts not ended, or ended too early", found)
    return outcome("pass", f"{len(opened)} alert(s) opened, each ended after its fault")


@check("G6", "GLOBAL", "OLGA registers an assistance request at any hour")
def g6(ix: JournalIndex, ctx: Context) -> Finding:
    das = _events(ix, "olga.da")
    if not das:
        return outcome("not_exercised", "no assistance request (olga.da) in this drill")
    acks = {e.data["da_id"]: e for e in _events(ix, "olga.ack")}
    # "Held back": not registered within t.da_max of its filing (a hop through the broker takes simulated
    # minutes at high speed; a request held for the night takes hours).
    limit = ctx.params.seconds("t_da_max")
    found = []
    for da in das:
        ack = acks.get(da.data["da_id"])
        late = ack is not None and ack.time and da.time and (ack.time - da.time).total_seconds() > limit
        if ack is None or late:
            found.append(evidence(da, f"DA {da.data['da_id']} filed at {da.time} not registered promptly"))
    if found:
        return outcome("fail", f"{len(found)} assistance requests held back or refused", found)
    return outcome("pass", f"all {len(das)} assistance requests registered at once, whatever the hour")


_KIND_WORDS = {"da": "assistance request", "ack": "the acknowledgement of", "alert": "alert"}


def _references(e: Entry) -> list[tuple[str, str]]:
    """The ids of fallback records this record refers to: (kind, id), kind "da", "ack" or "alert"."""
    d, ty = e.data, e.ce_type
    refs: list[tuple[str, str]] = []
    if ty in ("olga.ack", "olga.closed", "office.fallback_record", "sau.contact", "office.informed") and d["da_id"]:
        refs.append(("da", d["da_id"]))
    if ty == "office.informed" and d["attached_ack"]:
        refs.append(("ack", d["attached_ack"]))
    if (ty == "meteo.alert" and d["phase"] != "open") or (ty in ("customs.notice", "bs.relaxation") and d["alert_id"]):
        refs.append(("alert", d["alert_id"]))
    return refs


def _births(ix: JournalIndex) -> dict[str, dict[str, datetime]]:
    """When each assistance request was filed, acknowledged, and each alert opened."""
    births: dict[str, dict[str, datetime]] = {"da": {}, "ack": {}, "alert": {}}
    for ty, kind, key in (
        ("olga.da", "da", "da_id"),
        ("olga.ack", "ack", "da_id"),
        ("meteo.alert", "alert", "alert_id"),
    ):
        for e in ix.by_type.get(ty, ()):
            if e.time is not None and (ty != "meteo.alert" or e.data["phase"] == "open"):
                births[kind].setdefault(e.data[key], e.time)
    return births


@check(
    "G5",
    "GLOBAL",
    "Causality: every id an event refers to (message, MRN, DA, acknowledgement, alert) was emitted "
    "earlier; no actor refers to a fault",
)
def g5(ix: JournalIndex, ctx: Context) -> Finding:
    found: list[Evidence] = []
    mrn_born: dict[str, object] = {}
    for filing_mrn, e in ix.filing_by_mrn.items():
        mrn_born[filing_mrn] = e.time
    checked = 0
    for e in ix.queue:
        ref = e.data.get("ref_message_id")
        if ref:
            checked += 1
            born = ix.first_seen_id.get(ref)
            if ref in ix.pushes and (born is None or (e.time is not None and e.time < born)):
                found.append(evidence(e, f"{e.ce_type} answers {ref} before it was pushed"))
        mrn = e.data.get("mrn")
        if mrn and e.ce_type in ("IE3N03", "IE3Q02", "IE3N08"):
            checked += 1
            born_at = mrn_born.get(mrn)
            if born_at is None or (e.time is not None and e.time < born_at):  # type: ignore[operator]
                found.append(evidence(e, f"{e.ce_type} refers to MRN {mrn} before it existed"))
    births = _births(ix)
    for e in ix.entries:
        for kind, ref in _references(e):
            checked += 1
            born = births[kind].get(ref)
            if born is None or (e.time is not None and e.time < born):
                found.append(evidence(e, f"{e.ce_type} refers to {_KIND_WORDS[kind]} {ref} before it existed"))
    fault_ids = set(ix.faults) | set(ix.simulator_faults)
    if fault_ids:
        for e in ix.entries:
            if e.source in ("harness", "drill", "runner") or e.topic == "secours.faults":
                continue
            text = json.dumps(e.data)
            hit = next((f for f in fault_ids if f in text), None)
            if hit is not None and e.topic != "secours.dlq":
                found.append(evidence(e, f"{e.source} refers to fault {hit}, which actors cannot know"))
    if found:
        return outcome("fail", f"{len(found)} references to ids not yet emitted or to faults", found)
    return outcome("pass", f"{checked} references checked, all to earlier events")


@check("G7", "GLOBAL", "Smart border: every consignment unloaded in France has its MRN before its transport arrives")
def g7(ix: JournalIndex, ctx: Context) -> Finding:
    found: list[Evidence] = []
    arrived = 0
    for c in ctx.world.consignments:
        if c.country_of_unloading != "FR":
            continue
        arrival = ix.arrivals.get(c.transport_id)
        if arrival is None or arrival.time is None:
            continue
        arrived += 1
        r01 = ix.first_r01((c.trader, c.lrn))
        if r01 is None or r01.time is None or r01.time >= arrival.time:
            if covered(ix, ctx.world, c, arrival.time):
                continue  # an alert, a customs notice or an assistance request covered it when it arrived
            when = f"only at {format_sim(r01.time)}" if r01 is not None and r01.time else "never"
            note = f"{c.lrn} ({c.unit_id}) arrived at {format_sim(arrival.time)}, MRN {when}, no coverage"
            found.append(evidence(arrival, note))
    if found:
        return outcome("fail", f"{len(found)} of {arrived} consignments arrived without MRN or coverage", found)
    if not arrived:
        return outcome("not_exercised", "no ferry or shuttle arrived")
    return outcome("pass", f"all {arrived} consignments had their MRN before arrival, or were covered")
