from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from secours.clock import SteppedClock, WallClock, format_sim, parse_sim

EPOCH = datetime(2026, 3, 2, tzinfo=UTC)


def test_wall_and_sim_map_both_ways() -> None:
    clock = WallClock(EPOCH, epoch_wall=1000.0, speed=3600.0)
    assert clock.wall_at(EPOCH + timedelta(hours=2)) == pytest.approx(1002.0)
    assert clock.wall_seconds(7200) == pytest.approx(2.0)


def test_now_advances_at_speed() -> None:
    clock = WallClock.starting_now(EPOCH, speed=3600.0)
    assert abs((clock.now() - EPOCH).total_seconds()) < 60  # well under a wall second


async def test_sleep_until_waits_scaled_time() -> None:
    clock = WallClock.starting_now(EPOCH, speed=36000.0)
    await clock.sleep_until(EPOCH + timedelta(minutes=10))  # 600 s / 36000 = 17 ms
    assert clock.now() >= EPOCH + timedelta(minutes=10)


def test_a_change_of_pace_keeps_simulated_time_continuous() -> None:
    clock = WallClock.starting_now(EPOCH, speed=60.0)
    told: list[str] = []
    forget = clock.on_change(lambda: told.append("changed"))
    before = clock.now()
    clock.pace(speed=600.0)
    assert abs((clock.now() - before).total_seconds()) < 1  # re-anchored: no jump
    assert clock.speed == 600.0 and told == ["changed"]
    clock.pace(paused=True)
    held = clock.now()
    assert clock.now() == held and clock.wall_at(held + timedelta(seconds=1)) == float("inf")
    assert clock.wall_at(held - timedelta(seconds=1)) <= clock.epoch_wall  # the past stays reachable
    forget()
    clock.pace(paused=False)
    assert told == ["changed", "changed"] and not clock.paused
    with pytest.raises(ValueError, match="positive"):
        clock.pace(speed=0.0)


async def test_a_sleeper_wakes_when_the_pace_quickens() -> None:
    clock = WallClock.starting_now(EPOCH, speed=1.0)
    sleeper = asyncio.create_task(clock.sleep_until(EPOCH + timedelta(minutes=10)))  # ten wall minutes at 1x
    await asyncio.sleep(0.05)
    assert not sleeper.done()
    clock.pace(speed=100_000.0)  # now 6 ms away
    await asyncio.wait_for(sleeper, timeout=2)
    assert clock.now() >= EPOCH + timedelta(minutes=10)


async def test_a_paused_sleeper_waits_for_the_resumption() -> None:
    clock = WallClock.starting_now(EPOCH, speed=36000.0)
    clock.pace(paused=True)
    sleeper = asyncio.create_task(clock.sleep_until(clock.now() + timedelta(minutes=1)))
    await asyncio.sleep(0.1)  # 1 hour of simulated time at this speed, were it not paused
    assert not sleeper.done()
    clock.pace(paused=False)
    await asyncio.wait_for(sleeper, timeout=2)


def test_a_joined_clock_follows_the_announced_pace() -> None:
    clock = WallClock(EPOCH, epoch_wall=1000.0, speed=60.0)
    clock.follow(EPOCH + timedelta(hours=1), 1100.0, 600.0, paused=True)
    assert (clock.epoch_sim, clock.epoch_wall, clock.speed, clock.paused) == (
        EPOCH + timedelta(hours=1),
        1100.0,
        600.0,
        True,
    )
    assert clock.now() == EPOCH + timedelta(hours=1)


def test_invalid_clocks_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        WallClock(EPOCH, 0.0, 0.0)
    with pytest.raises(ValueError, match="timezone"):
        WallClock(datetime(2026, 3, 2), 0.0, 1.0)


def test_format_round_trip() -> None:
    t = EPOCH + timedelta(seconds=1.5)
    assert format_sim(t) == "2026-03-02T00:00:01.500Z"
    assert parse_sim(format_sim(t)) == t


def test_a_stepped_clock_moves_only_when_told_and_never_back() -> None:
    clock = SteppedClock(EPOCH, timedelta(seconds=5))
    assert clock.kind == "stepped" and clock.now() == EPOCH
    clock.advance(EPOCH + timedelta(hours=30))
    clock.advance(EPOCH + timedelta(hours=1))  # the past: ignored
    assert clock.now() == EPOCH + timedelta(hours=30)
    assert clock.epoch_sim == EPOCH and clock.transit == timedelta(seconds=5)


def test_invalid_stepped_clocks_are_refused() -> None:
    with pytest.raises(ValueError, match="transit"):
        SteppedClock(EPOCH, timedelta(0))
    with pytest.raises(ValueError, match="timezone"):
        SteppedClock(datetime(2026, 3, 2), timedelta(seconds=1))


def test_only_the_clock_module_reads_the_wall_time() -> None:
    """Simulated time never comes from the wall outside secours/clock.py: the services, the runtime,
    the stepper and the drills ask a clock (benchmarks and broker launchers time themselves)."""
    root = Path(__file__).resolve().parents[1]
    allowed = {"secours/clock.py"}
    exempt = ("secours/bench/", "secours/bus/brokers/")  # they time themselves and the processes they start
    pattern = re.compile(r"\btime\.(time|monotonic|perf_counter)\(|datetime\.now\(|\bloop\.time\(")
    offenders = []
    for path in [*(root / "secours").rglob("*.py"), *(root / "services").rglob("*.py")]:
        rel = path.relative_to(root).as_posix()
        if rel in allowed or rel.startswith(exempt) or rel == "secours/faults/proxy.py":  # delays bytes on the wire
            continue
        offenders += [f"{rel}: {m.group(0)}" for m in pattern.finditer(path.read_text())]
    assert not offenders, offenders
