"""SilenceWatch: an outage is a watched system silent while the monitoring's own feed is alive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from secours.watch import SilenceWatch
from secours.wire import Heartbeat

DAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def beat(component: str, minutes: float) -> Heartbeat:
    return Heartbeat(component=component, at=DAY + timedelta(minutes=minutes))


def test_a_watched_system_silent_while_others_beat_is_seen_down() -> None:
    watch = SilenceWatch({"luccs", "luccs_b2g"}, timedelta(minutes=5), DAY)
    watch.start(DAY)
    for minute in range(0, 8):
        watch.heard(beat("luccs_b2g", minute))
        if minute < 2:
            watch.heard(beat("luccs", minute))
    assert watch.silent() == ["luccs"]


def test_nothing_heard_yet_is_no_outage_however_late_the_watcher_starts() -> None:
    # A watcher whose consumer is still joining hears nothing: its feed, not the systems, is late.
    watch = SilenceWatch({"luccs", "luccs_b2g"}, timedelta(minutes=5), DAY)
    watch.start(DAY + timedelta(minutes=6))
    assert watch.silent() == []
    watch.heard(beat("luccs", 6.5))
    watch.heard(beat("luccs_b2g", 6.5))
    assert watch.silent() == []


def test_a_system_never_heard_while_the_others_beat_is_down() -> None:
    watch = SilenceWatch({"luccs", "luccs_b2g"}, timedelta(minutes=5), DAY)
    watch.start(DAY)
    watch.heard(beat("luccs_b2g", 4))
    assert watch.silent() == []
    watch.heard(beat("luccs_b2g", 5.5))
    assert watch.silent() == ["luccs"]
