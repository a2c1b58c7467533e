"""What one service has done so far: records per topic and outcome, and how long its logic took.

Kept by the simulation per service name, so a service killed and restarted by a crash fault goes
on counting where its previous instance stopped (a Prometheus counter that falls back to zero
would read as a reset). Counting is a dictionary increment on the hot path; everything else
(serving, summing) is done by the reader, :mod:`secours.metrics`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from secours.wire import WireModel

__all__ = ["HANDLE_BUCKETS_S", "Observer", "ServiceStats"]

# Upper bounds, in wall seconds, of the handler-time histogram: a handler is a pure function of
# its input and state, so most take well under a millisecond; the top buckets catch the outliers.
HANDLE_BUCKETS_S: tuple[float, ...] = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5)

# Told of every record a service reads (before any fault decides its fate) and publishes:
# (topic, key, CloudEvents id, message).
Observer = Callable[[str, str, str, WireModel], None]


@dataclass
class ServiceStats:
    # (topic, outcome): outcome is "handled", "dead_lettered", "refused" (down: the sender must send
    # again), "held" (kept until a fault ends) or "replayed" (read again after a restart).
    records: Counter[tuple[str, str]] = field(default_factory=Counter)
    published: Counter[str] = field(default_factory=Counter)  # per topic
    # Handler time: one count per bucket of HANDLE_BUCKETS_S (plus one past the last), and the sum.
    handle_buckets: list[int] = field(default_factory=lambda: [0] * (len(HANDLE_BUCKETS_S) + 1))
    handle_sum_s: float = 0.0

    def count(self, topic: str, outcome: str) -> None:
        self.records[(topic, outcome)] += 1

    def total(self, outcome: str) -> int:
        return sum(n for (_, o), n in self.records.copy().items() if o == outcome)

    def timed(self, seconds: float) -> None:
        self.handle_buckets[bisect_left(HANDLE_BUCKETS_S, seconds)] += 1
        self.handle_sum_s += seconds
