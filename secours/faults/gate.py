"""The publish side of fault injection: what a faulted service's outgoing records become.

Wrapped around ``ServiceContext.publish`` (a middleware, never an ``if fault:`` in business
logic). Each outgoing record is released now, later (held by a component down or a cut link,
delayed by latency), twice (duplicate), damaged (corrupt), in a shuffled order (reorder), or
never (drop). Held records live in this process's memory until released.
"""

from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from secours.effects import Outgoing
from secours.faults.controller import FaultController

__all__ = ["PublishGate", "Release"]


@dataclass(frozen=True, slots=True)
class Release:
    out: Outgoing
    corrupt: bool


@dataclass
class _Shuffle:
    window: int
    rng: random.Random
    buffer: list[Release] = field(default_factory=list)


class PublishGate:
    def __init__(self, service: str, faults: FaultController | None) -> None:
        self.service = service
        self.faults = faults
        self._held: list[tuple[datetime, int, Release]] = []
        self._seq = itertools.count()
        self._shuffles: dict[str, _Shuffle] = {}

    def state(self) -> dict[str, object]:
        """What the gate holds back, for a checkpoint: lost in a crash, it would be lost for good."""
        return {"held": list(self._held), "shuffles": dict(self._shuffles)}

    def restore(self, state: dict[str, Any]) -> None:
        self._held = list(state["held"])
        heapq.heapify(self._held)
        self._shuffles = dict(state["shuffles"])
        self._seq = itertools.count(max((seq for _, seq, _ in self._held), default=-1) + 1)

    def submit(self, out: Outgoing, now: datetime) -> list[Release]:
        """The records to send now for ``out`` (possibly none); the rest is kept for :meth:`due`."""
        if self.faults is None:
            return [Release(out, False)]
        ready: list[Release] = []
        for release_at, form, _tag in self.faults.on_outgoing(self.service, out, now):
            rel = Release(out, form == "corrupt")
            if release_at > now:
                heapq.heappush(self._held, (release_at, next(self._seq), rel))
            else:
                ready.append(rel)
        reorder = self.faults.reorder_window(self.service, out, now)
        if reorder is None or not ready:
            return ready
        fault_id, window, seed = reorder
        shuffle = self._shuffles.setdefault(fault_id, _Shuffle(window, random.Random(seed)))
        shuffle.buffer.extend(ready)
        if len(shuffle.buffer) < shuffle.window:
            return []
        batch, shuffle.buffer = shuffle.buffer, []
        shuffle.rng.shuffle(batch)
        return batch

    def due(self, now: datetime) -> list[Release]:
        out: list[Release] = []
        while self._held and self._held[0][0] <= now:
            out.append(heapq.heappop(self._held)[2])
        if self._shuffles and self.faults is not None:
            live = {a.fault.id for a in self.faults.live(now)}
            for fault_id in [f for f in self._shuffles if f not in live]:
                out.extend(self._shuffles.pop(fault_id).buffer)  # the window closed: the rest leaves in order
        return out

    def next_due(self) -> datetime | None:
        held = self._held[0][0] if self._held else None
        if any(s.buffer for s in self._shuffles.values()) and self.faults is not None:
            ends = [a.until for a in self.faults.faults.values() if a.fault.id in self._shuffles and a.until]
            if ends:
                return min([*ends, held] if held else ends)
        return held

    @property
    def held(self) -> int:
        return len(self._held) + sum(len(s.buffer) for s in self._shuffles.values())

    @staticmethod
    def corrupt(value: bytes) -> bytes:
        """Keep the single-object header, cut and scramble the body: decodes as garbage or not at all."""
        body = value[10:]
        cut = bytes(b ^ 0x5A for b in body[: max(1, len(body) // 3)])
        return value[:10] + cut
