"""Apache Kafka 4.x in KRaft mode, one combined broker+controller node on loopback.

The jars come from Maven Central (see ``kafka-pom.xml``) and are cached per version under
:func:`cache_dir`. This module only prepares a work directory and spawns the JVM; readiness and the
process life cycle are the package's (:mod:`secours.bus.brokers`).
"""

from __future__ import annotations

import base64
import fcntl
import logging
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from importlib import resources
from pathlib import Path

from secours.bus.brokers.secure import SecureListener, make_certificate
from secours.errors import BrokerStartError, UsageError

logger = logging.getLogger(__name__)

KAFKA_VERSION = "4.1.1"

_COMPLETE_MARKER = ".complete"
_MVN_TIMEOUT_S = 900.0
_FORMAT_TIMEOUT_S = 120.0
# -Xms256m rather than BROKER.md's 512m: a test broker holds little, and CI machines have 2 cores and
# little memory. The dedupe buffer in server.properties is what keeps 1g of heap enough.
_JVM_OPTIONS = ("-Xms256m", "-Xmx1g", "-XX:+UseG1GC", "-Djava.awt.headless=true")


def cache_dir() -> Path:
    """Where secours keeps downloads and broker state: ``$SECOURS_CACHE`` or ``~/.cache/secours``."""
    env = os.environ.get("SECOURS_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "secours"


def java_executable() -> str | None:
    """The ``java`` to run: ``$JAVA_HOME/bin/java`` when it exists, else the one on ``PATH``."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("java")


def _version_root(version: str) -> Path:
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise UsageError(f"not a Kafka version: {version!r} (expected e.g. {KAFKA_VERSION})")
    return cache_dir() / f"kafka-{version}"


def java_available() -> bool:
    """Whether a Kafka broker can be started: java present, and mvn present or the jars already cached."""
    if java_executable() is None:
        return False
    return shutil.which("mvn") is not None or (_version_root(KAFKA_VERSION) / _COMPLETE_MARKER).is_file()


def ensure_kafka_jars(version: str = KAFKA_VERSION) -> Path:
    """Return the directory holding Kafka's runtime jars, downloading them with Maven the first time."""
    root = _version_root(version)
    libs = root / "libs"
    if (root / _COMPLETE_MARKER).is_file():
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerStartError(f"cannot fetch the Kafka {version} jars: mvn (Apache Maven) is not on PATH")
    root.mkdir(parents=True, exist_ok=True)
    # Two test sessions starting at once must not copy jars into the same directory.
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (root / _COMPLETE_MARKER).is_file():
            return libs
        logger.info("downloading the Kafka %s jars with Maven into %s (once, about 45 MB)", version, libs)
        partial = root / "libs.partial"
        shutil.rmtree(partial, ignore_errors=True)
        with tempfile.TemporaryDirectory(prefix="secours-mvn-") as tmp:
            pom = resources.files(__package__).joinpath("kafka-pom.xml").read_text(encoding="utf-8")
            pom = re.sub(r"<kafka\.version>[^<]*</kafka\.version>", f"<kafka.version>{version}</kafka.version>", pom)
            Path(tmp, "pom.xml").write_text(pom, encoding="utf-8")
            _run(
                [
                    mvn,
                    "-B",
                    "-q",
                    "dependency:copy-dependencies",
                    "-DincludeScope=runtime",
                    f"-DoutputDirectory={partial}",
                ],
                cwd=Path(tmp),
                timeout=_MVN_TIMEOUT_S,
                what=f"fetching the Kafka {version} jars with mvn",
            )
        if not any(partial.glob("kafka_2.13-*.jar")):
            raise BrokerStartError(f"mvn ran but {partial} holds no kafka_2.13 jar")
        shutil.rmtree(libs, ignore_errors=True)
        partial.rename(libs)
        (root / _COMPLETE_MARKER).write_text(version + "\n", encoding="utf-8")
    return libs


def _run(command: list[str], *, cwd: Path, timeout: float, what: str) -> None:
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise BrokerStartError(f"{what} took over {timeout:.0f} s") from exc
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()[-20:]
        raise BrokerStartError(f"{what} failed (exit {result.returncode}):\n" + "\n".join(output))


def _require_java() -> str:
    java = java_executable()
    if java is None:
        raise BrokerStartError("cannot start Kafka: java (JDK/JRE 17+) is not on PATH and JAVA_HOME is unset")
    return java


def _cluster_id() -> str:
    # What `kafka-storage.sh random-uuid` prints, without paying for a JVM start: a random UUID in
    # unpadded URL-safe base64, redrawn when it starts with "-" (Kafka's own rule: it reads like a flag).
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        if not text.startswith("-"):
            return text


def server_properties(
    port: int,
    controller_port: int,
    data_dir: Path,
    *,
    advertised_port: int | None = None,
    internal_port: int | None = None,
    secure: SecureListener | None = None,
) -> str:
    """The single-node KRaft configuration of BROKER.md, bound to 127.0.0.1 only.

    With ``secure``, a second client listener on ``secure.port`` speaks SASL_SSL (see
    :mod:`secours.bus.brokers.secure`).

    With ``advertised_port`` the client listener stays on ``port`` but Metadata answers name
    ``127.0.0.1:advertised_port`` (a fault proxy's port), and the broker's traffic to itself moves to an
    INTERNAL listener on ``internal_port``: the transaction coordinator sends WriteTxnMarkers to the
    partition leader over the network even when that is the same node, and through the proxy a fault
    meant for the clients would stall the broker too (or fail outright while no proxy listens).
    """
    listeners = f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}"
    advertised = f"PLAINTEXT://127.0.0.1:{port}"
    inter_broker = "PLAINTEXT"
    protocols = "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    if advertised_port is not None:
        if internal_port is None:
            raise ValueError("advertised_port needs an internal_port for the broker's own traffic")
        listeners += f",INTERNAL://127.0.0.1:{internal_port}"
        advertised = f"PLAINTEXT://127.0.0.1:{advertised_port},INTERNAL://127.0.0.1:{internal_port}"
        inter_broker = "INTERNAL"
        protocols += ",INTERNAL:PLAINTEXT"
    extra: dict[str, str] = {}
    if secure is not None:
        listeners += f",SASL_SSL://127.0.0.1:{secure.port}"
        advertised += f",SASL_SSL://127.0.0.1:{secure.port}"
        protocols += ",SASL_SSL:SASL_SSL"
        extra = secure.properties()
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
        "listeners": listeners,
        "advertised.listeners": advertised,
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": inter_broker,
        "listener.security.protocol.map": protocols,
        "log.dirs": str(data_dir),
        "num.partitions": "1",
        # Topics come from topics.yaml; a typo in a topic name must fail, not create a topic.
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        # The default 128 MiB comes out of the heap and leaves too little of -Xmx1g.
        "log.cleaner.dedupe.buffer.size": "16777216",
        # After a SIGKILL the restarted node finds its old registration still live and retries until the
        # old session expires (default 9 s): crash drills restart about 5 s sooner with 4 s. A pause over
        # 4 s fences the broker briefly on resume, as it would after 9 s by default.
        "broker.session.timeout.ms": "4000",
        "broker.heartbeat.interval.ms": "1000",
        **extra,
    }
    lines = ["# Written by secours.bus.brokers.apache; edits are lost when start_broker rewrites it."]
    lines += [f"{key}={value}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def _classpath(libs: Path) -> str:
    return str(libs / "*")  # java expands the wildcard itself


def prepare_workdir(
    port: int,
    controller_port: int,
    workdir: Path | None,
    *,
    advertised_port: int | None = None,
    internal_port: int | None = None,
    secure_port: int | None = None,
    users: dict[str, str] | None = None,
) -> tuple[Path, SecureListener | None]:
    """Write the configuration into ``workdir`` (a fresh temp dir by default), formatting storage once.

    ``advertised_port`` and ``internal_port``: see :func:`server_properties`. ``secure_port`` and
    ``users``: a SASL_SSL listener there, with a certificate made here and these users.
    """
    java = _require_java()
    libs = ensure_kafka_jars()
    if workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix="secours-kafka-"))
    workdir = workdir.resolve()
    data_dir = workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_config = workdir / "log4j2.yaml"
    log_config.write_text(
        resources.files(__package__).joinpath("log4j2.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    secure = None if secure_port is None else make_certificate(java, workdir, secure_port, users or {})
    properties = server_properties(
        port, controller_port, data_dir, advertised_port=advertised_port, internal_port=internal_port, secure=secure
    )
    (workdir / "server.properties").write_text(properties, encoding="utf-8")
    if not (data_dir / "meta.properties").is_file():
        command = [
            java,
            f"-Dlog4j2.configurationFile={log_config}",
            "-cp",
            _classpath(libs),
            "kafka.tools.StorageTool",
            "format",
            "-t",
            _cluster_id(),
            "-c",
            str(workdir / "server.properties"),
            "--ignore-formatted",
            *(secure.scram_arguments() if secure is not None else []),
        ]
        _run(command, cwd=workdir, timeout=_FORMAT_TIMEOUT_S, what=f"formatting Kafka storage in {data_dir}")
    return workdir, secure


def launch(workdir: Path, log_file: Path, *, new_session: bool) -> subprocess.Popen[bytes]:
    """Spawn the broker JVM of a prepared work directory, appending its output to ``log_file``."""
    java = _require_java()
    command = [
        java,
        *_JVM_OPTIONS,
        f"-Dlog4j2.configurationFile={workdir / 'log4j2.yaml'}",
        "-cp",
        _classpath(ensure_kafka_jars()),
        "kafka.Kafka",
        str(workdir / "server.properties"),
    ]
    logger.debug("starting Kafka: %s", command)
    with log_file.open("ab") as log:
        return subprocess.Popen(
            command,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )
