"""``secours bench --viewers N``: does a room watching the game-day page slow the run it shows?

The same drill is run live twice on the wall clock, with the game-day page served from the run's
own event loop (``secours run --ui``): once with nobody watching, once with N viewers following the
page's server-sent events from another process (as browsers on the trainees' machines would). For
each run, over the same window of wall time from the drill's start:

- how late the run's event loop wakes a 50 ms sleep (p50, p99, max): every timer and every record
  handler of the services waits that long on top of its due time, so it is how much the run falls
  behind its clock;
- the CPU the run's process used, and the records its services handled;
- the state events the viewers received (each viewer must really be watching).

The window starts five seconds after the run (the services joining their consumer groups and the
first burst of filings are the same with or without viewers, and would drown the difference).

Figures are reported, not judged: ``docs/performance.md`` has them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from dataclasses import asdict, dataclass, replace
from typing import Any

from secours.bench.procstat import sample
from secours.bench.run import percentile
from secours.bus.settings import ClientSettings
from secours.drills.engine import Simulation, select_services
from secours.gameday.server import GameDay
from secours.world import RunConfig

__all__ = ["ViewersRun", "run_viewers"]

_PROBE_S = 0.05  # the probe's sleep: how late it wakes is the loop's lateness
_WARMUP_S = 5.0  # left out of the window: the services joining their groups, the first burst of records


@dataclass
class ViewersRun:
    viewers: int
    late_p50_ms: float
    late_p99_ms: float
    late_max_ms: float
    cpu_s: float  # the run's process, over the window
    records_handled: int
    events_received: int  # state events, all viewers together
    events_per_viewer_min: int
    seconds: float


async def run_viewers(
    base: ClientSettings, config: RunConfig, drill: str, viewers: int, seconds: float
) -> dict[str, Any]:
    """The drill live with nobody watching, then with ``viewers`` viewers; the figures of both."""
    run = uuid.uuid4().hex[:6]
    runs = []
    for n in (0, viewers):
        settings = replace(base, prefix=f"{base.prefix}bench-{run}-viewers{n}-")
        runs.append(await _one(settings, config, n, seconds))
    return {
        "bootstrap": base.bootstrap,
        "viewers": {"drill": drill, "speed": config.speed, "seconds": seconds, "runs": [asdict(r) for r in runs]},
    }


async def _one(settings: ClientSettings, config: RunConfig, viewers: int, seconds: float) -> ViewersRun:
    sim = Simulation(settings, config, select_services(for_config=config), live=True)
    await sim.start()
    page = GameDay(sim, uuid.uuid4().hex)
    try:
        url = await page.start("127.0.0.1", 0)
        await asyncio.sleep(_WARMUP_S)
        before = sample(os.getpid())
        handled = _handled(sim)
        watchers = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "secours.bench.viewers", url, str(viewers), str(seconds),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        late = await _probe(seconds)
        out, _ = await watchers.communicate()
        after = sample(os.getpid())
        got = json.loads(out.decode() or "[]") if watchers.returncode == 0 else []
        if len(got) != viewers:
            raise RuntimeError(f"{viewers} viewers asked for, {len(got)} came back (exit {watchers.returncode})")
        return ViewersRun(
            viewers=viewers,
            late_p50_ms=percentile(late, 50) * 1000,
            late_p99_ms=percentile(late, 99) * 1000,
            late_max_ms=max(late) * 1000,
            cpu_s=(after.cpu_s - before.cpu_s) if after and before else 0.0,
            records_handled=_handled(sim) - handled,
            events_received=sum(got),
            events_per_viewer_min=min(got, default=0),
            seconds=seconds,
        )
    finally:
        await page.stop()
        await sim.stop()


def _handled(sim: Simulation) -> int:
    return sum(s.total("handled") for s in sim.stats.values())


async def _probe(seconds: float) -> list[float]:
    """How late a short sleep wakes, again and again for ``seconds``."""
    late: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        await asyncio.sleep(_PROBE_S)
        late.append(max(0.0, time.perf_counter() - t0 - _PROBE_S))
    return late


# --- the viewers' side (another process): ``python -m secours.bench.viewers URL N SECONDS`` ---------------


async def _watch(host: str, port: int, seconds: float) -> int:
    """One viewer: follows ``/api/events`` for ``seconds``; the state events it received."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /api/events HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    events, end = 0, time.perf_counter() + seconds
    try:
        while (left := end - time.perf_counter()) > 0:
            try:
                line = await asyncio.wait_for(reader.readline(), timeout=left)
            except TimeoutError:
                break
            if not line:
                break
            events += line.startswith(b"event: state")
    finally:
        writer.close()
    return events


async def _watchers(url: str, n: int, seconds: float) -> list[int]:
    host, _, rest = url.removeprefix("http://").partition(":")
    port = int(rest.split("/", 1)[0])
    return list(await asyncio.gather(*(_watch(host, port, seconds) for _ in range(n))))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m secours.bench.viewers")
    p.add_argument("url")
    p.add_argument("viewers", type=int)
    p.add_argument("seconds", type=float)
    args = p.parse_args(argv)
    print(json.dumps(asyncio.run(_watchers(args.url, args.viewers, args.seconds))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
