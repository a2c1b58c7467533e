"""The simulator's own events: the run's announcement, actors, transports, faults, dead letters and
checkpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from secours.wire.base import WireModel, _Part

# --- the simulator's own events ------------------------------------------------------------------


class RunAnnouncement(WireModel):
    schema_name = "secours.sim.RunAnnouncement"
    ce_type = "run.announced"
    run_id: str
    epoch_sim: datetime
    epoch_wall_ms: int
    speed: float
    seed: int
    config_json: str
    drill_json: str = ""
    clock: str = "wall"
    transit_ms: int = 0
    external: tuple[str, ...] = ()
    paused: bool = False

    @property
    def started(self) -> bool:
        """False while the run waits for its external actors: its clock has no wall epoch yet."""
        return self.epoch_wall_ms > 0


class ActorReady(WireModel):
    schema_name = "secours.sim.ActorReady"
    ce_type = "actor.ready"
    run_id: str
    actor: str
    topics: tuple[str, ...] = ()
    software: str = ""


class EloPairing(WireModel):
    schema_name = "secours.sim.EloPairing"
    ce_type = "elo.paired"
    elo_id: str
    unit_id: str
    transport_id: str
    eori: str
    lrn: str
    mrn: str
    paired_at: datetime


class TransportArrived(WireModel):
    schema_name = "secours.sim.TransportArrived"
    ce_type = "transport.arrived"
    transport_id: str
    kind: Literal["FERRY", "SHUTTLE"]
    route: str
    entry_office: str
    arrived_at: datetime
    units: tuple[str, ...]


class UnitDisembarked(WireModel):
    schema_name = "secours.sim.UnitDisembarked"
    ce_type = "unit.disembarked"
    transport_id: str
    unit_id: str
    elo_id: str
    mrns: tuple[str, ...]
    lane: Literal["GREEN", "ORANGE"]
    reason: str
    disembarked_at: datetime


class DeadLetter(WireModel):
    schema_name = "secours.sim.DeadLetter"
    ce_type = "dead_letter"
    service: str
    topic: str
    partition: int
    offset: int
    key: bytes | None = None
    value: bytes | None = None
    reason: str
    dead_at: datetime


class FaultCommand(WireModel):
    schema_name = "secours.sim.FaultCommand"
    ce_type = "fault.command"
    command_id: str
    action: Literal["INJECT", "CLEAR"]
    fault_id: str
    fault_json: str
    issued_by: str
    issued_at: datetime
    signature: str | None = None


class FaultEvent(WireModel):
    schema_name = "secours.sim.FaultEvent"
    ce_type = "fault.event"
    fault_id: str
    phase: Literal["START", "END"]
    kind: str
    component: str
    fault_json: str
    at: datetime


class ReadPosition(_Part):
    topic: str
    partition: int
    offset: int


class StateChunk(WireModel):
    """A piece of a service's checkpoint (:mod:`secours.checkpoint`), on the compacted changelog."""

    schema_name = "secours.sim.StateChunk"
    ce_type = "state.chunk"
    run_id: str
    service: str
    generation: int
    index: int
    count: int
    sha256: str
    mac: str | None = None
    positions: tuple[ReadPosition, ...]
    data: bytes
