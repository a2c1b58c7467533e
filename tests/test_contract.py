"""The message contract (secours.contract): a valid AsyncAPI 3.0.0 document that says everything the code
does, a journal schema that every journal line matches, the committed docs up to date, and the fastavro
example of docs/contract.md interoperating with the codec. No broker needed."""

from __future__ import annotations

import argparse
import io
import json
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, cast

import fastavro
import fastavro.schema
import jsonschema
import pytest
import yaml

from secours.bus import Record
from secours.cli.main import build_parser
from secours.clock import WallClock
from secours.cloudevents import headers_for
from secours.codec import Codec, crc64_avro
from secours.contract.asyncapi import (
    AVRO_FORMAT,
    HEADERS,
    REGENERATE,
    asyncapi_document,
    channel_id,
    headers_schema,
    journal_schema,
    update_markdown,
)
from secours.drills.journal import Entry, Recorder, decode_entry
from secours.effects import Outgoing
from secours.topics import TopicCatalog
from secours.wire import FaultEvent, WireModel
from services import REGISTRY
from tests.samples import NOW, samples

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# The official JSON Schema of AsyncAPI 3.0.0, from the npm package @asyncapi/specs 6.11.1
# (schemas/3.0.0.json, Apache-2.0: see asyncapi-3.0.0.LICENSE and asyncapi-3.0.0.NOTICE beside it).
ASYNCAPI_SCHEMA = Path(__file__).resolve().parent / "data" / "asyncapi-3.0.0.json"

CATALOG = TopicCatalog.load()
CODEC = Codec()


@cache
def document() -> dict[str, Any]:
    return asyncapi_document()


@cache
def journal_validator() -> jsonschema.Draft202012Validator:
    schema = journal_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _errors(validator: jsonschema.protocols.Validator, instance: object) -> list[str]:
    found = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    return [f"{'/'.join(map(str, e.path))}: {e.message[:300]}" for e in found]


# --- the AsyncAPI document -------------------------------------------------------------------------


def test_the_document_is_valid_asyncapi_3() -> None:
    schema = json.loads(ASYNCAPI_SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema)
    assert document()["asyncapi"] == "3.0.0"
    assert _errors(validator, document()) == []


def test_the_official_schema_catches_a_broken_document() -> None:
    """The validation above is not vacuous: the $refs of the bundled schema are resolved."""
    validator = jsonschema.Draft7Validator(json.loads(ASYNCAPI_SCHEMA.read_text()))
    broken = {**document(), "channels": {"x": {"address": 5}}}
    assert _errors(validator, broken)


def test_every_topic_is_a_channel() -> None:
    channels = document()["channels"]
    assert len(channels) == len(CATALOG.specs)
    for spec in CATALOG.specs.values():
        channel = channels[channel_id(spec.name)]
        assert channel["address"] == spec.name
        assert set(channel.get("parameters", {})) == set(spec.placeholders)
        assert list(channel["messages"]) == list(spec.values)
        kafka = channel["bindings"]["kafka"]
        assert kafka["partitions"] == spec.partitions
        assert kafka["x-key"]["description"] == spec.key
        assert kafka["topicConfiguration"]["cleanup.policy"] == [spec.cleanup]


def test_every_schema_is_a_message_with_its_ce_type() -> None:
    messages = document()["components"]["messages"]
    schemas = document()["components"]["schemas"]
    for name in sorted(CODEC.schema_names):
        entry = CODEC.entry(name)
        if entry.model is None:  # a part of messages (Party...), not a record on its own
            assert schemas[name]["schemaFormat"] == AVRO_FORMAT
            continue
        message = messages[name]
        assert message["name"] == name
        assert message["x-ce-type"] == entry.model.ce_type
        assert message["headers"]["properties"]["ce_type"]["const"] == entry.model.ce_type
        assert message["headers"]["properties"]["ce_dataschema"]["const"] == name
        payload = message["payload"]
        assert payload["schemaFormat"] == AVRO_FORMAT
        # The schema written in the document is the one on the wire: same fingerprint, self-contained.
        canonical = fastavro.schema.to_parsing_canonical_form(fastavro.parse_schema(payload["schema"]))
        fingerprint = crc64_avro(canonical.encode()).to_bytes(8, "little")
        assert fingerprint == entry.fingerprint, name
        assert message["x-avro-fingerprint"] == entry.fingerprint.hex()


def test_headers_are_those_the_runtime_writes() -> None:
    validator = jsonschema.Draft202012Validator(headers_schema())
    assert document()["components"]["schemas"][HEADERS] == headers_schema()
    for message in samples():
        out = Outgoing("ics2.t2c", "LRN1", "id-1", "edi_provider:P001", message)
        headers = {k: v.decode() for k, v in headers_for(out, NOW)}
        assert _errors(validator, headers) == []
        constants = document()["components"]["messages"][message.schema_name]["headers"]["properties"]
        for name, prop in constants.items():
            assert headers[name] == prop["const"]


@pytest.mark.parametrize("party", [*sorted(REGISTRY), "runner"])
def test_each_party_has_its_operations(party: str) -> None:
    operations = document()["operations"]
    channels = document()["channels"]
    if party in REGISTRY:
        writes, reads = REGISTRY[party].publishes, REGISTRY[party].consumes
    else:
        writes = tuple(s.name for s in CATALOG.specs.values() if party in s.producers)
        reads = tuple(s.name for s in CATALOG.specs.values() if party in s.consumers)
    assert writes or reads
    for action, topics in (("send", writes), ("receive", reads)):
        for topic in topics:
            operation = operations[f"{party}.{action}.{channel_id(topic)}"]
            assert operation["action"] == action
            target = operation["channel"]["$ref"].removeprefix("#/channels/")
            assert channels[target]["address"] == topic
    mine = {k for k in operations if k.startswith(f"{party}.")}
    assert len(mine) == len(set(writes)) + len(set(reads))


