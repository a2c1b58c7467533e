"""Checkpoints on the broker: numbered as written, in two slots that alternate."""

from __future__ import annotations

from secours.bus import TopicToCreate
from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings
from secours.checkpoint import StateStore, changelog_of
from secours.codec import Codec


async def test_a_checkpoint_superseded_before_it_was_written_leaves_no_gap(settings: ClientSettings) -> None:
    """The runtime writes only the newest of the checkpoints taken while a write was under way.
    Numbered as taken, the one written after the gap would land in the slot of the newest whole
    checkpoint, and a crash while writing it would spoil both."""
    bus = KafkaBus(settings)
    await bus.start()
    try:
        topic = changelog_of("ics2_cr")
        await bus.ensure_topics([TopicToCreate(topic, 1, "compact")])
        writer = StateStore(bus, Codec(), "ics2_cr", "run1", {})
        first = writer.capture({"logic": {"n": 1}}, {("ics2.cr.in", 0): 10})
        writer.capture({"logic": {"n": 2}}, {("ics2.cr.in", 0): 20})  # superseded: never written
        third = writer.capture({"logic": {"n": 3}}, {("ics2.cr.in", 0): 30})
        await writer.write(first)
        await writer.write(third)
        keys = [r.key for r in await bus.read_all(topic)]
        assert keys == [b"run1/ics2_cr/1/0", b"run1/ics2_cr/0/0"]
        found = await StateStore(bus, Codec(), "ics2_cr", "run1", {}).load()
        assert found is not None and found.generation == 2
        assert found.state["logic"] == {"n": 3} and found.positions == {("ics2.cr.in", 0): 30}
    finally:
        await bus.stop()
