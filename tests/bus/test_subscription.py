"""A subscription's ends: where each partition ended as reading began (a restored service reads
up to there before its timers run again)."""

from __future__ import annotations

from secours.bus import TopicToCreate
from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings

TOPIC = "ics2.t2c"


async def test_ends_are_where_the_partitions_ended_as_reading_began(settings: ClientSettings) -> None:
    bus = KafkaBus(settings)
    await bus.start()
    try:
        await bus.ensure_topics([TopicToCreate(TOPIC, 2)])
        await bus.settle([await bus.publish(TOPIC, f"k{i}".encode(), b"v", ()) for i in range(10)])
        before = await bus.end_offsets(TOPIC)
        assert sum(before.values()) == 10
        sub = await bus.subscribe("reader", [TOPIC], start={(TOPIC, p): 0 for p in before})
        await bus.settle([await bus.publish(TOPIC, f"later{i}".encode(), b"v", ()) for i in range(5)])
        assert await sub.ends() == {(TOPIC, p): end for p, end in before.items()}
        assert sum((await bus.end_offsets(TOPIC)).values()) == 15  # what came after is not in them
        await sub.close()
    finally:
        await bus.stop()
