"""Runs a drill: start the actors, record every topic, wait for the day to play out, summarise.

Writes ``summary.json`` and ``journal.jsonl`` into the output folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from secours.bus.settings import ClientSettings
from secours.clock import SimClock, format_sim
from secours.drills.engine import Simulation, select_services
from secours.drills.journal import Recorder
from secours.drills.model import Drill
from secours.drills.summary import summarise
from secours.errors import UsageError

__all__ = ["DrillResult", "run_drill"]

logger = logging.getLogger(__name__)


@dataclass
class DrillResult:
    summary: dict[str, Any]
    out_dir: Path

    @property
    def passed(self) -> bool:
        return bool(self.summary["verdict"] == "pass")


class _Progress:
    """A progress bar of simulated time on stderr (a line every 10 % when not a terminal)."""

    def __init__(self, clock: SimClock, drill: Drill, stream: TextIO, enabled: bool) -> None:
        self.clock, self.drill, self.stream, self.enabled = clock, drill, stream, enabled
        self.total = drill.duration_hours * 3600
        self.last_decile = -1

    def show(self, records: int) -> None:
        if not self.enabled:
            return
        start = self.drill.run_config().start
        done = min(1.0, max(0.0, (self.clock.now() - start).total_seconds() / self.total))
        shown = min(max(self.clock.now(), start), self.drill.run_config().end)
        label = f"{format_sim(shown)[:16]}Z  {records} records"
        if self.stream.isatty():
            bar = "#" * int(done * 30)
            self.stream.write(f"\r{self.drill.drill} [{bar:<30}] {done:4.0%} {label}")
        elif int(done * 10) > self.last_decile:
            self.last_decile = int(done * 10)
            self.stream.write(f"{self.drill.drill}: {done:4.0%} of simulated time, {label}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.stream.isatty():
            self.stream.write("\n")


async def run_drill(
    drill: Drill, settings: ClientSettings, out_dir: Path, *, broker: str = "external", progress: bool = True
) -> DrillResult:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, before anything runs
    except OSError as exc:
        raise UsageError(f"cannot create output folder {out_dir}: {exc.strerror}") from None
    config = drill.run_config()
    sim = Simulation(settings, config, select_services())
    wall_start = SimClock.wall_now()
    journal_path = out_dir / "journal.jsonl"
    with journal_path.open("w", encoding="utf-8") as journal:
        clock = await sim.start()
        recorder = Recorder(sim.bus, sim.codec, sim.catalog, clock, journal)
        rec_task = asyncio.create_task(recorder.run([t.name for t in sim.topics()]), name="journal")
        bar = _Progress(clock, drill, sys.stderr, progress)
        try:
            while clock.now() < config.end and not sim.failed():
                bar.show(len(recorder.entries))
                await clock.sleep_wall(0.25)
            bar.show(len(recorder.entries))
            drained = await recorder.until_quiet(quiet_s=2.0, timeout_s=120.0)
        finally:
            bar.close()
            failed = sim.failed()
            rec_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await rec_task
            await sim.stop()
    wall_seconds = SimClock.wall_now() - wall_start
    result = summarise(sim.world, recorder.entries)
    if failed:
        result.verdict = "fail"
        result.problems.insert(0, f"services stopped with an error: {', '.join(failed)}")
    if not drained:
        result.problems.append("topics were still busy 120 s after the end of simulated time")
    counts = result.counts
    summary: dict[str, Any] = {
        "drill": drill.drill,
        "title": drill.title,
        "verdict": result.verdict,
        "counts": counts,
        "latency": result.latency,
        "wall_seconds": round(wall_seconds, 2),
        "ens_per_second": round(counts["ens_lodged"] / wall_seconds, 2) if wall_seconds else None,
        "records": len(recorder.entries),
        "problems": result.problems,
        "run": {
            "run_id": sim.run_id,
            "broker": broker,
            "bootstrap": settings.bootstrap,
            "topic_prefix": settings.prefix,
            "seed": config.seed,
            "speed": config.speed,
            "sim_start": format_sim(config.start),
            "sim_end": format_sim(config.end),
        },
    }
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return DrillResult(summary, out_dir)
