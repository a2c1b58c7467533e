"""Running many drills at once on one broker: ``secours drill run-all``.

Each drill runs in a process of its own (``secours drill run FILE --bootstrap ... --prefix ...``),
so ``jobs`` drills use as many cores, each under its own topic prefix so that they never see each
other's records. Drills whose faults act on the broker process or the network (broker_pause,
broker_kill, network) would disturb every other drill on that broker: they run afterwards, one at a
time, each on a broker of its own, as ``secours drill run`` runs them.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings
from secours.clock import wall_now
from secours.drills.model import load_drill

__all__ = ["DrillRun", "exclusive", "run_catalogue"]


@dataclass
class DrillRun:
    file: str
    drill: str
    exit_code: int
    expectation_met: bool
    verdict: str
    wall_seconds: float  # the drill process, from start to exit
    out: str
    error: str = ""


def exclusive(path: Path) -> bool:
    """Whether the drill's faults act on the broker or the network (it needs a broker to itself)."""
    return any(f.wall_time for f in load_drill(path).faults)


async def _one(path: Path, out: Path, argv_broker: list[str], env: dict[str, str], extra: list[str]) -> DrillRun:
    name = load_drill(path).drill
    command = [
        sys.executable, "-m", "secours.cli.main", "drill", "run", str(path), "--out", str(out), "--no-progress",
        *extra, *argv_broker,
    ]  # fmt: skip
    started = wall_now()
    proc = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ, **env}
    )
    _, err = await proc.communicate()
    wall = wall_now() - started
    code = proc.returncode if proc.returncode is not None else -1
    summary_file = out / "summary.json"
    if not summary_file.exists():  # the run broke before judging: say why, in one line
        last = (err.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        return DrillRun(str(path), name, code, False, "error", wall, str(out), last)
    summary = json.loads(summary_file.read_text())
    return DrillRun(str(path), name, code, bool(summary["expectation_met"]), summary["verdict"], wall, str(out))


async def run_catalogue(
    files: list[Path],
    out_dir: Path,
    settings: ClientSettings,
    jobs: int,
    broker_args: list[str],
    extra: Sequence[str] = (),
) -> tuple[list[DrillRun], float]:
    """Every drill of ``files``; the runs in file order and the wall seconds of the whole catalogue.

    ``broker_args`` are what an exclusive drill's own ``secours drill run`` gets (``--broker kafka``);
    ``extra`` goes to every ``secours drill run`` (``--crash-each``).
    """
    started = wall_now()
    shared = [f for f in files if not exclusive(f)]
    alone = [f for f in files if exclusive(f)]
    gate = asyncio.Semaphore(jobs)
    run = uuid.uuid4().hex[:6]

    async def shared_run(path: Path) -> DrillRun:
        async with gate:
            prefix = f"{settings.prefix}{run}-{path.stem}."
            argv = ["--bootstrap", settings.bootstrap, "--prefix", prefix]
            result = await _one(path, out_dir / path.stem, argv, settings.env(), list(extra))
            if prefix:  # a finished drill's topics only slow the broker down for the others
                await KafkaBus(replace(settings, prefix=prefix)).delete_prefixed_topics()
            _progress(result)
            return result

    results = list(await asyncio.gather(*(shared_run(f) for f in shared)))
    for path in alone:
        result = await _one(path, out_dir / path.stem, broker_args, {}, list(extra))
        _progress(result)
        results.append(result)
    order = {str(f): i for i, f in enumerate(files)}
    results.sort(key=lambda r: order[r.file])
    return results, wall_now() - started


def _progress(r: DrillRun) -> None:
    met = "as expected" if r.expectation_met else "NOT as expected"
    detail = f": {r.error}" if r.error else ""
    # Runs of one drill on several seeds (drill sweep) are told apart by their file.
    name = r.drill if Path(r.file).stem == r.drill else f"{r.drill} ({Path(r.file).name})"
    print(f"{name}: {r.verdict.upper()} ({met}, exit {r.exit_code}) in {r.wall_seconds:.1f} s{detail}", flush=True)
