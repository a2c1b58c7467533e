"""The one registry of oracle checks, keyed by their PROCEDURES.md ids.

A check is a function of the journal index and the drill context that returns an outcome with
evidence. ``@check("G2", "GLOBAL", "title")`` registers it; adding a scenario's checks is adding a
module of decorated functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from secours.drills.journal import Entry
from secours.drills.oracle.index import JournalIndex
from secours.drills.procedure import ProcedureParams
from secours.drills.reportdata import CheckOutcome, Evidence, Status
from secours.world import World

__all__ = ["REGISTRY", "Check", "Context", "check", "evidence", "outcome"]

_MAX_EVIDENCE = 200


@dataclass(frozen=True)
class Context:
    world: World
    params: ProcedureParams
    scenarios: tuple[str, ...]
    end: datetime  # end of the drill (simulated)


CheckFn = Callable[[JournalIndex, Context], CheckOutcome]


@dataclass(frozen=True)
class Check:
    id: str
    scenario: str  # a scenario id, "GLOBAL", or the name of a group of shared checks (e.g. "ICS2-EU")
    title: str
    fn: CheckFn
    applies_to: frozenset[str] = frozenset()  # for shared checks: the scenarios that apply them

    def applies(self, scenarios: Sequence[str]) -> bool:
        return self.scenario == "GLOBAL" or self.scenario in scenarios or bool(self.applies_to & set(scenarios))


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


def outcome(
    check_id: str, status: Status, message: str, found: Sequence[Evidence] = (), *, extra: int = 0
) -> CheckOutcome:
    c = REGISTRY[check_id]
    return CheckOutcome(
        id=c.id, scenario=c.scenario, title=c.title, status=status, message=message,
        evidence=tuple(found[:_MAX_EVIDENCE]),
    )  # fmt: skip
