"""Delta G/X/H7, French customs' clearance system, and Aubette, its online consultation (seed 002).

A declaration lodged (by direct input, or by EDI relayed by a connection provider) is validated at
once and numbered ``<office>-<YY>-<seq 7>``; its release (BAE) falls due ``delta_release_s`` later,
unless the office first holds it (under control, waiting for credit, cash payment) for
``delta_hold_s`` (the world's ground truth, DOMAIN.md §8).

Each online service and mode is one intake of its own, ``delta:<SERVICE>/<MODE>``, with its own
heartbeat on ``ops.health``: the CID sees which service and mode fell silent, and names them in
its alert. Releases go through Delta's own queue (``delta.release``), read by the service's release
engine ``delta:<SERVICE>/release``: when that engine stops, validated declarations get no BAE and
nothing looks down from outside (self-trigger case (b)). Aubette shows whether a declaration has
its BAE; the other states only the office can tell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.rand import uniform
from secours.wire import AubetteQuery, DeltaAubette, DeltaDecl, DeltaLodging, DeltaRelease, DeltaState, Heartbeat
from secours.world import World

__all__ = ["DeltaLogic", "decl_no"]

DECL, RELEASE, AUBETTE, HEALTH = "delta.decl", "delta.release", "delta.aubette", "ops.health"
SOURCE = "delta"
_REGULARISED = 9_000_000  # regularising declarations are numbered apart from the originals


def decl_no(office: str, at: datetime, seq: int) -> str:
    return f"{office}-{at:%y}-{seq:07d}"


@dataclass(slots=True)
class Record:
    lodging: DeltaLodging
    decl_no: str
    outcome: DeltaState  # what is due next: BAE, or a state set by the office first
    state: DeltaState = "VALIDATED"


class DeltaLogic:
    def __init__(self, world: World) -> None:
        self.params = world.config.params
        self.seed = world.config.seed
        self.streams = world.delta_streams
        self.truth = {d.ref: d for d in world.delta_declarations}
        self.office = {d.eori: d.office for d in world.delta_declarants}
        self.by_ref: dict[str, Record] = {}  # by the lodging's ref (regularisations apart)
        self.by_no: dict[str, Record] = {}
        self.every = timedelta(seconds=self.params.heartbeat_s)

    def start(self, now: datetime) -> Effects:
        fx = Effects()
        if self.streams:
            fx.after(now, "beat", "all")
        return fx

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        fx = Effects()
        if timer.kind == "beat":
            for stream in self.streams:  # one heartbeat per intake: a stopped intake falls silent alone
                fx.send(HEALTH, stream, f"{stream}/{now.isoformat()}", stream, Heartbeat(component=stream, at=now))
            fx.after(now + self.every, "beat", "all")
            return fx
        rec = self.by_no.get(timer.ref)
        if rec is not None and rec.state != "BAE":  # "due": the release (or hold) goes to the engine's queue
            due = DeltaRelease(decl_no=rec.decl_no, ref=rec.lodging.ref, service=rec.lodging.service,
                               state=rec.outcome, due_at=now)  # fmt: skip
            fx.send(RELEASE, rec.decl_no, derive_id(rec.decl_no, f"release/{rec.outcome}"), SOURCE, due,
                    subject=rec.decl_no)  # fmt: skip
        return fx

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        if isinstance(msg, DeltaLodging):
            return self._validate(msg, now)
        if isinstance(msg, DeltaRelease):
            return self._release(msg, now)
        if isinstance(msg, AubetteQuery):
            rec = self.by_no.get(msg.decl_no)
            shown = "UNKNOWN" if rec is None else ("BAE" if rec.state == "BAE" else "VALIDATED")  # BAE or not
            answer = DeltaAubette(query_id=msg.query_id, by=msg.by, decl_no=msg.decl_no, result=shown, at=now)
            fx = Effects()
            fx.send(AUBETTE, msg.by, derive_id(msg.query_id, "aubette"), SOURCE, answer, subject=msg.decl_no)
            return fx
        raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")

    def _validate(self, msg: DeltaLodging, now: datetime) -> Effects:
        fx = Effects()
        truth = self.truth.get(msg.ref)
        if truth is None:
            raise RejectedInput(f"{msg.ref} is not a declaration of this run")
        key = f"{msg.ref}/{msg.regularises}"
        rec = self.by_ref.get(key)
        if rec is None:  # the same declaration lodged again (a redelivery) keeps its number and state
            seq = truth.seq + (_REGULARISED if msg.regularises else 0)
            outcome = cast(DeltaState, "BAE" if msg.regularises else truth.outcome)
            rec = Record(msg, decl_no(self.office[msg.declarant], now, seq), outcome)
            self.by_ref[key] = rec
            self.by_no[rec.decl_no] = rec
            delay = uniform(self.seed, self.params.delta_release_s, "release", rec.decl_no)
            fx.after(now + timedelta(seconds=delay), "due", rec.decl_no)
        fx.extend(self._state(rec, "VALIDATED", now, f"delta:{msg.service}/{msg.mode}"))
        return fx

    def _release(self, msg: DeltaRelease, now: datetime) -> Effects:
        fx = Effects()
        rec = self.by_no.get(msg.decl_no)
        if rec is None or rec.state in ("BAE", msg.state):
            return fx  # read again after a restart
        rec.state = msg.state
        if msg.state != "BAE":  # held by the office: released once it is done with it
            rec.outcome = "BAE"
            hold = uniform(self.seed, self.params.delta_hold_s, "hold", rec.decl_no)
            fx.after(now + timedelta(seconds=hold), "due", rec.decl_no)
        fx.extend(self._state(rec, msg.state, now, f"delta:{msg.service}/release"))
        return fx

    @staticmethod
    def _state(rec: Record, state: DeltaState, now: datetime, source: str) -> Effects:
        fx = Effects()
        m = rec.lodging
        record = DeltaDecl(decl_no=rec.decl_no, ref=m.ref, declarant=m.declarant, service=m.service, mode=m.mode,
                           state=state, regularises=m.regularises, at=now)  # fmt: skip
        fx.send(DECL, m.ref, derive_id(rec.decl_no, f"state/{state}"), source, record, subject=rec.decl_no)
        return fx
