"""One benchmark: the bare chain and the simulated pipeline, measured the same way on one broker.

Each side gets its own topic prefix, its own child processes and the same phases:

1. warm-up: a few hundred ENS, until every answer is back (connections, metadata, JIT-free Python
   caches all warm);
2. maximum rate: ``ens`` filings handed over at once; ENS per second is their number over the time
   from the first hand-over to the last answer; hop-messages per second counts every record the
   side wrote to any topic in that time (receipts, distributions, heartbeats included);
3. fixed rate: ``rate`` filings per second for ``seconds``; the latency of each is hand-over to
   answer; p50/p95/p99 and how many never came back within a minute.

Nothing here asserts a target: the figures are reported, with whether each target is met.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import aiokafka
from aiokafka import AIOKafkaProducer, ConsumerRecord

from secours.bench import chain, pipeline
from secours.bench.load import EnsFactory, Filing, Sink, Source, count_records
from secours.bench.procstat import sample
from secours.bus import TopicToCreate
from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings
from secours.codec import Codec
from secours.drills.engine import Simulation
from secours.errors import SecoursError
from secours.world import World

__all__ = [
    "ANSWER_TIMEOUT_S",
    "WARMUP",
    "BenchError",
    "BenchOptions",
    "Running",
    "percentile",
    "pipeline_side",
    "run_bench",
    "running",
]

WARMUP = 300
_WARMUP_TIMEOUT_S = 120.0
ANSWER_TIMEOUT_S = 60.0  # after the last hand-over, how long answers may still come
_STOP_TIMEOUT_S = 10.0
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0


class BenchError(SecoursError):
    """A side of the benchmark could not be measured (a child died, answers never came)."""


@dataclass(frozen=True)
class BenchOptions:
    ens: int = 5000  # filings of the maximum-rate phase
    rate: float = 1000.0  # filings per second of the fixed-rate phase
    seconds: float = 10.0  # length of the fixed-rate phase
    layouts: tuple[str, ...] = ("one", "two", "each")
    logs: Path | None = None  # keep the child processes' logs here (default: a temporary folder)
    profile: Path | None = None  # run each child under cProfile, writing <side>/<process>.prof here
    sample_s: float = 10.0  # soak: seconds between two samples of memory and lag


@dataclass
class ProcessFigures:
    name: str
    services: list[str]
    cpu_s_max_phase: float  # CPU seconds spent during the maximum-rate phase
    cpu_s_fixed_phase: float  # ... and during the fixed-rate phase
    peak_rss_mb: float


@dataclass
class SideFigures:
    side: str
    processes: list[ProcessFigures] = field(default_factory=list)
    ens: int = 0
    seconds: float = 0.0
    ens_per_s: float = 0.0
    hop_messages_per_s: float = 0.0
    records_per_ens: float = 0.0
    offered_rate: float = 0.0
    offered: int = 0
    answered: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0


@dataclass
class _Side:
    """What differs between the bare chain and the simulated services."""

    name: str
    processes: list[tuple[str, tuple[str, ...], list[str]]]  # (name, services, argv)
    answer_topics: list[str]
    wanted: Callable[[ConsumerRecord[bytes, bytes]], bool]
    route: Callable[[Filing], str] | None


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..100) of non-empty ``values``."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


class _Children:
    """The side's child processes, their logs, and their CPU and memory."""

    def __init__(
        self, specs: Sequence[tuple[str, tuple[str, ...], list[str]]], logdir: Path, env: dict[str, str]
    ) -> None:
        self.specs = specs
        self.logdir = logdir
        self.env = {**os.environ, **env}
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, profile: Path | None) -> None:
        for name, _, argv in self.specs:
            log = (self.logdir / f"{name}.log").open("wb")
            command = argv
            if profile is not None:  # python -m cProfile -o FILE -m module args...
                profile.mkdir(parents=True, exist_ok=True)
                command = [argv[0], "-m", "cProfile", "-o", str(profile / f"{name}.prof"), *argv[1:]]
            self.procs.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env))

    def cpu(self) -> list[float]:
        return [s.cpu_s if (s := sample(p.pid)) else 0.0 for p in self.procs]

    def peak_rss(self) -> list[float]:
        return [s.peak_rss_mb if (s := sample(p.pid)) else 0.0 for p in self.procs]

    def check_alive(self) -> None:
        for (name, _, _), proc in zip(self.specs, self.procs, strict=True):
            if proc.poll() is not None:
                raise BenchError(f"{name} exited with code {proc.returncode}: {self.tail(name)}")

    def tail(self, name: str) -> str:
        lines = (self.logdir / f"{name}.log").read_text(errors="replace").strip().splitlines()
        return " | ".join(lines[-3:]) or "(no output)"

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def _wait_answers(sink: Sink, children: _Children, keys: Sequence[bytes], timeout_s: float) -> int:
    """Wait for the answers while checking, every second, that no child has died."""
    deadline = time.monotonic() + timeout_s
    while True:
        missing = await sink.wait_for(keys, min(1.0, max(0.0, deadline - time.monotonic())))
        children.check_alive()
        if not missing or time.monotonic() >= deadline:
            return missing


