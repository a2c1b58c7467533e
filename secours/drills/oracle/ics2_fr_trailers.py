"""ICS2-FR-UNACCOMPANIED-TRAILERS: trailers whose ENS an outage made late (PROCEDURES.md §5, seed 000).

An unaccompanied trailer has no driver on board to sort out a missing ENS at the border; when an
outage stops its ENS from being lodged within the deadline, the shipping company sends customs the
loading list of the trailers concerned, to the CLD du Havre (FR000002).

A trailer is *concerned* when it crossed on a ferry, its data was ready before its deadline, a
trade-side (its trader, its provider) or customs-side (STI, CR, national component) fault was
active at that deadline, and its ENS had no receipt by then: it missed ``dl(c)`` because of the
fault, not because its filer was late.
"""

from __future__ import annotations

from collections import defaultdict

from secours.clock import format_sim
from secours.drills.journal import Entry
from secours.drills.oracle.common import at_fault, fault_on_path, receipts_by_lrn, typed, verdict
from secours.drills.oracle.index import FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence
from secours.world import Consignment

__all__: list[str] = []

UT = "ICS2-FR-UNACCOMPANIED-TRAILERS"
CLD_DU_HAVRE = "FR000002"


def _concerned(ix: JournalIndex, ctx: Context) -> tuple[dict[str, list[Consignment]], dict[str, FaultWindow]]:
    """Trailers that missed their deadline because of a fault, by ferry; and the fault, by ferry."""
    receipts = receipts_by_lrn(ix)
    by_ferry: dict[str, list[Consignment]] = defaultdict(list)
    why: dict[str, FaultWindow] = {}
    for c in ctx.world.consignments:
        if c.unit_type != "TRAILER" or c.ready >= c.deadline:
            continue
        got = receipts.get(c.lrn)
        if got is not None and got <= c.deadline:
            continue
        w = fault_on_path(ix, c, c.deadline)
        if w is not None:
            by_ferry[c.transport_id].append(c)
            why.setdefault(c.transport_id, w)
    return by_ferry, why


def _lists(ix: JournalIndex) -> dict[str, list[Entry]]:
    """Loading lists sent to the CLD du Havre, by ferry."""
    out: dict[str, list[Entry]] = defaultdict(list)
    for e in typed(ix, "loading_list.sent"):
        if e.data["to"] == CLD_DU_HAVRE:
            out[e.data["transport_id"]].append(e)
    return out


def _nothing_late() -> Finding:
    return outcome("not_exercised", "no unaccompanied trailer missed its ENS deadline because of a fault")


def _no_list() -> Finding:
    return outcome("not_exercised", "no loading list (loading_list.sent) in this drill")


@check(
    f"{UT}#1", UT, "Every ferry carrying a trailer whose ENS the fault made late has a loading list to the CLD du Havre"
)
def ut_1(ix: JournalIndex, ctx: Context) -> Finding:
    concerned, why = _concerned(ix, ctx)
    if not concerned:
        return _nothing_late()
    lists = _lists(ix)
    found = [at_fault(why[ferry], f"ferry {ferry}: {len(trailers)} trailers late, no loading list to {CLD_DU_HAVRE}")
             for ferry, trailers in concerned.items() if not lists.get(ferry)]  # fmt: skip
    return verdict(found, f"all {len(concerned)} ferries with late trailers have a loading list",
                   "{n} ferries with late trailers and no loading list")  # fmt: skip


def _listed(ix: JournalIndex, ctx: Context) -> list[tuple[str, list[Consignment], list[Entry]]]:
    """Ferries with late trailers that have a loading list: (ferry, its late trailers, its lists).
    A ferry without a list is #1's finding, not #2's or #3's."""
    concerned, _ = _concerned(ix, ctx)
    lists = _lists(ix)
    return [(ferry, trailers, lists[ferry]) for ferry, trailers in concerned.items() if lists.get(ferry)]


