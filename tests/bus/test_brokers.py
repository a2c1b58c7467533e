"""The broker launchers against real processes: Tansu always, Apache Kafka when Java is installed."""

from __future__ import annotations

import asyncio
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
    ports,
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


def _first_port_taken(monkeypatch: pytest.MonkeyPatch, taken: int) -> list[int]:
    """Make start_broker choose ``taken`` first, as if another process bound it after it was chosen."""
    chosen: list[int] = []
    real_choice, real_check = ports.other_free_port, ports.check_port_free

    def choose(exclude: set[int | None]) -> int:
        port = taken if not chosen else real_choice(exclude | {taken})
        chosen.append(port)
        return port

    def check(port: int) -> None:
        if port != taken:  # the race: free when chosen and checked, bound by the stranger just after
            real_check(port)

    # start_broker's own names for them (imported from ports into the package)
    monkeypatch.setattr("secours.bus.brokers.other_free_port", choose)
    monkeypatch.setattr("secours.bus.brokers.check_port_free", check)
    return chosen


@pytest.mark.parametrize("stranger", ["a socket", "another broker"])
def test_a_port_taken_before_the_broker_binds_it_is_traded_for_another(
    stranger: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The stranger either makes our broker die on bind, or answers the readiness probe in its place."""
    if stranger == "a socket":
        holder = socket.socket()
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port, stop_holder = holder.getsockname()[1], holder.close
    else:
        other = start_broker("tansu", workdir=tmp_path / "other", ready_timeout=10)
        port, stop_holder = other.port, other.stop
    try:
        chosen = _first_port_taken(monkeypatch, port)
        broker = start_broker("tansu", workdir=tmp_path / "ours", ready_timeout=10)
        try:
            assert chosen[0] == port and broker.port == chosen[1] != port
            assert owns_listener(broker.pid, broker.port) is True
            assert "starting the tansu broker again on other ports" in caplog.text
        finally:
            broker.stop()
    finally:
        stop_holder()


def test_a_port_the_caller_chose_is_not_traded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    other = start_broker("tansu", workdir=tmp_path / "other", ready_timeout=10)
    try:
        monkeypatch.setattr("secours.bus.brokers.check_port_free", lambda port: None)
        with pytest.raises(BrokerStartError, match=f"port {other.port} was taken|Address|AddrInUse"):
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
