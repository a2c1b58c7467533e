"""After-action scorecards: what each trainee's desk had to do, whether it did, and how long it took.

Each desk's procedure steps come from :mod:`secours.gameday.steps`: done (its record came in
time), late, missed, or not due (the exercise ended first), with the oracle's own checks of it, as
judged on the whole run like any other actor's work. Below the steps come the scenario checks whose
outcome rests on the desk's records (found as for an outside system's checks:
:mod:`secours.drills.attribution`), so that a request filed when none was called for, or one naming
the wrong clients, shows too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from secours.drills.attribution import attribute
from secours.drills.journal import Entry
from secours.drills.oracle import Context, JournalIndex
from secours.drills.reportdata import CheckOutcome
from secours.gameday.desk import DESK_TOPICS, source_of
from secours.gameday.steps import Step, check_row, steps_of

__all__ = ["Scorecard", "scorecards"]


@dataclass
class Scorecard:
    actor: str
    steps: list[Step] = field(default_factory=list)
    other_checks: list[CheckOutcome] = field(default_factory=list)
    records: int = 0  # records the desk wrote

    def summary(self) -> dict[str, Any]:
        count = {s: sum(1 for st in self.steps if st.status == s) for s in ("done", "late", "missed", "not due")}
        return {
            "actor": self.actor, "records": self.records, **count,
            "steps": [s.row() for s in self.steps],
            "other_checks": [check_row(c) for c in self.other_checks],
        }  # fmt: skip

    def lines(self) -> list[str]:
        s = self.summary()
        head = (f"scorecard of {self.actor}: {len(self.steps)} steps, {s['done']} done, {s['late']} late, "
                f"{s['missed']} missed, {s['not due']} not due; {self.records} records written")  # fmt: skip
        out = [head]
        for st in self.steps:
            took = f"took {_span(st.done_at - st.called_at)}" if st.done_at else "not done"
            out.append(f"  {st.status:7} {st.step} ({st.trigger}): {took}, "
                       f"allowed {_span(st.due - st.called_at)}")  # fmt: skip
            out.extend(f"          {c.id} {c.status}: {c.message}" for c in st.checks)
        out.extend(f"  check   {c.id} {c.status}: {c.message}" for c in self.other_checks)
        return out


def _span(d: timedelta) -> str:
    s = max(0, round(d.total_seconds()))
    return f"{s // 3600}h{s % 3600 // 60:02d}m{s % 60:02d}s" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def scorecards(
    actors: Sequence[str], entries: Sequence[Entry], checks: Sequence[CheckOutcome], ctx: Context
) -> list[Scorecard]:
    """One scorecard per actor a trainee played, judged on the run's journal."""
    ix = JournalIndex.build(entries)
    cards = []
    for actor in actors:
        card = Scorecard(actor, steps_of(actor, ix, ctx, list(checks)))
        desk, source = frozenset(DESK_TOPICS[actor.split(":", 1)[0]]), source_of(actor)
        card.records = sum(1 for e in entries if e.source == source and e.topic in desk)
        share = attribute([source], entries, checks, ctx, desk_topics=desk)
        in_steps = {c.id for st in card.steps for c in st.checks}
        # The global checks judge the whole run (the report has them), not one desk's work.
        card.other_checks = [c for c in checks if c.id in share.checks and c.id not in in_steps
                             and c.status != "not_exercised" and c.scenario != "GLOBAL"]  # fmt: skip
        cards.append(card)
    return cards
