"""Trainees' desks: actors of the procedure played by people on the game-day page.

``secours run --drill F --ui PORT --human ROLE:ID`` takes that actor's fallback desk away from the
simulation: its systems still run, its people's steps are the trainee's, done through the page's
forms. Each desk keeps what its actor would see, fed by every record of the run, and turns a form
into the records its actor's system would write (same topics, keys and sources as the simulated
staff's), validated by the wire models: a malformed EORI or date comes back as a message beside its
field, and nothing is published. Two desks can be played:

- ``edi_provider:P002``, an EDI provider (:mod:`secours.gameday.provider_desk`);
- ``customs_desk_fr:CID``, customs' IT centre publishing alerts and notices
  (:mod:`secours.gameday.cid_desk`).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any, ClassVar, Protocol

from secours.effects import Outgoing
from secours.errors import UsageError
from secours.faults.model import Fault
from secours.gameday.cid_desk import CID_ACTOR, CID_TOPICS, CidDesk
from secours.gameday.forms import FormError
from secours.gameday.provider_desk import PROVIDER_TOPICS, EdiProviderDesk
from secours.wire import WireModel
from secours.world import World

__all__ = ["DESK_TOPICS", "Desk", "FormError", "desk_key", "make_desk", "parse_human", "source_of"]

# Where each role's desk writes: what its scorecard counts as the trainee's records.
DESK_TOPICS = {"edi_provider": PROVIDER_TOPICS, "customs_desk_fr": CID_TOPICS}
EXAMPLES = "edi_provider:P001, customs_desk_fr:CID"


class Desk(Protocol):
    actor: str
    forms: ClassVar[dict[str, str]]  # the forms it takes: name -> what it is, in words

    def note(self, topic: str, source: str, msg: WireModel, now: datetime) -> None: ...

    def view(self, now: datetime, live: list[Fault]) -> dict[str, Any]: ...

    def act(
        self, form: str, body: dict[str, Any], open_alerts: list[str], now: datetime
    ) -> tuple[list[Outgoing], str]: ...


def parse_human(text: str, world: World) -> str:
    """``role:id`` of an actor a trainee may play in ``world``, or a one-line error naming what is wrong."""
    role, _, instance = text.partition(":")
    if role not in DESK_TOPICS:
        raise UsageError(f"--human {text}: only these actors' desks can be played: {', '.join(DESK_TOPICS)} "
                         f"(e.g. {EXAMPLES})")  # fmt: skip
    if role == "customs_desk_fr":
        if text != CID_ACTOR:
            raise UsageError(f"--human {text}: customs' desk played is the CID: {CID_ACTOR}")
        return text
    playable = [p.id for p in world.providers if not p.own_connection and p.channel == "EDI"]
    if instance not in playable:
        raise UsageError(f"--human {text}: no EDI provider {instance!r} in this drill's world "
                         f"(there are {', '.join(playable) or 'none'})")  # fmt: skip
    return f"{role}:{instance}"


def make_desk(actor: str, world: World) -> Desk:
    return CidDesk(actor, world) if actor == CID_ACTOR else EdiProviderDesk(actor, world)


def source_of(actor: str) -> str:
    """The ``ce_source`` of the records ``actor``'s desk writes: the provider's own id; for the CID, its
    service's (the simulated CID publishes nothing meanwhile, so they are the trainee's)."""
    return "customs_desk_fr" if actor == CID_ACTOR else actor


def desk_key(trainer_key: str, actor: str) -> str:
    """The key of ``actor``'s desk: derived from the trainer's, so one secret makes them all, and a
    trainee's key opens only that trainee's desk (never the trainer's controls)."""
    return hmac.new(trainer_key.encode(), f"desk|{actor}".encode(), hashlib.sha256).hexdigest()[:20]
