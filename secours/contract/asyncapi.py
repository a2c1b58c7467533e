"""The contract as an AsyncAPI 3.0.0 document, and the JSON Schema of one line of ``journal.jsonl``.

Everything comes from the code at the time of the call, so that the documents cannot drift from it:
the topics from ``topics.yaml`` (:class:`~secours.topics.TopicCatalog`), the record types from
``schemas/*.avsc`` (:class:`~secours.codec.Codec`) and :mod:`secours.wire` (their ``ce_type``), the
CloudEvents headers from :func:`secours.cloudevents.headers_for`, who writes and reads what from
:data:`services.REGISTRY` (and ``topics.yaml`` for the parties that are not services), the EDI
provider's timeouts from the :class:`~secours.world.Params` its logic reads, and the journal line
from :class:`secours.drills.journal.Entry`.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import fastavro.schema
import yaml

import services.edi_provider
from secours.cloudevents import REQUIRED_HEADERS, headers_for
from secours.codec import MAGIC, Codec, SchemaEntry
from secours.drills.journal import Entry
from secours.effects import Outgoing
from secours.errors import ContractError
from secours.resources import package_version
from secours.topics import TopicCatalog, TopicSpec
from secours.wire import As4Receipt, ClientNotice, CustomsNotice, FaultEvent, RunAnnouncement, WireModel
from secours.world import Params, RunConfig
from services import REGISTRY, ServiceDef

__all__ = [
    "ASYNCAPI_VERSION",
    "AVRO_FORMAT",
    "HEADERS",
    "REGENERATE",
    "Timing",
    "asyncapi_document",
    "avro_schema",
    "channel_id",
    "dump",
    "headers_schema",
    "journal_schema",
    "message_headers",
    "payload_schema",
    "provider_timings",
    "record_types_markdown",
    "timings_markdown",
    "update_markdown",
]

Json = dict[str, Any]
Format = Literal["yaml", "json"]

ASYNCAPI_VERSION = "3.0.0"
AVRO_FORMAT = "application/vnd.apache.avro;version=1.9.0"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
KAFKA_BINDING = "0.5.0"
REGENERATE = (
    "secours contract --asyncapi docs/asyncapi.yaml --journal-schema docs/journal.schema.json "
    "--markdown docs/contract.md"
)
PROVIDER = "edi_provider"  # the service an outside relay takes the place of
HEADERS = "CloudEventsHeaders"  # the headers' schema, in the document's components
SIM_TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$"  # clock.format_sim
SPEEDS = (1.0, 60.0, 180.0)  # wall-second columns of the timings table, with the configuration's default speed

# --- the CloudEvents headers ----------------------------------------------------------------------

_HEADER_MEANING = {
    "ce_specversion": "CloudEvents specification version; a record with another value is refused.",
    "ce_id": (
        "Identifier of the event, unique per source; readers drop a ce_id they have already acted on "
        "(redeliveries). A push sent again because its AS4 receipt did not come keeps the ce_id and the "
        "message_id of the first push."
    ),
    "ce_type": (
        "Type of the record: the IE code for ICS2 messages (IE3F10), a dotted event name otherwise "
        "(as4.receipt); must match the body, else the record is refused to secours.dlq."
    ),
    "ce_source": (
        "Who wrote it: a service, or service:instance (edi_provider:P001). What an outside relay writes "
        "counts as its actor's when ce_source names it."
    ),
    "ce_time": "When it was written, in SIMULATED time: ISO-8601 UTC with milliseconds and a Z.",
    "ce_subject": "What it is about (LRN, MRN, EORI...): the record key unless the writer says otherwise.",
    "content-type": "Media type of the body: an Avro record in the single-object encoding.",
    "ce_dataschema": "Full name of the body's Avro schema (schemas/<name>.avsc); its fingerprint is in the body.",
}


# Two records that differ in everything, passed through headers_for: what the headers hold is read
# from the code that writes them, not restated here.
class _ProbeA(WireModel):
    schema_name = "probe.A"
    ce_type = "probe.a"


class _ProbeB(WireModel):
    schema_name = "probe.B"
    ce_type = "probe.b"


def _probe(message: WireModel, tag: str, at: datetime) -> dict[str, str]:
    out = Outgoing(f"t{tag}", f"k{tag}", f"i{tag}", f"s{tag}", message, f"j{tag}")
    return {name: value.decode() for name, value in headers_for(out, at)}


def _probes() -> tuple[dict[str, str], dict[str, str]]:
    return (
        _probe(_ProbeA(), "a", datetime(2001, 1, 1, tzinfo=UTC)),
        _probe(_ProbeB(), "b", datetime(2002, 2, 2, tzinfo=UTC)),
    )


def headers_schema() -> Json:
    """The headers every record carries, as :func:`secours.cloudevents.headers_for` writes them: those
    whose value does not depend on the record are constants. Required: those every reader checks."""
    a, b = _probes()
    properties: Json = {}
    for name, value in a.items():
        prop: Json = {"type": "string", "description": _HEADER_MEANING.get(name, "Written by every secours service.")}
        if value == b.get(name):
            prop["const"] = value
        elif name == "ce_time":
            prop |= {"format": "date-time", "pattern": SIM_TIME_PATTERN}
        properties[name] = prop
    return {"type": "object", "required": [h for h in REQUIRED_HEADERS if h in properties], "properties": properties}


def message_headers(ce_type: str, schema_name: str) -> Json:
    """The headers of a record of ``ce_type``: the common ones, with its type and schema as constants."""
    a, _ = _probes()
    constants: Json = {}
    for name, value in a.items():
        if value in (_ProbeA.ce_type, _ProbeA.schema_name):
            constants[name] = {"type": "string", "const": ce_type if value == _ProbeA.ce_type else schema_name}
    return {"type": "object", "allOf": [{"$ref": f"#/components/schemas/{HEADERS}"}], "properties": constants}


def _content_type() -> str:
    return _probe(_ProbeA(), "a", datetime(2001, 1, 1, tzinfo=UTC)).get("content-type", "application/avro")


# --- record types ----------------------------------------------------------------------------------


def record_entries(codec: Codec) -> list[SchemaEntry]:
    """Every schema that is a record on its own (it has a model in :mod:`secours.wire`), by name."""
    return sorted((codec.entry(n) for n in codec.schema_names if codec.entry(n).model is not None), key=_name)


def _name(entry: SchemaEntry) -> str:
    return entry.name


def _ce_type(entry: SchemaEntry) -> str:
    if entry.model is None:
        raise ContractError(f"schema {entry.name} is not a record type of secours.wire")
    return entry.model.ce_type


def avro_schema(codec: Codec, name: str) -> Json:
    """The schema of ``name`` as fastavro reads it: full names, the named types it uses written in at first use."""
    loaded = fastavro.schema.load_schema(str(codec.schema_dir / f"{name}.avsc"))
    if not isinstance(loaded, dict):
        raise ContractError(f"{name}: a record schema is expected")
    return {k: v for k, v in loaded.items() if not k.startswith("__")}


_AVRO_PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})


def _avsc_files(codec: Codec) -> dict[str, Json]:
    return {name: json.loads((codec.schema_dir / f"{name}.avsc").read_text()) for name in codec.schema_names}


def _fullname(name: str, namespace: str) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"


def _inline(avro: Any, files: Mapping[str, Json], seen: set[str], namespace: str) -> Any:
    """``avro`` with the named types of other files written in at first use, each as its file has it
    (simple name and namespace, as the Avro specification and AsyncAPI's Avro schema want)."""
    if isinstance(avro, list):
        return [_inline(a, files, seen, namespace) for a in avro]
    if isinstance(avro, str):
        full = _fullname(avro, namespace)
        if avro in _AVRO_PRIMITIVES or full in seen or full not in files:
            return avro
        return _inline(files[full], files, seen, namespace)
    out = dict(avro)
    kind = avro["type"]
    if kind in ("record", "error", "enum", "fixed"):
        namespace = str(avro.get("namespace", namespace))
        seen.add(_fullname(avro["name"], namespace))
    if kind in ("record", "error"):
        out["fields"] = [{**f, "type": _inline(f["type"], files, seen, namespace)} for f in avro["fields"]]
    elif kind == "array":
        out["items"] = _inline(avro["items"], files, seen, namespace)
    elif kind == "map":
        out["values"] = _inline(avro["values"], files, seen, namespace)
    elif kind not in ("enum", "fixed"):
        out["type"] = _inline(kind, files, seen, namespace)
    return out


def payload_schema(codec: Codec, name: str, files: Mapping[str, Json] | None = None) -> Json:
    """The schema file of ``name``, self-contained: the named types it uses written in at first use."""
    files = files or _avsc_files(codec)
    schema: Json = _inline(files[name], files, set(), "")
    return schema


def _fields(avro: Json) -> list[str]:
    return [str(f["name"]) for f in avro.get("fields", ())]


def _message(codec: Codec, entry: SchemaEntry, topics: Sequence[str], files: Mapping[str, Json]) -> Json:
    ce_type = _ce_type(entry)
    avro = payload_schema(codec, entry.name, files)
    message: Json = {
        "name": entry.name,
        "title": ce_type,
        "summary": str(avro.get("doc", "")),
        "contentType": _content_type(),
        "headers": message_headers(ce_type, entry.name),
        "payload": {"schemaFormat": AVRO_FORMAT, "schema": avro},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "UTF-8 text; what it holds is the channel's (x-key)."},
                "bindingVersion": KAFKA_BINDING,
            }
        },
        "x-ce-type": ce_type,
        "x-avro-fingerprint": entry.fingerprint.hex(),
        "x-topics": list(topics),
    }
    if "ref_message_id" in _fields(avro):
        message["correlationId"] = {
            "description": "The message_id of the message this one answers.",
            "location": "$message.payload#/ref_message_id",
        }
    return message