@dataclass
class Running:
    children: _Children
    source: Source
    sink: Sink
    settings: ClientSettings


@contextlib.asynccontextmanager
async def running(
    settings: ClientSettings, side: _Side, factory: EnsFactory, opts: BenchOptions
) -> AsyncIterator[Running]:
    """The side's children started and warmed up (every warm-up ENS answered), stopped on the way out."""
    with tempfile.TemporaryDirectory(prefix="secours-bench-") as tmp:
        logdir = Path(tmp) if opts.logs is None else opts.logs / settings.prefix.rstrip("-")
        logdir.mkdir(parents=True, exist_ok=True)
        children = _Children(side.processes, logdir, settings.env())
        producer = AIOKafkaProducer(**settings.client_options(), acks="all", linger_ms=0)
        sink = Sink(settings, side.answer_topics, side.wanted)
        try:
            children.start(None if opts.profile is None else opts.profile / settings.prefix.rstrip("-"))
            await producer.start()
            await sink.start()
            source = Source(producer, settings.prefix, side.route)
            warm = factory.filings(0, WARMUP)
            await source.blast(warm)
            missing = await _wait_answers(sink, children, [f.key for f in warm], _WARMUP_TIMEOUT_S)
            if missing:
                names = ", ".join(n for n, _, _ in side.processes)
                raise BenchError(f"{side.name}: {missing} of {WARMUP} warm-up ENS got no answer ({names} running?)")
            yield Running(children, source, sink, settings)
        finally:
            children.stop()
            await sink.stop()
            await producer.stop()


async def _measure(settings: ClientSettings, side: _Side, factory: EnsFactory, opts: BenchOptions) -> SideFigures:
    figures = SideFigures(side=side.name)
    async with running(settings, side, factory, opts) as run:
        children, source, sink = run.children, run.source, run.sink
        batch = factory.filings(WARMUP, opts.ens)
        cpu0, records0 = children.cpu(), await count_records(settings)
        t0 = time.monotonic()
        await source.blast(batch)
        keys = [f.key for f in batch]
        missing = await _wait_answers(sink, children, keys, ANSWER_TIMEOUT_S + opts.ens / 100)
        if missing:
            raise BenchError(f"{side.name}: {missing} of {opts.ens} ENS got no answer at maximum rate")
        elapsed = max(sink.arrived_at[k] for k in keys) - t0
        cpu1, records1 = children.cpu(), await count_records(settings)
        figures.ens, figures.seconds = opts.ens, elapsed
        figures.ens_per_s = opts.ens / elapsed
        figures.hop_messages_per_s = (records1 - records0) / elapsed
        figures.records_per_ens = (records1 - records0) / opts.ens

        paced = factory.filings(WARMUP + opts.ens, int(opts.rate * opts.seconds))
        await source.paced(paced, opts.rate)
        keys = [f.key for f in paced]
        await _wait_answers(sink, children, keys, ANSWER_TIMEOUT_S)
        cpu2 = children.cpu()
        latencies = [(sink.arrived_at[k] - source.sent_at[k]) * 1000 for k in keys if k in sink.arrived_at]
        figures.offered_rate, figures.offered, figures.answered = opts.rate, len(keys), len(latencies)
        if latencies:
            figures.p50_ms = percentile(latencies, 50)
            figures.p95_ms = percentile(latencies, 95)
            figures.p99_ms = percentile(latencies, 99)
            figures.max_ms = max(latencies)
        for (name, services, _), a, b, c, rss in zip(
            side.processes, cpu0, cpu1, cpu2, children.peak_rss(), strict=True
        ):
            figures.processes.append(ProcessFigures(name, list(services), b - a, c - b, rss))
    return figures


