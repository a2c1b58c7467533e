"""The export office's side of Delta G/X (seed 003).

When Delta G/X validates an export declaration the MRN/EAD exists and the movement goes to ECS-BS,
which sends the AER (IE501) to the exit office; Delta G/X then shows the movement *En cours de
sortie*. Once ECS-BS confirms the exit (IE518) the export office certifies it to the exporter
(IE599, the exporter's proof for the VAT exemption) and the movement is *Sortie certifiée*.
Staged wrong behaviour (``ecs_blind_delta``): Delta G/X never hears of the AER, so it never shows a
movement *En cours de sortie*.
"""

from __future__ import annotations

from datetime import datetime

from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.wire import EcsMovement, EcsMsg, EcsState
from secours.world import EXPORT_OFFICE, World

__all__ = ["EcsExportLogic"]

SOURCE = "ecs_export"
TO_ECS, OUT = "ecs.delta", "ecs.export"


class EcsExportLogic:
    def __init__(self, world: World) -> None:
        self.moves = {m.mrn: m for m in world.exports}
        self.done: set[str] = set()
        self.blind = world.config.params.ecs_blind_delta  # staged: the AER never reaches Delta G/X

    def start(self, now: datetime) -> Effects:
        fx = Effects()
        for m in self.moves.values():  # validated before the run: handed over at its start
            fx.after(max(m.validated, now), "validated", m.mrn)
        return fx

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        fx = Effects()
        m = self.moves[timer.ref]
        move = EcsMovement(mrn=m.mrn, exporter=m.exporter, exit_office=m.exit_office, validated_at=now)
        fx.send(TO_ECS, m.mrn, derive_id(m.mrn, "movement"), SOURCE, move, subject=m.mrn)
        return fx

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        fx = Effects()
        if isinstance(msg, EcsState):
            return fx  # ECS-BS's states; the export office acts on its messages
        if not isinstance(msg, EcsMsg):
            raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")
        if msg.ie == "IE501" and not self.blind:  # the AER has gone: Delta G/X shows the movement leaving
            state = EcsState(mrn=msg.mrn, system="DELTA", state="EN_COURS_DE_SORTIE", at=now)
            fx.send(OUT, msg.mrn, derive_id(msg.mrn, "delta/en-cours"), SOURCE, state, subject=msg.mrn)
        elif msg.ie == "IE518" and msg.mrn not in self.done:
            self.done.add(msg.mrn)
            cert = EcsMsg(
                msg_id=derive_id(msg.mrn, "IE599"), ie="IE599", mrn=msg.mrn, by="auto", channel="SYSTEM",
                reintegration=False, event_time=msg.event_time, office=EXPORT_OFFICE, sent_at=now,
            )  # fmt: skip
            fx.send(OUT, msg.mrn, cert.msg_id, SOURCE, cert, subject=msg.mrn)
            state = EcsState(mrn=msg.mrn, system="DELTA", state="SORTIE_CERTIFIEE", at=now)
            fx.send(OUT, msg.mrn, derive_id(msg.mrn, "delta/certifiee"), SOURCE, state, subject=msg.mrn)
        return fx
