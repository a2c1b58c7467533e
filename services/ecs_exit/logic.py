"""ECS-BS, the French exit-office component of ECS (seed 003).

It creates a movement from Delta G/X's data and sends the AER (IE501) to the exit office (state
*AER arrivé*); an arrival notification (IE507) makes it *Etat stocké*, an exit announcement
(EXIT_ANN) confirms the exit and sends the exit results (IE518) to the export office. Whether
the message comes from the operator's system (EDI), the portal (DTI), a substitute or, in a
reintegration, from the exit office's staff, it is recorded once: a second IE507 or EXIT_ANN for
the same movement changes nothing. While ECS-BS is down, Delta's data waits and is loaded by itself
once it is back (case 1), and notifications sent to it are refused. Staged wrong behaviour
(``ecs_losing_backlog``): what Delta sent while it was down is lost, never loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Reactive
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.wire import EcsMovement, EcsMsg, EcsState

__all__ = ["EcsExitLogic"]

SOURCE = "ecs_exit"
OUT = "ecs.out"


@dataclass(slots=True)
class Movement:
    mrn: str
    office: str
    arrived: bool = False
    exited: bool = False


_BACKLOG_AGE = timedelta(minutes=5)  # a Delta record older than this when read waited through an outage


class EcsExitLogic(Reactive):
    def __init__(self, *, losing_backlog: bool = False) -> None:
        self.moves: dict[str, Movement] = {}
        self.losing_backlog = losing_backlog  # staged (ecs_losing_backlog): what Delta sent while down is lost

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        fx = Effects()
        if isinstance(msg, EcsMovement):
            if msg.mrn in self.moves:
                return fx  # read again after a restart
            if self.losing_backlog and incoming.time is not None and now - incoming.time > _BACKLOG_AGE:
                return fx  # staged: a movement Delta G/X sent while ECS-BS was down, never loaded
            self.moves[msg.mrn] = Movement(msg.mrn, msg.exit_office)
            aer = EcsMsg(msg_id=derive_id(msg.mrn, "IE501"), ie="IE501", mrn=msg.mrn, by="auto", channel="SYSTEM",
                         reintegration=False, event_time=now, office=msg.exit_office, sent_at=now)  # fmt: skip
            fx.send(OUT, msg.mrn, aer.msg_id, SOURCE, aer, subject=msg.mrn)
            fx.extend(self._state(msg.mrn, "AER_ARRIVE", now))
            return fx
        if not isinstance(msg, EcsMsg) or msg.ie not in ("IE507", "EXIT_ANN"):
            raise RejectedInput(f"{msg.ce_type} {getattr(msg, 'ie', '')} is not expected on {incoming.topic}")
        m = self.moves.get(msg.mrn)
        if m is None:
            raise RejectedInput(f"{msg.ie} for {msg.mrn}: no such movement in ECS-BS (no AER)")
        if msg.ie == "IE507" and not m.arrived:
            m.arrived = True
            fx.extend(self._state(m.mrn, "ETAT_STOCKE", now))
        elif msg.ie == "EXIT_ANN" and not m.exited:
            m.exited = m.arrived = True
            fx.extend(self._state(m.mrn, "SORTIE_CONFIRMEE", now))
            results = EcsMsg(msg_id=derive_id(m.mrn, "IE518"), ie="IE518", mrn=m.mrn, by="auto", channel="SYSTEM",
                             reintegration=False, event_time=msg.event_time, office=m.office, sent_at=now)  # fmt: skip
            fx.send(OUT, m.mrn, results.msg_id, SOURCE, results, subject=m.mrn)
        return fx

    @staticmethod
    def _state(mrn: str, state: str, now: datetime) -> Effects:
        fx = Effects()
        record = EcsState(mrn=mrn, system="ECSBS", state=state, at=now)
        fx.send(OUT, mrn, derive_id(mrn, f"ecsbs/{state}"), SOURCE, record, subject=mrn)
        return fx
