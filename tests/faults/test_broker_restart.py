"""The broker restarted in the middle of a drill.

Apache Kafka keeps its log: killed and started again, it comes back with every record and offset,
and the drill ends with its verdict, nothing lost (G2) or registered twice (G1). Tansu keeps
everything in memory: the drill stops at once and says why, instead of running on for its whole
wall time towards meaningless verdicts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal

import pytest

from secours.bus.brokers import RunningBroker, java_available, start_broker
from secours.bus.settings import ClientSettings
from secours.cli.drill import shipped_drills
from secours.clock import parse_sim
from secours.drills.journal import read_journal
from secours.drills.model import Drill, load_drill
from secours.drills.runner import run_drill
from secours.faults.model import parse_fault
from tests.faults.test_crash_restart import assert_as_shipped

BASELINE = next(p for p in shipped_drills() if p.stem == "baseline")


def slow_baseline() -> Drill:
    """Two hours of the baseline at 2 simulated minutes per wall second: Apache Kafka takes 7 to 12
    wall seconds to come back, which is then 15 to 25 simulated minutes, an outage the day absorbs
    (below the half hour of missing receipts that reads as an outage of customs)."""
    base = load_drill(BASELINE)
    return base.model_copy(
        update={
            "speed": 120.0,
            "duration_hours": 2.0,
            "traffic": base.traffic.model_copy(
                update={"consignments": 150, "first_arrival_hour": 0.75, "last_arrival_hour": 1.75}
            ),
        }
    )


@asynccontextmanager
async def own_broker(kind: Literal["kafka", "tansu"]) -> AsyncIterator[RunningBroker]:
    broker = await asyncio.to_thread(start_broker, kind)
    try:
        yield broker
    finally:
        await asyncio.to_thread(broker.stop)


@pytest.mark.skipif(not java_available(), reason="Apache Kafka needs java")
async def test_a_drill_keeps_its_verdict_across_a_kafka_restart(prefix: str, tmp_path: Path) -> None:
    plain = slow_baseline()
    kill = parse_fault({"id": "broker-restart", "kind": "broker_kill", "start": "35m", "duration": "1m"})
    drill = plain.model_copy(update={"faults": (kill,)})
    async with own_broker("kafka") as broker:
        first_pid = broker.pid
        settings = ClientSettings(bootstrap=broker.bootstrap, prefix=prefix)
        result = await run_drill(drill, settings, tmp_path, launched=broker, progress=False)
        assert broker.pid != first_pid, "the broker was not restarted"
    s = result.summary
    assert_as_shipped(plain, s)
    counts = s["counts"]
    assert counts["ens_lodged"] == counts["mrn_issued"] > 100, counts
    # Simulated time stood still while Kafka started again: the run was announced anew once it was
    # back, its clock resumed from the fault's end (a moment later: the harness acts once its loop
    # gets to it), not from the end plus the restart's wall seconds times the speed.
    entries = list(read_journal(tmp_path))
    end = next(e for e in entries if e.ce_type == "fault.event" and e.data["phase"] == "END")
    resumed = [e for e in entries if e.ce_type == "run.announced" and e.wall_ms > end.wall_ms]
    assert resumed, "the run was not announced again after the restart"
    assert end.time is not None
    restart_s = (resumed[0].data["epoch_wall_ms"] - end.wall_ms) / 1000
    held_s = (parse_sim(resumed[0].data["epoch_sim"]) - end.time).total_seconds()
    assert restart_s >= 3, f"Kafka came back in {restart_s:.1f} wall s: too fast to show anything"
    assert held_s <= 2 * plain.speed < restart_s * plain.speed, (held_s, restart_s)


# The broker dies in the middle of a drill on either clock. On the wall clock the slow baseline runs
# 60 wall seconds; on the stepped clock the whole baseline (24 simulated hours) takes tens of wall
# seconds on Tansu, and a few of them go by before the broker dies.
MIDWAY = {"wall": (slow_baseline, 20.0), "stepped": (lambda: load_drill(BASELINE), 4.0)}


@pytest.mark.parametrize("clock", ["wall", "stepped"])
async def test_a_tansu_restart_stops_the_drill_with_the_reason(
    clock: Literal["wall", "stepped"], prefix: str, tmp_path: Path
) -> None:
    make, after_s = MIDWAY[clock]
    drill = make()
    async with own_broker("tansu") as broker:
        settings = ClientSettings(bootstrap=broker.bootstrap, prefix=prefix, fetch_max_wait_ms=50, fetch_on_demand=True)

        async def restart_midway() -> None:
            await asyncio.sleep(after_s)
            await asyncio.to_thread(broker.kill)
            await asyncio.to_thread(broker.restart)

        began = time.monotonic()
        restarting = asyncio.create_task(restart_midway())
        result = await run_drill(drill, settings, tmp_path, launched=broker, progress=False, clock=clock)
        await restarting
        took = time.monotonic() - began
    s = result.summary
    assert s["verdict"] == "fail" and s["expectation_met"] is False
    assert s["run"]["clock"] == clock
    first = s["problems"][0]
    assert "lost the run's records" in first and "Tansu keeps topics in memory" in first, first
    assert "--broker kafka" in first
    assert took < after_s + 60, f"the drill ran on for {took:.0f} s after the broker came back empty"
    assert result.exit_code == 1


@pytest.mark.parametrize("clock", ["wall", "stepped"])
async def test_a_tansu_that_dies_stops_the_drill_with_the_reason(
    clock: Literal["wall", "stepped"], prefix: str, tmp_path: Path
) -> None:
    make, after_s = MIDWAY[clock]
    drill = make()
    async with own_broker("tansu") as broker:
        settings = ClientSettings(bootstrap=broker.bootstrap, prefix=prefix, fetch_max_wait_ms=50, fetch_on_demand=True)

        async def kill_midway() -> None:
            await asyncio.sleep(after_s)
            await asyncio.to_thread(broker.kill)

        killing = asyncio.create_task(kill_midway())
        result = await run_drill(drill, settings, tmp_path, launched=broker, progress=False, clock=clock)
        await killing
    assert result.summary["run"]["clock"] == clock
    first = result.summary["problems"][0]
    assert f"Tansu broker (pid {broker.pid}) stopped in the middle of the drill" in first, first
    assert "would have lost every topic" in first
