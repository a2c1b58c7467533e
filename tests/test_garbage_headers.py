"""A valid body under a garbage CloudEvents time header: dead-lettered by a service with the reason,
kept in the journal as what it is; neither stops."""

from __future__ import annotations

from typing import Any

import pytest

from secours.bus import Record
from secours.clock import WallClock
from secours.codec import Codec
from secours.drills.journal import decode_entry
from secours.errors import DecodeError
from secours.runtime import ServiceContext
from secours.topics import TopicCatalog
from secours.wire import IE3F10
from tests.samples import WORLD, samples

CODEC = Codec()
CATALOG = TopicCatalog.load()
ENS = next(m for m in samples() if isinstance(m, IE3F10))


def _record(ce_time: bytes) -> Record:
    headers = (("ce_id", b"id-1"), ("ce_time", ce_time), ("ce_type", b"IE3F10"), ("ce_source", b"edi_provider:P001"))
    return Record("ics2.t2c", 0, 7, b"LRN1", CODEC.encode(ENS), headers, 0)


def _context() -> ServiceContext:
    bus: Any = None  # _decode never touches the bus
    clock = WallClock(WORLD.config.start, 0.0, 600.0)
    return ServiceContext("ics2_tapas", bus, CODEC, CATALOG, clock, WORLD)


@pytest.mark.parametrize("garbage", [b"application/avro", b"\xff\xfe\x00", b"2026-13-45T99:00:00Z"])
def test_a_service_refuses_a_garbage_time_as_a_decode_error(garbage: bytes) -> None:
    with pytest.raises(DecodeError, match="header ce_time is not an ISO 8601 time"):
        _context()._decode(_record(garbage))


def test_a_good_time_still_decodes() -> None:
    incoming = _context()._decode(_record(b"2026-03-02T06:00:00Z"))
    assert incoming.message == ENS and incoming.time is not None and incoming.ce_id == "id-1"


def test_the_journal_keeps_a_record_with_a_garbage_time() -> None:
    entry = decode_entry(CODEC, CATALOG, _record(b"application/avro"))
    assert entry.time is None and entry.ce_type == "IE3F10"
    assert entry.data["bad_ce_time"] == "application/avro" and entry.data["lrn"] == ENS.lrn
