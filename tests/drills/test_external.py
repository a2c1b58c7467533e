"""An outside system in a drill (``--external``): the run waits for it, judges its records, and
counts against it what it wrote wrong.

The stand-in here plays one provider and does nothing right: it says it is ready, then writes one
record without its CloudEvents headers and one of a schema the topic does not carry. Its clients'
consignments are then never lodged: the checks that judge them are its own, and its two records
are dead-lettered against it. The reference relay of ``examples/relay`` (another Kafka client, no
import of secours) is run by CI on the shipped drills.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer

from secours.bus import TopicToCreate
from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings
from secours.cli.drill import shipped_drills
from secours.cli.main import main
from secours.codec import Codec
from secours.drills.engine import CONTROL
from secours.drills.model import Drill, load_drill
from secours.drills.readiness import Awaited, wait_for_actors
from secours.drills.runner import run_drill
from secours.errors import ExternalNotReady, UsageError
from secours.external import ExternalActor, parse_external, refuse_unplayable
from secours.topics import TopicCatalog
from secours.wire import ActorReady, RunAnnouncement
from secours.world import World
from tests.conftest import SessionBroker
from tests.samples import samples

DRILLS = {p.stem: p for p in shipped_drills()}
CODEC = Codec()


def short_day() -> Drill:
    """Two hours of Channel traffic, fast: a stand-in that answers nothing needs no slow clock."""
    base = load_drill(DRILLS["baseline"])
    traffic = base.traffic.model_copy(
        update={"consignments": 60, "providers": 3, "traders": 9, "first_arrival_hour": 0.75, "last_arrival_hour": 1.75}
    )
    return base.model_copy(update={"speed": 600.0, "duration_hours": 2.0, "traffic": traffic})


async def _announced(bus: KafkaBus) -> RunAnnouncement:
    sub = await bus.subscribe(None, [CONTROL], start={})
    try:
        for _ in range(240):
            for record in await sub.poll(0.25):
                msg = CODEC.decode(record.value)
                if isinstance(msg, RunAnnouncement):
                    return msg
        raise AssertionError("the run was never announced")
    finally:
        await sub.close()


async def stand_in(settings: ClientSettings, actor: str) -> RunAnnouncement:
    """Say ``actor`` is ready, then write two records a service must refuse."""
    bus = KafkaBus(settings)
    await bus.start()
    try:
        ann = await _announced(bus)
        assert not ann.started and ann.external == (actor,)  # the clock waits for the outside system
        ready = ActorReady(run_id=ann.run_id, actor=actor, topics=(), software="stand-in")
        sent = [await bus.publish(CONTROL, f"{ann.run_id}/{actor}".encode(), CODEC.encode(ready), [])]
        ens = next(m for m in samples() if m.ce_type == "IE3F10")
        receipt = next(m for m in samples() if m.ce_type == "as4.receipt")
        sent.append(await bus.publish("ics2.t2c", b"LRN-NO-HEADERS", CODEC.encode(ens), []))
        headers = [("ce_id", b"x-1"), ("ce_type", b"as4.receipt"), ("ce_source", actor.encode()),
                   ("ce_time", b"2026-03-02T05:00:00Z")]  # fmt: skip
        sent.append(await bus.publish("ics2.t2c", b"LRN-WRONG", CODEC.encode(receipt), headers))
        await bus.settle(sent)
        return ann
    finally:
        await bus.stop()


async def test_an_outside_provider_is_waited_for_judged_and_charged_with_its_bad_records(
    settings: ClientSettings, tmp_path: Path
) -> None:
    drill = short_day()
    actor = "edi_provider:P002"
    external = parse_external(actor, drill.run_config())
    helper = asyncio.create_task(stand_in(settings, actor))
    result = await run_drill(drill, settings, tmp_path, progress=False, external=external, external_timeout_s=60)
    ann = await helper
    s = result.summary

    assert s["run"]["clock"] == "wall" and s["run"]["external"] == [actor] and s["run"]["run_id"] == ann.run_id
    share = s["external"]
    assert share["actors"] == [actor] and share["dead_letters"] == 2
    reasons = sorted(d["reason"] for d in share["dead_letter_examples"])
    assert reasons[0] == "missing CloudEvents headers ce_id, ce_type, ce_source, ce_time", reasons
    assert reasons[1] == "schema eu.ics2.As4Receipt is not accepted on this topic", reasons
    assert s["verdict"] == "fail" and not s["expectation_met"]
    assert any("dead-lettered" in p for p in s["problems"])
    # Its clients' consignments never got an MRN: the checks that say so are its own, and only
    # the other providers' consignments were lodged.
    checks = {c["id"]: c for c in s["checks"]}
    assert checks["G7"]["status"] == "fail" and checks["G7"]["external"] is True
    assert "G7" in share["failed"]
    p002 = [e for e in checks["G7"]["evidence"] if "P002" in e["note"]]
    assert p002 and len(p002) == len(checks["G7"]["evidence"])
    assert all(c["external"] is False for c in s["checks"] if c["status"] == "pass" and c["id"] == "G1")
    assert 0 < s["counts"]["ens_lodged"] < drill.traffic.consignments

    # The saved journal gives the same share when judged again.
    code = main(["drill", "check", str(tmp_path / "journal.jsonl.gz"), "--out", str(tmp_path / "again")])
    again = json.loads((tmp_path / "again" / "summary.json").read_text())
    assert code == 1 and again["external"] == share


def test_an_outside_system_that_never_comes_is_named_with_what_it_never_read(
    settings: ClientSettings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["drill", "run", str(DRILLS["ics2-eu-sti-down"]), "--external", "edi_provider", "--external-timeout", "2"]
    args += ["--bootstrap", settings.bootstrap, "--prefix", settings.prefix, "--out", str(tmp_path), "--no-progress"]
    code = main(args)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err[-1].startswith("secours: the outside system never showed up within 2 wall s"), err
    assert "edi_provider: no consumer group assigned edi.to_provider.P001" in err[-1]
    assert "Traceback" not in "\n".join(err)


@pytest.mark.parametrize(
    ("drill", "external", "message"),
    [
        ("ics2-eu-sti-down", "nobody", "--external nobody: unknown actor 'nobody'"),
        ("ics2-eu-sti-down", "edi_provider:P404", "no provider 'P404' in this drill's world; its providers: P001"),
        ("ics2-eu-sti-down", "ics2_sti", "fault sti-down (down ics2_sti) would act inside ics2_sti"),
        ("ics2-eu-sti-down", "olga:X", "olga can only be played as a whole"),
        ("ics2-eu-sti-down", "lu_operator", "this drill's traffic does not use lu_operator"),
        ("ics2-eu-sti-down", ",", "--external: name at least one actor"),
    ],
)
def test_an_actor_that_cannot_be_played_outside_is_refused_in_one_line(
    drill: str, external: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["drill", "run", str(DRILLS[drill]), "--external", external, "--bootstrap", "127.0.0.1:9"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0], err


def test_a_drill_that_stages_a_breach_by_the_replaced_actor_is_refused() -> None:
    staged = [d for path in DRILLS.values() if (d := load_drill(path)).run_config().params.quitting_providers]
    assert staged, "a shipped drill stages a provider that gives up"
    drill = staged[0]
    config = drill.run_config()
    quitter = config.params.quitting_providers[0]
    spare = next(p.id for p in World(config).providers if p.id != quitter and not p.own_connection)
    for played in ("edi_provider", f"edi_provider:{quitter}"):
        with pytest.raises(UsageError, match=r"stages a non-compliant edi_provider \(params.quitting_providers"):
            refuse_unplayable(parse_external(played, config), (), config.params, drill.drill)
    refuse_unplayable(parse_external(f"edi_provider:{spare}", config), (), config.params, drill.drill)


def test_the_world_document_gives_a_relay_its_clients_topics_and_timeouts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["world", "--drill", str(DRILLS["ics2-eu-sti-down"]), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    world = World(load_drill(DRILLS["ics2-eu-sti-down"]).run_config())
    p002 = next(p for p in doc["providers"] if p["id"] == "P002")
    assert p002["clients"] == [{"eori": t.eori, "name": t.name} for t in world.clients_of("P002")]
    reads = doc["topics"]["edi_provider:P002"]["reads"]
    assert "edi.to_provider.P002" in reads and "edi.to_provider.P001" not in reads and "ics2.receipt" in reads
    assert {f"ics2.c2t.{c['eori']}" for c in p002["clients"]} <= set(reads)
    assert doc["params"]["receipt_timeout_s"] == 180.0 and doc["external_speed"] == 180.0


def test_an_unknown_check_in_expect_fail_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["drill", "run", str(DRILLS["baseline"]), "--expect-fail", "G7,NOPE#1", "--bootstrap", "127.0.0.1:9"]
    assert main(args) == 2
    assert "--expect-fail: unknown check 'NOPE#1'" in capsys.readouterr().err


async def test_a_consumer_group_assigned_every_topic_makes_the_actor_ready_on_kafka(
    settings: ClientSettings, broker: SessionBroker
) -> None:
    """Apache Kafka describes its groups: a relay whose group is assigned every topic the actor
    reads is ready without a word, among other groups (the session's services have dozens).
    Tansu answers ListGroups with nothing: there, only ActorReady says it."""
    world = World(short_day().run_config())
    actor = ExternalActor("edi_provider", "P002")
    reads = actor.reads(world, TopicCatalog.load())
    bus = KafkaBus(settings)
    await bus.start()
    others = [AIOKafkaConsumer(bootstrap_servers=settings.bootstrap, group_id=f"{settings.prefix}other{i}",
                               session_timeout_ms=6000) for i in range(3)]  # fmt: skip
    relay = AIOKafkaConsumer(
        *(bus.physical(t) for t in reads), bootstrap_servers=settings.bootstrap,
        group_id=f"{settings.prefix}their-relay", session_timeout_ms=6000, auto_offset_reset="earliest",
    )  # fmt: skip
    try:
        await bus.ensure_topics([TopicToCreate(t, 1, "delete") for t in [*reads, "other", CONTROL]])
        for c in others:
            c.subscribe([bus.physical("other")])
            await c.start()
            await c.getmany(timeout_ms=500)
        await relay.start()
        for _ in range(100):
            await relay.getmany(timeout_ms=200)
            if relay.assignment():
                break
        awaited = [Awaited(actor.name, reads)]
        if broker.kind == "tansu":
            with pytest.raises(ExternalNotReady, match=r"no consumer group assigned edi\.to_provider\.P002"):
                await wait_for_actors(bus, CODEC, CONTROL, "run-1", awaited, 3.0)
        else:
            await wait_for_actors(bus, CODEC, CONTROL, "run-1", awaited, 30.0)
            assert (
                awaited[0].how == f"consumer group '{settings.prefix}their-relay' is assigned its {len(reads)} topics"
            )
    finally:
        for c in [*others, relay]:
            await c.stop()
        await bus.stop()
