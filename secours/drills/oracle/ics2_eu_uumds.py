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


@check(f"{UU}#1", UU, "System-to-system ENS pushed during the fault get their IE3R01 within mrn_latency")
def uu_1(ix: JournalIndex, ctx: Context) -> Finding:
    """Judged from each system-to-system ENS filing's first push, not from its receipt: a push that
    the portal's outage kept from being receipted is slowed down as much as one answered late."""
    f = _fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "no UUM&DS outage in this drill")
    end = f.end or ctx.end
    limit = answer_latency(ctx) + 2 * ctx.hop  # the push to its receipt (TAPAS, STI), then the answer
    found: list[Evidence] = []
    checked = 0
    for msg_id, pushes in ix.pushes.items():
        pushed = first(e for e in pushes if e.time is not None and e.ce_type in ENS_FILINGS)
        if pushed is None or pushed.time is None or _by_portal(ix, msg_id) or not f.start <= pushed.time < end:
            continue
        answer = ix.answer_to(msg_id)
        if answer is not None and answer.ce_type != "IE3R01":
            continue  # rejected (IE3N99, IE3N01): no MRN to wait for
        if answer is None and pushed.time + limit > ctx.end:
            continue  # pushed too near the end of the drill for its answer to be due
        checked += 1
        if answer is None or answer.time is None or answer.time - pushed.time > limit:
            when = f"only at {format_sim(answer.time)}" if answer is not None and answer.time else "never"
            found.append(evidence(pushed, f"{pushed.data['lrn']} first pushed at {format_sim(pushed.time)}, "
                                          f"IE3R01 {when}"))  # fmt: skip
    if not checked:
        return outcome("not_exercised", "no system-to-system ENS pushed during the fault")
    return verdict(found, f"all {checked} system-to-system ENS pushed during the fault got "
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
