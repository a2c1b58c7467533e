"""The stepper: simulated time jumps from one thing due to the next, a step holds every event of a
transit window, each at its own instant, and a fault's start or end closes a step.

Participants here are plain lists of instants and send nothing, so every step is quiet at once;
the drills (tests/drills) run the stepper with real services on a real broker.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from secours.bus.ledger import Ledger
from secours.clock import SteppedClock
from secours.stepper import Stepper

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Agenda:
    """A participant with events at fixed instants; it notes (step, event instant) as it handles them."""

    def __init__(self, name: str, *instants: float, order: int = 0, log: list[tuple[str, int, datetime]]) -> None:
        self.name, self.order, self.log = name, order, log
        self.due = sorted(at(s) for s in instants)
        self.stepper: Stepper | None = None
        self.settled = 0

    def next_due(self) -> datetime | None:
        return self.due[0] if self.due else None

    async def advance(self, until: datetime) -> None:
        assert self.stepper is not None
        while self.due and self.due[0] < until:
            self.log.append((self.name, self.stepper.steps, self.due.pop(0)))

    async def settle(self) -> None:
        self.settled += 1


def stepper_with(*agendas: Agenda, transit_s: float = 5.0) -> Stepper:
    stepper = Stepper(SteppedClock(T0, timedelta(seconds=transit_s)), Ledger(""))
    for agenda in agendas:
        agenda.stepper = stepper
        stepper.join(agenda)
    return stepper


async def test_idle_time_costs_nothing_and_the_clock_ends_at_the_end() -> None:
    log: list[tuple[str, int, datetime]] = []
    a = Agenda("a", 0, 3600, 86_000, log=log)
    stepper = stepper_with(a)
    await stepper.run(at(86_400))
    assert [(step, t) for _, step, t in log] == [(1, at(0)), (2, at(3600)), (3, at(86_000))]
    assert stepper.steps == 3 and stepper.clock.now() == at(86_400)


async def test_events_within_the_transit_time_share_a_step_each_at_its_own_instant() -> None:
    log: list[tuple[str, int, datetime]] = []
    a = Agenda("a", 10, 12, 14.9, 15, log=log)
    b = Agenda("b", 11, log=log)
    await stepper_with(a, b).run(at(100))
    assert log == [("a", 1, at(10)), ("a", 1, at(12)), ("a", 1, at(14.9)), ("b", 1, at(11)), ("a", 2, at(15))]


async def test_a_fault_boundary_closes_the_step() -> None:
    log: list[tuple[str, int, datetime]] = []
    a = Agenda("a", 10, 12, log=log)
    stepper = stepper_with(a)
    stepper.boundary = lambda after: at(11) if after < at(11) else None
    await stepper.run(at(100))
    assert log == [("a", 1, at(10)), ("a", 2, at(12))]


async def test_participants_take_their_turn_in_order_and_settle_after_the_step() -> None:
    log: list[tuple[str, int, datetime]] = []
    late = Agenda("late", 1, order=5, log=log)
    harness = Agenda("harness", 1, order=-1, log=log)
    early = Agenda("early", 1, order=0, log=log)
    await stepper_with(late, early, harness).run(at(100))
    assert [name for name, _, _ in log] == ["harness", "early", "late"]
    assert harness.settled == early.settled == late.settled == 1


async def test_a_participant_that_left_is_not_advanced() -> None:
    log: list[tuple[str, int, datetime]] = []
    victim = Agenda("victim", 1, 2, order=1, log=log)

    class Killer(Agenda):
        async def advance(self, until: datetime) -> None:
            await super().advance(until)
            assert self.stepper is not None
            self.stepper.leave("victim")  # a crash fault at this instant

    killer = Killer("killer", 1, order=0, log=log)
    stepper = stepper_with(killer, victim)
    await stepper.run(at(100))
    assert [name for name, _, _ in log] == ["killer"] and stepper.participants() == ["killer"]


async def test_nothing_at_or_after_the_end_is_handled() -> None:
    log: list[tuple[str, int, datetime]] = []
    a = Agenda("a", 50, 99.9, 100, 101, log=log)
    await stepper_with(a).run(at(100))
    assert [t for _, _, t in log] == [at(50), at(99.9)]