def _nested_schemas(codec: Codec, files: Mapping[str, Json]) -> Json:
    """Named types that are not records on their own (Party, GoodsItem...): parts of the messages."""
    return {
        name: {"schemaFormat": AVRO_FORMAT, "schema": payload_schema(codec, name, files)}
        for name in sorted(codec.schema_names)
        if codec.entry(name).model is None
    }


def _topics_of(catalog: TopicCatalog, schema: str) -> list[str]:
    return [s.name for s in catalog.specs.values() if schema in s.values]


# --- channels --------------------------------------------------------------------------------------

_PARAMETER_MEANING = {
    "provider": "Id of an EDI provider of the run's world (P001...; the run's configuration, in its announcement).",
    "eori": "EORI of a trader of the run's world: its customs-to-trader queue.",
    "service": "Name of a simulated service.",
}


def channel_id(topic: str) -> str:
    """``ics2.c2t.{eori}`` -> ``ics2.c2t.eori``: a key usable in a JSON pointer."""
    return topic.replace("{", "").replace("}", "")


def _channel(spec: TopicSpec, registry: Mapping[str, ServiceDef]) -> Json:
    lines = [spec.description, "", f"Key: {spec.key}."]
    if spec.when_down == "refuse":
        lines.append("While its consumer is down, a record written here gets no receipt: the sender must send again.")
    if spec.out_of_band:
        lines.append("A people's channel (phone, e-mail, web form): an IT outage of the actor does not stop it.")
    lines.append(f"Written by {', '.join(spec.producers)}; read by {', '.join(spec.consumers)}.")
    channel: Json = {
        "address": spec.name,
        "description": "\n".join(lines),
        "messages": {v: {"$ref": f"#/components/messages/{v}"} for v in spec.values},
        "bindings": {
            "kafka": {
                "partitions": spec.partitions,
                "topicConfiguration": {"cleanup.policy": [p.strip() for p in spec.cleanup.split(",")]},
                "bindingVersion": KAFKA_BINDING,
                "x-key": {"type": "string", "description": spec.key},
            }
        },
        "x-when-down": spec.when_down,
        "x-out-of-band": spec.out_of_band,
    }
    if spec.placeholders:
        channel["parameters"] = {p: _parameter(p, registry) for p in spec.placeholders}
    return channel