def test_the_provider_side_tells_the_retry_rule_and_the_clock() -> None:
    description = document()["info"]["description"]
    assert "same message_id, same ce_id" in description
    assert "epoch_wall_ms" in description
    assert "receipt_timeout_s" in description


# --- the committed files ----------------------------------------------------------------------------


def test_committed_documents_are_up_to_date() -> None:
    stale = f"out of date with the code: run `{REGENERATE}`"
    assert yaml.safe_load((DOCS / "asyncapi.yaml").read_text()) == document(), f"docs/asyncapi.yaml is {stale}"
    assert json.loads((DOCS / "journal.schema.json").read_text()) == journal_schema(), (
        f"docs/journal.schema.json is {stale}"
    )
    text = (DOCS / "contract.md").read_text()
    assert update_markdown(text) == text, f"the generated tables of docs/contract.md are {stale}"


def test_contract_md_keeps_the_external_section() -> None:
    assert "## Taking part in a drill (--external)" in (DOCS / "contract.md").read_text()


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_the_command_writes_the_documents(tmp_path: Path, suffix: str) -> None:
    target, journal = tmp_path / f"asyncapi{suffix}", tmp_path / "journal.schema.json"
    args = build_parser().parse_args(["contract", "--asyncapi", str(target), "--journal-schema", str(journal)])
    assert cast(argparse.Namespace, args).func(args) == 0
    text = target.read_text()
    written = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    assert written == document()
    assert (suffix == ".json") == text.lstrip().startswith("{")
    assert json.loads(journal.read_text()) == journal_schema()


# --- the journal ------------------------------------------------------------------------------------------


def _topic_for(schema: str) -> str:
    spec = next(s for s in CATALOG.specs.values() if schema in s.values)
    return spec.expand(**{p: "P001" if p == "provider" else "X1" for p in spec.placeholders})


def _record(message: WireModel, offset: int, ce_time: bytes | None = None) -> Record:
    out = Outgoing(_topic_for(message.schema_name), "KEY1", f"id-{offset}", "edi_provider:P001", message)
    headers = tuple((k, ce_time if k == "ce_time" and ce_time is not None else v) for k, v in headers_for(out, NOW))
    return Record(out.topic, 0, offset, b"KEY1", CODEC.encode(message), headers, 1_767_000_000_000 + offset)


def _journal_lines() -> list[str]:
    records = [_record(m, i) for i, m in enumerate(samples())]
    records.append(_record(samples()[0], 900, ce_time=b"yesterday"))  # a garbage ce_time is kept as such
    undecodable = _record(samples()[0], 901)
    records.append(Record(undecodable.topic, 0, 901, None, b"\xc3\x01garbage", undecodable.headers, 0))
    lines = [decode_entry(CODEC, CATALOG, r).to_json() for r in records]
    out = io.StringIO()
    clock = WallClock(NOW, 1_767_000_000.0, 60.0)
    recorder = Recorder(cast(Any, None), CODEC, CATALOG, clock, out)
    for phase in ("START", "END"):
        recorder.note_fault(
            FaultEvent(fault_id="f1", phase=phase, kind="down", component="ics2_sti", fault_json="{}", at=NOW)
        )
    return lines + out.getvalue().splitlines()


def test_journal_lines_written_by_the_code_match_the_schema() -> None:
    lines = _journal_lines()
    kinds = {json.loads(line)["ce_type"] for line in lines}
    assert {"undecodable", FaultEvent.ce_type, "IE3F10"} <= kinds
    assert any('"bad_ce_time"' in line for line in lines)
    assert sum('"partition": -1' in line for line in lines) == 2
    for line in lines:
        assert _errors(journal_validator(), json.loads(line)) == [], line[:200]
        Entry.from_json(line)  # and the journal reader takes it back


def test_the_journal_schema_describes_data_per_type() -> None:
    line = json.loads(next(x for x in _journal_lines() if '"ce_type": "IE3F10"' in x))
    del line["data"]["lrn"]
    assert any("lrn" in e for e in _errors(journal_validator(), line))
    line = json.loads(next(x for x in _journal_lines() if '"partition": -1' in x))
    assert _errors(journal_validator(), {**line, "source": "someone"})
    assert _errors(journal_validator(), {**line, "time": "2026-03-02 06:00"})


# --- the fastavro example of docs/contract.md ------------------------------------------------------------


def _example(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    text = (DOCS / "contract.md").read_text()
    found = re.search(r"<!-- example:encoding -->\n```python\n(.*?)```", text, re.S)
    assert found, "docs/contract.md lost its encoding example"
    monkeypatch.chdir(ROOT)
    namespace: dict[str, Any] = {}
    exec(compile(found.group(1), "docs/contract.md", "exec"), namespace)
    return namespace


def test_a_record_encoded_with_fastavro_alone_decodes_with_the_codec(monkeypatch: pytest.MonkeyPatch) -> None:
    example = _example(monkeypatch)
    for message in samples():
        value = example["encode"](message.schema_name, message.model_dump())
        assert value[:2] == b"\xc3\x01"
        assert CODEC.decode(value) == message
        back = example["decode"](CODEC.encode(message))
        assert type(message).model_validate(back) == message


def test_the_example_reads_times_in_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    example = _example(monkeypatch)
    sample = next(m for m in samples() if m.ce_type == "as4.receipt")
    back = example["decode"](CODEC.encode(sample))
    assert back["received_at"] == NOW == datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