async def _bare_side(base: ClientSettings, run: str) -> tuple[_Side, ClientSettings]:
    settings = replace(base, prefix=f"{base.prefix}bench-{run}-bare-")
    bus = KafkaBus(settings)
    await bus.ensure_topics([TopicToCreate(t, 3) for t in chain.chain_topics(pipeline.HOPS)])
    argv = [
        sys.executable, "-m", "secours.bench.chain",
        "--bootstrap", settings.bootstrap, "--prefix", settings.prefix, "--hops", str(pipeline.HOPS),
    ]  # fmt: skip
    first, last = chain.chain_topics(pipeline.HOPS)[0], chain.chain_topics(pipeline.HOPS)[-1]
    side = _Side(
        "bare aiokafka chain",
        [("relays", tuple(f"relay {i}" for i in range(1, pipeline.HOPS)), argv)],
        [last],
        _any,
        lambda f: first,
    )
    return side, settings


def pipeline_side(settings: ClientSettings, world: World, layout: str) -> _Side:
    groups = pipeline.LAYOUTS[layout]
    procs = [("+".join(g), g, pipeline.service_argv(g, settings.bootstrap, settings.prefix)) for g in groups]
    answers = [f"edi.to_trader.{p.id}" for p in world.providers]
    name = f"services, layout {layout!r} ({len(groups)} process{'es' if len(groups) > 1 else ''})"
    return _Side(name, procs, answers, _mrn, None)


def _any(record: ConsumerRecord[bytes, bytes]) -> bool:
    return True


def _mrn(record: ConsumerRecord[bytes, bytes]) -> bool:
    return any(k == "ce_type" and v == b"IE3R01" for k, v in record.headers or ())


async def run_bench(base: ClientSettings, opts: BenchOptions, broker_kind: str) -> dict[str, Any]:
    """Both sides on the broker at ``base.bootstrap``; the JSON-ready document of every figure."""
    run = uuid.uuid4().hex[:6]
    config = pipeline.bench_config()
    world = World(config)
    factory = EnsFactory(world, Codec(), run.upper())
    results: dict[str, SideFigures] = {}
    cleanup: list[ClientSettings] = []
    try:
        side, settings = await _bare_side(base, run)
        cleanup.append(settings)
        results["bare"] = await _measure(settings, side, factory, opts)
        for layout in opts.layouts:
            settings = replace(base, prefix=f"{base.prefix}bench-{run}-{layout}-")
            cleanup.append(settings)
            sim = Simulation(settings, config, [])
            await sim.start()  # creates the topics and announces the run the children join
            try:
                side = pipeline_side(settings, world, layout)
                results[layout] = await _measure(settings, side, factory, opts)
            finally:
                await sim.stop()
    finally:
        for settings in cleanup:
            await KafkaBus(settings).delete_prefixed_topics()
    return _document(results, opts, broker_kind, base.bootstrap)


def _document(results: dict[str, SideFigures], opts: BenchOptions, broker_kind: str, bootstrap: str) -> dict[str, Any]:
    bare = results["bare"]
    doc: dict[str, Any] = {
        "broker": broker_kind,
        "bootstrap": bootstrap,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "aiokafka": aiokafka.__version__,
            "platform": platform.platform(),
        },
        "options": {k: v for k, v in asdict(opts).items() if k not in ("logs", "profile", "sample_s")},
        "hops": pipeline.HOPS,
        "sides": {k: asdict(v) for k, v in results.items()},
    }
    one = results.get("one")
    if one is not None:
        ratio = one.ens_per_s / bare.ens_per_s
        doc["ratio"] = ratio
        doc["targets"] = {
            "ratio_at_least_0.5": ratio >= TARGET_RATIO,
            "p99_under_50ms_at_1000_ens_s": (
                one.answered == one.offered and one.p99_ms < TARGET_P99_MS and opts.rate >= 1000
            ),
        }
    return doc
