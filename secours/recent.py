"""A set that forgets: what a service remembers to ignore redeliveries, bounded in simulated time.

Services remember the ids of the messages they acted on so that a record read twice (at-least-once
delivery, a retransmission) changes nothing. Kept forever, those ids make memory grow with every ENS
of a long run; a redelivery, though, comes within minutes (the uncommitted tail of a batch, a
provider's retry), so ids older than ``keep`` simulated seconds are dropped.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

__all__ = ["Recent"]

K = TypeVar("K", bound=Hashable)


class Recent(Generic[K]):
    def __init__(self, keep_s: float) -> None:
        self.keep = timedelta(seconds=keep_s)
        self._added: dict[K, datetime] = {}  # insertion order is time order: the oldest come first

    def add(self, key: K, now: datetime) -> None:
        self._added.setdefault(key, now)
        self.forget_before(now - self.keep)

    def forget_before(self, limit: datetime) -> None:
        while self._added:
            oldest = next(iter(self._added))
            if self._added[oldest] > limit:
                return
            del self._added[oldest]

    def __contains__(self, key: object) -> bool:
        return key in self._added

    def __len__(self) -> int:
        return len(self._added)
