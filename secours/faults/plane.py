"""The fault control plane: commands in, evidence out.

Every process that runs services follows ``secours.faults``: INJECT and CLEAR commands (from a
drill's timeline or from ``secours fault inject`` in game-day mode) feed its
:class:`~secours.faults.controller.FaultController`. One process, the harness (the drill runner, or
``secours run`` without ``--join``), also turns faults into actions and evidence: at each fault's
start and end it runs the lifecycle hooks (crash and restart a service, pause or kill the broker,
switch the network proxy) and publishes ``FaultEvent`` START/END, which the oracle reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from secours.bus import Bus, Record
from secours.clock import Clock, WallClock
from secours.cloudevents import DLQ, headers_for
from secours.codec import Codec
from secours.effects import Outgoing
from secours.errors import BrokerUnavailable, CodecError
from secours.faults.controller import ActiveFault, FaultController
from secours.faults.model import Fault, parse_fault_json
from secours.faults.signing import SIGNATURE_HEADER, sign, verify
from secours.wire import DeadLetter, FaultCommand, FaultEvent

__all__ = ["FAULTS", "FaultPlane", "FaultTimeline", "Hook", "command", "command_record"]

logger = logging.getLogger(__name__)

FAULTS = "secours.faults"
Hook = Callable[[Fault, str], Awaitable[None]]  # (fault, "START" | "END")


def command(fault: Fault | None, *, action: str, fault_id: str, issued_by: str, now: datetime) -> FaultCommand:
    return FaultCommand(
        command_id=uuid.uuid4().hex,
        action="INJECT" if action == "INJECT" else "CLEAR",
        fault_id=fault_id,
        fault_json=fault.model_dump_json() if fault is not None else "",
        issued_by=issued_by,
        issued_at=now,
    )


def command_record(cmd: FaultCommand, codec: Codec, key: bytes | None) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Key, value and headers of a command's record; signed when a control key is configured."""
    out = Outgoing(FAULTS, cmd.fault_id, cmd.command_id, cmd.issued_by, cmd, cmd.fault_id)
    value = codec.encode(cmd)
    headers = headers_for(out, cmd.issued_at)
    if key is not None:
        headers.append((SIGNATURE_HEADER, sign(key, value)))
    return cmd.fault_id.encode(), value, headers


