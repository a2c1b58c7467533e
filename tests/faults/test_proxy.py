"""The fault proxy against an echo server and real brokers (Tansu always, Apache Kafka when Java is there).

Each broker test starts its own broker advertising the proxy's port, as fault drills do, so that a
client bootstrapped through the proxy keeps using it; one test shows what happens without that.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from secours.bus import Record, TopicToCreate
from secours.bus.brokers import RunningBroker, free_port, java_available, start_broker
from secours.bus.brokers.apache import server_properties
from secours.bus.brokers.ports import reserve_port
from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings
from secours.faults.proxy import TcpProxy
from tests.bus.test_brokers import taken_by_a_stranger

needs_java = pytest.mark.skipif(
    not java_available(), reason="Apache Kafka needs java, and mvn unless its jars are already cached"
)

BIG = 64 * 1024  # larger than any metadata exchange, so byte counts show where a record went


# -- echo server: the proxy alone --------------------------------------------------------------------


@pytest.fixture
async def echo_port() -> AsyncIterator[int]:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


@pytest.fixture
async def echo_proxy(echo_port: int) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy("127.0.0.1", echo_port, seed=7)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()


async def test_latency_with_jitter_keeps_order(echo_proxy: TcpProxy) -> None:
    echo_proxy.set_mode("latency", latency_ms=20, jitter_ms=15)
    reader, writer = await asyncio.open_connection("127.0.0.1", echo_proxy.listen_port)
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        for i in range(200):
            writer.write(b"%05d\n" % i)
            await writer.drain()
            # A pause between chunks so the proxy reads them one by one and draws a delay for each;
            # sent in one go they would arrive as a single chunk and the order could not go wrong.
            await asyncio.sleep(0.001)
        async with asyncio.timeout(10):
            received = await reader.readexactly(200 * 6)
    finally:
        writer.close()
    assert [int(line) for line in received.split()] == list(range(200))
    assert loop.time() - started >= 2 * 0.005  # both ways, at least latency - jitter each
    assert echo_proxy.stats["chunks_delayed"] >= 100  # the jitter really applied to separate chunks


async def test_blackhole_holds_bytes_until_it_closes_on_the_same_connection(echo_proxy: TcpProxy) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", echo_proxy.listen_port)
    try:
        writer.write(b"one")
        assert await asyncio.wait_for(reader.readexactly(3), 2) == b"one"
        echo_proxy.set_mode("blackhole")
        writer.write(b"held")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.read(100), 0.3)
        echo_proxy.set_mode("pass")
        writer.write(b"two")
        # What the hole held comes first, then the rest: the stream is intact, as after TCP retransmits.
        assert await asyncio.wait_for(reader.readexactly(7), 2) == b"heldtwo"
    finally:
        writer.close()
    assert echo_proxy.stats["chunks_blackholed"] == 1
    assert echo_proxy.stats["connections_accepted"] == 1


async def connect_and_read(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"y")
        return await reader.read(100)
    finally:
        writer.close()


async def test_reset_sends_rst_and_resets_new_connections(echo_proxy: TcpProxy) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", echo_proxy.listen_port)
    writer.write(b"x")
    assert await asyncio.wait_for(reader.readexactly(1), 2) == b"x"
    echo_proxy.set_mode("reset")
    with pytest.raises(ConnectionResetError):  # a RST, not an orderly end of stream
        async with asyncio.timeout(2):
            await reader.read(100)
    writer.close()
    with pytest.raises(ConnectionResetError):  # accepted and reset at once (seen by connect or first read)
        await asyncio.wait_for(connect_and_read(echo_proxy.listen_port), 2)
    assert echo_proxy.stats["connections_reset"] == 2
    echo_proxy.set_mode("pass")
    reader, writer = await asyncio.open_connection("127.0.0.1", echo_proxy.listen_port)
    writer.write(b"z")
    assert await asyncio.wait_for(reader.readexactly(1), 2) == b"z"
    writer.close()


async def test_upstream_down_counts_as_refused() -> None:
    proxy = TcpProxy("127.0.0.1", free_port())
    async with proxy:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.listen_port)
        async with asyncio.timeout(2):
            with pytest.raises(ConnectionResetError):
                await reader.read(100)
        writer.close()
    assert proxy.stats["connections_refused"] == 1
    await proxy.stop()  # idempotent


# -- brokers ---------------------------------------------------------------------------------------


@pytest.fixture
def tansu_behind_proxy(tmp_path: Path) -> Iterator[tuple[RunningBroker, int]]:
    with reserve_port() as reserved:  # the proxy's port, kept from other processes until it listens
        proxy_port = reserved.getsockname()[1]
        broker = start_broker("tansu", workdir=tmp_path / "tansu", ready_timeout=10, advertised_port=proxy_port)
        try:
            yield broker, proxy_port
        finally:
            broker.stop()


@pytest.fixture
async def proxy(tansu_behind_proxy: tuple[RunningBroker, int]) -> AsyncIterator[TcpProxy]:
    broker, proxy_port = tansu_behind_proxy
    proxy = TcpProxy("127.0.0.1", broker.port, listen_port=proxy_port)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()


async def create_topic(bootstrap: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()


async def started_producer(bootstrap: str, topic: str) -> AIOKafkaProducer:
    """A producer that has already delivered one record to ``topic`` (connections and metadata in place)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", request_timeout_ms=1000, retry_backoff_ms=50)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"warm-up")
    except BaseException:
        await producer.stop()
        raise
    return producer


