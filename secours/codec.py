"""Pydantic model <-> Avro bytes, in the Avro single-object encoding.

A record is ``C3 01`` + the 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema's
parsing canonical form + the Avro binary body. Any Avro library can therefore decode a record
from the ``.avsc`` files alone, and a topic carrying several message types (``ics2.t2c`` carries
ENS filings, referral answers and arrival notifications) needs no extra type header to be read.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastavro
import fastavro.schema
from pydantic import ValidationError as PydanticValidationError

from secours.errors import ContractError, DecodeError, UnknownSchemaError
from secours.resources import schemas_dir
from secours.wire import MODELS, WireModel

__all__ = ["MAGIC", "Codec", "SchemaEntry", "crc64_avro", "default_schema_dir"]

MAGIC = b"\xc3\x01"
_EMPTY = 0xC15D213AA4D7A795


def _table() -> list[int]:
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (_EMPTY & -(fp & 1))
        table.append(fp)
    return table


_TABLE = _table()


def crc64_avro(data: bytes) -> int:
    """The Rabin fingerprint the Avro specification names CRC-64-AVRO."""
    fp = _EMPTY
    for byte in data:
        fp = (fp >> 8) ^ _TABLE[(fp ^ byte) & 0xFF]
    return fp


def default_schema_dir() -> Path:
    return schemas_dir()


@dataclass(frozen=True, slots=True)
class SchemaEntry:
    name: str
    parsed: Any
    fingerprint: bytes
    model: type[WireModel] | None


class Codec:
    """Loads every schema of ``schemas/`` once; encodes models and decodes records."""

    def __init__(self, schema_dir: Path | None = None, models: Iterable[type[WireModel]] = MODELS) -> None:
        self.schema_dir = schema_dir or default_schema_dir()
        self._by_name: dict[str, SchemaEntry] = {}
        self._by_fp: dict[bytes, SchemaEntry] = {}
        by_model = {m.schema_name: m for m in models}
        for path in sorted(self.schema_dir.glob("*.avsc")):
            name = path.name.removesuffix(".avsc")
            try:
                loaded = fastavro.schema.load_schema(str(path))
            except Exception as exc:  # fastavro raises several unrelated types for a bad file
                raise ContractError(f"{path.name}: not a valid Avro schema: {exc}") from exc
            canonical = fastavro.schema.to_parsing_canonical_form(loaded)
            fp = crc64_avro(canonical.encode()).to_bytes(8, "little")
            entry = SchemaEntry(name, fastavro.parse_schema(loaded), fp, by_model.get(name))
            self._by_name[name] = entry
            self._by_fp[fp] = entry
        missing = sorted(set(by_model) - set(self._by_name))
        if missing:
            raise ContractError(f"models without a schema file in {self.schema_dir}: {', '.join(missing)}")

    @property
    def schema_names(self) -> frozenset[str]:
        return frozenset(self._by_name)

    def entry(self, name: str) -> SchemaEntry:
        try:
            return self._by_name[name]
        except KeyError:
            raise ContractError(f"no schema named {name!r} in {self.schema_dir}") from None

    def encode(self, message: WireModel) -> bytes:
        entry = self._by_name[message.schema_name]
        buf = io.BytesIO()
        buf.write(MAGIC)
        buf.write(entry.fingerprint)
        fastavro.schemaless_writer(buf, entry.parsed, message.model_dump())
        return buf.getvalue()

    def decode(self, data: bytes | None, accepted: frozenset[str] | None = None) -> WireModel:
        """Decode one record; ``accepted`` restricts the schemas (those of the topic it came from)."""
        if not data or len(data) < 10 or data[:2] != MAGIC:
            raise DecodeError("not an Avro single-object record (missing C3 01 marker)")
        entry = self._by_fp.get(data[2:10])
        if entry is None or entry.model is None:
            raise UnknownSchemaError(f"unknown schema fingerprint {data[2:10].hex()}")
        if accepted is not None and entry.name not in accepted:
            raise UnknownSchemaError(f"schema {entry.name} is not accepted on this topic")
        try:
            raw = fastavro.schemaless_reader(io.BytesIO(data[10:]), entry.parsed, None)
        except Exception as exc:  # truncated or garbage bodies raise EOFError, ValueError, ...
            raise DecodeError(f"{entry.name}: body does not decode ({type(exc).__name__})") from exc
        try:
            return entry.model.model_validate(raw)
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise DecodeError(f"{entry.name}: field {where}: {first['msg']}") from exc

    def describe(self, name: str) -> str:
        return json.dumps(fastavro.schema.load_schema(str(self.schema_dir / f"{name}.avsc")))
