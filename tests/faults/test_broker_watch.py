"""The broker watch tells a broker restarted under the drill from one that died."""

from __future__ import annotations

import asyncio

from secours.bus import TopicToCreate
from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings
from secours.drills.brokerwatch import BrokerWatch

CONTROL = "secours.control"


class Launched:
    """The handle of the broker process a drill started: alive or not at each look, as told."""

    kind = "tansu"
    pid = 4242

    def __init__(self, *looks: bool) -> None:
        self.looks = list(looks)

    def is_alive(self) -> bool:
        return self.looks.pop(0)


async def _looks(watch: BrokerWatch, count: int) -> list[str | None]:
    seen = []
    for _ in range(count):
        seen.append(await watch.check())
        await asyncio.sleep(1.05)  # the watch looks once a wall second at most
    return seen


async def test_a_broker_gone_at_one_look_and_back_at_the_next_is_not_reported_dead(settings: ClientSettings) -> None:
    """Killed then restarted: a look between the two saw no process. The successor runs at the next
    look, and with its records still there (Apache Kafka) the drill goes on."""
    bus = KafkaBus(settings)
    await bus.start()
    try:
        await bus.ensure_topics([TopicToCreate(CONTROL, 1)])
        await bus.settle([await bus.publish(CONTROL, b"run", b"announced", ())])
        watch = BrokerWatch(bus, CONTROL, Launched(False, True, True), planned=lambda: False)  # type: ignore[arg-type]
        assert await _looks(watch, 3) == [None, None, None]
        dead = BrokerWatch(bus, CONTROL, Launched(False, False), planned=lambda: False)  # type: ignore[arg-type]
        first, second = await _looks(dead, 2)
        assert first is None
        assert second is not None and "(pid 4242) stopped in the middle of the drill" in second, second
    finally:
        await bus.stop()
