"""The ledger: a stepped run is quiet when every record is acknowledged and read by every reader.

No broker here: the producer's acknowledgements are futures resolved by hand, the readers' reads
are reported by hand, as the bus reports them in a run (tests/drills cover the real thing).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from secours.bus.ledger import TP, Ledger, Reader


@dataclass
class Meta:  # what aiokafka's acknowledgement carries
    topic: str
    partition: int
    offset: int


class Fetches:
    """What the ledger asks of a reader's consumer: fetch this partition, stop fetching it."""

    def __init__(self) -> None:
        self.fetching: set[TP] = set()
        self.asked: list[TP] = []

    def want(self, tp: TP) -> None:
        self.fetching.add(tp)
        self.asked.append(tp)

    def idle(self, tp: TP) -> None:
        self.fetching.discard(tp)


def _reader(ledger: Ledger, fetches: Fetches, *, early: bool = False, at: int = 0) -> Reader:
    return ledger.attach("svc", ["t"], {("t", 0): at, ("t", 1): at}, fetches.want, fetches.idle, early=early)


def _send(ledger: Ledger, tp: TP) -> asyncio.Future[Meta]:
    ledger.sending(tp)
    fut: asyncio.Future[Meta] = asyncio.get_running_loop().create_future()
    ledger.sent(fut)
    return fut


async def _settle() -> None:
    await asyncio.sleep(0)  # done-callbacks run on the next turn of the loop


async def test_quiet_only_once_acknowledged_and_read() -> None:
    ledger, fetches = Ledger("p."), Fetches()
    reader = _reader(ledger, fetches)
    assert ledger.quiet and reader.caught_up.is_set()
    fut = _send(ledger, ("t", 1))
    assert not ledger.quiet and ledger.lagging() == ["1 records not acknowledged"]
    fut.set_result(Meta("p.t", 1, 0))
    await _settle()
    assert not ledger.quiet and ("t", 1) in fetches.fetching  # acknowledged, not read: fetch it
    assert ledger.lagging() == ["svc behind on t/1 (0 of 1)"]
    ledger.read(reader, ("t", 1), 1, 1)
    assert ledger.quiet and ("t", 1) not in fetches.fetching and reader.caught_up.is_set()
    assert ledger.written == 1 and ledger.ends == {("t", 1): 1}


async def test_an_early_reader_fetches_at_the_send_and_stops_once_it_has_read_it() -> None:
    ledger, fetches = Ledger(""), Fetches()
    reader = _reader(ledger, fetches, early=True)
    fut = _send(ledger, ("t", 0))
    assert fetches.fetching == {("t", 0)}  # before the acknowledgement
    ledger.read(reader, ("t", 0), 1, 1)  # read before the producer heard back: it happens
    assert fetches.fetching == set()
    fut.set_result(Meta("t", 0, 0))
    await _settle()
    assert ledger.quiet  # the acknowledgement finds it read already


async def test_a_reader_that_starts_behind_is_caught_up_only_when_it_has_read_everything() -> None:
    ledger, fetches = Ledger(""), Fetches()
    for offset in range(3):
        fut = _send(ledger, ("t", 0))
        fut.set_result(Meta("t", 0, offset))
    await _settle()
    reader = _reader(ledger, fetches)  # a restored service, reading again from offset 0
    assert not reader.caught_up.is_set() and fetches.fetching == {("t", 0)}
    ledger.read(reader, ("t", 0), 2, 2)
    assert not reader.caught_up.is_set() and not ledger.quiet
    ledger.read(reader, ("t", 0), 3, 1)
    assert reader.caught_up.is_set() and ledger.quiet


async def test_a_reader_gone_no_longer_holds_the_run() -> None:
    ledger, fetches = Ledger(""), Fetches()
    reader = _reader(ledger, fetches)
    _send(ledger, ("t", 0)).set_result(Meta("t", 0, 0))
    await _settle()
    assert not ledger.quiet
    ledger.detach(reader)  # killed by a crash fault
    assert ledger.quiet


async def test_a_failed_send_is_reported() -> None:
    ledger = Ledger("")
    fut = _send(ledger, ("t", 0))
    fut.set_exception(RuntimeError("broker gone"))
    await _settle()
    assert ledger.quiet and ledger.failures == ["a send failed: broker gone"]


async def test_until_quiet_waits_for_the_last_read() -> None:
    ledger, fetches = Ledger(""), Fetches()
    reader = _reader(ledger, fetches)
    _send(ledger, ("t", 0)).set_result(Meta("t", 0, 0))
    await _settle()
    waiting = asyncio.create_task(ledger.until_quiet())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    ledger.read(reader, ("t", 0), 1, 1)
    await asyncio.wait_for(waiting, 1.0)


@pytest.mark.parametrize("early", [False, True])
async def test_records_of_topics_it_does_not_read_do_not_concern_a_reader(early: bool) -> None:
    ledger, fetches = Ledger(""), Fetches()
    _reader(ledger, fetches, early=early)
    _send(ledger, ("other", 0)).set_result(Meta("other", 0, 0))
    await _settle()
    assert ledger.quiet and not fetches.asked


async def test_each_acknowledged_record_keeps_the_end_of_the_step_it_was_written_in() -> None:
    """A service restored after a crash reads old records again: each must arrive when it first did."""
    ledger = Ledger("p.")
    loop = asyncio.get_running_loop()
    first, second = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC) + timedelta(seconds=5)
    sends: list[asyncio.Future[Meta]] = []
    for offset, horizon in [(0, first), (1, first), (2, second), (3, second)]:
        ledger.horizon = horizon
        fut: asyncio.Future[Meta] = loop.create_future()
        ledger.sent(fut)
        sends.append(fut)
        if offset < 3:  # the last one is not acknowledged yet
            fut.set_result(Meta("p.t", 0, offset))
    await asyncio.sleep(0)
    assert [ledger.floor(("t", 0), o) for o in range(4)] == [first, first, second, None]
    assert ledger.floor(("t", 1), 0) is None  # nothing written there
    sends[3].set_result(Meta("p.t", 0, 3))
    await asyncio.sleep(0)
    assert ledger.floor(("t", 0), 3) == second
