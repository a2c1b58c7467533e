"""The CloudEvents Kafka binding, binary mode: the body is the Avro record, metadata in headers.

What every record of the contract carries besides its body (``docs/contract.md``), written by the
runtime for every record a service sends and checked on every record a service reads: an outside
system's record without them could be neither deduplicated, nor placed in simulated time, nor
attributed to its writer. Also the name of the topic rejected records go to.
"""

from __future__ import annotations

from datetime import datetime

from secours.bus import Record
from secours.clock import format_sim
from secours.effects import Outgoing
from secours.errors import DecodeError

__all__ = ["DEFECT", "DLQ", "REQUIRED_HEADERS", "check_headers", "headers_for"]

DLQ = "secours.dlq"  # records a service could not take, with the reason (secours.sim.DeadLetter)
DEFECT = "defect in"  # how the reason of a record a service failed on by a defect of its own begins

REQUIRED_HEADERS = ("ce_id", "ce_type", "ce_source", "ce_time")


def headers_for(out: Outgoing, now: datetime) -> list[tuple[str, bytes]]:
    """The headers of ``out`` sent at simulated instant ``now``."""
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", out.id.encode()),
        ("ce_type", out.message.ce_type.encode()),
        ("ce_source", out.source.encode()),
        ("ce_time", format_sim(now).encode()),
        ("ce_subject", out.subject.encode()),
        ("content-type", b"application/avro"),
        ("ce_dataschema", out.message.schema_name.encode()),
    ]


def check_headers(record: Record, ce_type: str) -> None:
    """A :class:`DecodeError` naming what is wrong with ``record``'s headers, for a body of ``ce_type``."""
    missing = [name for name in REQUIRED_HEADERS if not record.header(name)]
    if missing:
        raise DecodeError(f"missing CloudEvents header{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if record.header("ce_type") != ce_type:
        raise DecodeError(f"header ce_type {record.header('ce_type')!r} does not match the body, a {ce_type}")
    spec = record.header("ce_specversion")
    if spec is not None and spec != "1.0":
        raise DecodeError(f"header ce_specversion {spec[:10]!r}: only CloudEvents 1.0 is spoken here")