async def timed_send(producer: AIOKafkaProducer, topic: str, value: bytes, limit_s: float = 5.0) -> float:
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(limit_s):
        await producer.send_and_wait(topic, value)
    return loop.time() - started


async def send_fails(producer: AIOKafkaProducer, topic: str) -> None:
    with pytest.raises((KafkaError, TimeoutError)):
        await timed_send(producer, topic, b"during-fault", limit_s=2.0)


async def send_recovers(producer: AIOKafkaProducer, topic: str) -> None:
    """After a fault aiokafka may need a retry or two before its reconnected connection carries a record."""
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        try:
            await timed_send(producer, topic, b"after-fault", limit_s=3.0)
            return
        except (KafkaError, TimeoutError):
            if asyncio.get_running_loop().time() > deadline:
                raise


async def test_pass_through_the_bus_keeps_using_the_proxy(proxy: TcpProxy) -> None:
    bus = KafkaBus(ClientSettings(bootstrap=proxy.bootstrap, prefix="p.", request_timeout_ms=5000))
    value = os.urandom(BIG)
    try:
        await bus.ensure_topics([TopicToCreate("orders", 1)])
        await bus.start()
        before = dict(proxy.stats)
        ack = await bus.publish("orders", b"k", value, [("h", b"v")])
        await asyncio.wait_for(ack, 5)
        # The record went through the proxy, so the client did not switch to the broker's own port
        # after bootstrapping (as it does when the broker advertises itself: see the next test).
        assert proxy.stats["bytes_up"] - before["bytes_up"] >= BIG
        sub = await bus.subscribe(None, ["orders"])
        before = dict(proxy.stats)
        records: list[Record] = []
        async with asyncio.timeout(10):
            while not records:
                records = await sub.poll(0.5)
        assert records[0].value == value
        assert records[0].header("h") == "v"
        assert proxy.stats["bytes_down"] - before["bytes_down"] >= BIG
    finally:
        await bus.stop()
    assert proxy.stats["connections_accepted"] >= 2  # bootstrap, then the advertised address
    assert proxy.stats["chunks_delayed"] == proxy.stats["chunks_blackholed"] == 0


async def test_without_advertised_port_clients_bypass_the_proxy(tmp_path: Path) -> None:
    broker = start_broker("tansu", workdir=tmp_path / "tansu", ready_timeout=10)
    try:
        async with TcpProxy("127.0.0.1", broker.port) as proxy:
            await create_topic(proxy.bootstrap, "t.bypass")
            producer = await started_producer(proxy.bootstrap, "t.bypass")
            try:
                await timed_send(producer, "t.bypass", os.urandom(BIG))
            finally:
                await producer.stop()
            assert proxy.stats["bytes_up"] < BIG  # only the bootstrap Metadata call went through it
    finally:
        broker.stop()


async def test_latency_slows_a_round_trip_then_pass_is_fast_again(proxy: TcpProxy) -> None:
    await create_topic(proxy.bootstrap, "t.latency")
    producer = await started_producer(proxy.bootstrap, "t.latency")
    try:
        proxy.set_mode("latency", latency_ms=200)
        assert await timed_send(producer, "t.latency", b"slow") >= 0.2
        assert proxy.stats["chunks_delayed"] >= 2  # the request and its answer
        proxy.set_mode("pass")
        assert await timed_send(producer, "t.latency", b"fast") < 0.2
    finally:
        await producer.stop()


async def test_blackhole_times_requests_out_then_the_client_recovers(proxy: TcpProxy) -> None:
    await create_topic(proxy.bootstrap, "t.blackhole")
    producer = await started_producer(proxy.bootstrap, "t.blackhole")
    try:
        proxy.set_mode("blackhole")
        await send_fails(producer, "t.blackhole")
        assert proxy.stats["chunks_blackholed"] >= 1
        assert proxy.stats["connections_reset"] == 0  # open all along: the client only heard nothing
        proxy.set_mode("pass")
        await send_recovers(producer, "t.blackhole")
    finally:
        await producer.stop()


