"""ECS-BS-REINTEGRATION #1-#3, the recovery run after any ECS-BS scenario: the movements reintegrated are
those that fell back, a relaxation only after an exceptionally long outage, no operator notification
after the end of alert.
"""

from __future__ import annotations

from datetime import timedelta

from secours.clock import format_sim
from secours.drills.journal import Entry
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.common import seconds, typed, verdict
from secours.drills.oracle.ecs.alerts import _deadline, _ecs_alerts, _end_of_alert, _pending
from secours.drills.oracle.ecs.movements import NOTIFICATIONS, REINT, _Exit, _exits, _fallen_back, _over, _trails
from secours.drills.oracle.index import JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence

__all__: list[str] = []


@check(f"{REINT}#1", REINT, "The movements reintegrated are exactly those handled with the fallback block")
def reint_1(ix: JournalIndex, ctx: Context) -> Finding:
    trails = _trails(ix, ctx.hop)
    fb = {mrn for mrn, t in trails.items() if t.presented}
    reint = {mrn: sent[0] for mrn, t in trails.items()
             if (sent := [m for m in t.msgs if m.data["by"] == "service" and m.data["reintegration"]])}  # fmt: skip
    if not fb and not reint:
        return outcome("not_exercised", "no movement was handled with the fallback block")
    due = {x.mrn: x for x in _exits(ix, ctx)}
    found = [evidence(trails[mrn].presented[0], f"{mrn}: handled with the fallback block, never reintegrated")
             for mrn in sorted(fb - set(reint))
             if mrn not in due or not _pending(ctx, _deadline(ix, ctx, due[mrn]))]  # fmt: skip
    found += [evidence(reint[mrn], f"{mrn}: reintegrated, never handled with the fallback block")
              for mrn in sorted(set(reint) - fb)]  # fmt: skip
    return verdict(found, f"{len(reint)} movements reintegrated, as many as fell back ({len(fb)})",
                   "{n} movements missing from or extra to the reintegration")  # fmt: skip


def _alert_span(ix: JournalIndex, alert_id: str) -> tuple[Entry, Entry] | None:
    """(opening, end) of an ECS-BS alert."""
    opened = [e for e in _ecs_alerts(ix, "open") if e.data["alert_id"] == alert_id]
    ended = [e for e in _ecs_alerts(ix, "end") if e.data["alert_id"] == alert_id]
    return (opened[0], ended[0]) if opened and ended else None


@check(f"{REINT}#2", REINT, "A relaxation only after an exceptionally long outage, recorded before the 24 h deadline")
def reint_2(ix: JournalIndex, ctx: Context) -> Finding:
    relaxations = typed(ix, "bs.relaxation")
    if not relaxations:
        return outcome("not_exercised", "no exit office relaxed the reintegration deadline")
    least = timedelta(seconds=ctx.world.config.params.ecs_exceptional_outage_s)

    def gap(r: Entry) -> str | None:
        span = _alert_span(ix, r.data["alert_id"])
        if span is None:
            return f"relaxation for {r.data['alert_id']}, no ECS-BS alert opened and ended"
        lasted, deadline = _at(span[1]) - _at(span[0]), _at(span[1]) + seconds(ctx, "t_reintegration")
        if lasted < least:
            return f"relaxation after an outage of {lasted} (exceptional from {least})"
        return f"relaxation recorded after the deadline {format_sim(deadline)}" if _at(r) > deadline else None

    found = [evidence(r, f"{r.data['office']}: {g}") for r in relaxations if (g := gap(r)) is not None]
    return verdict(found, f"all {len(relaxations)} relaxations justified and in time",
                   "{n} relaxations unjustified or late")  # fmt: skip


@check(f"{REINT}#3", REINT, "After the end of alert the operator sends no notification of its own for a fallback "
       "movement")  # fmt: skip
def reint_3(ix: JournalIndex, ctx: Context) -> Finding:
    def judge(x: _Exit) -> list[Evidence] | None:
        end = _end_of_alert(ix, x)
        if end is None:
            return None
        own = [m for ie in NOTIFICATIONS for m in x.trail.sent(ie, "operator", "substitute")]
        return [evidence(m, f"{x.mrn}: {m.data['ie']} by the {m.data['by']} after the end of alert")
                for m in own if _at(m) >= _at(end)]  # fmt: skip

    return _over(_fallen_back(ix, ctx, f"{REINT}#3"), judge, "no operator notification after the end "
                 "of alert for the {n} fallback movements", "{n} operator notifications after the end of alert",
                 "no fallback movement whose alert ended")  # fmt: skip
