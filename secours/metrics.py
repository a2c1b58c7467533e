"""Prometheus metrics for live runs: one registry of our own, served for the length of a run.

Only built when `--metrics` is given, so a run without it pays nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Gauge, start_http_server

from secours.errors import UsageError

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Address:
    host: str
    port: int


def address(text: str) -> Address:
    """argparse type for `[HOST:]PORT`; a bare port stays on loopback so a run never exposes itself by accident."""
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host = LOOPBACK
    if sep and not host:
        raise argparse.ArgumentTypeError(f"{text!r}: a host is needed before ':' (or give only a port)")
    try:
        port = int(port_text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected [HOST:]PORT, PORT a number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: port must be between 1 and 65535")
    return Address(host, port)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.sim_clock = Gauge("secours_sim_clock_seconds", "Simulated now, in unix seconds", registry=self.registry)

    def clock(self, now: datetime) -> None:
        self.sim_clock.set(now.timestamp())


@contextlib.contextmanager
def served(where: Address | None) -> Iterator[Metrics | None]:
    """Serve a fresh registry on `where` for the block; None (no `--metrics`) serves nothing."""
    if where is None:
        yield None
        return
    metrics = Metrics()
    try:
        server, thread = start_http_server(where.port, where.host, registry=metrics.registry)
    except OSError as exc:
        raise UsageError(f"--metrics {where.host}:{where.port}: cannot listen ({exc.strerror or exc})") from None
    try:
        yield metrics
    finally:
        _stop(server, thread)


def _stop(server: WSGIServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
