"""The consume side of fault injection: what a faulted service does with its incoming records.

Wrapped around the runtime's handling of each record, beside the publish gate (a middleware,
never an ``if fault:`` in business logic). Each record read is processed, refused (a component
down: the sender must try again), answered with a technical error (dead-lettered), or held in
this process's memory until the fault that held it ends. A whole component queuing reads nothing:
its input waits in Kafka, and its timers wait with it. What a fault does here is its kind's
:meth:`~secours.faults.model.FaultKind.on_consume`.
"""

from __future__ import annotations

from datetime import datetime

from secours.effects import Incoming
from secours.faults.controller import FaultController, Verdict

__all__ = ["ConsumeGate"]


class ConsumeGate:
    def __init__(self, service: str, faults: FaultController | None) -> None:
        self.service = service
        self.faults = faults
        self.held: list[tuple[str, Incoming]] = []  # (fault id, record held by that fault)

    def state(self) -> list[tuple[str, Incoming]]:
        """What the gate holds back, for a checkpoint: lost in a crash, it would be lost for good."""
        return list(self.held)

    def restore(self, held: list[tuple[str, Incoming]]) -> None:
        self.held = list(held)

    def admit(self, incoming: Incoming, now: datetime) -> Verdict:
        """The verdict: "process", or what a fault does with it: "drop" (refused), "error" (answered with a
        technical error), "hold" (kept here, handed back by :meth:`released` once the fault ends)."""
        if self.faults is None:
            return Verdict("process")
        verdict = self.faults.on_incoming(self.service, incoming, now)
        if verdict.action == "hold":
            self.held.append((verdict.fault_id, incoming))
        return verdict

    def released(self, now: datetime) -> list[Incoming]:
        """The held records whose fault has ended, in the order they were read; they leave the gate."""
        if not self.held or self.faults is None:
            return []
        live = {a.fault.id for a in self.faults.live(now)}
        due = [inc for fid, inc in self.held if fid not in live]
        self.held = [(fid, inc) for fid, inc in self.held if fid in live]
        return due

    def held_until(self) -> datetime | None:
        """When the first held record may be handled: the earliest end of the faults holding them."""
        if not self.held or self.faults is None:
            return None
        faults = self.faults.faults
        ends = [a.until for fid in {fid for fid, _ in self.held} if (a := faults.get(fid)) and a.until]
        return min(ends) if ends else None

    def paused_until(self, now: datetime) -> datetime | None:
        """Until when the whole component's input waits in Kafka (nothing is read), if it does at ``now``."""
        return self.faults.paused_until(self.service, now) if self.faults is not None else None

    def timers_paused(self, now: datetime) -> bool:
        """Whether the component's timers (and heartbeats) wait at ``now``."""
        return self.faults is not None and self.faults.timers_paused_until(self.service, now) is not None

    def timer_at(self, due: datetime) -> datetime:
        """The instant a timer due at ``due`` runs: then, or when the pauses that held it ended."""
        return self.faults.timers_resume(self.service, due) if self.faults is not None else due
