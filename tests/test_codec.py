"""Every wire model round-trips through its Avro schema; records decode from the .avsc files alone."""

from __future__ import annotations

import io
import json

import fastavro
import fastavro.schema
import pytest

from secours.codec import MAGIC, Codec, crc64_avro
from secours.errors import DecodeError, UnknownSchemaError
from secours.wire import MODELS, WireModel
from tests.samples import samples

CODEC = Codec()
SAMPLES = samples()


def test_every_model_has_a_sample() -> None:
    assert {type(s) for s in SAMPLES} == set(MODELS)


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: type(m).__name__)
def test_round_trip(message: WireModel) -> None:
    data = CODEC.encode(message)
    assert data[:2] == MAGIC
    assert CODEC.decode(data) == message


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: type(m).__name__)
def test_decodable_with_the_schema_file_only(message: WireModel) -> None:
    """An external system with nothing but schemas/ can read our records (single-object encoding)."""
    path = CODEC.schema_dir / f"{message.schema_name}.avsc"
    schema = fastavro.schema.load_schema(str(path))
    data = CODEC.encode(message)
    fp = crc64_avro(fastavro.schema.to_parsing_canonical_form(schema).encode()).to_bytes(8, "little")
    assert data[2:10] == fp
    assert fastavro.schema.fingerprint(fastavro.schema.to_parsing_canonical_form(schema), "CRC-64-AVRO") == fp.hex()
    record = fastavro.schemaless_reader(io.BytesIO(data[10:]), fastavro.parse_schema(schema), None)
    assert set(record) == {json.loads(path.read_text())["fields"][i]["name"] for i in range(len(record))}


def test_crc64_avro_spec_vector() -> None:
    # Fingerprint of the schema "int", as the Avro specification's test vectors give it.
    assert crc64_avro(b'"int"').to_bytes(8, "little").hex() == "8f5c393f1ad57572"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", DecodeError),
        (b"hello world, not avro", DecodeError),
        (MAGIC + b"\x00" * 8 + b"body", UnknownSchemaError),
    ],
)
def test_garbage_is_refused_with_a_reason(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        CODEC.decode(data)


def test_truncated_body_is_a_decode_error() -> None:
    data = CODEC.encode(SAMPLES[0])
    with pytest.raises(DecodeError, match="IE3F10"):
        CODEC.decode(data[:40])


def test_schema_not_accepted_on_topic() -> None:
    data = CODEC.encode(SAMPLES[2])
    with pytest.raises(UnknownSchemaError, match="not accepted"):
        CODEC.decode(data, frozenset({"eu.ics2.IE3F10"}))