def _parameter(name: str, registry: Mapping[str, ServiceDef]) -> Json:
    parameter: Json = {"description": _PARAMETER_MEANING.get(name, f"One {name} of the run.")}
    if name == "service":
        parameter["enum"] = sorted(registry)
    return parameter


# --- operations: who writes and reads what ----------------------------------------------------------

_PARTY_MEANING = {
    "runner": "The drill runner (secours drill run): announces the run, injects faults, keeps the journal.",
    "external": "An outside system playing an actor of a run (secours drill run --external): a provider's relay...",
}


def parties(catalog: TopicCatalog, registry: Mapping[str, ServiceDef]) -> dict[str, tuple[list[str], list[str]]]:
    """Every party, with the topics it writes and reads (templated names): the services as the
    registry says, then the other parties ``topics.yaml`` names (the runner...)."""
    out = {
        name: ([catalog.spec_for(t).name for t in d.publishes], [catalog.spec_for(t).name for t in d.consumes])
        for name, d in registry.items()
    }
    for spec in catalog.specs.values():
        for party in spec.producers:
            if party not in registry:
                out.setdefault(party, ([], []))[0].append(spec.name)
        for party in spec.consumers:
            if party not in registry:
                out.setdefault(party, ([], []))[1].append(spec.name)
    return out


