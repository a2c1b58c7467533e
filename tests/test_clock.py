from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from secours.clock import WallClock, format_sim, parse_sim

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


def test_invalid_clocks_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        WallClock(EPOCH, 0.0, 0.0)
    with pytest.raises(ValueError, match="timezone"):
        WallClock(datetime(2026, 3, 2), 0.0, 1.0)


def test_format_round_trip() -> None:
    t = EPOCH + timedelta(seconds=1.5)
    assert format_sim(t) == "2026-03-02T00:00:01.500Z"
    assert parse_sim(format_sim(t)) == t
