"""Seeded draws keyed by what they are about.

``draw(seed, "referral", mrn)`` gives the same number for the same MRN whatever the order in
which records arrive, so a drill replays exactly even though Kafka interleaves partitions
differently from one run to the next.
"""

from __future__ import annotations

import hashlib

__all__ = ["draw", "uniform"]


def draw(seed: int, *parts: str) -> float:
    """A number in [0, 1) fixed by the seed and the parts."""
    digest = hashlib.blake2b(f"{seed}/{'/'.join(parts)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def uniform(seed: int, bounds: tuple[float, float], *parts: str) -> float:
    lo, hi = bounds
    return lo + (hi - lo) * draw(seed, *parts)
