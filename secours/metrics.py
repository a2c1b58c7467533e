"""Prometheus metrics for live runs: `secours run --metrics [HOST:]PORT` and `secours drill run --metrics`.

One registry of our own (not the library's global one), served over HTTP for the length of the
run by prometheus-client's own server thread. The figures are taken in the event loop, once a wall
second, by :meth:`Metrics.sample` and handed to the server thread as one finished list: the server
never reads state the services are changing. Built only when `--metrics` is given, so a run without
it pays nothing but a ``None`` test per record.

What is exposed (every name starts with ``secours_``):

- ``records_total{service,topic,outcome}``: records each service read, by what became of them
  (handled, dead_lettered, refused, held, replayed); ``published_total{service,topic}``;
- ``handler_seconds{service}``: wall time of the services' logic per record (a histogram);
- ``consumer_lag{service,topic}``: records written and not yet read;
- ``component_state{component,state}``: 1 for the state a component is in (up, down, queuing,
  degraded), from the faults hitting it whole; ``fault_active{fault,kind,target}``: every fault the
  run knows, 1 while it acts;
- ``ens_total{event}``: ENS filed (distinct LRNs pushed to customs), registered (distinct MRNs),
  rejected (IE3N99 answers); ``alerts_open``, ``assistance_requests_open``;
- ``sim_time_seconds``: simulated now (unix seconds); ``run_info{run_id,clock}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from secours.errors import UsageError
from secours.faults.model import Fault
from secours.runtime.stats import HANDLE_BUCKETS_S, ServiceStats
from secours.wire import IE3F10, IE3F51, IE3N99, IE3R01, MeteoAlert, OlgaClosed, OlgaDa, WireModel

if TYPE_CHECKING:
    from secours.drills.engine import Simulation

__all__ = ["Address", "Metrics", "add_metrics_option", "address", "served"]

LOOPBACK = "127.0.0.1"
SAMPLE_EVERY_S = 1.0  # wall seconds between two samples: a scrape sees figures at most this old
# Where traders' and providers' systems hand an ENS to customs: the shared trader interface's
# push endpoint and the portal. (ics2.sti.in is the same ENS again, forwarded inside customs.)
ENTRY_TOPICS = frozenset({"ics2.t2c", "ics2.portal"})
STATES = ("up", "down", "queuing", "degraded")


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


def add_metrics_option(p: argparse.ArgumentParser) -> None:
    """``--metrics [HOST:]PORT``, the same for every command that runs services."""
    p.add_argument(
        "--metrics",
        type=address,
        metavar="[HOST:]PORT",
        help="serve Prometheus metrics here for the run (host 127.0.0.1 by default)",
    )


@dataclass
class Tally:
    """The procedure's figures, from every record the run's services read or publish.

    A record is seen by its publisher and by each reader in this process; sets of identifiers make
    each count once, whoever saw it (a filing from a relay outside is seen when customs reads it).
    """

    filed: set[str] = field(default_factory=set)  # LRNs pushed to customs
    registered: set[str] = field(default_factory=set)  # MRNs issued
    rejected: set[str] = field(default_factory=set)  # ids of IE3N99 answers
    alerts: dict[str, str] = field(default_factory=dict)  # alert id -> its latest phase
    requests_open: set[str] = field(default_factory=set)
    requests_closed: set[str] = field(default_factory=set)

    def note(self, topic: str, key: str, ce_id: str, message: WireModel) -> None:
        if isinstance(message, IE3F10 | IE3F51):
            if topic in ENTRY_TOPICS:
                self.filed.add(key)
        elif isinstance(message, IE3R01):
            self.registered.add(message.mrn)
        elif isinstance(message, IE3N99):
            if topic == "ics2.sti.out":  # the STI's answer, not its copies on the way to the filer
                self.rejected.add(ce_id)
        elif isinstance(message, MeteoAlert):
            self.alerts[message.alert_id] = message.phase
        elif isinstance(message, OlgaDa):
            if message.da_id not in self.requests_closed:
                self.requests_open.add(message.da_id)
        elif isinstance(message, OlgaClosed):
            self.requests_closed.add(message.da_id)
            self.requests_open.discard(message.da_id)


class _Served(Collector):
    """Hands the server thread the families of the latest sample."""

    def __init__(self) -> None:
        self.families: list[Metric] = []

    def collect(self) -> Iterable[Metric]:
        return list(self.families)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._served = _Served()
        self.registry.register(self._served)
        self.tally = Tally()

    # --- sampling, in the event loop ------------------------------------------------------------

    async def follow(self, sim: Simulation) -> None:
        """Sample ``sim`` once a wall second until cancelled (the simulation's own background task)."""
        try:
            while True:
                self.sample(sim)
                await asyncio.sleep(SAMPLE_EVERY_S)
        finally:
            self.sample(sim)  # the figures as the run ends, for a last scrape

    def sample(self, sim: Simulation) -> None:
        now = sim.clock.now() if sim.clock is not None else None
        families: list[Metric] = []
        families.extend(self._service_families(sim))
        families.extend(self._fault_families(sim, now))
        families.extend(self._procedure_families())
        info = GaugeMetricFamily("secours_run_info", "The run being served", labels=["run_id", "clock"])
        info.add_metric([sim.run_id, "stepped" if sim.stepper is not None else "wall"], 1)
        families.append(info)
        if now is not None:
            families.append(GaugeMetricFamily("secours_sim_time_seconds", "Simulated now (unix s)", now.timestamp()))
        self._served.families = families

    def _service_families(self, sim: Simulation) -> list[Metric]:
        records = CounterMetricFamily(
            "secours_records", "Records a service read, by outcome", labels=["service", "topic", "outcome"]
        )
        published = CounterMetricFamily("secours_published", "Records a service published", labels=["service", "topic"])
        handler = HistogramMetricFamily(
            "secours_handler_seconds", "Wall time of a service's logic per record handled", labels=["service"]
        )
        lag = GaugeMetricFamily("secours_consumer_lag", "Records written, not yet read", labels=["service", "topic"])
        for name, ctx in sorted(sim.contexts.items()):
            stats: ServiceStats = ctx.stats
            for (topic, outcome), n in sorted(stats.records.copy().items()):
                records.add_metric([name, topic, outcome], n)
            for topic, n in sorted(stats.published.copy().items()):
                published.add_metric([name, topic], n)
            handler.add_metric([name], _buckets(stats.handle_buckets), stats.handle_sum_s)
            sub = ctx.subscription
            per_topic: dict[str, int] = {}
            for (topic, _), n in (sub.lag() if sub is not None else {}).items():
                per_topic[topic] = per_topic.get(topic, 0) + n
            for topic, n in sorted(per_topic.items()):
                lag.add_metric([name, topic], n)
        return [records, published, handler, lag]

    def _fault_families(self, sim: Simulation, now: datetime | None) -> list[Metric]:
        state = GaugeMetricFamily(
            "secours_component_state", "1 for the state a component is in", labels=["component", "state"]
        )
        faults = GaugeMetricFamily(
            "secours_fault_active", "Every fault the run knows: 1 while it acts", labels=["fault", "kind", "target"]
        )
        live = [a.fault for a in sim.faults.live(now)] if now is not None else []
        for name in sorted(sim.services):
            current = _state([f for f in live if f.hits_component and f.scope.component == name and not f.scope.actor])
            for s in STATES:
                state.add_metric([name, s], 1 if s == current else 0)
        live_ids = {f.id for f in live}
        for fault_id, active in sorted(sim.faults.faults.copy().items()):
            faults.add_metric([fault_id, active.fault.kind, active.fault.target], 1 if fault_id in live_ids else 0)
        return [state, faults]

    def _procedure_families(self) -> list[Metric]:
        led = self.tally
        ens = CounterMetricFamily("secours_ens", "ENS filed, registered and rejected", labels=["event"])
        ens.add_metric(["filed"], len(led.filed))
        ens.add_metric(["registered"], len(led.registered))
        ens.add_metric(["rejected"], len(led.rejected))
        alerts = sum(1 for phase in led.alerts.copy().values() if phase != "end")
        return [
            ens,
            GaugeMetricFamily("secours_alerts_open", "Alerts of the météo not yet ended", alerts),
            GaugeMetricFamily(
                "secours_assistance_requests_open", "OLGA assistance requests not yet closed", len(led.requests_open)
            ),
        ]


def _state(faults: list[Fault]) -> str:
    """A component's state from the faults hitting it whole: down wins over queuing over the rest."""
    if not faults:
        return "up"
    if any(f.system_down for f in faults):
        return "down"
    if any(f.holds_input for f in faults):
        return "queuing"
    return "degraded"


def _buckets(counts: list[int]) -> list[tuple[str, float]]:
    """Cumulative (upper bound, count) pairs, as Prometheus histograms have them."""
    out, total = [], 0
    for bound, n in zip((*HANDLE_BUCKETS_S, float("inf")), counts, strict=True):
        total += n
        out.append(("+Inf" if bound == float("inf") else repr(bound), float(total)))
    return out


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
