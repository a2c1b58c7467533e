"""The bare relay chain: what aiokafka alone does over the same number of hops as an ENS round trip.

Hop ``i`` (1 <= i < hops) reads ``bench.chain.{i-1}``, writes each record unchanged (key, value,
headers) to ``bench.chain.{i}``, and commits once the batch is acknowledged. That is the services'
own discipline (at-least-once, same consumer settings, one producer per process) without decoding,
logic, faults or timers. The bench's source writes ``bench.chain.0`` and its sink reads the last
topic: ``hops`` records per round trip, as in the simulated one.

Run as a child process (``python -m secours.bench.chain --bootstrap ... --prefix ... --hops 8``) so
that, like the services, it has a core to itself; SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import signal
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from secours.bus.kafka import consumer_options, partitions_of
from secours.bus.settings import ClientSettings

__all__ = ["chain_topics", "main"]


def chain_topics(hops: int) -> list[str]:
    return [f"bench.chain.{i}" for i in range(hops)]


async def _relay(settings: ClientSettings, producer: AIOKafkaProducer, source: str, target: str) -> None:
    consumer = AIOKafkaConsumer(group_id=f"{settings.prefix}relay-{source}", **consumer_options(settings))
    await consumer.start()
    try:
        physical = settings.prefix + source
        consumer.assign([TopicPartition(physical, p) for p in await partitions_of(consumer, physical)])
        out = settings.prefix + target
        while True:
            batches = await consumer.getmany(timeout_ms=100, max_records=500)
            acks = [
                await producer.send(out, value=r.value, key=r.key, headers=list(r.headers))
                for records in batches.values()
                for r in records
            ]
            if acks:
                await asyncio.gather(*acks)
                await consumer.commit()
    finally:
        await consumer.stop()


async def run_relays(settings: ClientSettings, hops: int) -> None:
    producer = AIOKafkaProducer(**settings.client_options(), acks="all", linger_ms=0)
    await producer.start()
    topics = chain_topics(hops)
    relays = [asyncio.create_task(_relay(settings, producer, a, b)) for a, b in itertools.pairwise(topics)]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        done, _ = await asyncio.wait([*relays, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task in relays:
                task.result()  # a relay that ended on its own failed: say why
    finally:
        for task in relays:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*relays, return_exceptions=True)
        await producer.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m secours.bench.chain", description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--hops", type=int, required=True)
    args = parser.parse_args(argv)
    asyncio.run(run_relays(ClientSettings.from_env(args.bootstrap, args.prefix), args.hops))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