def _operations(catalog: TopicCatalog, registry: Mapping[str, ServiceDef]) -> Json:
    operations: Json = {}
    for party, (writes, reads) in parties(catalog, registry).items():
        for action, topics in (("send", writes), ("receive", reads)):
            for topic in dict.fromkeys(topics):
                verb = "writes to" if action == "send" else "reads"
                operations[f"{party}.{action}.{channel_id(topic)}"] = {
                    "action": action,
                    "channel": {"$ref": f"#/channels/{channel_id(topic)}"},
                    "summary": f"{party} {verb} {topic}",
                    "tags": [{"$ref": f"#/components/tags/{party}"}],
                }
    return operations


def _tags(catalog: TopicCatalog, registry: Mapping[str, ServiceDef]) -> Json:
    tags: Json = {}
    for party in parties(catalog, registry):
        summary = registry[party].summary if party in registry else _PARTY_MEANING.get(party, party)
        tags[party] = {"name": party, "description": summary.split("\n\n", 1)[0]}
    return tags


# --- the EDI provider's timeouts ---------------------------------------------------------------------

_TIMING_MEANING = {  # what each means for a provider (str.format with the parameters); else the field's description
    "receipt_timeout_s": "after a first push, wait this long for its AS4 receipt (ics2.receipt), then push it again",
    "retry_gap_s": (
        "then push again every this long, until the receipt comes (an ENS of goods unloaded in France: until its "
        "means of transport arrives, then at the after-arrival pace; 24 simulated hours at most)"
    ),
    "dedupe_keep_s": "how long the ids of messages acted on are kept: one redelivered within it is dropped",
    "detect_self_s": "the provider's staff notice their own platform is down this long after it failed",
    "client_notice_delay_s": "from customs' outage or recovery notice (customs.notices) to telling each client",
    "detect_no_receipt_span_s": (
        "{detect_no_receipt} pushes of one ENS without a receipt, spanning at least this long: customs is taken "
        "as down (look at the météo, then an OLGA request if no alert covers it)"
    ),
    "no_mrn_after_s": "staged breach only (resending_providers): sending a receipted ENS again when no MRN comes",
    "backlog_stall_s": "staged breach only (eu_careless_providers: late_replay): after its own outage, leaving "
    "what it held this long before replaying it",
}


