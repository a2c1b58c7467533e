"""The one registry of oracle checks, keyed by their PROCEDURES.md ids.

A check is a function of the journal index and the drill context that returns a :class:`Finding`:
its status, one line for a person, and the records behind it (``outcome(...)`` or
``common.verdict(...)`` make one). ``@check("G2", "GLOBAL", "title")`` registers it, and the
registry makes the check's outcome: the id, scenario and title are written once, at registration.
Adding a scenario's checks is adding a module of decorated functions.

A check that raises does not stop the oracle: it becomes a failed check whose message names the
exception and whose traceback goes into the report, and the other checks still run. A bug in one
check must neither hide the verdicts of the others nor pass for a verdict of its own: it fails the
drill, even one that expects that very check to fail.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from secours.drills.journal import Entry
from secours.drills.oracle.index import JournalIndex
from secours.drills.procedure import ProcedureParams
from secours.drills.reportdata import CheckOutcome, Evidence, Status
from secours.world import World

__all__ = ["REGISTRY", "Check", "Context", "Finding", "check", "evidence", "outcome"]

_MAX_EVIDENCE = 200


@dataclass(frozen=True)
class Context:
    world: World
    params: ProcedureParams
    scenarios: tuple[str, ...]
    end: datetime  # end of the drill (simulated)
    # The simulated time a record takes from its writer to its readers in this run (the drill's
    # transit_s): a deadline the domain gives for a chain of hops (an MRN within mrn_latency) is
    # stretched by the simulator's own hops, which the real systems do not have.
    hop: timedelta = timedelta(0)


@dataclass(frozen=True, slots=True)
class Finding:
    """What a check found; the registry adds who it is (id, scenario, title)."""

    status: Status
    message: str
    evidence: tuple[Evidence, ...] = ()


CheckFn = Callable[[JournalIndex, Context], Finding]


@dataclass(frozen=True)
class Check:
    id: str
    scenario: str  # a scenario id, "GLOBAL", or the name of a group of shared checks (e.g. "ICS2-EU")
    title: str
    fn: CheckFn
    applies_to: frozenset[str] = frozenset()  # for shared checks: the scenarios that apply them

    def applies(self, scenarios: Sequence[str]) -> bool:
        return self.scenario == "GLOBAL" or self.scenario in scenarios or bool(self.applies_to & set(scenarios))

    def run(self, ix: JournalIndex, ctx: Context, *, expected: bool = False) -> CheckOutcome:
        """The check's outcome; ``expected``: the drill stages this check's failure."""
        try:
            found = self.fn(ix, ctx)
        except Exception as exc:
            return CheckOutcome(
                self.id, self.scenario, self.title, "fail",
                f"the check itself failed: {type(exc).__name__}: {exc}".splitlines()[0],
                traceback=traceback.format_exc(),
            )  # fmt: skip
        return CheckOutcome(self.id, self.scenario, self.title, found.status, found.message, found.evidence, expected)


REGISTRY: dict[str, Check] = {}


def check(check_id: str, scenario: str, title: str, *, applies_to: Sequence[str] = ()) -> Callable[[CheckFn], CheckFn]:
    def register(fn: CheckFn) -> CheckFn:
        if check_id in REGISTRY:
            raise ValueError(f"check {check_id} registered twice")
        REGISTRY[check_id] = Check(check_id, scenario, title, fn, frozenset(applies_to))
        return fn

    return register


def evidence(e: Entry, note: str) -> Evidence:
    return Evidence(ce_id=e.ce_id, topic=e.topic, time=e.time, note=note)


def outcome(status: Status, message: str, found: Sequence[Evidence] = ()) -> Finding:
    """A check's finding; evidence beyond the first few hundred records is left to the journal."""
    return Finding(status, message, tuple(found[:_MAX_EVIDENCE]))
