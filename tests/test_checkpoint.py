"""Checkpoints without a broker: what a state becomes on the changelog and what is refused back."""

from __future__ import annotations

import hashlib
import os
import pickle
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from secours.checkpoint import PIECE_BYTES, StateStore, dump_state, load_state
from secours.codec import Codec
from secours.effects import Incoming, Timer
from secours.errors import CodecError
from secours.wire import CrFiling
from secours.world import RunConfig, World
from services.ics2_cr.logic import CrLogic
from tests.samples import samples

NOW = datetime(2026, 3, 2, 6, tzinfo=UTC)


def cr_with_traffic(world: World) -> CrLogic:
    logic = CrLogic(7, (5.0, 60.0))
    logic.world_ref = world  # type: ignore[attr-defined]  # a reference to the shared world, as many logics hold
    filing = next(m for m in samples() if isinstance(m, CrFiling))
    logic.handle(Incoming("ics2.cr.in", filing, "ce-1", "ics2_sti", NOW), NOW)
    return logic


def store(key: bytes | None = None) -> StateStore:
    # No bus: only the assembling and checking of pieces is exercised here (the bus part runs on Kafka).
    return StateStore(None, Codec(), "ics2_cr", "run1", {}, key)  # type: ignore[arg-type]


def test_a_state_comes_back_equal_and_the_world_is_not_copied() -> None:
    world = World(RunConfig())
    logic = cr_with_traffic(world)
    timers = [Timer(NOW + timedelta(minutes=5), "send", "x")]
    blob = dump_state({"logic": dict(vars(logic)), "timers": timers}, {"world": world})
    back = load_state(blob, {"world": world})
    assert back["timers"] == timers
    assert back["logic"]["world_ref"] is world  # left out of the blob, given back by reference
    assert set(back["logic"]["by_mrn"]) == set(logic.by_mrn) and len(logic.by_mrn) == 1
    assert back["logic"]["by_lrn"] == logic.by_lrn
    assert len(blob) < 20_000, "the world was written into the checkpoint"


class _Evil:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("true",))


def test_a_checkpoint_naming_anything_else_is_refused_in_one_line() -> None:
    blob = zlib.compress(pickle.dumps({"logic": _Evil()}))
    with pytest.raises(CodecError, match=r"may not name posix\.system"):
        load_state(blob, {})
    with pytest.raises(CodecError, match="does not load"):
        load_state(b"not zlib at all", {})
    with pytest.raises(CodecError, match="holds a list"):
        load_state(zlib.compress(pickle.dumps([1, 2])), {})


def test_pieces_are_assembled_only_when_whole_intact_and_signed() -> None:
    state = {"logic": {"blob": os.urandom(PIECE_BYTES + 1000)}, "timers": [], "held_in": []}
    writer = store(b"k3y")
    pieces = writer.capture(state, {("ics2.cr.in", 0): 12})
    assert len(pieces) == 2 and {p.count for p in pieces} == {2}
    reader = store(b"k3y")
    found = reader._assemble(list(reversed(pieces)))  # order on the topic does not matter
    assert found is not None and found.positions == {("ics2.cr.in", 0): 12}
    assert found.state["logic"]["blob"] == state["logic"]["blob"]
    # A crash while writing it: a piece missing, the checkpoint is not used.
    assert reader._assemble(pieces[:1]) is None
    # A damaged piece fails the checksum.
    damaged = pieces[1].model_copy(update={"data": b"x" + pieces[1].data[1:]})
    assert reader._assemble([pieces[0], damaged]) is None
    # With a control key, an unsigned or foreign checkpoint is not loaded (loading one runs code).
    assert store(b"other")._assemble(pieces) is None
    unsigned = [p.model_copy(update={"mac": None}) for p in pieces]
    assert reader._assemble(unsigned) is None
    # Without a key, the checksum still guards it.
    blob = b"".join(p.data for p in pieces)
    assert hashlib.sha256(blob).hexdigest() == pieces[0].sha256
    assert store()._assemble(unsigned) is not None


def test_checkpoints_are_spaced_by_their_cost() -> None:
    s = store()
    s.min_interval_s = 0.0
    assert s.due()
    s.capture({"logic": {"x": list(range(200_000))}}, {})
    assert not s.due(), "a costly checkpoint must be followed by a pause twenty times as long"
