"""The ICS2 filing path end to end on a real broker: every service, real topics, real records.

A small world at high speed, with rule-breaking filings and accidental double filings forced in:
- an ENS that breaks a rule is answered by IE3N99 naming the rule, then corrected;
- an ENS filed twice under the same LRN is refused by IE3N01;
- every ENS ends with exactly one MRN, before its ferry or shuttle arrives;
- bytes that are not a record of the topic's schema go to the dead-letter topic with the reason,
  and the services carry on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Sequence

from secours.bus.settings import ClientSettings
from secours.drills.engine import Simulation, select_services
from secours.drills.journal import Recorder
from secours.drills.summary import summarise
from secours.world import Params, RunConfig, Traffic

Poison = tuple[str, bytes, bytes, list[tuple[str, bytes]]]  # topic, key, value, headers


async def _feed(sim: Simulation, poison: Sequence[Poison], chunk: int = 50, every_s: float = 0.05) -> None:
    """Publish ``poison`` in small chunks spread over the run, among the world's own traffic."""
    for start in range(0, len(poison), chunk):
        await sim.bus.settle([await sim.bus.publish(*p) for p in poison[start : start + chunk]])
        await asyncio.sleep(every_s)


async def run_world(settings: ClientSettings, config: RunConfig, poison: Sequence[Poison] = ()) -> Recorder:
    """Run every service on ``config``'s world; ``poison`` is published once it runs, among its traffic."""
    sim = Simulation(settings, config, select_services())
    clock = await sim.start()
    recorder = Recorder(sim.bus, sim.codec, sim.catalog, clock, None)
    task = asyncio.create_task(recorder.run(sim.journal_topics()))
    feeding = asyncio.create_task(_feed(sim, poison))
    try:
        while clock.now() < config.end:
            assert not sim.failed(), f"services failed: {sim.failed()}"
            await clock.sleep_wall(0.2)
        await feeding
        assert await recorder.until_quiet(quiet_s=1.5, timeout_s=60)
    finally:
        feeding.cancel()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await sim.stop()
    return recorder


CONFIG = RunConfig(
    seed=11,
    speed=2400,
    duration_hours=12,
    traffic=Traffic(
        consignments=120,
        providers=2,
        traders=6,
        invalid_rate=0.1,
        duplicate_rate=0.08,
        first_arrival_hour=4,
        last_arrival_hour=10,
    ),
    # At 2,400x the monitoring's thresholds are a tenth of a wall second; this test is about the
    # filing path, so nobody raises an alert on a stall of the machine.
    params=Params(detect_self_s=7200, detect_no_receipt_span_s=7200),
)


async def test_filing_path_end_to_end(settings: ClientSettings) -> None:
    poison: list[Poison] = [
        ("ics2.t2c", b"poison", b"not an avro record", [("ce_id", b"poison")]),
        ("ics2.cr.in", b"poison", b"\xc3\x01" + b"\x00" * 12, [("ce_id", b"poison")]),
    ]
    recorder = await run_world(settings, CONFIG, poison)
    sim_world = Simulation(settings, CONFIG, []).world
    entries = recorder.entries
    result = summarise(sim_world, entries)
    invalid = {c.lrn: c.invalid_rule for c in sim_world.consignments if c.invalid_rule}
    twice = {c.lrn for c in sim_world.consignments if c.sent_twice}
    assert invalid and twice, "the seed must draw both kinds of mistakes"

    # IE3N99 names exactly the rule each invalid filing broke.
    n99 = {
        e.data["lrn"]: {err["rule_id"] for err in e.data["errors"]}
        for e in entries
        if e.ce_type == "IE3N99" and e.topic.startswith("ics2.c2t.")
    }
    assert set(n99) == set(invalid)
    for lrn, rule in invalid.items():
        assert rule in n99[lrn]

    # IE3N01 answers each double filing, with the MRN already registered.
    n01 = [e.data for e in entries if e.ce_type == "IE3N01" and e.topic.startswith("ics2.c2t.")]
    assert {d["lrn"] for d in n01} == twice
    assert all(d["error_code"] == "DUPLICATE_LRN" and d["mrn"] for d in n01)

    # Exactly one MRN per consignment, before arrival, none shared.
    r01 = Counter(
        (e.data["eori"], e.data["lrn"]) for e in entries if e.ce_type == "IE3R01" and e.topic.startswith("ics2.c2t.")
    )
    assert len(r01) == len(sim_world.consignments)
    assert set(r01.values()) == {1}
    assert result.verdict == "pass", result.problems
    assert result.counts["duplicate_mrn"] == 0
    assert result.counts["ens_missing_at_arrival"] == 0

    # Poison went to the dead-letter topic with a reason; nothing else did.
    dead = [e.data for e in entries if e.topic == "secours.dlq"]
    assert sorted(d["topic"] for d in dead) == ["ics2.cr.in", "ics2.t2c"]
    assert any("single-object" in d["reason"] for d in dead)
    assert any("unknown schema fingerprint" in d["reason"] for d in dead)
    assert {d["service"] for d in dead} == {"ics2_tapas", "ics2_cr"}  # TAPAS is the first to read ics2.t2c
