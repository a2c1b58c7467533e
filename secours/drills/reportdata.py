"""What the drill reports are drawn from: plain data, computed by the oracle and the runner.

``summary.json``, ``junit.xml`` and ``report.html`` are all renderings of one :class:`ReportData`,
so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = ["CheckOutcome", "Evidence", "FaultSpan", "Mark", "ReportData", "Series"]

Status = Literal["pass", "fail", "warn", "not_exercised"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """One record that supports a check's outcome."""

    ce_id: str
    topic: str
    time: datetime | None
    note: str


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    id: str  # PROCEDURES.md id, e.g. "G2" or "ICS2-FR-S2-AS-DOWN#3"
    scenario: str  # "GLOBAL" for G1-G7, else the scenario id
    title: str  # what the check requires, one line
    status: Status
    message: str  # one line a person understands
    evidence: tuple[Evidence, ...] = ()
    expected_failure: bool = False  # the drill stages this violation (expect_fail)
    traceback: str = ""  # the check itself raised: its traceback (the status is then "fail")


@dataclass(frozen=True, slots=True)
class FaultSpan:
    """An injected fault as the timeline shows it: one bar in its component's lane."""

    id: str
    kind: str
    component: str  # lane name, e.g. "ics2_nes_fr", "edi_provider:P001", "broker"
    start: datetime
    end: datetime | None  # None: still active at the end of the drill
    label: str


@dataclass(frozen=True, slots=True)
class Mark:
    """A point event on the timeline: an alert, an assistance request, a notice."""

    time: datetime
    lane: str  # "alerts", "assistance", or a component name
    label: str


@dataclass(frozen=True, slots=True)
class Series:
    """A cumulative count over time, e.g. ENS lodged, ENS registered (one timestamp per event)."""

    name: str
    times: tuple[datetime, ...]


@dataclass
class ReportData:
    drill: str
    title: str
    description: str
    scenarios: tuple[str, ...]
    verdict: Literal["pass", "fail"]
    expectation_met: bool
    sim_start: datetime
    sim_end: datetime
    components: tuple[str, ...]  # availability lanes, top to bottom
    faults: tuple[FaultSpan, ...]
    marks: tuple[Mark, ...]
    series: tuple[Series, ...]
    checks: tuple[CheckOutcome, ...]
    counts: dict[str, int]
    timings: dict[str, float | None]  # e.g. time_to_recover_s, backlog_drained_s (simulated seconds)
    wall_seconds: float
    clock: str = ""  # which clock ran, in words (see clock_words)
    external: str = ""  # the actors outside systems played, and their checks, in words ("" if none)
    extra: dict[str, Any] = field(default_factory=dict)


def clock_words(run: Mapping[str, Any]) -> str:
    """Which clock ran, for a reader, from a summary's ``run`` figures: a stepped run's transit (and
    steps, when the run counted them), a wall run's speed."""
    if run["clock"] == "stepped":
        steps = run.get("steps")
        done = f", {steps:,} steps" if steps is not None else ""
        hop = f"{run['transit_s']:g} s per hop"
        return f"stepped: simulated time jumps to what is due next once the run is quiet; {hop}{done}"
    return f"wall: simulated time runs at {run['speed']:,g}x the wall clock"