@check(f"{UT}#2", UT, "The loading list names every trailer concerned (more is allowed)")
def ut_2(ix: JournalIndex, ctx: Context) -> Finding:
    listed_ferries = _listed(ix, ctx)
    if not listed_ferries:
        return outcome("not_exercised", "no loading list for a ferry with late trailers (see #1)")
    found: list[Evidence] = []
    for ferry, trailers, sent in listed_ferries:
        listed = {t["trn"] for e in sent for t in e.data["trailers"]}
        found += [evidence(sent[0], f"ferry {ferry}: trailer {c.unit_id} (ENS {c.lrn}) missing from the list")
                  for c in trailers if c.unit_id not in listed]  # fmt: skip
    return verdict(found, f"the {len(listed_ferries)} loading lists name every trailer concerned",
                   "{n} trailers concerned missing from their ferry's loading list")  # fmt: skip


@check(f"{UT}#3", UT, "The loading list is sent before the ferry arrives")
def ut_3(ix: JournalIndex, ctx: Context) -> Finding:
    arrived = [(ferry, sent, a.time) for ferry, _, sent in _listed(ix, ctx)
               if (a := ix.arrivals.get(ferry)) is not None and a.time is not None]  # fmt: skip
    if not arrived:
        return outcome("not_exercised", "no ferry with late trailers both listed and arrived")
    found: list[Evidence] = []
    for ferry, sent, arrival in arrived:
        at = min(e.time for e in sent if e.time is not None)
        if at >= arrival:
            found.append(evidence(sent[0], f"ferry {ferry}: loading list at {format_sim(at)}, "
                                           f"the ferry arrived at {format_sim(arrival)}"))  # fmt: skip
    return verdict(found, f"the {len(arrived)} loading lists sent before their ferry arrived",
                   "{n} loading lists sent only after the ferry arrived")  # fmt: skip


@check(f"{UT}#4", UT, "The loading list comes from the shipping company, not a provider or a trader")
def ut_4(ix: JournalIndex, ctx: Context) -> Finding:
    sent = typed(ix, "loading_list.sent")
    if not sent:
        return _no_list()
    found = []
    for e in sent:
        tr = ctx.world.transport_by_id.get(e.data["transport_id"])
        carrier = tr.carrier if tr is not None else "?"
        if e.source != f"shipping_company:{carrier}" or e.data["carrier"] != carrier:
            found.append(evidence(e, f"loading list for {e.data['transport_id']} sent by {e.source}, "
                                     f"not by its shipping company {carrier}"))  # fmt: skip
    return verdict(found, f"all {len(sent)} loading lists sent by the ferry's shipping company",
                   "{n} loading lists sent by someone other than the shipping company")  # fmt: skip


@check(f"{UT}#5", UT, "The loading list identifies the ferry (IMO) and the voyage")
def ut_5(ix: JournalIndex, ctx: Context) -> Finding:
    sent = typed(ix, "loading_list.sent")
    if not sent:
        return _no_list()
    found = []
    for e in sent:
        tr = ctx.world.transport_by_id.get(e.data["transport_id"])
        if tr is None:
            found.append(evidence(e, f"loading list for an unknown sailing {e.data['transport_id']}"))
        elif e.data["ship_imo"] != tr.identification or e.data["voyage"] != tr.conveyance_reference:
            found.append(evidence(e, f"loading list for {tr.id} gives ship {e.data['ship_imo'] or '(none)'} voyage "
                                     f"{e.data['voyage'] or '(none)'}, not {tr.identification} "
                                     f"{tr.conveyance_reference}"))  # fmt: skip
    return verdict(found, f"all {len(sent)} loading lists identify their ferry and voyage",
                   "{n} loading lists without the right ferry or voyage")  # fmt: skip


@check(f"{UT}#6", UT, "Every listed trailer's ENS gets an MRN by drill end")
def ut_6(ix: JournalIndex, ctx: Context) -> Finding:
    sent = typed(ix, "loading_list.sent")
    if not sent:
        return _no_list()
    unit = {c.unit_id: c for c in ctx.world.consignments}
    found = []
    listed = 0
    for e in sent:
        for t in e.data["trailers"]:
            listed += 1
            c = unit.get(t["trn"])
            if c is None:
                found.append(evidence(e, f"trailer {t['trn']} on the list is not booked on {e.data['transport_id']}"))
            elif ix.first_r01((c.trader, c.lrn)) is None:
                found.append(evidence(e, f"trailer {c.unit_id}: its ENS {c.lrn} never got an MRN"))
    return verdict(found, f"all {listed} listed trailers' ENS got an MRN",
                   "{n} listed trailers without an MRN by drill end")  # fmt: skip
