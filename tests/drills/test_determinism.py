"""A drill on the stepped clock gives the same verdict, the same checks and the same counts on every
run, whatever the machine's load, however many drills run beside it and on either broker.

One drill with an outage and retries (timings decide its course) runs four times:
- alone on the session's broker;
- twice at once through ``secours drill run-all --jobs 2``, with a busy loop taking a core;
- on an embedded Tansu broker of its own.
The four summaries agree on the verdict, every check's status, the counts and the timings, and the
four journals hold the same records at the same simulated instants.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from secours.bus.brokers import start_broker
from secours.bus.settings import ClientSettings
from secours.cli.drill import shipped_drills
from secours.drills.journal import journal_lines
from secours.drills.model import load_drill
from secours.drills.runner import run_drill

DRILL = next(p for p in shipped_drills() if p.stem == "ics2-eu-sti-down")
# Different on every run by design: the run's id, and the ids of the commands that inject the faults.
_PER_RUN = {"run.announced", "fault.command"}


def verdicts(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "verdict": summary["verdict"],
        "checks": [(c["id"], c["status"], c["message"]) for c in summary["checks"]],
        "counts": summary["counts"],
        "timings": summary["timings"],
        "steps": summary["run"]["steps"],
    }


def journal(folder: Path) -> list[str]:
    out = []
    for line in journal_lines(folder):
        entry = json.loads(line)
        if entry["ce_type"] in _PER_RUN:
            continue
        entry.pop("wall_ms")
        out.append(json.dumps(entry, sort_keys=True))
    return out


@contextmanager
def busy_core() -> Iterator[None]:
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        hog.kill()
        hog.wait()


async def test_a_stepped_drill_ends_the_same_under_load_beside_another_and_on_either_broker(
    settings: ClientSettings, tmp_path: Path
) -> None:
    alone = await run_drill(load_drill(DRILL), settings, tmp_path / "alone", progress=False)
    assert alone.summary["run"]["clock"] == "stepped"
    reference = verdicts(alone.summary)

    # Twice at once, under a busy loop.
    copies = []
    for name in ("twin-a", "twin-b"):
        copy = tmp_path / f"{name}.yaml"
        copy.write_text(DRILL.read_text())
        copies.append(copy)
    command = [
        sys.executable, "-m", "secours.cli.main", "drill", "run-all", *map(str, copies), "--jobs", "2",
        "--bootstrap", settings.bootstrap, "--prefix", settings.prefix, "--out", str(tmp_path / "twins"),
    ]  # fmt: skip
    with busy_core():
        env = settings_env(settings)
        done = await asyncio.to_thread(
            subprocess.run, command, check=False, capture_output=True, text=True, timeout=900, env=env
        )
    assert done.returncode == 0, done.stdout + done.stderr

    # On an embedded broker of its own.
    tansu = await asyncio.to_thread(start_broker, "tansu")
    try:
        own = ClientSettings(bootstrap=tansu.bootstrap, prefix="det.", fetch_max_wait_ms=50, fetch_on_demand=True)
        embedded = await run_drill(load_drill(DRILL), own, tmp_path / "tansu", broker="tansu", progress=False)
    finally:
        await asyncio.to_thread(tansu.stop)

    folders = [tmp_path / "twins" / "twin-a", tmp_path / "twins" / "twin-b"]
    for folder in folders:
        assert verdicts(json.loads((folder / "summary.json").read_text())) == reference, folder.name
    assert verdicts(embedded.summary) == reference
    records = journal(tmp_path / "alone")
    assert len(records) > 1000
    for folder in [*folders, tmp_path / "tansu"]:
        assert journal(folder) == records, folder.name


def settings_env(settings: ClientSettings) -> dict[str, str]:
    return {**os.environ, **settings.env()}