@dataclass(frozen=True, slots=True)
class Timing:
    name: str
    low: float
    high: float
    meaning: str


def _params_read_by(folder: Path) -> set[str]:
    return {m for path in folder.glob("*.py") for m in re.findall(r"params\.(\w+)", path.read_text())}


def provider_timings(params: Params | None = None) -> list[Timing]:
    """The durations (simulated seconds) the simulated EDI provider's code reads from ``params``."""
    params = params or Params()
    used = _params_read_by(Path(services.edi_provider.__file__).parent)
    out: list[Timing] = []
    for name, info in type(params).model_fields.items():
        if name not in used or not name.endswith("_s"):
            continue
        value = getattr(params, name)
        low, high = value if isinstance(value, tuple) else (value, value)
        meaning = _TIMING_MEANING.get(name, "").format(**params.model_dump()) or info.description or ""
        out.append(Timing(name, float(low), float(high), meaning))
    return out


def _num(x: float) -> str:
    return f"{x:.0f}" if x >= 1000 else f"{x:.3g}"


def _span(low: float, high: float) -> str:
    return _num(low) if low == high else f"{_num(low)}-{_num(high)}"


def _speeds() -> list[float]:
    default = float(RunConfig.model_fields["speed"].default)
    return sorted({*SPEEDS, default})


def timings_markdown(params: Params | None = None) -> str:
    speeds = _speeds()
    head = ["setting", "simulated s", *(f"wall s at x{_num(s)}" for s in speeds), "what"]
    rows = [head, ["---"] * len(head)]
    for t in provider_timings(params):
        walls = [_span(t.low / s, t.high / s) for s in speeds]
        rows.append([f"`{t.name}`", _span(t.low, t.high), *walls, t.meaning])
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def record_types_markdown(catalog: TopicCatalog | None = None, codec: Codec | None = None) -> str:
    catalog = catalog or TopicCatalog.load()
    codec = codec or Codec()
    rows = [["ce_type", "Avro schema", "topics"], ["---", "---", "---"]]
    for entry in sorted(record_entries(codec), key=lambda e: (not _ce_type(e).startswith("IE"), _ce_type(e))):
        topics = ", ".join(f"`{t}`" for t in _topics_of(catalog, entry.name)) or "(none)"
        rows.append([f"`{_ce_type(entry)}`", f"`{entry.name}`", topics])
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


# --- the document ---------------------------------------------------------------------------------------


def _version() -> str:
    return package_version() or "0.0.0"


def _control_topic(catalog: TopicCatalog) -> str:
    found = _topics_of(catalog, RunAnnouncement.schema_name)
    if not found:
        raise ContractError(f"no topic carries {RunAnnouncement.schema_name}")
    return found[0]


