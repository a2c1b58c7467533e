"""Seeing a monitored system fall silent, the way an operations centre does.

Customs' CID watches the national systems, the Commission the EU ones; both only see heartbeats
(``ops.health``), never the fault. A system is *silent* when nothing came from it for ``after``
while the monitoring itself is alive: silence is measured against the newest heartbeat of any
system (the monitoring's own pulse), so a lagging feed makes nothing look down.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from secours.wire import Heartbeat

__all__ = ["SilenceWatch"]


class SilenceWatch:
    def __init__(self, components: Iterable[str], after: timedelta, day_start: datetime) -> None:
        self.components = frozenset(components)
        self.after = after
        self.day_start = day_start
        self.last_seen: dict[str, datetime] = {}
        self.freshest: datetime | None = None

    def start(self, now: datetime) -> None:
        # Up when the day starts: the day's start, not this process's (services start a little before
        # simulated time zero, each at its own pace, and a system not heard from yet is not silent).
        self.last_seen = dict.fromkeys(self.components, max(now, self.day_start))

    def heard(self, beat: Heartbeat) -> bool:
        """Take a heartbeat in; True when it is from a watched system."""
        self.freshest = max(self.freshest or beat.at, beat.at)
        if beat.component not in self.components:
            return False
        self.last_seen[beat.component] = max(self.last_seen.get(beat.component, beat.at), beat.at)
        return True

    def silent(self) -> list[str]:
        # No heartbeat heard at all yet: the watcher's own feed is not up (its consumer still joining
        # the group on a loaded machine), which says nothing about the systems it watches. Measured
        # against its own clock instead, a watcher that starts late saw every system down at once.
        if self.freshest is None:
            return []
        return sorted(c for c, seen in self.last_seen.items() if self.freshest - seen > self.after)
