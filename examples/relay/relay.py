#!/usr/bin/env python3
"""Reference EDI-provider relay for secours drills, written against the published contract only.

It plays the actor ``edi_provider`` (every provider of the drill's world, or one: ``--actor
edi_provider:P002``) in place of the simulated service, beside::

    secours drill run drills/ics2-eu-sti-down.yaml --external edi_provider --bootstrap HOST:PORT

It imports nothing from secours: records are Avro single-object encoded from the ``.avsc`` files of
the repository's ``schemas/`` folder (fastavro), and Kafka is spoken with confluent-kafka
(librdkafka), another client than the simulator's. What it must do is the contract:

- lodge each message a client hands over on ``edi.to_provider.<P>`` with an AS4 push to
  ``ics2.t2c`` (``ics2.portal`` for a direct-input provider), wait for its ``As4Receipt`` on
  ``ics2.receipt``, push it again (same message id, same ``ce_id``) every ``retry_gap_s`` until it
  is receipted, and keep the messages of one LRN in the order the client sent them;
- relay every record of each client's pull queue ``ics2.c2t.<EORI>`` to ``edi.to_trader.<P>``;
- tell every client when customs notifies an outage or a recovery (``customs.notices``);
- when its pushes keep failing and nobody said why, look at the météo and file an OLGA assistance
  request; when a client calls to say its own system is down (``provider.contacts``), file one for
  it; report each recovery to customs' help desk.

Times: simulated time runs on the wall clock the run announces on ``secours.control``
(``sim = epoch_sim + (wall - epoch_wall) x speed``); every duration of ``params`` is in simulated
seconds, and every record is stamped (``ce_time``) with the simulated instant it was written.

``--never-retry`` is a non-compliant mode on purpose: a push without receipt is never pushed again,
to show that the drills catch it.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import io
import json
import logging
import re
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import fastavro
import fastavro.schema
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message, Producer, TopicPartition

VERSION = "1.0.0"
SOFTWARE = f"reference-relay {VERSION}"

log = logging.getLogger("relay")

CONTROL = "secours.control"

# --- Avro single-object encoding -------------------------------------------------------------------

MAGIC = b"\xc3\x01"  # the single-object encoding's marker, then 8 bytes of schema fingerprint
_CRC64_EMPTY = 0xC15D213AA4D7A795  # CRC-64-AVRO's initial value (the Avro specification)


def _crc64_table() -> list[int]:
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (_CRC64_EMPTY & -(fp & 1))
        table.append(fp)
    return table


_CRC64_TABLE = _crc64_table()


def crc64_avro(data: bytes) -> int:
    """The Rabin fingerprint the Avro specification calls CRC-64-AVRO."""
    fp = _CRC64_EMPTY
    for byte in data:
        fp = (fp >> 8) ^ _CRC64_TABLE[(fp ^ byte) & 0xFF]
    return fp


class DecodeError(Exception):
    """A record the relay cannot read: logged in one line and skipped."""


@dataclass(frozen=True, slots=True)
class Schema:
    name: str  # full name, e.g. eu.ics2.IE3F10 (also the file name without .avsc)
    parsed: Any  # fastavro's parsed schema
    fingerprint: bytes  # 8 bytes, little-endian CRC-64-AVRO of the parsing canonical form


class Codec:
    """Every schema of the folder, by name and by fingerprint (a record names its writer schema
    by fingerprint only, so one topic can carry several record types without a type header)."""

    def __init__(self, folder: Path) -> None:
        self.by_name: dict[str, Schema] = {}
        self.by_fp: dict[bytes, Schema] = {}
        for path in sorted(folder.glob("*.avsc")):
            # load_schema on the path (not parse_schema on the JSON): it finds the named types a
            # schema borrows from other files of the folder (eu.ics2.Party in eu.ics2.IE3F10...).
            loaded = fastavro.schema.load_schema(str(path))
            canonical = fastavro.schema.to_parsing_canonical_form(loaded)
            fp = crc64_avro(canonical.encode()).to_bytes(8, "little")
            entry = Schema(path.name.removesuffix(".avsc"), fastavro.parse_schema(loaded), fp)
            self.by_name[entry.name] = entry
            self.by_fp[fp] = entry
        if not self.by_name:
            raise SystemExit(f"relay: no Avro schema (*.avsc) in {folder}")

    def encode(self, schema: str, body: dict[str, Any]) -> bytes:
        entry = self.by_name[schema]
        buf = io.BytesIO()
        buf.write(MAGIC)
        buf.write(entry.fingerprint)
        fastavro.schemaless_writer(buf, entry.parsed, body)
        return buf.getvalue()

    def decode(self, value: bytes | None) -> tuple[str, dict[str, Any]]:
        if not value or len(value) < 10 or value[:2] != MAGIC:
            raise DecodeError("not an Avro single-object record (no C3 01 marker)")
        entry = self.by_fp.get(value[2:10])
        if entry is None:
            raise DecodeError(f"unknown schema fingerprint {value[2:10].hex()}")
        try:
            body = fastavro.schemaless_reader(io.BytesIO(value[10:]), entry.parsed, None)
        except Exception as exc:  # a truncated or garbage body raises EOFError, ValueError, ...
            raise DecodeError(f"{entry.name}: body does not decode ({type(exc).__name__})") from exc
        if not isinstance(body, dict):
            raise DecodeError(f"{entry.name}: not a record")
        return entry.name, body


# --- CloudEvents (Kafka binding, binary mode) ---------------------------------------------------------

# ce_type of the records this relay writes whose type is not an ICS2 message code (those are the
# schema's short name, IE3F10...). The reader checks that ce_type matches the body it decodes.
_EVENT_TYPES = {
    "secours.sim.ActorReady": "actor.ready",
    "secours.sim.ClientNotice": "client.notice",
    "secours.sim.OlgaDa": "olga.da",
    "secours.sim.SauContact": "sau.contact",
    "secours.sim.MeteoConsulted": "meteo.consulted",
}
_IE_CODE = re.compile(r"^eu\.ics2\.(IE[0-9A-Z]+)$")


def ce_type_of(schema: str) -> str:
    match = _IE_CODE.match(schema)
    if match:
        return match.group(1)
    return _EVENT_TYPES[schema]


def format_sim(t: datetime) -> str:
    """ISO 8601 UTC with milliseconds and Z, as ce_time is written."""
    return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def headers(ce_id: str, schema: str, source: str, subject: str, now: datetime) -> list[tuple[str, str | bytes | None]]:
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", ce_id.encode()),
        ("ce_type", ce_type_of(schema).encode()),
        ("ce_source", source.encode()),
        ("ce_time", format_sim(now).encode()),
        ("ce_subject", subject.encode()),
        ("content-type", b"application/avro"),
        ("ce_dataschema", schema.encode()),
    ]


# Ids this relay makes are derived from the id of what caused them (a uuid5): a record handled twice
# (redelivered after a restart) yields the same ids, so readers that deduplicate see one fact.
_ID_SPACE = uuid.UUID("8a3c9e52-52f4-4c1e-9d0e-5e7a1f3b2c64")


def make_da_id(day: datetime, key: str) -> str:
    """An OLGA request number as the contract gives it: DA-<YYYYMMDD>-<6 digits>, fixed by ``key``."""
    digits = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % 1_000_000
    return f"DA-{day:%Y%m%d}-{digits:06d}"


def derive_id(parent: str, purpose: str) -> str:
    return str(uuid.uuid5(_ID_SPACE, f"{parent}/{purpose}"))


# --- the run's clock ----------------------------------------------------------------------------------


@dataclass
class SimClock:
    """Simulated time from the run's announcement. Until the run starts (``epoch_wall`` 0) it stands
    still at the start instant: nothing is due, and what is written is stamped with the start."""

    epoch_sim: datetime
    epoch_wall: float = 0.0  # unix seconds; 0 while the run waits for its outside actors
    speed: float = 1.0

    @property
    def started(self) -> bool:
        return self.epoch_wall > 0

    def now(self) -> datetime:
        if not self.started:
            return self.epoch_sim
        return self.epoch_sim + timedelta(seconds=(time.time() - self.epoch_wall) * self.speed)

    def wall_until(self, sim: datetime) -> float:
        """Wall seconds from now until simulated time reaches ``sim`` (infinite before the start)."""
        if not self.started:
            return float("inf")
        return self.epoch_wall + (sim - self.epoch_sim).total_seconds() / self.speed - time.time()


# --- the drill's world (secours world --drill FILE --json) ------------------------------------------


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    id: str
    name: str
    eori: str
    channel: str  # EDI (system to system, AS4 to ics2.t2c) or DTI (typed on the STI portal)
    clients: dict[str, str]  # EORI -> company name


@dataclass
class World:
    actor: str
    providers: dict[str, ProviderInfo]  # the providers this relay plays
    provider_of: dict[str, str]  # client EORI -> its provider (among ours)
    backup_of: dict[str, str]  # a direct-input filer's EDI provider, to lodge through when the portal fails
    reads: list[str]  # logical topics the actor reads
    params: dict[str, Any]

    @classmethod
    def load(cls, path: Path, actor: str) -> World:
        doc = json.loads(path.read_text(encoding="utf-8"))
        service, _, instance = actor.partition(":")
        if service != "edi_provider":
            raise SystemExit(f"relay: it plays edi_provider (or edi_provider:P...), not {actor!r}")
        if actor not in doc["topics"]:
            raise SystemExit(f"relay: {path} has no actor {actor!r} (known: {', '.join(doc['topics'])})")
        providers = {
            p["id"]: ProviderInfo(
                p["id"], p["name"], p["eori"], p["channel"], {c["eori"]: c["name"] for c in p["clients"]}
            )
            for p in doc["providers"]
            if not instance or p["id"] == instance
        }
        provider_of = {eori: p.id for p in providers.values() for eori in p.clients}
        backup_of = {t["eori"]: t["backup"] for t in doc["traders"] if t.get("backup")}
        return cls(actor, providers, provider_of, backup_of, list(doc["topics"][actor]["reads"]), doc["params"])


# --- what the provider does ----------------------------------------------------------------------------

ORDERS = {"IE3F10", "IE3F51", "IE3R02", "IE3A10", "IE3A51", "IE3Q04"}  # what a client may hand over
FILINGS = {"IE3F10", "IE3F51"}
# What edi.to_trader carries (topics.yaml): a client queue's IE3R04 (an arrival's answer, for the
# carrier that pushed it) is not relayed, or the client's system would have to refuse it.
TO_TRADER = {"IE3R01", "IE3N99", "IE3N01", "IE3N03", "IE3Q02", "IE3N08", "IE3N10", "IE3R07"}

PROCEDURE_INFO = (
    "Customs' ICS system is unavailable. Fallback (smart border, fiche n°9): we keep transmitting your ENS "
    "until your ferry or shuttle arrives in France; goods unloaded in France only; no action needed from you "
    "unless your data changes. We will tell you when the system is back."
)
CUSTOMS_DOWN_TEXT = (
    "Since {since} our AS4 pushes to ICS2 get no receipt, and the météo shows no alert. We keep pushing every "
    "held ENS; the declarations concerned are listed here."
)
CLIENT_DOWN_TEXT = (
    "Our client {name} ({eori}) cannot send us its ENS data: its own system has been down since {since}. "
    "We will lodge its ENS as soon as it is back, before its units disembark at the smart border."
)


@dataclass(slots=True)
class Out:
    """One record to write; ``topic`` is the logical name (the run's prefix is added when sent)."""

    topic: str
    key: str
    ce_id: str
    source: str
    schema: str
    value: bytes  # already encoded: a relayed record keeps its body byte for byte
    subject: str


@dataclass(slots=True)
class Pending:
    """A message a client handed over, not yet receipted."""

    provider: str
    msg_id: str
    lrn: str
    filer: str  # EORI of the client it is lodged for
    schema: str
    value: bytes  # the client's record, pushed as is
    body: dict[str, Any]
    give_up_at: datetime
    french: bool  # goods unloaded in France (smart-border fallback), or not a filing
    arrives: datetime | None  # smart-border goods: after this, pushed again at the slower pace
    attempts: int = 0
    pushed_at: list[datetime] = field(default_factory=list)


@dataclass(order=True, slots=True)
class Timer:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    ref: str = field(compare=False)


class Provider:
    """The logic, without Kafka: records in (``handle``), timers due (``fire``), records out (``send``)."""

    def __init__(self, world: World, codec: Codec, send: Callable[[Out, datetime], None], never_retry: bool) -> None:
        self.world = world
        self.codec = codec
        self._send = send
        self.never_retry = never_retry
        p = world.params
        self.receipt_timeout_s = float(p["receipt_timeout_s"])
        self.retry_gap_s = float(p["retry_gap_s"])
        self.after_arrival_retry_s = float(p.get("after_arrival_retry_s", 900.0))
        self.keep_s = float(p["dedupe_keep_s"])
        self.detect_pushes = int(p["detect_no_receipt"])
        self.detect_span_s = float(p["detect_no_receipt_span_s"])
        # Staff reaction times, in simulated seconds: the quick end of the procedure's own ranges.
        self.notice_delay_s = float(p["client_notice_delay_s"][0])
        self.da_delay_s = float(p["da_delay_s"][0])
        self.report_delay_s = float(p["report_delay_s"][0])
        self.timers: list[Timer] = []
        self._seq = 0
        # Lodging.
        self.pending: dict[str, Pending] = {}  # message id -> pushed, no receipt yet
        self.in_flight: dict[str, str] = {}  # LRN -> the message of that ENS being pushed
        self.queued: dict[str, list[Pending]] = {}  # LRN -> its next messages, in the client's order
        self.receipted: dict[str, datetime] = {}  # message id -> when (dedupe of redelivered orders)
        self.relayed: dict[str, datetime] = {}  # c2t message id -> when (dedupe of redelivered answers)
        self.notified: set[str] = set()  # customs notices already passed on
        # Detecting that customs is down when nobody said so (ICS2-FR-NO-ALERT).
        self.open_alerts: set[str] = set()  # the météo's open ICS2 alerts
        self.told: set[str] = set()  # providers customs told of an outage still on
        self.detected: dict[str, datetime] = {}  # provider -> first failed push of the outage it found
        self.last_receipt: dict[str, datetime] = {}
        # Assistance requests (OLGA DA), by "provider|subject" (subject: "customs" or a client EORI).
        self.down_since: dict[str, datetime] = {}
        self.since_of: dict[str, datetime] = {}
        self.to_file: set[str] = set()
        self.das: dict[str, tuple[str, bool]] = {}  # key -> (DA id, recovery reported)
        self.stats = {"orders": 0, "pushes": 0, "retries": 0, "receipts": 0, "relayed": 0, "notices": 0,
                      "gave_up": 0, "das": 0}  # fmt: skip

    # --- plumbing ---------------------------------------------------------------------------------

    @staticmethod
    def source(provider: str) -> str:
        return f"edi_provider:{provider}"

    def after(self, at: datetime, kind: str, ref: str) -> None:
        self._seq += 1
        heapq.heappush(self.timers, Timer(at, self._seq, kind, ref))

    def next_due(self) -> datetime | None:
        return self.timers[0].at if self.timers else None

    def send(self, topic: str, key: str, ce_id: str, source: str, schema: str, body: dict[str, Any],
             now: datetime, subject: str = "") -> None:  # fmt: skip
        self._send(Out(topic, key, ce_id, source, schema, self.codec.encode(schema, body), subject or key), now)

    def fire(self, now: datetime) -> None:
        """Run every timer due at ``now``."""
        while self.timers and self.timers[0].at <= now:
            timer = heapq.heappop(self.timers)
            self.on_timer(timer, now)

    def prune(self, now: datetime) -> None:
        """Forget the ids kept for deduplication once they are older than ``dedupe_keep_s``."""
        horizon = now - timedelta(seconds=self.keep_s)
        for seen in (self.receipted, self.relayed):
            for key in [k for k, t in seen.items() if t < horizon]:
                del seen[key]

    # --- records in ----------------------------------------------------------------------------------

    def handle(self, topic: str, schema: str, body: dict[str, Any], value: bytes, now: datetime) -> None:
        if topic.startswith("edi.to_provider."):
            if schema.removeprefix("eu.ics2.") not in ORDERS:
                raise DecodeError(f"{schema} is not a client order")
            self.order(topic.rsplit(".", 1)[1], schema, body, value, now)
        elif topic == "ics2.receipt" and schema == "eu.ics2.As4Receipt":
            self.receipt(body, now)
        elif topic.startswith("ics2.c2t.") and schema.startswith("eu.ics2.IE"):
            self.relay(topic.removeprefix("ics2.c2t."), schema, body, value, now)
        elif topic == "customs.notices" and schema == "secours.sim.CustomsNotice":
            self.customs_notice(body, now)
        elif topic == "meteo" and schema == "secours.sim.MeteoAlert":
            self.meteo(body)
        elif topic == "provider.contacts" and schema == "secours.sim.ProviderContact":
            self.client_contact(body, now)
        else:
            raise DecodeError(f"{schema} is not expected on {topic}")

    def order(self, provider: str, schema: str, body: dict[str, Any], value: bytes, now: datetime) -> None:
        """A client hands over a message to lodge."""
        if provider not in self.world.providers:
            return
        msg_id, lrn = body["message_id"], body["lrn"]
        if (
            msg_id in self.pending
            or msg_id in self.receipted
            or any(q.msg_id == msg_id for q in self.queued.get(lrn, ()))
        ):
            return  # redelivered: it is already being lodged (or was)
        code = schema.removeprefix("eu.ics2.")
        filer = body["declarant"]["eori"] if code in FILINGS else body["eori"]
        french = code not in FILINGS or body["country_of_unloading"] == "FR"
        # Goods unloaded in France are pushed every few minutes until their transport arrives; an ENS
        # still not receipted then is not dropped: it is lodged once customs is back (seed 000 S2, seed
        # 001), tried again at a slower pace, for a day at most.
        arrives = body["estimated_arrival"] if code in FILINGS and french and not self._portal(provider) else None
        self.stats["orders"] += 1
        p = Pending(provider, msg_id, lrn, filer, schema, value, body, now + timedelta(hours=24), french, arrives)
        if lrn in self.in_flight:
            self.queued.setdefault(lrn, []).append(p)  # after the one being pushed: an ENS's messages keep their order
            return
        self._start(p, now)

    def _start(self, p: Pending, now: datetime) -> None:
        self.pending[p.msg_id] = p
        self.in_flight[p.lrn] = p.msg_id
        self._push(p, now)

    def _push(self, p: Pending, now: datetime) -> None:
        p.attempts += 1
        p.pushed_at.append(now)
        topic = "ics2.portal" if self._portal(p.provider) else "ics2.t2c"
        # ce_id = the AS4 message id, the same on every attempt: the STI's duplicate detection then
        # keeps one message however many times it was pushed (a new id would be a new message).
        self._send(Out(topic, p.lrn, p.msg_id, self.source(p.provider), p.schema, p.value, p.lrn), now)
        self.stats["pushes" if p.attempts == 1 else "retries"] += 1
        log.debug("push %s %s %s (attempt %d) at %s", p.schema, p.lrn, p.msg_id, p.attempts, format_sim(now))
        # The first wait is the AS4 receipt timeout; later attempts are spaced by the retry gap.
        wait = self.receipt_timeout_s if p.attempts == 1 else self.retry_gap_s
        if p.arrives is not None and now >= p.arrives:
            wait = max(wait, self.after_arrival_retry_s)
        self.after(now + timedelta(seconds=wait), "retry", p.msg_id)

    def _finish(self, msg_id: str, now: datetime) -> Pending | None:
        """``msg_id`` is done with (receipted, or given up): the next message of its ENS leaves."""
        p = self.pending.pop(msg_id, None)
        if p is None:
            return None
        if self.in_flight.get(p.lrn) == msg_id:
            del self.in_flight[p.lrn]
        waiting = self.queued.get(p.lrn)
        if waiting:
            nxt = waiting.pop(0)
            if not waiting:
                del self.queued[p.lrn]
            self._start(nxt, now)
        return p

    def receipt(self, body: dict[str, Any], now: datetime) -> None:
        p = self._finish(body["ref_message_id"], now)
        if p is None:
            return  # a receipt for another actor's push, or a second one for ours
        self.receipted[p.msg_id] = now
        self.stats["receipts"] += 1
        log.debug("receipt %s %s after %d attempt(s)", p.lrn, p.msg_id, p.attempts)
        self.last_receipt[p.provider] = now
        if self.detected.pop(p.provider, None) is not None:
            self._recovery(p.provider, "customs", now)  # receipts again: the customs outage it found is over

    def retry(self, msg_id: str, now: datetime) -> None:
        p = self.pending.get(msg_id)
        if p is None:
            return  # receipted meanwhile
        if now >= p.give_up_at:
            self.stats["gave_up"] += 1
            log.info("%s %s: no receipt by %s, not pushed again", p.schema, p.lrn, format_sim(p.give_up_at))
            self._finish(msg_id, now)
            return
        if self.never_retry:  # the non-compliant mode: one push, then the message is forgotten
            self.stats["gave_up"] += 1
            log.debug("--never-retry: %s %s not pushed again", p.lrn, msg_id)
            self._finish(msg_id, now)
            return
        if self._portal(p.provider) and p.attempts >= self.detect_pushes and self._hand_over(p, now):
            return
        self._failed_push(p, now)
        self._push(p, now)

    def _portal(self, provider: str) -> bool:
        return self.world.providers[provider].channel == "DTI"

    def _hand_over(self, p: Pending, now: datetime) -> bool:
        """The STI portal keeps failing: a direct-input filer with an EDI provider gives that
        provider the ENS to lodge system to system (ICS2-EU-UUMDS-DOWN)."""
        backup = self.world.backup_of.get(p.filer)
        if not backup or p.schema.removeprefix("eu.ics2.") not in FILINGS:
            return False
        self._finish(p.msg_id, now)
        again = dict(p.body, message_id=derive_id(p.msg_id, "via-provider"))
        self.send(f"edi.to_provider.{backup}", p.lrn, again["message_id"], f"trader:{p.filer}", p.schema, again, now)
        return True

    def relay(self, eori: str, schema: str, body: dict[str, Any], value: bytes, now: datetime) -> None:
        """An answer in a client's pull queue: to the client, the same body, a ce_id of its own."""
        provider = self.world.provider_of.get(eori)
        msg_id = body["message_id"]
        if provider is None or msg_id in self.relayed:
            return
        code = schema.removeprefix("eu.ics2.")
        if code not in TO_TRADER:
            log.debug("not relayed: %s %s (not carried by edi.to_trader)", code, body.get("lrn"))
            return
        self.relayed[msg_id] = now
        self.stats["relayed"] += 1
        out = Out(f"edi.to_trader.{provider}", body["lrn"], derive_id(msg_id, "relay"), self.source(provider),
                  schema, value, body["lrn"])  # fmt: skip
        self._send(out, now)

    # --- customs' word, the météo, clients' calls ---------------------------------------------------

    def customs_notice(self, body: dict[str, Any], now: datetime) -> None:
        """Customs says it is unavailable (or back): each client hears it from its provider."""
        provider, kind, notice_id = body["to"], body["kind"], body["notice_id"]
        if provider not in self.world.providers or notice_id in self.notified:
            return
        self.notified.add(notice_id)
        if kind == "outage":
            self.told.add(provider)
            self._cancel(provider, "customs")  # customs said it itself: no request of ours needed
        else:
            self.told.discard(provider)
        for eori in self.world.providers[provider].clients:
            self.after(now + timedelta(seconds=self.notice_delay_s), "notify", f"{kind}|{notice_id}|{provider}|{eori}")

    def _notify(self, ref: str, now: datetime) -> None:
        kind, notice_id, provider, eori = ref.split("|")
        # One id per (customs notice, client): told again after a restart, the client sees one notice.
        own_id = derive_id(notice_id, eori)
        notice: dict[str, Any] = {
            "notice_id": own_id, "provider": provider, "to": eori, "kind": kind,
            "procedure_info": PROCEDURE_INFO if kind == "outage" else "", "ref": notice_id, "sent_at": now,
        }  # fmt: skip
        self.stats["notices"] += 1
        self.send(f"edi.to_trader.{provider}", eori, own_id, self.source(provider),
                  "secours.sim.ClientNotice", notice, now)  # fmt: skip

    def meteo(self, body: dict[str, Any]) -> None:
        if "ICS2" not in body["services"]:
            return  # an alert about another system: not what lodging an ENS depends on
        if body["phase"] == "end":
            self.open_alerts.discard(body["alert_id"])
        else:
            self.open_alerts.add(body["alert_id"])

    def client_contact(self, body: dict[str, Any], now: datetime) -> None:
        """A client calls: its own system is down (an assistance request for it) or back (reported)."""
        provider, eori = body["provider"], body["trader"]
        if provider not in self.world.providers or eori not in self.world.providers[provider].clients:
            return
        if body["kind"] == "outage":
            self._outage(provider, eori, body["since"], now)
        elif body["kind"] == "recovery":
            self._recovery(provider, eori, now)

    def _failed_push(self, p: Pending, now: datetime) -> None:
        """Another push without a receipt: pushes failing ``detect_no_receipt`` times over
        ``detect_no_receipt_span_s`` (since the provider's last receipt) mean customs is down. If
        nobody said so, look at the météo; no alert there: file an assistance request."""
        last = self.last_receipt.get(p.provider)
        failed = [t for t in p.pushed_at if last is None or t > last]
        if p.provider in self.detected or len(failed) < self.detect_pushes:
            return
        if now - failed[0] < timedelta(seconds=self.detect_span_s):
            return
        self.detected[p.provider] = failed[0]
        if p.provider in self.told:
            return  # customs said so already
        consultation_id = derive_id(p.provider, f"meteo/{now.isoformat()}")
        consulted: dict[str, Any] = {
            "consultation_id": consultation_id, "by": self.source(p.provider),
            "channel": "web", "alert_ids": sorted(self.open_alerts), "consulted_at": now,
        }  # fmt: skip
        self.send("meteo.consultations", p.provider, consultation_id, self.source(p.provider),
                  "secours.sim.MeteoConsulted", consulted, now)  # fmt: skip
        if not self.open_alerts:
            self._outage(p.provider, "customs", failed[0], now)

    # --- assistance requests (OLGA) and recovery reports (SAU) ---------------------------------------

    def _outage(self, provider: str, subject: str, since: datetime, now: datetime) -> None:
        key = f"{provider}|{subject}"
        if key in self.down_since:
            return
        open_da = self.das.get(key)
        if open_da is not None and not open_da[1]:
            self.down_since[key] = since  # down again before the recovery was reported: the same request
            return
        self.down_since[key] = self.since_of[key] = since
        self.to_file.add(key)
        self.after(now + timedelta(seconds=self.da_delay_s), "da", key)

    def _recovery(self, provider: str, subject: str, now: datetime) -> None:
        key = f"{provider}|{subject}"
        if self.down_since.pop(key, None) is None:
            return  # not down, or a second word of the same recovery
        self.after(now + timedelta(seconds=self.report_delay_s), "report", key)

    def _cancel(self, provider: str, subject: str) -> None:
        key = f"{provider}|{subject}"
        if key in self.to_file:
            self.to_file.discard(key)
            self.down_since.pop(key, None)

    def _holding(self, provider: str) -> dict[str, list[str]]:
        """LRNs not receipted yet that the French fallback covers, per client (scope rule SC1)."""
        held: dict[str, list[str]] = {}
        for p in [*self.pending.values(), *(q for qs in self.queued.values() for q in qs)]:
            if p.provider == provider and p.french:
                held.setdefault(p.filer, []).append(p.lrn)
        return held

    def _entry_office(self, provider: str, clients: list[str]) -> str:
        """The office of first entry of the held goods the request is about (the most frequent one)."""
        offices = Counter(
            p.body["office_of_first_entry"]
            for p in [*self.pending.values(), *(q for qs in self.queued.values() for q in qs)]
            if p.provider == provider and p.filer in clients and p.body.get("office_of_first_entry")
        )
        return offices.most_common(1)[0][0] if offices else ""

    def _file(self, key: str, now: datetime) -> None:
        if key not in self.to_file:
            return  # cancelled meanwhile
        self.to_file.discard(key)
        provider, subject = key.split("|")
        since = self.since_of[key]
        info = self.world.providers[provider]
        holding = self._holding(provider)
        if subject == "customs":
            clients = [eori for eori in info.clients if holding.get(eori)]
            kind, component = "customs_unavailable", "ICS2 STI"
            held = sum(len(v) for v in holding.values())
            symptom = f"no AS4 receipt since {since:%H:%M}: {held} ENS held, pushed again every few minutes"
            text = CUSTOMS_DOWN_TEXT.format(since=f"{since:%H:%M}")
        else:
            clients = [subject]
            kind, component = "client_outage", f"IT system of {info.clients[subject]}"
            symptom = "no ENS data can be passed on for the clients listed"
            text = CLIENT_DOWN_TEXT.format(name=info.clients[subject], eori=subject, since=f"{since:%H:%M}")
        da_id = make_da_id(now, f"{key}|{since.isoformat()}")
        da = {
            "da_id": da_id, "filer": provider, "filer_role": "provider", "filer_eori": info.eori,
            "company": info.name, "phone": "+33 3 21 00 00 00", "kind": kind, "service": "ICS2", "mode": "EDI",
            "component": component, "symptom": symptom, "since": since, "estimated_duration": "unknown",
            "entry_office": self._entry_office(provider, clients),
            "clients": [{"eori": e, "name": info.clients[e]} for e in clients],
            "declarations": [lrn for e in clients for lrn in holding.get(e, [])],
            "transports": [], "text": text, "filed_at": now, "address": "", "reasons": "",
        }  # fmt: skip
        self.das[key] = (da_id, False)
        self.stats["das"] += 1
        log.info("assistance request %s (%s) for %s", da_id, kind, ", ".join(clients) or "no client")
        self.send("olga.requests", da_id, derive_id(da_id, "filed"), self.source(provider), "secours.sim.OlgaDa", da,
                  now, subject=da_id)  # fmt: skip

    def _report(self, key: str, now: datetime) -> None:
        if key in self.to_file:  # back before the request was even filed: report after it
            self.after(now + timedelta(seconds=self.da_delay_s), "report", key)
            return
        da = self.das.get(key)
        if da is None or da[1]:
            return
        da_id = da[0]
        self.das[key] = (da_id, True)
        provider = key.split("|", maxsplit=1)[0]
        contact_id = derive_id(da_id, "report")
        contact: dict[str, Any] = {
            "contact_id": contact_id, "by": self.source(provider), "channel": "email",
            "purpose": "report", "da_id": da_id, "sent_at": now,
            "text": "The system is available again; please close the request.",
        }  # fmt: skip
        self.send("sau.contacts", da_id, contact_id, self.source(provider), "secours.sim.SauContact",
                  contact, now, subject=da_id)  # fmt: skip

    def on_timer(self, timer: Timer, now: datetime) -> None:
        if timer.kind == "retry":
            self.retry(timer.ref, now)
        elif timer.kind == "notify":
            self._notify(timer.ref, now)
        elif timer.kind == "da":
            self._file(timer.ref, now)
        elif timer.kind == "report":
            self._report(timer.ref, now)


# --- Kafka ---------------------------------------------------------------------------------------------


class Relay:
    """The Kafka side: the control topic, one consumer group for the actor's topics, one producer."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.prefix: str = args.prefix
        self.codec = Codec(args.schemas)
        self.world = World.load(args.world, args.actor)
        self.stopping = False
        self.delivery_errors = 0
        self.skipped = 0
        common = {"bootstrap.servers": args.bootstrap, "client.id": f"reference-relay-{args.actor}"}
        # murmur2_random: the partitioner of the Java client and of the simulator's, so one LRN lands
        # on the same partition whoever writes it (librdkafka's default hashes keys with CRC32).
        self.producer = Producer({**common, "acks": "all", "linger.ms": 5, "partitioner": "murmur2_random"})
        # The control topic is read whole, by assignment: no group (confluent-kafka insists on a
        # group.id all the same; an assigned consumer that never commits never joins it).
        self.control = Consumer({**common, "group.id": f"reference-relay-control-{uuid.uuid4().hex[:8]}",
                                 "enable.auto.commit": False})  # fmt: skip
        self.consumer: Consumer | None = None
        self.assigned: set[str] = set()
        self._candidate: dict[str, Any] | None = None  # the run to join, while looking for it
        self.run_id = ""
        self.clock: SimClock | None = None
        self.logic = Provider(self.world, self.codec, self._write, args.never_retry)

    def topic(self, logical: str) -> str:
        return f"{self.prefix}{logical}"

    # --- writing -------------------------------------------------------------------------------------

    def _write(self, out: Out, now: datetime) -> None:
        hdrs = headers(out.ce_id, out.schema, out.source, out.subject, now)
        while True:
            try:
                self.producer.produce(self.topic(out.topic), out.value, out.key.encode(), headers=hdrs,
                                      on_delivery=self._delivered)  # fmt: skip
                return
            except BufferError:  # the local queue is full: let librdkafka send some, then try again
                self.producer.poll(0.1)

    def _delivered(self, err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            self.delivery_errors += 1
            log.error("not delivered to %s: %s", msg.topic(), err)

    # --- the run ---------------------------------------------------------------------------------------

    def wait_for_topic(self, name: str) -> None:
        """The run creates its topics before announcing itself; the relay may start first. Listing
        every topic (not asking for this one) so that a broker that auto-creates topics does not."""
        shown = False
        while not self.stopping:
            md = self.control.list_topics(timeout=5)
            t = md.topics.get(name)
            if t is not None and t.error is None and t.partitions:
                return
            if not shown:
                log.info("waiting for topic %s on %s", name, self.args.bootstrap)
                shown = True
            time.sleep(0.5)

    def read_control(self, timeout: float) -> None:
        """Take the run announcements: the newest one naming this actor, until the relay has joined a
        run; then only that run's (its second announcement carries the clock's epoch)."""
        for msg in self.control.consume(num_messages=100, timeout=timeout):
            err = msg.error()
            if err is not None:
                if err.code() != KafkaError._PARTITION_EOF:
                    log.warning("control topic: %s", err)
                continue
            try:
                schema, body = self.codec.decode(msg.value())
            except DecodeError as exc:
                log.warning("control topic offset %d skipped: %s", msg.offset(), exc)
                continue
            if schema != "secours.sim.RunAnnouncement":
                continue  # ActorReady records (ours, or other outside systems')
            if self.run_id:
                if body["run_id"] == self.run_id and body["epoch_wall_ms"] > 0:
                    self._set_clock(body)
                continue
            if self.args.run_id and body["run_id"] != self.args.run_id:
                continue
            if not self.args.run_id and not self._for_us(body, msg):
                continue
            self._candidate = body

    def _for_us(self, body: dict[str, Any], msg: Message) -> bool:
        """A run that waits for this actor, announced recently (an old run's announcements stay on
        the compacted control topic; one that gave up waiting long ago is not joined)."""
        if self.args.actor not in body.get("external", []):
            return False
        _kind, stamp_ms = msg.timestamp()
        max_age: float = self.args.max_age
        return bool(stamp_ms <= 0 or time.time() - stamp_ms / 1000 <= max_age)

    def _set_clock(self, body: dict[str, Any]) -> None:
        clock = SimClock(body["epoch_sim"], body["epoch_wall_ms"] / 1000, float(body["speed"]))
        if self.clock is None or not self.clock.started:
            log.info("run %s: the clock starts at %s (x%g)", self.run_id, format_sim(clock.epoch_sim), clock.speed)
        self.clock = clock

    def join(self) -> bool:
        """Find the run, subscribe to the actor's topics, and say it is ready. False if stopped meanwhile."""
        self.wait_for_topic(self.topic(CONTROL))
        self.control.assign([TopicPartition(self.topic(CONTROL), 0, OFFSET_BEGINNING)])
        log.info("waiting for a run on %s that waits for %s", self.topic(CONTROL), self.args.actor)
        while not self.stopping and self._candidate is None:
            self.read_control(0.5)
        if self._candidate is None:
            return False
        # The newest announcement of that run (read on to the end of what is there).
        self.read_control(0.2)
        ann = self._candidate
        self.run_id = ann["run_id"]
        self.clock = SimClock(ann["epoch_sim"], 0.0, float(ann["speed"]))
        if ann["epoch_wall_ms"] > 0:
            self._set_clock(ann)
        log.info("joining run %s (seed %s, speed x%g) as %s", self.run_id, ann["seed"], ann["speed"], self.args.actor)
        self.consumer = Consumer({
            "bootstrap.servers": self.args.bootstrap,
            "client.id": f"reference-relay-{self.args.actor}",
            "group.id": f"reference-relay-{self.args.actor.replace(':', '-')}-{self.run_id}",
            "auto.offset.reset": "earliest",
            # Tansu holds a group join for half the session timeout: 6 s keeps that at 3 s, where
            # librdkafka's default (45 s) would make the run wait 22 s for the first assignment.
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 1000,
            # At least once: an offset is committed only after its record was handled.
            "enable.auto.commit": True,
            "enable.auto.offset.store": False,
        })  # fmt: skip
        topics = [self.topic(t) for t in self.world.reads]
        self.consumer.subscribe(topics, on_assign=self._on_assign, on_revoke=self._on_revoke)
        started = time.time()
        while not self.stopping and self.assigned != set(topics):
            self.consume(0.2)  # serves the group protocol; records before the clock starts are handled at its start
        if self.stopping:
            return False
        log.info("assigned %d topics after %.1f wall s", len(topics), time.time() - started)
        ready = {
            "run_id": self.run_id,
            "actor": self.args.actor,
            "topics": list(self.world.reads),
            "software": SOFTWARE,
        }
        self._write(Out(CONTROL, f"{self.run_id}/{self.args.actor}", derive_id(self.run_id, "ready"), self.args.actor,
                        "secours.sim.ActorReady", self.codec.encode("secours.sim.ActorReady", ready), self.run_id),
                    self.clock.now())  # fmt: skip
        self.producer.flush(10)
        log.info("said ready on %s", self.topic(CONTROL))
        return True

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.assigned |= {p.topic for p in partitions}

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.assigned -= {p.topic for p in partitions}

    def consume(self, timeout: float) -> None:
        assert self.consumer is not None
        assert self.clock is not None
        for msg in self.consumer.consume(num_messages=500, timeout=timeout):
            err = msg.error()
            if err is not None:
                if err.code() != KafkaError._PARTITION_EOF:
                    log.warning("consumer: %s", err)
                continue
            logical = (msg.topic() or "").removeprefix(self.prefix)
            value = msg.value() or b""
            try:
                schema, body = self.codec.decode(value)
                self.logic.handle(logical, schema, body, value, self.clock.now())
            except (DecodeError, KeyError, TypeError, ValueError) as exc:
                # A record it cannot read (or that lacks a field it needs): one line, and on.
                self.skipped += 1
                log.warning("skipped %s[%d]@%d: %s", logical, msg.partition(), msg.offset(), exc)
            self.consumer.store_offsets(msg)

    def serve(self) -> None:
        assert self.clock is not None
        last_stats = time.time()
        while not self.stopping:
            self.read_control(0)
            due = self.logic.next_due()
            wait = 0.05 if due is None else max(0.0, min(0.05, self.clock.wall_until(due)))
            self.consume(wait)
            self.logic.fire(self.clock.now())
            self.producer.poll(0)
            if time.time() - last_stats >= self.args.stats_every:
                last_stats = time.time()
                self.logic.prune(self.clock.now())
                self.log_stats()

    def log_stats(self) -> None:
        s = self.logic.stats
        now = format_sim(self.clock.now()) if self.clock and self.clock.started else "not started"
        log.info("sim %s: %d orders, %d pushes, %d retries, %d receipts, %d pending, %d relayed, %d client notices, "
                 "%d DAs, %d given up, %d skipped, %d delivery errors", now, s["orders"], s["pushes"], s["retries"],
                 s["receipts"], len(self.logic.pending), s["relayed"], s["notices"], s["das"], s["gave_up"],
                 self.skipped, self.delivery_errors)  # fmt: skip

    def close(self) -> None:
        left = self.producer.flush(10)
        if left:
            log.error("%d records not delivered at exit", left)
        if self.consumer is not None:
            self.consumer.close()  # commits the stored offsets and leaves the group
        self.control.close()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    here = Path(__file__).resolve().parent
    p = argparse.ArgumentParser(
        description="Reference EDI-provider relay for secours drills (--external edi_provider)."
    )
    p.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers, HOST:PORT")
    p.add_argument("--world", type=Path, required=True, help="secours world --drill FILE --json output")
    p.add_argument("--prefix", default="", help="the run's topic prefix (default: none)")
    p.add_argument("--schemas", type=Path, default=here / "../../schemas", help="folder of the .avsc files")
    p.add_argument("--actor", default="edi_provider", help="edi_provider (every provider) or edi_provider:P002")
    p.add_argument("--run-id", default="", help="join this run (default: the newest one waiting for --actor)")
    p.add_argument(
        "--max-age",
        type=float,
        default=600.0,
        help="wall seconds after which an announcement is too old to join (default 600)",
    )
    p.add_argument(
        "--never-retry",
        action="store_true",
        help="NON-COMPLIANT on purpose: a push without receipt is never pushed again",
    )
    p.add_argument("--stats-every", type=float, default=10.0, help="wall seconds between progress lines")
    p.add_argument("--verbose", "-v", action="store_true", help="log every push, receipt and skipped record")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s relay %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("confluent_kafka").setLevel(logging.WARNING)
    relay = Relay(args)

    def stop(signum: int, _frame: object) -> None:
        log.info("%s: stopping", signal.Signals(signum).name)
        relay.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.never_retry:
        log.warning("--never-retry: NON-COMPLIANT mode, a push without receipt is never pushed again")
    try:
        if relay.join():
            relay.serve()
    finally:
        relay.log_stats()
        relay.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
