"""Bad input and a service's own defect are told apart: a record a service rejects is dead-lettered
with its reason; an exception of any other kind is a defect, dead-lettered as such, and fails the run.
Neither stops the service."""

from __future__ import annotations

from datetime import datetime

from secours.bus import Record, TopicToCreate
from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings
from secours.clock import WallClock
from secours.cloudevents import DLQ
from secours.codec import Codec
from secours.drills.journal import Entry
from secours.drills.summary import summarise
from secours.effects import Effects, Incoming, Reactive
from secours.errors import RejectedInput
from secours.runtime import ServiceContext
from secours.topics import TopicCatalog
from secours.wire import IE3F10
from tests.samples import WORLD, samples

CODEC = Codec()
ENS = next(m for m in samples() if isinstance(m, IE3F10))


class _Faulty(Reactive):
    def __init__(self, error: Exception) -> None:
        self.error = error

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        raise self.error


async def test_a_rejection_and_a_defect_are_dead_lettered_apart(settings: ClientSettings) -> None:
    bus = KafkaBus(settings)
    await bus.start()
    try:
        await bus.ensure_topics([TopicToCreate(DLQ, 1, "delete")])
        ctx = ServiceContext("ics2_tapas", bus, CODEC, TopicCatalog.load(), WallClock(WORLD.config.start, 0.0, 60.0),
                             WORLD)  # fmt: skip
        incoming = Incoming("ics2.t2c", ENS, "id-1", "edi_provider:P001", WORLD.config.start)
        record = Record("ics2.t2c", 0, 7, ENS.lrn.encode(), CODEC.encode(ENS), (), 0)
        await ctx._process(_Faulty(RejectedInput("not for me")), incoming, record, WORLD.config.start)
        await ctx._process(_Faulty(KeyError("P404")), incoming, record, WORLD.config.start)
        await ctx.flush()
        reasons = [CODEC.decode(r.value).model_dump()["reason"] for r in await bus.read_all(DLQ)]
    finally:
        await bus.stop()
    assert reasons == ["cannot handle IE3F10: not for me", "defect in ics2_tapas handling IE3F10: KeyError: 'P404'"]
    assert ctx.handled == 0 and ctx.dead_lettered == 2


def _letter(offset: int, reason: str) -> Entry:
    data = {"service": "ics2_tapas", "topic": "ics2.t2c", "partition": 0, "offset": offset, "reason": reason}
    return Entry(DLQ, 0, offset, 0, "k", f"dl-{offset}", "dead_letter", "ics2_tapas", WORLD.config.start, "", data)


def test_a_defect_fails_the_run_and_a_rejection_does_not() -> None:
    rejected = summarise(WORLD, [_letter(0, "cannot handle IE3F10: not for me")])
    assert rejected.defects == 0 and not any("defect" in p for p in rejected.problems)
    defect = summarise(WORLD, [_letter(0, "cannot handle IE3F10: x"), _letter(1, "defect in ics2_tapas handling X")])
    assert defect.defects == 1
    assert defect.problems[0] == "1 records hit a defect of a service, e.g. defect in ics2_tapas handling X"
