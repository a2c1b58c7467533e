"""The acknowledgement chain on the broker: bounded however fast batches come, and it still
commits the newest positions once everything sent before them is acknowledged."""

from __future__ import annotations

import asyncio

from secours.bus import TopicToCreate
from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings
from secours.clock import WallClock
from secours.codec import Codec
from secours.runtime import ServiceContext
from secours.topics import TopicCatalog
from secours.wire import IE3F10
from tests.samples import WORLD, samples

TOPIC = "ics2.t2c"


def _links(name: str) -> int:
    return sum(1 for t in asyncio.all_tasks() if t.get_name() == f"{name}-commit" and not t.done())


async def test_batches_faster_than_commits_share_links(settings: ClientSettings) -> None:
    """A link per batch piled up whenever batches came faster than a commit's round trip, and the
    memory grew with them, without end. Now what comes while a link waits joins it."""
    bus = KafkaBus(settings)
    await bus.start()
    codec = Codec()
    value = codec.encode(next(m for m in samples() if isinstance(m, IE3F10)))
    try:
        await bus.ensure_topics([TopicToCreate(TOPIC, 1)])
        ctx = ServiceContext("probe", bus, codec, TopicCatalog.load(), WallClock(WORLD.config.start, 0.0, 600.0), WORLD)
        sub = await bus.subscribe("probe", [TOPIC])
        most = 0
        for i in range(300):
            ctx._unacked.append(await bus.publish(TOPIC, b"k", value, ()))
            ctx._link(None, sub, {(TOPIC, 0): i + 1})
            most = max(most, _links("probe"))
        assert 1 <= most <= 2, f"{most} links waiting at once"
        assert ctx._chain is not None
        await ctx._chain
        assert not ctx._unacked and _links("probe") == 0
        await sub.close()
        again = await bus.subscribe("probe", [TOPIC])  # the group reads on from its commit
        assert await again.positions() == {(TOPIC, 0): 300}
    finally:
        await bus.stop()