class FaultPlane:
    """``key``: the control key; commands without its signature are refused. ``reports``: this
    process reports refused commands on the dead-letter topic (the harness; one report per command)."""

    def __init__(
        self,
        bus: Bus,
        codec: Codec,
        controller: FaultController,
        clock: Clock,
        *,
        key: bytes | None = None,
        reports: bool = False,
    ) -> None:
        self.bus, self.codec, self.controller, self.clock = bus, codec, controller, clock
        self.key = key
        self.reports = reports
        self.refused = 0
        self.hooks: list[Hook] = []
        self.observers: list[Callable[[FaultEvent], None]] = []
        self._announced: set[tuple[str, str]] = set()
        self._changed = asyncio.Event()

    async def publish_command(self, cmd: FaultCommand) -> None:
        ack = await self.bus.publish(FAULTS, *command_record(cmd, self.codec, self.key))
        await self.bus.settle([ack])

    async def follow(self) -> None:
        """Apply every command on the control topic, from the first one (late joiners catch up)."""
        sub = await self.bus.subscribe(None, [FAULTS])
        try:
            while True:
                for record in await sub.poll(0.2):
                    try:
                        msg = self.codec.decode(record.value)
                    except CodecError as exc:
                        logger.warning("ignored a record on %s: %s", FAULTS, exc)
                        continue
                    if not isinstance(msg, FaultCommand):
                        continue
                    if self.key is not None and not verify(self.key, record.value, record.header(SIGNATURE_HEADER)):
                        await self._refuse(record, msg)
                        continue
                    self.apply(msg)
        finally:
            await sub.close()

    async def _refuse(self, record: Record, cmd: FaultCommand) -> None:
        """A command without a valid signature: not applied, and reported (who, what, which fault)."""
        self.refused += 1
        reason = (
            f"fault command {cmd.command_id} ({cmd.action} {cmd.fault_id}) from {cmd.issued_by!r} refused: "
            "no valid signature for the configured control key"
        )
        logger.warning("%s", reason)
        if not self.reports:
            return
        letter = DeadLetter(
            service="fault-plane", topic=record.topic, partition=record.partition, offset=record.offset,
            key=record.key, value=record.value, reason=reason, dead_at=self.clock.now(),
        )  # fmt: skip
        out = Outgoing(DLQ, cmd.fault_id, f"fault-plane/{cmd.command_id}", "harness", letter)
        value = self.codec.encode(letter)
        with contextlib.suppress(BrokerUnavailable):
            await self.bus.settle(
                [await self.bus.publish(DLQ, cmd.fault_id.encode(), value, headers_for(out, letter.dead_at))]
            )

    def apply(self, cmd: FaultCommand) -> None:
        if cmd.action == "INJECT":
            try:
                self.controller.add(parse_fault_json(cmd.fault_json))
            except ValueError as exc:
                logger.warning("fault command %s refused: %s", cmd.command_id, exc)
                return
        else:
            self.controller.clear(cmd.fault_id, cmd.issued_at)
        self._changed.set()

    async def run_harness(self) -> None:
        """Announce starts and ends at their simulated times, and run the lifecycle hooks (a
        wall-clock run; in a stepped run, :class:`FaultTimeline` does it between steps)."""
        clock = self.clock
        if not isinstance(clock, WallClock):
            raise TypeError("run_harness paces a wall-clock run; a stepped run has a FaultTimeline")
        while True:
            self._changed.clear()
            now = clock.now()
            for active in list(self.controller.faults.values()):
                await self._maybe(active, now)
            upcoming = [t for a in self.controller.faults.values() for t in (a.start, a.until) if t and t > now]
            wait = clock.wall_at(min(upcoming)) - clock.wall_now() if upcoming else 0.5
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=max(0.005, min(wait, 0.5)))

    async def _maybe(self, active: ActiveFault, now: datetime) -> None:
        fid = active.fault.id
        if active.start <= now and (fid, "START") not in self._announced:
            await self._announce(active, "START", active.start)
        until = active.until
        if until is not None and until <= now and (fid, "END") not in self._announced:
            if (fid, "START") not in self._announced:
                await self._announce(active, "START", active.start)
            await self._announce(active, "END", until)

    async def _announce(self, active: ActiveFault, phase: str, at: datetime) -> None:
        self._announced.add((active.fault.id, phase))
        f = active.fault
        event = FaultEvent(
            fault_id=f.id,
            phase="START" if phase == "START" else "END",
            kind=f.kind,
            component=f.target,
            fault_json=f.model_dump_json(),
            at=at,
        )
        logger.info("fault %s %s (%s on %s)", f.id, phase.lower(), f.kind, f.target)
        for observer in self.observers:
            observer(event)  # in-process evidence first: the broker itself may be the fault
        for hook in self.hooks:
            try:
                await hook(f, phase)
            except Exception:
                logger.exception("fault %s: the %s action failed", f.id, phase.lower())
        out = Outgoing(FAULTS, f.id, f"{f.id}/{phase}", "harness", event, f.id)
        # Not awaited: while the broker is paused or killed the record waits in the producer.
        await self.bus.publish(FAULTS, f.id.encode(), self.codec.encode(event), headers_for(out, at))


class FaultTimeline:
    """The harness in a stepped run: each fault's start and end, at its own instant, between steps.

    A stepped run takes its faults from the drill's timeline only (nobody can type a command into a
    run that goes as fast as the machine), so the plane follows no control topic there.
    """

    name = "faults"
    order = -1  # first in every step: a fault that starts at an instant holds for what happens at it

    def __init__(self, plane: FaultPlane) -> None:
        self.plane = plane

    def _transitions(self) -> list[tuple[datetime, int, str, ActiveFault]]:
        out: list[tuple[datetime, int, str, ActiveFault]] = []
        for n, active in enumerate(self.plane.controller.faults.values()):
            out.append((active.start, n, "START", active))
            if active.until is not None:
                out.append((active.until, n, "END", active))
        out.sort(key=lambda item: (item[0], item[1], item[2] != "START"))
        return out

    def next_due(self) -> datetime | None:
        announced = self.plane._announced
        return next((t for t, _, phase, a in self._transitions() if (a.fault.id, phase) not in announced), None)

    def boundary(self, after: datetime) -> datetime | None:
        """The first start or end of a fault after ``after``: a step ends there."""
        return next((t for t, _, _, _ in self._transitions() if t > after), None)

    async def advance(self, until: datetime) -> None:
        for at, _, phase, active in self._transitions():
            if at < until and (active.fault.id, phase) not in self.plane._announced:
                await self.plane._maybe(active, at)

    async def settle(self) -> None:
        return None
