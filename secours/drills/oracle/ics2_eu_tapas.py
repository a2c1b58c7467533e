"""ICS2-EU-TAPAS-DOWN: the EU's AS4 access point does not take messages (PROCEDURES.md §6, seed 001).

Every system-to-system message to ICS2 and every answer from it goes through TAPAS: while it is
down nothing is receipted (filers retry or hold, and send after recovery) and the answers already
produced wait. EU-C1 to EU-C7 (``ics2_eu``) apply as well.

#1 [A] A push with no receipt is retried with the same LRN: each message pushed in vain during
   the fault is pushed again until it is receipted (by the end of the drill), and no consignment
   is filed under a new LRN.
#2 [A] Amendments and invalidations sent during the fault are answered after recovery in the
   order sent, per MRN: the order is the filer's own (``sequence``), since a provider that swaps
   two of them hands customs the later change first.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

from secours.clock import format_sim
from secours.drills.journal import Entry
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.common import first, first_fault, retries_under_own_lrn, verdict
from secours.drills.oracle.index import CHANGE_TYPES, FaultWindow, JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence

__all__: list[str] = []

TAPAS = "ICS2-EU-TAPAS-DOWN"


def _fault(ix: JournalIndex) -> FaultWindow | None:
    return first_fault(ix, lambda w: w.component == "ics2_tapas" and w.kind in ("down", "queue_replay"))


@check(f"{TAPAS}#1", TAPAS, "A push with no receipt is retried with the same LRN; no new LRN for a consignment")
def tapas_1(ix: JournalIndex, ctx: Context) -> Finding:
    f = _fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "no TAPAS outage in this drill")
    end = f.end or ctx.end
    found: list[Evidence] = []
    unanswered = 0
    for msg_id, pushes in ix.pushes.items():
        during = first(p for p in pushes if p.time is not None and f.start <= p.time < end and p.ce_type != "IE3N06")
        if during is None:
            continue
        at = _at(during)
        got = first(ix.receipts.get(msg_id, []))
        if got is not None and _at(got) <= at:
            continue  # receipted before this push: not a push that went unanswered
        unanswered += 1
        if got is None:  # retried until it got through, or the filer stopped trying
            last = max((p for p in pushes if p.time is not None), key=_at)
            note = f"{during.ce_type} {during.data['lrn']}: no receipt ever, last pushed at {format_sim(_at(last))}"
            found.append(evidence(last, note))
    _, renumbered = retries_under_own_lrn(ix, ctx)
    found += renumbered
    if not unanswered:
        return outcome("not_exercised", "no push went unanswered during the outage")
    return verdict(found, f"all {unanswered} messages pushed in vain during the outage were pushed "
                   "again under their own LRN until receipted",
                   "{n} pushes given up or renumbered")  # fmt: skip


def _changes(ix: JournalIndex) -> dict[str, list[Entry]]:
    """Amendments and invalidations by MRN: the first push of each message."""
    by_mrn: dict[str, list[Entry]] = defaultdict(list)
    for pushes in ix.pushes.values():
        push = first(pushes)
        if push is not None and push.ce_type in CHANGE_TYPES:
            by_mrn[push.data["mrn"]].append(push)
    return by_mrn


@check(f"{TAPAS}#2", TAPAS, "Amendments and invalidations sent during the fault are answered in order per MRN")
def tapas_2(ix: JournalIndex, ctx: Context) -> Finding:
    f = _fault(ix)
    if f is None or f.start is None:
        return outcome("not_exercised", "no TAPAS outage in this drill")
    end = f.end or ctx.end
    found: list[Evidence] = []
    concerned = 0
    for mrn, changes in _changes(ix).items():
        if not any(c.time is not None and f.start <= c.time < end for c in changes):
            continue
        concerned += 1
        ordered = sorted(changes, key=lambda c: int(c.data["sequence"]))
        answered: list[tuple[Entry, Entry]] = []
        for change in ordered:
            answer = ix.answer_to(change.data["message_id"])
            if answer is None or answer.time is None:
                found.append(evidence(change, f"{change.ce_type} #{change.data['sequence']} of {mrn}: never answered"))
            else:
                answered.append((change, answer))
        for (a, ans_a), (b, ans_b) in itertools.pairwise(answered):
            if _at(ans_b) < _at(ans_a):
                found.append(evidence(ans_b, f"{mrn}: {b.ce_type} #{b.data['sequence']} answered "
                                             f"({ans_b.ce_type}) at {format_sim(_at(ans_b))}, before "
                                             f"{a.ce_type} #{a.data['sequence']} ({ans_a.ce_type}, "
                                             f"{format_sim(_at(ans_a))})"))  # fmt: skip
    if not concerned:
        return outcome("not_exercised", "no amendment or invalidation was sent during the outage")
    return verdict(found, f"the amendments and invalidations of all {concerned} ENS changed during the "
                   "outage were answered, in the order their filer sent them",
                   "{n} amendments or invalidations unanswered or answered out of order")  # fmt: skip