def _description(catalog: TopicCatalog, registry: Mapping[str, ServiceDef], params: Params) -> str:
    control = _control_topic(catalog)
    p = params
    writes, reads = parties(catalog, registry).get(PROVIDER, ([], []))
    sections = [
        "The topics, records and actors of secours, a simulator of EU customs IT systems talking over Kafka. "
        "Enough to write another Kafka client that takes an actor's place (an EDI provider's relay for "
        f"`{PROVIDER}`) without importing secours. docs/contract.md explains it step by step.",
        "## Topics\n\nChannel addresses are logical names. The physical topic is the run's topic prefix "
        "(`--prefix`, `SECOURS_TOPIC_PREFIX`; empty by default) followed by the address, with `{provider}`, "
        "`{eori}` and `{service}` replaced by the run's ids. The record key is UTF-8 text (x-key of each "
        "channel's Kafka binding): records with the same key keep their order.",
        "## Encoding\n\nThe value is one Avro record in the Avro single-object encoding: the two bytes "
        f"`{MAGIC.hex(' ').upper()}`, the 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema's "
        "parsing canonical form (x-avro-fingerprint of each message), then the Avro binary body. The schema is "
        "known from the record itself; a topic may carry several types.",
        "## Headers\n\nCloudEvents 1.0, Kafka protocol binding, binary mode: the attributes are headers "
        "(UTF-8 text), the body is the Avro record.\n\n"
        + "\n".join(f"- `{n}`: {m}" for n, m in _HEADER_MEANING.items()),
        "## Identity of a retried push\n\nA push sent again (no AS4 receipt) keeps the `message_id` in its body "
        "and the `ce_id` of its first push: the STI's duplicate detection keeps it one message, and acknowledges "
        "each copy with an `as4.receipt` whose `ref_message_id` is that message_id. A new id would be a new "
        "message, lodged twice.",
        f"## Simulated time\n\nEvery time in a record and in `ce_time` is simulated. The runner announces the run "
        f"on `{control}` ({RunAnnouncement.schema_name}, key = run id): simulated now = `epoch_sim` + "
        "(wall now - `epoch_wall_ms`/1000) x `speed`, on a `wall` clock. `epoch_wall_ms` = 0: the run waits "
        "for its outside actors and its clock has not started; a later announcement of the same run gives the "
        "epoch. A `stepped` clock cannot be joined by another process. A wait of S simulated seconds is "
        "S / `speed` wall seconds.",
        f"## The EDI provider's side\n\n`{PROVIDER}` reads {_codes(reads)} and writes {_codes(writes)} (operations "
        f"tagged `{PROVIDER}`). For each message a client hands over on `edi.to_provider.{{provider}}`: push it "
        f"to `ics2.t2c` and wait for the `{As4Receipt.ce_type}` on `ics2.receipt` whose `ref_message_id` is its "
        f"message_id; none after `receipt_timeout_s` ({_num(p.receipt_timeout_s)} simulated s): push it again "
        f"(same message_id, same ce_id), then every `retry_gap_s` ({_num(p.retry_gap_s)} simulated s) until "
        "receipted or the means of transport arrives. The messages of one ENS leave one at a time, in the "
        "client's order. Relay every answer of each client's `ics2.c2t.{eori}` queue to "
        f"`edi.to_trader.{{provider}}`. On a `{CustomsNotice.ce_type}` (outage or recovery) tell each client "
        f"with a `{ClientNotice.ce_type}`. File OLGA assistance requests (`olga.requests`) for a client's outage, "
        "its own, or customs' found by pushes without receipts, and report recoveries on `sau.contacts`. Write "
        "with ce_source `edi_provider:<provider id>`.",
        "## The provider's timings (simulated seconds, default parameters)\n\n" + timings_markdown(params),
        "## Journal\n\nA drill's journal.jsonl has one JSON object per record of every topic (and per fault "
        "start or end): docs/journal.schema.json.",
    ]
    return "\n\n".join(sections)


def _codes(topics: Iterable[str]) -> str:
    return ", ".join(f"`{t}`" for t in dict.fromkeys(topics)) or "nothing"


