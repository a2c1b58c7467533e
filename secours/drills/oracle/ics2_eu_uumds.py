"""ICS2-EU-UUMDS-DOWN: nobody can sign in to the STI portal (PROCEDURES.md §6, seed 001).

UUM&DS authenticates the users of the STI portal. While it is down, direct input (DTI) is
impossible; system-to-system traffic goes on as usual. A DTI filer lodges through its EDI provider
if it has one, or as soon as the portal is back. EU-C1, EU-C2, EU-C3, EU-C4 and EU-C7 (``ics2_eu``)
apply as well: the Commission announces it, the CID relays it.
"""

from __future__ import annotations

from datetime import datetime

from secours.clock import format_sim
from secours.drills.oracle.common import answer_latency, first, first_fault, seconds, verdict
from secours.drills.oracle.index import ENS_FILINGS, FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence

__all__: list[str] = []

UU = "ICS2-EU-UUMDS-DOWN"


def _fault(ix: JournalIndex) -> FaultWindow | None:
    return first_fault(ix, lambda w: w.component == "ics2_uumds" and w.kind == "down")


def _by_portal(ix: JournalIndex, msg_id: str) -> bool:
    """The message came in by direct input on the portal (not system to system)."""
    return any(e.topic == "ics2.portal" for e in ix.pushes.get(msg_id, []))


@check(f"{UU}#1", UU, "System-to-system ENS get their IE3R01 within mrn_latency during the fault")
def uu_1(ix: JournalIndex, ctx: Context) -> Finding:
    f = _fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "no UUM&DS outage in this drill")
    end = f.end or ctx.end
    limit = answer_latency(ctx)
    found: list[Evidence] = []
    checked = 0
    for msg_id, receipts in ix.receipts.items():
        got = first(receipts)
        if got is None or got.time is None or got.data.get("action") not in ENS_FILINGS or _by_portal(ix, msg_id):
            continue
        if not f.start <= got.time < end:
            continue
        r01 = ix.answer_to(msg_id)
        if r01 is not None and r01.ce_type != "IE3R01":
            continue  # rejected (IE3N99, IE3N01): no MRN to wait for
        checked += 1
        if r01 is None or r01.time is None or r01.time - got.time > limit:
            when = f"only at {format_sim(r01.time)}" if r01 is not None and r01.time else "never"
            found.append(evidence(got, f"{got.data['lrn']} receipted at {format_sim(got.time)}, IE3R01 {when}"))
    if not checked:
        return outcome("not_exercised", "no system-to-system ENS receipted during the fault")
    return verdict(found, f"all {checked} system-to-system ENS receipted during the fault got "
                   "their IE3R01 within mrn_latency",
                   "{n} system-to-system ENS slowed down by the portal's outage")  # fmt: skip


@check(f"{UU}#2", UU, "DTI filers' goods arriving during the fault: lodged another way before arrival, or soon after")
def uu_2(ix: JournalIndex, ctx: Context) -> Finding:
    f = _fault(ix)
    if f is None or f.start is None or f.end is None:
        return outcome("not_exercised", "no UUM&DS outage that ended in this drill")
    first_receipt: dict[str, tuple[datetime, bool]] = {}  # LRN -> (first receipt, came through the portal)
    for msg_id, receipts in ix.receipts.items():
        for r in receipts:
            if r.time is not None and r.data.get("action") in ENS_FILINGS:
                known = first_receipt.get(r.data["lrn"])
                if known is None or r.time < known[0]:
                    first_receipt[r.data["lrn"]] = (r.time, _by_portal(ix, msg_id))
    late = f.end + seconds(ctx, "t_backlog_max")
    found: list[Evidence] = []
    concerned = 0
    for c in ctx.world.consignments:
        arrival = ix.arrivals.get(c.transport_id)
        if not ctx.world.portal_filer(c.trader) or arrival is None or arrival.time is None:
            continue
        if not f.start <= arrival.time < f.end or c.ready >= arrival.time:
            continue
        got = first_receipt.get(c.lrn)
        if got is not None and got[0] <= f.start:
            continue  # lodged before the outage
        concerned += 1
        ok = got is not None and ((not got[1] and got[0] < arrival.time) or got[0] <= late)
        if not ok:
            when = f"at {format_sim(got[0])} {'by portal' if got[1] else 'system to system'}" if got else "never"
            found.append(evidence(arrival, f"{c.lrn} ({c.trader}, direct input) arriving at "
                                           f"{format_sim(arrival.time)}: lodged {when}"))  # fmt: skip
    if not concerned:
        return outcome("not_exercised", "no direct-input filer's goods arrived during the fault unlodged")
    return verdict(found, f"all {concerned} ENS of direct-input filers arriving during the fault lodged "
                   "through a provider before arrival, or within t.backlog_max of the end",
                   "{n} ENS of direct-input filers lodged neither another way nor soon after")  # fmt: skip
