"""``secours bench --soak N``: a long run through the services, sampling memory and lag.

The services run in one process, as in the benchmark's ``one`` layout, fed at a fixed rate one wall
second of filings at a time (never all in memory). Every ``sample_s`` the process's RSS and CPU, the
lag (filed, not answered yet) and the p99 latency of the interval are noted. The targets: RSS grows
less than 10 % from the end of warm-up (a tenth of the run) to the end, and the lag does not grow.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import asdict, dataclass, replace
from typing import Any

from secours.bench import pipeline
from secours.bench.load import EnsFactory
from secours.bench.procstat import sample
from secours.bench.run import (
    ANSWER_TIMEOUT_S,
    WARMUP,
    BenchError,
    BenchOptions,
    Running,
    percentile,
    pipeline_side,
    running,
)
from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings
from secours.codec import Codec
from secours.drills.engine import Simulation
from secours.world import World

__all__ = ["SoakSample", "run_soak"]


@dataclass
class SoakSample:
    t_s: float  # wall seconds since the soak started
    sent: int
    answered: int
    lag: int  # filed and not answered yet
    rss_mb: float  # the services process's resident memory
    cpu_s: float
    p99_ms: float  # of the answers that came in since the previous sample


async def run_soak(base: ClientSettings, opts: BenchOptions, total: int, broker_kind: str) -> dict[str, Any]:
    """``total`` ENS through the services in one process at ``opts.rate``; memory and lag over time."""
    run = uuid.uuid4().hex[:6]
    config = pipeline.bench_config()
    world = World(config)
    factory = EnsFactory(world, Codec(), run.upper())
    settings = replace(base, prefix=f"{base.prefix}bench-{run}-soak-")
    samples: list[SoakSample] = []
    sim = Simulation(settings, config, [])
    await sim.start()
    try:
        side = pipeline_side(settings, world, "one")
        async with running(settings, side, factory, opts) as r:
            r.source.sent_at.clear()
            r.sink.arrived_at.clear()
            t0 = time.monotonic()
            next_sample = t0 + opts.sample_s
            sent = answered = 0
            window: list[float] = []
            chunk = max(1, int(opts.rate))  # one wall second of filings at a time: never all in memory
            while sent < total:
                n = min(chunk, total - sent)
                await r.source.paced(factory.filings(WARMUP + sent, n), opts.rate)
                sent += n
                answered += _collect(r, window)
                r.children.check_alive()
                if time.monotonic() >= next_sample:
                    samples.append(_sample(r, t0, sent, answered, window))
                    window = []
                    next_sample += opts.sample_s
            # Everything is filed: the last answers get a minute, then the final sample, always.
            deadline = time.monotonic() + ANSWER_TIMEOUT_S
            while r.source.sent_at and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                answered += _collect(r, window)
            samples.append(_sample(r, t0, sent, answered, window))
    finally:
        await sim.stop()
        await KafkaBus(settings).delete_prefixed_topics()
    return _soak_document(samples, total, opts, broker_kind, base.bootstrap)


def _collect(r: Running, window: list[float]) -> int:
    """Match the answers that came in with their filings; their latencies go to ``window``."""
    arrived = [k for k in r.sink.arrived_at if k in r.source.sent_at]
    for key in arrived:
        window.append((r.sink.arrived_at.pop(key) - r.source.sent_at.pop(key)) * 1000)
    return len(arrived)


def _sample(r: Running, t0: float, sent: int, answered: int, window: list[float]) -> SoakSample:
    now = sample(r.children.procs[0].pid)
    return SoakSample(
        round(time.monotonic() - t0, 1), sent, answered, len(r.source.sent_at),
        now.rss_mb if now else 0.0, now.cpu_s if now else 0.0, percentile(window, 99) if window else 0.0,
    )  # fmt: skip


def _soak_document(
    samples: list[SoakSample], total: int, opts: BenchOptions, broker_kind: str, bootstrap: str
) -> dict[str, Any]:
    """RSS growth from the end of warm-up (a tenth of the run) to the end; lag in each half."""
    if not samples:
        raise BenchError("the soak ended before its first sample")
    after_warmup = next((s for s in samples if s.sent >= total / 10), samples[0])
    last = samples[-1]
    growth = (last.rss_mb - after_warmup.rss_mb) / after_warmup.rss_mb * 100 if after_warmup.rss_mb else 0.0
    half = len(samples) // 2
    lag_first = max((s.lag for s in samples[: max(1, half)]), default=0)
    lag_second = max((s.lag for s in samples[half:]), default=0)
    return {
        "broker": broker_kind,
        "bootstrap": bootstrap,
        "soak": {
            "ens": total,
            "rate": opts.rate,
            "seconds": last.t_s,
            "answered": last.answered,
            "lost": total - last.answered,
            "rss_after_warmup_mb": after_warmup.rss_mb,
            "rss_final_mb": last.rss_mb,
            "rss_growth_pct": growth,
            "max_lag_first_half": lag_first,
            "max_lag_second_half": lag_second,
            "samples": [asdict(s) for s in samples],
        },
        "targets": {
            "rss_growth_under_10pct": growth < 10.0,
            # "No lag growth": the second half never falls further behind than the first did, give or
            # take one second of traffic.
            "no_lag_growth": lag_second <= lag_first + opts.rate,
            "all_answered": last.answered == total,
        },
    }