async def test_reset_drops_connections_then_the_client_reconnects(proxy: TcpProxy) -> None:
    await create_topic(proxy.bootstrap, "t.reset")
    producer = await started_producer(proxy.bootstrap, "t.reset")
    try:
        accepted = proxy.stats["connections_accepted"]
        proxy.set_mode("reset")
        assert proxy.stats["connections_reset"] >= 1  # the producer's open connection
        await send_fails(producer, "t.reset")
        assert proxy.stats["connections_accepted"] > accepted  # it tried to reconnect, and was reset again
        proxy.set_mode("pass")
        await send_recovers(producer, "t.reset")
    finally:
        await producer.stop()


async def test_refuse_closes_the_port_then_pass_reopens_it(proxy: TcpProxy) -> None:
    await create_topic(proxy.bootstrap, "t.refuse")
    producer = await started_producer(proxy.bootstrap, "t.refuse")
    try:
        proxy.set_mode("refuse")
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", proxy.listen_port)
        await send_fails(producer, "t.refuse")
        proxy.set_mode("pass")
        _reader, writer = await asyncio.open_connection("127.0.0.1", proxy.listen_port)
        writer.close()
        await send_recovers(producer, "t.refuse")
    finally:
        await producer.stop()


async def test_tansu_restart_keeps_advertising_the_proxy(
    tansu_behind_proxy: tuple[RunningBroker, int], proxy: TcpProxy
) -> None:
    broker, proxy_port = tansu_behind_proxy
    broker.restart(ready_timeout=10)
    assert broker.advertised_port == proxy_port
    await create_topic(proxy.bootstrap, "t.restart")  # memory storage: the restart lost every topic
    producer = await started_producer(proxy.bootstrap, "t.restart")
    try:
        before = proxy.stats["bytes_up"]
        await timed_send(producer, "t.restart", os.urandom(BIG))
        assert proxy.stats["bytes_up"] - before >= BIG
    finally:
        await producer.stop()


def test_kafka_properties_keep_the_broker_off_the_proxy() -> None:
    plain = server_properties(9092, 9093, Path("/data"))
    assert "advertised.listeners=PLAINTEXT://127.0.0.1:9092\n" in plain
    assert "INTERNAL" not in plain
    proxied = server_properties(9092, 9093, Path("/data"), advertised_port=19092, internal_port=9094)
    assert "listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093,INTERNAL://127.0.0.1:9094\n" in proxied
    assert "advertised.listeners=PLAINTEXT://127.0.0.1:19092,INTERNAL://127.0.0.1:9094\n" in proxied
    assert "inter.broker.listener.name=INTERNAL\n" in proxied
    with pytest.raises(ValueError, match="internal_port"):
        server_properties(9092, 9093, Path("/data"), advertised_port=19092)


@needs_java
async def test_apache_kafka_through_the_proxy(tmp_path: Path) -> None:
    with reserve_port() as reserved:  # the proxy's port, kept from other processes until it listens
        proxy_port = reserved.getsockname()[1]
        broker = start_broker("kafka", workdir=tmp_path / "kafka", advertised_port=proxy_port)
        try:
            assert broker.advertised_port == proxy_port
            async with TcpProxy("127.0.0.1", broker.port, listen_port=proxy_port) as proxy:
                await create_topic(proxy.bootstrap, "t.kafka")
                producer = await started_producer(proxy.bootstrap, "t.kafka")
                value = os.urandom(BIG)
                try:
                    before = proxy.stats["bytes_up"]
                    await timed_send(producer, "t.kafka", value)
                    assert proxy.stats["bytes_up"] - before >= BIG
                finally:
                    await producer.stop()
                consumer = AIOKafkaConsumer(
                    bootstrap_servers=proxy.bootstrap, auto_offset_reset="earliest", request_timeout_ms=5000
                )
                await consumer.start()
                try:
                    consumer.assign([TopicPartition("t.kafka", 0)])
                    before = proxy.stats["bytes_down"]
                    async with asyncio.timeout(10):
                        values = [(await consumer.getone()).value for _ in range(2)]
                    assert values == [b"warm-up", value]
                    assert proxy.stats["bytes_down"] - before >= BIG
                finally:
                    await consumer.stop()
        finally:
            broker.stop()


async def test_stop_closes_connections_and_the_port(echo_proxy: TcpProxy) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", echo_proxy.listen_port)
    writer.write(b"x")
    assert await asyncio.wait_for(reader.readexactly(1), 2) == b"x"
    await echo_proxy.stop()
    assert await asyncio.wait_for(reader.read(100), 2) == b""
    writer.close()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", echo_proxy.listen_port)
    await echo_proxy.stop()  # idempotent


async def test_the_port_is_held_while_refuse_has_it_closed_and_released_at_stop(echo_proxy: TcpProxy) -> None:
    port = echo_proxy.listen_port
    echo_proxy.set_mode("refuse")
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)
    assert not taken_by_a_stranger(port)
    echo_proxy.set_mode("pass")
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"y")
    assert await asyncio.wait_for(reader.readexactly(1), 2) == b"y"
    writer.close()
    await echo_proxy.stop()
    assert taken_by_a_stranger(port)