def asyncapi_document(
    catalog: TopicCatalog | None = None,
    codec: Codec | None = None,
    registry: Mapping[str, ServiceDef] | None = None,
    params: Params | None = None,
) -> Json:
    """The AsyncAPI 3.0.0 document of every topic (channel), record type (message) and party (operations)."""
    catalog = catalog or TopicCatalog.load()
    codec = codec or Codec()
    registry = REGISTRY if registry is None else registry
    params = params or Params()
    catalog.check_schemas(codec.schema_names)
    entries = record_entries(codec)
    known = {e.name for e in entries}
    orphans = sorted({v for s in catalog.specs.values() for v in s.values} - known)
    if orphans:
        raise ContractError(f"topics.yaml names schemas that are no record type of secours.wire: {', '.join(orphans)}")
    files = _avsc_files(codec)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "secours message contract",
            "version": _version(),
            "description": _description(catalog, registry, params),
            "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
        },
        "defaultContentType": _content_type(),
        "servers": {
            "kafka": {
                "host": "{bootstrap}",
                "protocol": "kafka",
                "description": "The run's Kafka cluster (secours drill run --bootstrap).",
                "variables": {"bootstrap": {"default": "localhost:9092", "description": "host:port of a broker"}},
            }
        },
        "channels": {channel_id(s.name): _channel(s, registry) for s in catalog.specs.values()},
        "operations": _operations(catalog, registry),
        "components": {
            "messages": {e.name: _message(codec, e, _topics_of(catalog, e.name), files) for e in entries},
            "schemas": {HEADERS: headers_schema(), **_nested_schemas(codec, files)},
            "tags": _tags(catalog, registry),
        },
    }


# --- the journal ----------------------------------------------------------------------------------------

_TIMESTAMP: Json = {"type": "string", "format": "date-time", "pattern": SIM_TIME_PATTERN}
_PRIMITIVES: dict[str, Json] = {
    "null": {"type": "null"},
    "boolean": {"type": "boolean"},
    "int": {"type": "integer"},
    "long": {"type": "integer"},
    "float": {"type": "number"},
    "double": {"type": "number"},
    "string": {"type": "string"},
    "bytes": {"type": "string", "contentEncoding": "base64"},
}
_ENTRY_FIELDS: dict[str, Json] = {
    "topic": {"type": "string", "description": "Logical topic name (without the run's topic prefix)."},
    "partition": {"type": "integer", "minimum": -1, "description": "Partition; -1 for a fault noted by the harness."},
    "offset": {"type": "integer", "minimum": -1, "description": "Offset; -1 for a fault noted by the harness."},
    "wall_ms": {"type": "integer", "description": "The record's Kafka timestamp (unix milliseconds, wall time)."},
    "key": {"type": "string", "description": "The record key, as UTF-8 text."},
    "ce_id": {"type": "string", "description": "Header ce_id (empty when missing)."},
    "ce_type": {"type": "string", "description": "Header ce_type, else the body's; 'undecodable': no decoding."},
    "source": {"type": "string", "description": "Header ce_source (empty when missing)."},
    "time": {"anyOf": [_TIMESTAMP, {"type": "null"}], "description": "Header ce_time (simulated); null: none, or bad."},
    "subject": {"type": "string", "description": "Header ce_subject (empty when missing)."},
    "data": {"type": "object", "description": "The body, decoded, as JSON (times as ce_time is, bytes in base64)."},
}
_BAD_TIME: Json = {"type": "string", "description": "The ce_time header that did not parse (then time is null)."}
_EXTRA: Json = {"bad_ce_time": _BAD_TIME}  # what decode_entry adds to the data of a record with a bad ce_time


def _to_json(avro: Any, defs: dict[str, Json]) -> Json:
    """The JSON Schema of the JSON form of an Avro value (named types go to ``defs``)."""
    if isinstance(avro, list):
        return {"anyOf": [_to_json(a, defs) for a in avro]}
    if isinstance(avro, str):
        return dict(_PRIMITIVES[avro]) if avro in _PRIMITIVES else {"$ref": f"#/$defs/{avro}"}
    kind = avro["type"]
    if avro.get("logicalType") in ("timestamp-micros", "timestamp-millis"):
        return dict(_TIMESTAMP)
    if kind in ("record", "error"):
        defs[avro["name"]] = _record(avro, defs)
    elif kind == "enum":
        defs[avro["name"]] = {"type": "string", "enum": list(avro["symbols"])}
    elif kind == "fixed":
        defs[avro["name"]] = dict(_PRIMITIVES["bytes"])
    elif kind == "array":
        return {"type": "array", "items": _to_json(avro["items"], defs)}
    elif kind == "map":
        return {"type": "object", "additionalProperties": _to_json(avro["values"], defs)}
    else:
        return _to_json(kind, defs)
    return {"$ref": f"#/$defs/{avro['name']}"}


