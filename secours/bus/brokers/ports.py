"""Loopback ports for the brokers and the proxy: choosing one, holding it, waiting for it, and who
listens on it.

A port chosen free is only free until somebody binds it: between the choice and the broker's own
bind (milliseconds for Tansu, seconds for the JVM), or while a killed broker waits for its restart,
any process on the machine could be handed it, another test worker's broker or proxy most likely.
:func:`reserve_port` holds it meanwhile. :func:`owns_listener` tells a broker from a stranger
answering on a port that nobody held (one the caller named).
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from secours.errors import BrokerStartError

HOST = "127.0.0.1"
POLL_S = 0.05
_TCP_LISTEN = "0A"  # the state column of /proc/net/tcp


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def reserve_port(port: int = 0) -> socket.socket:
    """Hold ``port`` of 127.0.0.1 (0: a free one) without listening on it, until the socket is closed.

    While it is open the kernel hands the port to no other process, neither for a bind to port 0
    nor as the source port of a connection, yet a listener of ours that sets SO_REUSEADDR may bind
    it (two such sockets conflict only when one of them listens). So a port chosen now and listened
    on later, or closed and opened again, cannot be taken in between.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
    except OSError:
        sock.close()
        raise
    return sock


def wait_for_port(host: str, port: int, timeout: float) -> None:
    """Block until ``host:port`` accepts a TCP connection; :class:`BrokerStartError` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            remaining = deadline - time.monotonic()
            with socket.create_connection((host, port), timeout=max(0.05, min(1.0, remaining))):
                return
        except OSError as exc:
            if time.monotonic() >= deadline:
                raise BrokerStartError(f"{host}:{port} accepted no connection within {timeout:g} s") from exc
        time.sleep(POLL_S)


def hold_port(port: int = 0) -> socket.socket:
    """:func:`reserve_port` for a broker: a port something listens on is a :class:`BrokerStartError`."""
    try:
        return reserve_port(port)
    except OSError as exc:
        raise BrokerStartError(f"port {port} on {HOST} is already in use ({exc.strerror})") from exc


def check_port_free(port: int) -> None:
    """:class:`BrokerStartError` if something listens on ``port`` of 127.0.0.1.

    A port in TIME_WAIT after our own broker's restart, or held by us without a listener, is free;
    one with a listener is not: the broker would fail to bind, or worse, we would probe a stranger.
    """
    hold_port(port).close()


def owns_listener(pid: int, port: int) -> bool | None:
    """Whether process ``pid`` holds the socket listening on TCP ``port``.

    None where it cannot be told: no /proc (macOS), another user's process, or nobody listening.
    """
    inodes = set()
    try:
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            if not os.path.exists(table):
                continue
            for line in Path(table).read_text(encoding="ascii").splitlines()[1:]:
                # sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
                fields = line.split()
                if fields[3] == _TCP_LISTEN and int(fields[1].rpartition(":")[2], 16) == port:
                    inodes.add(f"socket:[{fields[9]}]")
        if not inodes:
            return None
        fds = os.listdir(f"/proc/{pid}/fd")
    except (OSError, IndexError, ValueError):
        return None
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                return True
        except OSError:
            continue  # closed while we looked
    return False
