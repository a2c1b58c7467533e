"""The testcontainers Kafka module, for users whose machines have a Docker engine.

Here, as on any machine without a reachable Docker engine, the test is skipped and says why;
where an engine answers, the same bus round trip as on our own brokers runs against the
container's Apache Kafka.
"""

from __future__ import annotations

import pytest

from secours.bus import TopicToCreate
from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings


def _docker_reason() -> str | None:
    try:
        import docker  # noqa: PLC0415 - only needed when a Docker engine may be there

        docker.from_env().ping()
    except Exception as exc:  # the docker client raises many kinds for "no engine"
        return f"no Docker engine reachable ({type(exc).__name__}): testcontainers cannot start Kafka here"
    return None


async def test_round_trip_on_testcontainers_kafka() -> None:
    reason = _docker_reason()
    if reason:
        pytest.skip(reason)
    from testcontainers.kafka import KafkaContainer  # noqa: PLC0415

    with KafkaContainer("apache/kafka:4.1.1").with_kraft() as kafka:
        bus = KafkaBus(ClientSettings(kafka.get_bootstrap_server(), prefix="tc."))
        await bus.start()
        try:
            await bus.ensure_topics([TopicToCreate("probe", 1)])
            await (await bus.publish("probe", b"k", b"v", [("ce_id", b"1")]))
            sub = await bus.subscribe(None, ["probe"])
            records = []
            for _ in range(20):
                records += await sub.poll(0.5)
                if records:
                    break
            assert [(r.key, r.value) for r in records] == [(b"k", b"v")]
        finally:
            await bus.stop()