def _record(avro: Json, defs: dict[str, Json], extra: Mapping[str, Json] | None = None) -> Json:
    properties: Json = {}
    for field in avro["fields"]:
        prop = _to_json(field["type"], defs)
        if field.get("doc"):
            prop["description"] = field["doc"]
        properties[field["name"]] = prop
    record: Json = {"type": "object", "required": list(properties), "additionalProperties": False}
    if avro.get("doc"):
        record["description"] = avro["doc"]
    record["properties"] = {**properties, **(extra or {})}
    return record


def _when(field: str, value: object, then: Json) -> Json:
    return {"if": {"properties": {field: {"const": value}}, "required": [field]}, "then": then}


def journal_schema(codec: Codec | None = None) -> Json:
    """JSON Schema (draft 2020-12) of one line of ``journal.jsonl`` (:meth:`Entry.to_json`, and the
    fault lines :meth:`~secours.drills.journal.Recorder.note_fault` writes)."""
    codec = codec or Codec()
    names = [f.name for f in dataclasses.fields(Entry)]
    if set(names) != set(_ENTRY_FIELDS):
        raise ContractError(f"journal Entry fields {names} are not those the journal schema describes")
    defs: dict[str, Json] = {}
    per_type = [
        _when("ce_type", _ce_type(e), {"properties": {"data": _record(avro_schema(codec, e.name), defs, _EXTRA)}})
        for e in record_entries(codec)
    ]
    undecodable = {"type": "object", "required": ["undecodable"], "additionalProperties": False}
    undecodable["properties"] = {"undecodable": {"type": "string", "description": "Why it did not decode."}, **_EXTRA}
    fault = {
        "properties": {
            "topic": {"const": "secours.faults"},
            "offset": {"const": -1},
            "source": {"const": "harness"},
            "ce_type": {"const": FaultEvent.ce_type},
            "time": _TIMESTAMP,
        }
    }
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": "One line of journal.jsonl",
        "description": (
            "A record of a run's topics, decoded, or a fault's start or end noted by the drill harness "
            "(partition and offset -1). `data` is described per `ce_type`; a record whose ce_type header "
            "names another type than its body's is refused by the services and does not match."
        ),
        "type": "object",
        "required": names,
        "additionalProperties": False,
        "properties": {n: _ENTRY_FIELDS[n] for n in names},
        "allOf": [
            _when("partition", -1, fault),
            _when("ce_type", "undecodable", {"properties": {"data": undecodable}}),
            *per_type,
        ],
        "$defs": dict(sorted(defs.items())),
    }


# --- output -------------------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def dump(document: Json, fmt: Format) -> str:
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)


_BLOCK = re.compile(r"(<!-- generated:(?P<name>[\w-]+) -->\n)(?:.*?\n)?(<!-- /generated:(?P=name) -->)", re.S)


def update_markdown(text: str, catalog: TopicCatalog | None = None, codec: Codec | None = None) -> str:
    """``text`` with its generated blocks (``<!-- generated:NAME -->`` ... ``<!-- /generated:NAME -->``)
    written anew: ``timings`` (the provider's timeouts), ``record-types`` (every ce_type)."""
    blocks: dict[str, Callable[[], str]] = {
        "timings": timings_markdown,
        "record-types": lambda: record_types_markdown(catalog, codec),
    }

    def fill(m: re.Match[str]) -> str:
        make = blocks.get(m.group("name"))
        if make is None:
            raise ContractError(f"unknown generated block {m.group('name')!r}")
        return m.group(1) + make() + "\n" + m.group(3)

    return _BLOCK.sub(fill, text)
