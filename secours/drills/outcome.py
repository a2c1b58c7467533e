"""From a journal to the drill's outcome: checks, verdict, expectation, counts, timings, report data.

Shared by ``secours drill run`` (live) and ``secours drill check`` (on a saved journal), so both
give the same verdicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from secours.clock import format_sim
from secours.drills.attribution import ExternalShare, attribute
from secours.drills.journal import Entry
from secours.drills.model import Drill
from secours.drills.oracle import REGISTRY as CHECKS
from secours.drills.oracle import Context, JournalIndex, evaluate
from secours.drills.oracle.timings import timings
from secours.drills.reportdata import CheckOutcome, FaultSpan, Mark, ReportData, Series
from secours.drills.summary import summarise
from secours.wire import MODELS
from secours.world import World
from services import REGISTRY

__all__ = ["Outcome", "idle_scenarios", "judge", "shown_checks"]

# The timeline's marks: the record types that name a lane of their own (secours.wire: ``timeline_lane``).
_DETECTION_LANES = {m.ce_type: m.timeline_lane for m in MODELS if m.timeline_lane is not None}


@dataclass
class Outcome:
    checks: list[CheckOutcome]
    verdict: str
    expectation_met: bool
    counts: dict[str, int]
    latency: dict[str, dict[str, float | None]]
    timings: dict[str, float | None]
    problems: list[str]
    report: ReportData
    external: ExternalShare | None = None  # the outside system's share of the run (--external)

    def summary(self, drill: Drill, extra: dict[str, Any]) -> dict[str, Any]:
        theirs = self.external.checks if self.external is not None else None
        return {
            "drill": drill.drill,
            "title": drill.title,
            "scenarios": list(drill.scenarios),
            "verdict": self.verdict,
            "expectation_met": self.expectation_met,
            "expect_fail": list(drill.expect_fail),
            "may_fail": dict(drill.may_fail),
            "checks": [
                {
                    "id": c.id,
                    "scenario": c.scenario,
                    "title": c.title,
                    "status": c.status,
                    "expected_failure": c.expected_failure,
                    **({"external": c.id in theirs} if theirs is not None else {}),
                    "message": c.message,
                    **({"traceback": c.traceback} if c.traceback else {}),
                    "evidence": [
                        {"ce_id": e.ce_id, "topic": e.topic, "time": e.time and format_sim(e.time), "note": e.note}
                        for e in c.evidence
                    ],
                }
                for c in self.checks
            ],
            "counts": self.counts,
            "latency": self.latency,
            "timings": self.timings,
            "problems": self.problems,
            **({"external": self.external.summary(self.checks)} if self.external is not None else {}),
            **extra,
        }

    @property
    def exit_code(self) -> int:
        # A drill that passed without doing what it declares (its scenarios never came about, or the
        # breach it stages failed nothing) proved nothing: never green.
        return 0 if self.verdict == "pass" and self.expectation_met else 1


def _series(ix: JournalIndex) -> tuple[Series, ...]:
    first_receipt: dict[tuple[str, str], datetime] = {}  # one point per consignment, not per retry
    for e in ix.entries:
        if e.topic == "ics2.receipt" and e.data.get("action") in ("IE3F10", "IE3F51") and e.time is not None:
            first_receipt.setdefault((e.data["eori"], e.data["lrn"]), e.time)
    lodged = list(first_receipt.values())
    registered = [r.time for r in (ix.first_r01(k) for k in ix.r01_by_key) if r is not None]
    assessed = [e.time for e in ix.queue if e.ce_type == "IE3N03"]
    return tuple(
        Series(name, tuple(sorted(t for t in times if t is not None)))
        for name, times in (
            ("ENS lodged", lodged),
            ("ENS registered (IE3R01)", registered),
            ("assessed (IE3N03)", assessed),
        )
    )


def idle_scenarios(scenarios: Sequence[str], checks: Sequence[CheckOutcome]) -> list[str]:
    """The declared scenarios none of whose own checks was exercised (a scenario with no checks of
    its own, as the ECS exit cases, is judged by the shared checks it applies)."""
    idle = []
    for scenario in scenarios:
        own = [c for c in checks if c.scenario == scenario]
        if not own:
            applied = {c.id for c in CHECKS.values() if scenario in c.applies_to}
            own = [c for c in checks if c.id in applied]
        if own and all(c.status == "not_exercised" for c in own):
            idle.append(scenario)
    return idle


def shown_checks(drill: Drill, checks: Sequence[CheckOutcome]) -> set[str]:
    """The checks that showed a breach: those that failed, and the warning-level checks the drill
    stages that warned (the procedure advises them, the verdict does not turn on them, and the drill
    still proves that the check sees the lapse)."""
    return {c.id for c in checks if c.status == "fail" or (c.status == "warn" and c.id in drill.expect_fail)}


def judge(
    drill: Drill,
    world: World,
    entries: Sequence[Entry],
    wall_seconds: float,
    end: datetime,
    clock: str = "",
    external: Sequence[str] = (),
) -> Outcome:
    ix = JournalIndex.build(entries)
    ctx = Context(world, drill.procedure, drill.scenarios, end, timedelta(seconds=drill.transit_s))
    checks = evaluate(ix, ctx, frozenset((*drill.expect_fail, *drill.may_fail)))
    failed = {c.id for c in checks if c.status == "fail"}
    verdict = "fail" if failed else "pass"
    shown = shown_checks(drill, checks)
    expectation_met = drill.meets(shown)
    basic = summarise(world, entries)
    if basic.defects:
        verdict, expectation_met = "fail", False  # a service failed on records by a defect of its own
    broken = [c for c in checks if c.traceback]
    if broken:  # a check that raised judged nothing: no expectation can be met through it
        basic.problems.insert(0, f"{len(broken)} checks raised instead of judging, e.g. {broken[0].id}: "
                                 f"{broken[0].message}")  # fmt: skip
        verdict, expectation_met = "fail", False
    unshown = [c for c in checks if c.id in drill.expect_fail and c.id not in shown]
    if unshown:  # the staged breach did not show on this day: the drill proved nothing about it
        said = ", ".join(f"{c.id} ({c.status.replace('_', ' ')}: {c.message})" for c in unshown[:3])
        basic.problems.insert(0, f"{len(unshown)} staged checks did not fail, the breach never showed: {said}")
    idle = idle_scenarios(drill.scenarios, checks)
    if idle:  # the drill never produced what it is about: whatever else passed, it proved nothing
        basic.problems.insert(0, f"scenario {idle[0]} never came about: none of its own checks was exercised"
                                 + (f" (nor those of {', '.join(idle[1:])})" if idle[1:] else ""))  # fmt: skip
        expectation_met = False
    share = attribute(external, entries, checks, ctx) if external else None
    if share is not None and share.dead_letters:
        # Records the services could not take: the contract was broken, whatever the checks say.
        first = share.dead_letters[0]
        basic.problems.insert(0, f"{len(share.dead_letters)} records written by {' and '.join(share.actors)} were "
                                 f"dead-lettered, e.g. on {first['topic']}: {first['reason']}")  # fmt: skip
        verdict, expectation_met = "fail", False
    times = timings(ix)
    faults = tuple(
        FaultSpan(w.fault_id, w.kind, w.component, w.start, w.end, f"{w.kind} {w.fault_id}")
        for w in (*ix.faults.values(), *ix.simulator_faults.values())
        if w.start is not None
    )
    lanes = list(REGISTRY) + sorted({f.component for f in faults} - set(REGISTRY))
    marks = tuple(
        Mark(e.time, _DETECTION_LANES[e.ce_type], f"{e.ce_type} {e.source}")
        for e in ix.entries
        if e.ce_type in _DETECTION_LANES and e.time is not None
    )
    report = ReportData(
        drill=drill.drill,
        title=drill.title,
        description=drill.description,
        scenarios=drill.scenarios,
        verdict="pass" if verdict == "pass" else "fail",
        expectation_met=expectation_met,
        sim_start=world.config.start,
        sim_end=end,
        components=tuple(lanes),
        faults=faults,
        marks=marks,
        series=_series(ix),
        checks=tuple(checks),
        counts=basic.counts,
        timings=times,
        wall_seconds=round(wall_seconds, 2),
        clock=clock,
        external=share.line(checks) if share is not None else "",
    )
    return Outcome(checks, verdict, expectation_met, basic.counts, basic.latency, times, basic.problems, report, share)
