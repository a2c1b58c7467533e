"""The broker launchers against real processes: Tansu always, Apache Kafka when Java is installed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from secours.bus.brokers import (
    BrokerKind,
    RunningBroker,
    free_port,
    java_available,
    metadata_broker_count,
    start_broker,
    wait_for_port,
)
from secours.bus.brokers.ports import owns_listener, reserve_port
from secours.bus.brokers.state import clear_state, load_state, save_state, state_path
from secours.errors import BrokerStartError, UsageError

needs_java = pytest.mark.skipif(
    not java_available(), reason="Apache Kafka needs java, and mvn unless its jars are already cached"
)


@pytest.fixture
def tansu(tmp_path: Path) -> Iterator[RunningBroker]:
    broker = start_broker("tansu", workdir=tmp_path / "tansu", ready_timeout=10)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def kafka(tmp_path: Path) -> Iterator[RunningBroker]:
    broker = start_broker("kafka", workdir=tmp_path / "kafka")
    try:
        yield broker
    finally:
        broker.stop()


def port_open(bootstrap: str) -> bool:
    host, _, port = bootstrap.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=0.5):
            return True
    except OSError:
        return False


async def create_topic(bootstrap: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()


async def produce(bootstrap: str, topic: str, *values: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", request_timeout_ms=5000)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=b"k")
    finally:
        await producer.stop()


async def read_all(bootstrap: str, topic: str, count: int) -> list[bytes]:
    # No group: assign the partition so the test does not wait for a group join.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest", request_timeout_ms=5000
    )
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        values: list[bytes] = []
        async with asyncio.timeout(15):
            while len(values) < count:
                record = await consumer.getone()
                values.append(record.value)
        return values
    finally:
        await consumer.stop()


def check_stop(broker: RunningBroker) -> None:
    broker.stop()
    broker.stop()  # idempotent
    assert not broker.is_alive()
    assert not port_open(broker.bootstrap)
    with pytest.raises(ProcessLookupError):
        os.kill(broker.pid, 0)


async def test_tansu_round_trip_then_stop(tansu: RunningBroker) -> None:
    assert tansu.kind == "tansu"
    assert tansu.bootstrap.startswith("127.0.0.1:")
    assert tansu.data_dir is None
    assert tansu.log_file is not None
    assert "ready" in tansu.log_file.read_text()
    assert tansu.is_alive()
    await create_topic(tansu.bootstrap, "t.roundtrip")
    await produce(tansu.bootstrap, "t.roundtrip", b"hello")
    assert await read_all(tansu.bootstrap, "t.roundtrip", 1) == [b"hello"]
    check_stop(tansu)


@needs_java
async def test_kafka_round_trip_then_stop(kafka: RunningBroker) -> None:
    assert kafka.kind == "kafka"
    assert kafka.data_dir is not None
    assert (kafka.data_dir / "meta.properties").is_file()
    assert kafka.log_file is not None
    assert "Kafka Server started" in kafka.log_file.read_text()
    await create_topic(kafka.bootstrap, "t.roundtrip")
    await produce(kafka.bootstrap, "t.roundtrip", b"hello")
    assert await read_all(kafka.bootstrap, "t.roundtrip", 1) == [b"hello"]
    check_stop(kafka)


@needs_java
async def test_kafka_keeps_records_across_restart_and_crash(kafka: RunningBroker) -> None:
    bootstrap, first_pid = kafka.bootstrap, kafka.pid
    await create_topic(bootstrap, "t.durable")
    await produce(bootstrap, "t.durable", b"before-restart")

    kafka.restart()
    assert kafka.bootstrap == bootstrap
    assert kafka.pid != first_pid
    assert await read_all(bootstrap, "t.durable", 1) == [b"before-restart"]
    await produce(bootstrap, "t.durable", b"before-crash")

    crashed_pid = kafka.pid
    kafka.kill()
    assert not kafka.is_alive()
    kafka.restart()
    assert kafka.pid != crashed_pid
    assert await read_all(bootstrap, "t.durable", 2) == [b"before-restart", b"before-crash"]


async def test_tansu_pause_hangs_requests_until_resume(tansu: RunningBroker) -> None:
    await create_topic(tansu.bootstrap, "t.pause")
    admin = AIOKafkaAdminClient(bootstrap_servers=tansu.bootstrap, request_timeout_ms=1000)
    await admin.start()
    try:
        tansu.pause()
        try:
            assert tansu.is_alive()
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(1.0):
                    await admin.list_topics()
        finally:
            tansu.resume()
        # pause() returns only once the stop has taken hold of every thread: on a busy machine a bare
        # SIGSTOP left a thread serving for a moment (40 answers in 500 tries beside six busy loops).
        for _ in range(10):
            tansu.pause()
            try:
                with pytest.raises(TimeoutError):
                    metadata_broker_count("127.0.0.1", tansu.port, timeout=0.2)
            finally:
                tansu.resume()
    finally:
        await admin.close()
    await produce(tansu.bootstrap, "t.pause", b"after-resume")
    assert await read_all(tansu.bootstrap, "t.pause", 1) == [b"after-resume"]


def test_stop_wakes_a_paused_broker(tansu: RunningBroker) -> None:
    tansu.pause()
    tansu.stop(timeout=5)
    assert not tansu.is_alive()


@pytest.fixture
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SECOURS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_state_round_trip(tansu: RunningBroker, isolated_cache: Path) -> None:
    path = save_state(tansu)
    assert path == isolated_cache / "brokers" / "tansu.json"
    assert json.loads(path.read_text())["started_at"]
    loaded = load_state("tansu")
    assert loaded == tansu
    assert loaded is not None
    assert loaded.is_alive()
    assert load_state("kafka") is None

    loaded.stop()  # by pid, though this handle never spawned it
    assert not tansu.is_alive()
    assert load_state("tansu") is None
    assert not path.exists()

    save_state(tansu)
    clear_state("tansu")
    assert not path.exists()
    clear_state("tansu")  # no record is fine


def test_detached_broker_outlives_its_starter(isolated_cache: Path) -> None:
    script = (
        "from secours.bus.brokers import start_broker\n"
        "from secours.bus.brokers.state import save_state\n"
        "print(save_state(start_broker('tansu', detached=True, ready_timeout=10)))\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30, cwd=Path(__file__).parents[2])
    broker = load_state("tansu")
    assert broker is not None
    try:
        assert broker.is_alive()
        assert os.getsid(broker.pid) == broker.pid  # a session of its own
        assert port_open(broker.bootstrap)
    finally:
        broker.stop()
    assert not port_open(broker.bootstrap)
    assert load_state("tansu") is None


def test_load_state_forgets_a_dead_pid(isolated_cache: Path) -> None:
    proc = subprocess.Popen(["true"])
    proc.wait()
    save_state(RunningBroker(kind="tansu", bootstrap="127.0.0.1:1", pid=proc.pid, data_dir=None, log_file=None))
    assert load_state("tansu") is None
    assert not state_path("tansu").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="telling brokers from other processes needs /proc")
def test_load_state_forgets_a_reused_pid(isolated_cache: Path) -> None:
    proc = subprocess.Popen(["sleep", "30"])
    try:
        save_state(RunningBroker(kind="kafka", bootstrap="127.0.0.1:1", pid=proc.pid, data_dir=None, log_file=None))
        assert load_state("kafka") is None
        assert proc.poll() is None  # and it was left alone
    finally:
        proc.kill()
        proc.wait()


def test_unreadable_state_is_dropped(isolated_cache: Path) -> None:
    path = state_path("kafka")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert load_state("kafka") is None
    assert not path.exists()


@pytest.mark.parametrize("kind", ["tansu", "kafka"])
def test_start_refuses_a_taken_port(kind: BrokerKind) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(BrokerStartError, match="already in use"):
            start_broker(kind, port=port, ready_timeout=5)


def test_start_refuses_an_unknown_kind() -> None:
    with pytest.raises(UsageError):
        start_broker("redpanda", ready_timeout=1)  # type: ignore[arg-type]


def test_missing_java_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("SECOURS_CACHE", str(tmp_path / "cache"))
    assert not java_available()
    with pytest.raises(BrokerStartError, match="java") as caught:
        start_broker("kafka", ready_timeout=1)
    assert "\n" not in str(caught.value)


def test_free_port_and_wait_for_port() -> None:
    port = free_port()
    with pytest.raises(BrokerStartError, match="no connection"):
        wait_for_port("127.0.0.1", port, timeout=0.3)
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        wait_for_port("127.0.0.1", port, timeout=2)


def test_owns_listener_tells_the_holder_of_a_port_from_a_stranger() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert owns_listener(os.getpid(), port) is True
        stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            assert owns_listener(stranger.pid, port) is False
        finally:
            stranger.kill()
            stranger.wait()
    assert owns_listener(os.getpid(), port) is None  # nobody listens any more


def taken_by_a_stranger(port: int) -> bool:
    """Whether another program could take ``port`` now: by a plain bind, or handed it by the kernel
    (binds to port 0 walk the whole free range in 2,000 tries)."""
    with socket.socket() as sock, contextlib.suppress(OSError):
        sock.bind(("127.0.0.1", port))
        return True
    socks = []
    try:
        for _ in range(2000):  # binds to port 0 walk the whole free range in this many tries
            sock = socket.socket()
            socks.append(sock)
            sock.bind(("127.0.0.1", 0))
            if sock.getsockname()[1] == port:
                return True
        return False
    finally:
        for sock in socks:
            sock.close()


@pytest.mark.parametrize("kind", ["tansu", pytest.param("kafka", marks=needs_java)])
def test_a_brokers_ports_are_held_from_their_choice_to_its_stop(kind: BrokerKind, tmp_path: Path) -> None:
    """Nobody else gets them before the broker binds them, nor while a crash has them unbound."""
    broker = start_broker(kind, workdir=tmp_path / kind, ready_timeout=60)
    try:
        holders = list(broker._held)
        ports_held = [s.getsockname()[1] for s in holders]
        assert broker.port in ports_held and len(ports_held) == (2 if kind == "kafka" else 1)  # + controller
        assert owns_listener(broker.pid, broker.port) is True
        broker.kill()
        assert not any(taken_by_a_stranger(port) for port in ports_held)
        broker.restart()
        assert owns_listener(broker.pid, broker.port) is True
    finally:
        broker.stop()
    # Let go (a plain bind may still find a port in TIME_WAIT after the broker's own connections).
    assert not broker._held and all(s.fileno() == -1 for s in holders)


def test_a_stranger_answering_on_the_port_is_not_taken_for_the_broker(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A port the caller names may be listened on by another broker between the check and the bind."""
    other = start_broker("tansu", workdir=tmp_path / "other", ready_timeout=10)
    try:

        class Unheld:  # the check found the port free: the stranger listened on it just after
            def __init__(self, port: int) -> None:
                self.port = port

            def getsockname(self) -> tuple[str, int]:
                return ("127.0.0.1", self.port)

            def close(self) -> None:
                pass

        monkeypatch.setattr("secours.bus.brokers.hold_port", Unheld)
        with pytest.raises(BrokerStartError, match=f"another process answers on port {other.port}|AddrInUse"):
            start_broker("tansu", port=other.port, workdir=tmp_path / "ours", ready_timeout=10)
    finally:
        other.stop()


def test_a_reserved_port_is_kept_from_strangers_but_not_from_our_listener() -> None:
    with reserve_port() as held:
        port = held.getsockname()[1]
        with socket.socket() as stranger, pytest.raises(OSError, match="in use"):
            stranger.bind(("127.0.0.1", port))  # without SO_REUSEADDR, as most programs bind
        with socket.socket() as ours:
            ours.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ours.bind(("127.0.0.1", port))
            ours.listen()
            wait_for_port("127.0.0.1", port, timeout=2)
    with socket.socket() as stranger:
        stranger.bind(("127.0.0.1", port))  # released
