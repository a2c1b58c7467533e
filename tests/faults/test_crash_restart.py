"""Crashes: every service killed in the middle of a drill comes back with its state, and the drill's
verdict does not change. No ENS is lost (G2) or registered twice (G1).

Two ways of dying:
- the crash fault (``secours drill run --crash-each``): each service of the run in turn, in the
  harness's process; four drills, one per world, cover all 26 services;
- a real ``kill -9`` of a ``secours run --join`` process running the ICS2 core (the EDI
  provider, the STI and the CR at once), started again by hand, as an operator would.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from secours.bus.settings import ClientSettings
from secours.cli.drill import shipped_drills
from secours.drills.crashes import with_crashes
from secours.drills.engine import select_services
from secours.drills.model import Drill, load_drill
from secours.drills.runner import run_drill
from services import REGISTRY

DRILLS = {p.stem: p for p in shipped_drills()}

# One drill per world; together their runs start every service once.
PER_WORLD = ["ics2-eu-cr-down", "delta-self-trigger", "ecs-bs-down", "luccs-full-down"]


def assert_as_shipped(drill: Drill, summary: dict[str, Any]) -> None:
    """The verdict the drill declares, with G1 (nothing registered twice) and G2 (nothing lost) passing."""
    failed = {
        c["id"]: c["message"] + " [" + "; ".join(f"{e.get('time')} {e.get('note')}" for e in c["evidence"][:3]) + "]"
        for c in summary["checks"]
        if c["status"] == "fail"
    }
    assert set(failed) == set(drill.expect_fail), (failed, summary.get("problems"))
    assert summary["expectation_met"] is True
    status = {c["id"]: c["status"] for c in summary["checks"]}
    assert status["G1"] == "pass" and status["G2"] == "pass", status
    assert summary["counts"]["duplicate_mrn"] == 0


def test_the_drills_here_start_every_service() -> None:
    started = {s for name in PER_WORLD for s in select_services(for_config=load_drill(DRILLS[name]).run_config())}
    assert started == set(REGISTRY)


@pytest.mark.parametrize("name", PER_WORLD)
async def test_every_service_killed_and_restarted_keeps_the_verdict(
    name: str, settings: ClientSettings, tmp_path: Path
) -> None:
    shipped = load_drill(DRILLS[name])
    drill = with_crashes(shipped)
    services = select_services(for_config=drill.run_config())
    result = await run_drill(drill, settings, tmp_path, progress=False)
    s = result.summary
    assert_as_shipped(shipped, s)
    # Every service of the run died once and came back, from a checkpoint (not from an empty state).
    events = [(c["service"], c["event"]) for c in s["crashes"]]
    assert sorted(events) == sorted([(n, "crashed") for n in services] + [(n, "restarted") for n in services])
    restored = {r["service"]: r["restored_from"] for r in s["restarts"]}
    assert set(restored) == set(services)
    assert all(isinstance(g, int) and g >= 1 for g in restored.values()), restored
    # ... and the journal has the crashes where they were planned.
    crash_ids = {f.id for f in drill.faults if f.kind == "crash"}
    assert len(crash_ids) == len(services)


async def test_kill_9_of_a_joined_process_loses_and_duplicates_nothing(
    settings: ClientSettings, tmp_path: Path
) -> None:
    core = ["edi_provider", "ics2_sti", "ics2_cr"]
    base = load_drill(DRILLS["baseline"])
    # Services in other processes read the wall clock, so this drill runs on it: ten simulated hours
    # at 600x (a minute of wall time), arrivals from 03:00 to 09:00. At the baseline's 1,200x a
    # provider's receipt timeout (180 simulated s) is 0.15 wall s: on a loaded machine the joined
    # process falls that far behind, every filing is pushed again and again, and the pushes put it
    # further behind, until ferries arrive before their MRNs. Half the speed and half the traffic
    # per wall second leave the room a busy CI machine needs.
    traffic = base.traffic.model_copy(update={"consignments": 200, "first_arrival_hour": 3.0, "last_arrival_hour": 9.0})
    drill = base.model_copy(update={"duration_hours": 10.0, "speed": 600.0, "traffic": traffic})
    wall_s = drill.duration_hours * 3600 / drill.speed
    command = [
        sys.executable, "-m", "secours.cli.main", "-v", "run", "--join", "--only", ",".join(core),
        "--bootstrap", settings.bootstrap, "--prefix", settings.prefix,
    ]  # fmt: skip
    env = {**os.environ, **settings.env()}

    # Each process logs to a file: a pipe nobody reads until the end would fill up and block its
    # writer, a joined process that stops handling records for a reason of the test's own making.
    logs = [tmp_path / "first.log", tmp_path / "second.log"]

    async def join(log: Path) -> asyncio.subprocess.Process:
        with log.open("wb") as sink:
            return await asyncio.create_subprocess_exec(
                *command, stdout=asyncio.subprocess.DEVNULL, stderr=sink, env=env
            )

    drill_task = asyncio.create_task(run_drill(drill, settings, tmp_path, progress=False, elsewhere=core))
    first = await join(logs[0])
    await asyncio.sleep(wall_s * 0.4)
    assert first.returncode is None, logs[0].read_text(errors="replace")[-2000:]
    first.send_signal(signal.SIGKILL)
    assert await first.wait() == -signal.SIGKILL
    await asyncio.sleep(1.0)  # dead for a moment: what reaches it meanwhile waits in Kafka
    second = await join(logs[1])
    try:
        result = await drill_task
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()
    log = logs[1].read_text(errors="replace")
    for service in core:
        assert f"{service}: restored from checkpoint" in log, log[-2000:]
    s = result.summary
    assert_as_shipped(drill, s)
    counts = s["counts"]
    assert counts["ens_lodged"] > 150 and counts["mrn_issued"] > 150, counts
