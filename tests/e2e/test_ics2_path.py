"""The ICS2 filing path end to end on a real broker: every service, real topics, real records.

A small world on the stepped clock, as drills run, with rule-breaking filings and accidental double filings forced in:
- an ENS that breaks a rule is answered by IE3N99 naming the rule, then corrected;
- an ENS filed twice under the same LRN is refused by IE3N01;
- every ENS ends with exactly one MRN, before its ferry or shuttle arrives;
- bytes that are not a record of the topic's schema go to the dead-letter topic with the reason,
  and the services carry on.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from secours.bus.settings import ClientSettings
from secours.drills.engine import Simulation, select_services
from secours.drills.journal import Recorder
from secours.drills.summary import summarise
from secours.world import RunConfig, Traffic

Poison = tuple[str, bytes, bytes, list[tuple[str, bytes]]]  # topic, key, value, headers


class _Feeder:
    """Publishes ``poison`` in chunks of ``chunk`` records spread evenly over the simulated day: a
    participant of the stepped run, so the bad records reach the services among the world's own
    traffic, at the same instants on every run whatever the machine's load."""

    name = "poison"
    order = 0

    def __init__(self, sim: Simulation, poison: Sequence[Poison], chunk: int = 50) -> None:
        self.sim = sim
        chunks = [poison[i : i + chunk] for i in range(0, len(poison), chunk)]
        start, span = sim.config.start, sim.config.end - sim.config.start
        self.due = [(start + span * (n + 1) / (len(chunks) + 1), c) for n, c in enumerate(chunks)]

    def next_due(self) -> datetime | None:
        return self.due[0][0] if self.due else None

    async def advance(self, until: datetime) -> None:
        while self.due and self.due[0][0] < until:
            _, chunk = self.due.pop(0)
            for record in chunk:
                await self.sim.bus.publish(*record)  # the stepper waits for their acknowledgement

    async def settle(self) -> None:
        pass  # nothing to checkpoint or commit


async def run_world(settings: ClientSettings, config: RunConfig, poison: Sequence[Poison] = ()) -> Recorder:
    """Run every service on ``config``'s world on the stepped clock, as a drill does; ``poison`` is
    published over the simulated day, among its traffic. Returns the journal, read once the run is over."""
    sim = Simulation(settings, config, select_services(), stepped=True)
    clock = await sim.start()
    assert sim.stepper is not None
    recorder = Recorder(sim.bus, sim.codec, sim.catalog, clock, None)
    feeder = _Feeder(sim, poison)
    sim.stepper.join(feeder)
    try:
        await sim.ready()
        await asyncio.wait_for(sim.stepper.run(config.end), 600)
        assert not sim.failed(), f"services failed: {sim.failed()}"
        assert not feeder.due, "poison left unpublished"
        await asyncio.wait_for(recorder.collect(sim.journal_topics(), sim.stepper.ledger.ends), 120)
    finally:
        await sim.stop()
    return recorder


CONFIG = RunConfig(
    seed=11,
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
