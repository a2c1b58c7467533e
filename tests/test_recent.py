"""Recent: message ids remembered for a while, then forgotten in time order."""

from datetime import UTC, datetime, timedelta

from secours.recent import Recent

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def test_remembers_within_keep_and_forgets_after() -> None:
    seen: Recent[str] = Recent(keep_s=60)
    seen.add("a", T0)
    seen.add("b", T0 + timedelta(seconds=30))
    assert "a" in seen and "b" in seen and len(seen) == 2
    seen.add("c", T0 + timedelta(seconds=61))  # "a" is now older than a minute
    assert "a" not in seen and "b" in seen and "c" in seen


def test_adding_again_keeps_the_first_time() -> None:
    seen: Recent[str] = Recent(keep_s=60)
    seen.add("a", T0)
    seen.add("a", T0 + timedelta(seconds=50))
    seen.add("x", T0 + timedelta(seconds=60))
    assert "a" not in seen  # remembered from its first sighting, not refreshed
