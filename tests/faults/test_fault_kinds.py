"""Every fault kind on the real services and a real broker: its effect during its window, and its
revert once the window ends (the fault's end reverts it by itself; nobody clears it).

Each test runs a small world (120 consignments, 6 simulated hours) with exactly one fault, and reads
the evidence from the journal (the :class:`~secours.drills.journal.Recorder` entries): the harness's
START and END fault events at the fault's times, the records that must not exist inside the window,
and the records that show the system back to normal after it. Filings happen between 00:00 and
02:05, so faults on the filing path sit in 00:45-01:15 (about half the filings before, a quarter
during, a quarter after); ferries and shuttles arrive between 03:00 and 05:00 and their units
disembark until about 05:40, so the smart-border fault sits in 03:45-04:30.

The faults on a component, a topic or a link, and the crash, run on the stepped clock, as drills
do. The broker faults (pause, kill, network), which act on a broker process and take wall time
whatever the simulation does, run on the wall clock (3,600 simulated seconds per wall second). Each
starts a broker of its own, never the shared session broker: Tansu for the pause and the network fault,
Apache Kafka for the kill (Tansu keeps everything in memory: a killed Tansu loses every topic).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import pytest

from secours.bus.brokers import RunningBroker, java_available, start_broker
from secours.bus.brokers.ports import reserve_port
from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings
from secours.clock import Clock, WallClock, parse_sim
from secours.drills.engine import Simulation, select_services
from secours.drills.journal import Entry, Recorder, decode_entry
from secours.drills.runner import lifecycle_hook
from secours.faults.model import Fault, parse_fault
from secours.faults.plane import Hook
from secours.faults.proxy import TcpProxy
from secours.world import Params, RunConfig, Traffic

pytestmark = pytest.mark.broker

CONFIG = RunConfig(
    seed=20260417,
    speed=3600,
    duration_hours=6,
    traffic=Traffic(
        consignments=120,
        providers=2,
        traders=6,
        invalid_rate=0,
        duplicate_rate=0,
        first_arrival_hour=3,
        last_arrival_hour=5,
    ),
    # At 3,600x the monitoring's thresholds (5 simulated minutes of silence, 30 of missing
    # receipts) are a tenth of a wall second: a busy broker's stall would open and close alerts
    # over and over. These tests are about the faults' mechanics, so people notice only after 2 h.
    params=Params(detect_self_s=7200, detect_no_receipt_span_s=7200),
)

# Slower, for the tests whose edges are a hop through the broker or a chain of them (a fault's
# start reaching the service, an MRN reaching the trader): on a slow or busy machine a chain of hops
# takes more than a wall second, an hour and more at 3,600x, which moves the world out of the window.
# At 1,200x the same wall time is a third as long in simulated time.
SLOW_CONFIG = CONFIG.model_copy(update={"speed": 1200.0})

# Simulated seconds. At 3,600 simulated seconds per wall second a hop through the broker takes
# simulated minutes, so an edge that depends on a record travelling gets this much slack.
HOP_S = 600.0


# --- one world, one fault ------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one run left: the journal, when each entry reached the recorder, and marks set by hooks."""

    config: RunConfig
    fault: Fault
    sim: Simulation
    clock: Clock
    entries: list[Entry]
    received: list[float]  # wall time (unix s) the recorder got each entry, parallel to ``entries``
    marks: dict[str, float] = field(default_factory=dict)  # wall times noted by the test's own hooks
    sim_marks: dict[str, datetime] = field(default_factory=dict)  # ... and simulated ones

    @property
    def window(self) -> tuple[datetime, datetime]:
        start, end = self.fault.span(self.config.start)
        assert end is not None
        return start, end

    def inside(self, t: datetime | None, *, slack_s: float = 0.0) -> bool:
        start, end = self.window
        return t is not None and start + timedelta(seconds=slack_s) <= t < end

    def after(self, t: datetime | None) -> bool:
        return t is not None and t >= self.window[1]

    @property
    def wall(self) -> WallClock:
        """The run's wall clock (the tests that note wall instants run on it)."""
        assert isinstance(self.clock, WallClock), "this run was not on the wall clock"
        return self.clock

    def sim_at(self, wall: float) -> datetime:
        return self.wall.epoch_sim + timedelta(seconds=(wall - self.wall.epoch_wall) * self.wall.speed)

    def where(
        self,
        *,
        topic: str | None = None,
        topic_prefix: str | None = None,
        ce_type: str | None = None,
        source: str | None = None,
        source_prefix: str | None = None,
    ) -> list[Entry]:
        return [
            e
            for e in self.entries
            if (topic is None or e.topic == topic)
            and (topic_prefix is None or e.topic.startswith(topic_prefix))
            and (ce_type is None or e.ce_type == ce_type)
            and (source is None or e.source == source)
            and (source_prefix is None or e.source.startswith(source_prefix))
        ]

    def read(self) -> list[tuple[Entry, float]]:
        """Records read from the broker (not the harness's own notes), with when they were read."""
        return [(e, w) for e, w in zip(self.entries, self.received, strict=True) if e.offset >= 0]

    def mrn_issued(self) -> set[str]:
        """LRNs with an IE3R01 in their filer's queue."""
        return {e.data["lrn"] for e in self.where(topic_prefix="ics2.c2t.", ce_type="IE3R01")}

    def hours(self, times: Iterable[datetime | None]) -> list[float]:
        """Offsets from the run's start in hours, for readable assertion messages."""
        return [round((t - self.config.start).total_seconds() / 3600, 3) for t in times if t is not None]


def at(entry: Entry) -> datetime:
    assert entry.time is not None, entry
    return entry.time


def fault(data: dict[str, object]) -> Fault:
    """A fault from 00:45 to 01:15 unless ``data`` says otherwise."""
    return parse_fault({"start": "45m", "end": "1h15m", **data})


async def run_world(
    settings: ClientSettings,
    one_fault: Fault,
    config: RunConfig = CONFIG,
    *,
    clock: Literal["stepped", "wall"] = "stepped",
    hooks: Callable[[Outcome], Sequence[Hook]] = lambda _: (),
    watch: Callable[[Outcome], Coroutine[None, None, None]] | None = None,
    done: Callable[[Outcome], bool] = lambda _: True,
) -> Outcome:
    """Run every service with ``one_fault`` until the end of simulated time, as the drill runner does.

    On the stepped clock (the default) simulated time jumps from one thing due to the next, and the
    journal is read once the run is over. The faults that act on the broker process or the network,
    and the tests that note wall instants in ``hooks``, run on the wall clock (at ``config.speed``):
    there ``done`` must also hold before the run ends, ``watch`` runs alongside until the end, and the
    run goes on until the journal is quiet."""
    if clock == "stepped":
        assert watch is None, "a stepped run has no wall time to watch"
        return await _run_stepped(settings, one_fault, config, hooks)
    sim = Simulation(settings, config, select_services())
    wall = await sim.start(faults=[one_fault])
    assert isinstance(wall, WallClock)
    recorder = Recorder(sim.bus, sim.codec, sim.catalog, wall, None)
    received: list[float] = []
    recorder.listeners.append(lambda _entry: received.append(WallClock.wall_now()))
    outcome = Outcome(config, one_fault, sim, wall, recorder.entries, received)
    assert sim.plane is not None
    sim.plane.observers.append(recorder.note_fault)
    sim.plane.hooks.extend(hooks(outcome))
    tasks = [asyncio.create_task(recorder.run(sim.journal_topics()), name="journal")]
    if watch is not None:
        tasks.append(asyncio.create_task(watch(outcome), name="watch"))
    try:
        while wall.now() < config.end or not done(outcome):
            assert not sim.failed(), f"services stopped with an error: {sim.failed()}"
            assert WallClock.wall_now() < wall.wall_at(config.end) + 90, "still not done 90 s after the end"
            await wall.sleep_wall(0.1)
        quiet = await recorder.until_quiet(quiet_s=1.5, timeout_s=120)
        assert quiet, f"topics still busy 120 s after the end: {recorder.busy()}"
        assert not sim.failed(), f"services stopped with an error: {sim.failed()}"
        if watch is not None:
            await tasks[1]  # its errors surface here
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await sim.stop()
    return outcome


async def _run_stepped(
    settings: ClientSettings, one_fault: Fault, config: RunConfig, hooks: Callable[[Outcome], Sequence[Hook]]
) -> Outcome:
    sim = Simulation(settings, config, select_services(), stepped=True)
    clock = await sim.start(faults=[one_fault])
    assert sim.stepper is not None and sim.plane is not None
    recorder = Recorder(sim.bus, sim.codec, sim.catalog, clock, None)
    outcome = Outcome(config, one_fault, sim, clock, recorder.entries, [])
    sim.plane.observers.append(recorder.note_fault)
    sim.plane.hooks.extend(hooks(outcome))
    try:
        await sim.ready()
        await asyncio.wait_for(sim.stepper.run(config.end), 300)
        assert not sim.failed(), f"services stopped with an error: {sim.failed()}"
        await asyncio.wait_for(recorder.collect(sim.journal_topics(), sim.stepper.ledger.ends), 120)
    finally:
        await sim.stop()
    outcome.received.extend(0.0 for _ in outcome.entries)  # read at the end: no wall instant per record
    return outcome


def check_fault_events(out: Outcome, *, late_ms: float = 1500.0) -> tuple[datetime, datetime]:
    """The harness's START and END are in the journal, at the fault's times, announced on time."""
    start, end = out.window
    events = [e for e in out.entries if e.ce_type == "fault.event" and e.data["fault_id"] == out.fault.id]
    assert [e.data["phase"] for e in events] == ["START", "END"], events
    for event, when in zip(events, (start, end), strict=True):
        assert event.time == when
        assert event.data["kind"] == out.fault.kind
        assert event.data["component"] == out.fault.target
        if isinstance(out.clock, WallClock):  # on the stepped clock a fault's edge is a step of its own
            due_ms = out.clock.wall_at(when) * 1000
            assert due_ms - 1 <= event.wall_ms <= due_ms + late_ms, f"{event.data['phase']} announced off time"
    return start, end


def first_push(out: Outcome) -> dict[str, datetime]:
    """message id -> when an EDI provider's first AS4 push of it reached ics2.t2c."""
    pushes: dict[str, datetime] = {}
    for e in out.where(topic="ics2.t2c", source_prefix="edi_provider:"):
        pushes[e.data["message_id"]] = min(at(e), pushes.get(e.data["message_id"], at(e)))
    return pushes


def handed_over(out: Outcome) -> dict[str, datetime]:
    """message id -> when the trader handed it to its EDI provider."""
    return {e.data["message_id"]: at(e) for e in out.where(topic_prefix="edi.to_provider.")}


def all_have_mrn(out: Outcome, lrns: Iterable[str] | None = None) -> None:
    wanted = set(lrns) if lrns is not None else {c.lrn for c in out.sim.world.consignments}
    missing = wanted - out.mrn_issued()
    assert not missing, f"no IE3R01 for {sorted(missing)}"


# --- faults on a component, a topic, a link ------------------------------------------------------


async def test_down_refuses_input_and_holds_output_until_back(settings: ClientSettings) -> None:
    down = fault({"id": "sti-down", "kind": "down", "scope": {"component": "ics2_sti"}})
    out = await run_world(settings, down)
    check_fault_events(out)

    receipts = out.where(topic="ics2.receipt", ce_type="as4.receipt")
    assert not [e for e in receipts if out.inside(e.time)], "the STI gave receipts while down"
    assert not [e for e in out.where(source="ics2_sti") if out.inside(e.time)], "the STI published while down"
    assert out.sim.contexts["ics2_sti"].refused > 0, "nothing reached the STI while it was down"
    # Pushes first made while it was down were refused; the providers pushed them again until it
    # was back, and they were receipted then.
    refused = {m for m, t in first_push(out).items() if out.inside(t)}
    assert len(refused) >= 3
    receipted: dict[str, datetime] = {}
    for e in receipts:
        receipted[e.data["ref_message_id"]] = min(at(e), receipted.get(e.data["ref_message_id"], at(e)))
    late = {m: receipted.get(m) for m in refused if not out.after(receipted.get(m))}
    assert not late, f"first pushed while down, but not receipted after the end: {late}"
    # Nothing is lost: every answer the CR sent the STI reaches the filer's queue (the CR has no
    # reason to send it again), and every consignment still ends with its MRN in its filer's queue.
    queued = {e.ce_id for e in out.where(topic_prefix="ics2.c2t.")}
    lost = [e for e in out.where(topic="ics2.cr.out") if e.ce_id not in queued]
    assert not lost, f"CR answers never queued: {[(e.ce_type, e.key, out.hours([e.time])) for e in lost]}"
    all_have_mrn(out)


async def test_queue_replay_pauses_the_component_then_replays_its_input(settings: ClientSettings) -> None:
    queued = fault({"id": "nes-queue", "kind": "queue_replay", "scope": {"component": "ics2_nes_fr"}})
    out = await run_world(settings, queued, SLOW_CONFIG)
    start, end = check_fault_events(out)

    nes = out.where(source="ics2_nes_fr")
    # (A record it was already sending as the window opened may carry a time just after the start.)
    assert not [e for e in nes if out.inside(e.time, slack_s=60)], out.hours(e.time for e in nes)
    assert [e for e in nes if at(e) < start], "silent before the fault too"
    # Its input waited and is processed once it is back: every ENS distributed to it during the
    # window is answered, all after the end, none lost.
    distributed = {e.data["mrn"] for e in out.where(ce_type="cr.distribution") if out.inside(e.time)}
    assert len(distributed) >= 5
    answers = {e.data["mrn"]: at(e) for e in nes if e.ce_type in ("IE3N03", "IE3Q02") and e.data["mrn"] in distributed}
    assert set(answers) == distributed, f"never answered: {sorted(distributed - set(answers))}"
    assert all(out.after(t) for t in answers.values())
    assessed = {e.data["mrn"] for e in nes if e.ce_type == "IE3N03"}
    assert {e.data["mrn"] for e in out.where(ce_type="cr.distribution")} <= assessed, "an ENS never assessed"
    # Its timers waited too and fired at the end: it answers again right after the end.
    resumed = min(at(e) for e in nes if out.after(e.time))
    assert resumed - end < timedelta(seconds=HOP_S), out.hours([resumed])


# Slower, with a long delay and filings spread over 3.5 h: a normal hop stays far below the delay.
LATENCY_CONFIG = CONFIG.model_copy(
    update={
        "speed": SLOW_CONFIG.speed,  # "before" and "after" pushes within delay_s: a few hops, on a slow machine too
        "duration_hours": 4.0,
        "traffic": CONFIG.traffic.model_copy(update={"last_arrival_hour": 6}),
    }
)


async def test_latency_delays_records_only_during_its_window(settings: ClientSettings) -> None:
    delay_s = 3600.0
    slow = fault(
        {"id": "t2c-slow", "kind": "latency", "scope": {"topic": "ics2.t2c"}, "delay_s": delay_s}
        | {"start": "30m", "end": "1h45m"}
    )
    out = await run_world(settings, slow, LATENCY_CONFIG)
    start, end = check_fault_events(out)

    handed, pushed = handed_over(out), first_push(out)
    assert set(handed) <= set(pushed), "a filing never reached the STI"
    gap = {m: (pushed[m] - t).total_seconds() for m, t in handed.items()}
    # Handed over early enough in the window for every push of it (first and retries) to be delayed.
    during = [g for m, g in gap.items() if start <= handed[m] <= end - timedelta(seconds=delay_s)]
    before = [g for m, g in gap.items() if handed[m] < start - timedelta(seconds=HOP_S)]
    after = [g for m, g in gap.items() if handed[m] >= end]
    assert len(during) >= 5 and len(before) >= 5 and len(after) >= 5, (len(during), len(before), len(after))
    assert min(during) >= delay_s, sorted(during)
    assert max(before) < delay_s, sorted(before)
    assert max(after) < delay_s, sorted(after)
    # Nothing reached the topic in the first delay_s of the window: everything sent then was held.
    held = [at(e) for e in out.where(topic="ics2.t2c") if out.inside(e.time)]
    assert held and not [t for t in held if t < start + timedelta(seconds=delay_s)], out.hours(held)


async def test_error_dead_letters_input_only_during_its_window(settings: ClientSettings) -> None:
    failing = fault({"id": "cr-error", "kind": "error", "scope": {"component": "ics2_cr"}})
    out = await run_world(settings, failing)
    check_fault_events(out)

    dead = out.where(topic="secours.dlq")
    assert len(dead) >= 3
    for e in dead:
        assert e.data["service"] == "ics2_cr"
        assert "fault cr-error" in e.data["reason"], e.data["reason"]
        assert out.inside(parse_sim(e.data["dead_at"])) and out.inside(e.time)
    assert out.sim.contexts["ics2_cr"].dead_lettered == len(dead)
    # The filings answered with an error are lost (the STI had receipted them) ...
    cr_in = {(e.partition, e.offset): e for e in out.where(topic="ics2.cr.in")}
    failed = [cr_in[(e.data["partition"], e.data["offset"])] for e in dead if e.data["topic"] == "ics2.cr.in"]
    failed_lrns = {e.data["lrn"] for e in failed if e.ce_type == "cr.filing"}
    assert failed_lrns
    assert not failed_lrns & out.mrn_issued()
    # ... and the CR registers the filings that reach it after the end again.
    later = {e.data["lrn"] for e in out.where(topic="ics2.cr.in", ce_type="cr.filing") if out.after(e.time)}
    assert len(later) >= 3, "no filing after the end"
    all_have_mrn(out, later)


async def test_drop_loses_matching_records_for_good_only_during_its_window(settings: ClientSettings) -> None:
    lose = fault({"id": "lose-r01", "kind": "drop", "scope": {"component": "ics2_cr", "message": "IE3R01"}})
    out = await run_world(settings, lose)
    check_fault_events(out)

    assert not [e for e in out.where(source="ics2_cr", ce_type="IE3R01") if out.inside(e.time)]
    # The CR sends an ENS's IE3R01 and its distribution at the same instant, when it registers it;
    # only the IE3R01 matches the fault: every distribution went out.
    registered = {e.data["lrn"]: at(e) for e in out.where(ce_type="cr.distribution")}
    assert len(registered) == len(out.sim.world.consignments)
    during = {lrn for lrn, t in registered.items() if out.inside(t)}
    later = {lrn for lrn, t in registered.items() if out.after(t)}
    assert len(during) >= 3 and len(later) >= 3, (len(during), len(later))
    issued = out.mrn_issued()
    assert not during & issued, "a dropped IE3R01 came back"
    all_have_mrn(out, set(registered) - during)


async def test_duplicate_sends_matching_records_twice_only_during_its_window(settings: ClientSettings) -> None:
    # An hour rather than the usual half: pairings come in bursts (when answers reach the traders, a
    # chain of hops after the filing), and a half-hour window is a wall second and a half at 1,200x.
    twice = fault(
        {"id": "elo-twice", "kind": "duplicate", "scope": {"topic": "sb.elo"}, "start": "30m", "end": "1h30m"}
    )
    out = await run_world(settings, twice, SLOW_CONFIG)
    check_fault_events(out)

    pairings = out.where(topic="sb.elo", ce_type="elo.paired")
    copies = Counter(e.ce_id for e in pairings)
    sent = {e.ce_id: at(e) for e in pairings}
    assert len(copies) == len(out.sim.world.consignments)
    during = [c for c in copies if out.inside(sent[c])]
    later = [c for c in copies if out.after(sent[c])]
    assert len(during) >= 3 and len(later) >= 3, (len(during), len(later))
    assert {copies[c] for c in during} == {2}
    assert {copies[c] for c in copies if c not in during} == {1}


async def test_corrupt_damages_records_only_during_its_window(settings: ClientSettings) -> None:
    damaged = fault({"id": "cr-out-bytes", "kind": "corrupt", "scope": {"topic": "ics2.cr.out"}})
    out = await run_world(settings, damaged)
    start, _end = check_fault_events(out)

    cr_out = out.where(topic="ics2.cr.out")
    bad = {(e.partition, e.offset) for e in cr_out if e.ce_type == "undecodable"}
    sent_during = {(e.partition, e.offset) for e in cr_out if out.inside(e.time)}
    assert len(bad) >= 3 and bad == sent_during, "not exactly the records sent during the window are damaged"
    dead = out.where(topic="secours.dlq")
    assert {(e.data["partition"], e.data["offset"]) for e in dead} == bad, "not each damaged record dead-lettered"
    for e in dead:
        assert e.data["service"] == "ics2_sti" and e.data["topic"] == "ics2.cr.out"
        assert "does not decode" in e.data["reason"] or ": field " in e.data["reason"], e.data["reason"]
        # Damaged while the fault was on (checked above, by offset); dead-lettered once the STI read it,
        # which at 3,600x on a busy broker can be tens of simulated minutes after the window.
        assert start <= parse_sim(e.data["dead_at"])
    # After the end the CR's answers are intact again and the STI queues them.
    later = [e for e in cr_out if out.after(e.time)]
    assert len(later) >= 3 and not [e for e in later if e.ce_type == "undecodable"]
    queued = {e.ce_id for e in out.where(topic_prefix="ics2.c2t.")}
    assert {e.ce_id for e in later} <= queued


async def test_reorder_shuffles_records_only_during_its_window(settings: ClientSettings) -> None:
    shuffle = fault(
        {"id": "sb-shuffle", "kind": "reorder", "scope": {"topic": "sb.events"}, "window": 5, "seed": 3}
        | {"start": "3h45m", "end": "4h30m"}
    )
    out = await run_world(settings, shuffle)
    start, end = check_fault_events(out)

    events = sorted(out.where(topic="sb.events", ce_type="unit.disembarked"), key=lambda e: e.offset)
    assert {e.partition for e in events} == {0}
    assert sorted(e.data["unit_id"] for e in events) == sorted(c.unit_id for c in out.sim.world.consignments)
    when = [parse_sim(e.data["disembarked_at"]) for e in events]  # in the order they were written

    def inversions(times: Sequence[datetime]) -> int:
        return sum(1 for a, b in itertools.pairwise(times) if b < a)

    before = [t for t in when if t < start]
    during = [t for t in when if start <= t < end]
    later = [t for t in when if t >= end]
    assert len(before) >= 3 and len(during) >= 10 and len(later) >= 3, (len(before), len(during), len(later))
    assert inversions(before) == 0
    assert inversions(during) > 0, "no record out of order during the window"
    assert inversions(later) == 0, "still shuffled after the window"
    # What the window held back left at its end, before anything of after the window.
    assert max(i for i, t in enumerate(when) if t < end) < min(i for i, t in enumerate(when) if t >= end)


# Slower: "pushed right after the repair" is HOP_S, a sixth of a wall second at 3,600x, which a
# busy machine overshoots (the provider reads a filing late, and pushes it after the end unheld).
# At 1,200x the same slack is half a wall second.
LINK_CUT_CONFIG = SLOW_CONFIG


async def test_link_cut_holds_records_until_the_link_is_repaired(settings: ClientSettings) -> None:
    cut = fault({"id": "provider-tapas-cut", "kind": "link_cut", "scope": {"link": ["edi_provider", "ics2_tapas"]}})
    out = await run_world(settings, cut, LINK_CUT_CONFIG)
    start, end = check_fault_events(out)

    pushes = out.where(topic="ics2.t2c", source_prefix="edi_provider:")
    assert not [e for e in pushes if out.inside(e.time)], "a push crossed the cut link"
    # The provider's other links were not cut: it relayed answers to traders during the window.
    assert [e for e in out.where(topic_prefix="edi.to_trader.") if out.inside(e.time)]
    # What was sent meanwhile arrives after the repair, in one burst at the end: every filing
    # handed over during the window (early enough for the provider to have pushed it before the
    # repair) is first pushed right after the end.
    handed, first = handed_over(out), first_push(out)
    cut_off = {m for m, t in handed.items() if start <= t < end - timedelta(seconds=HOP_S)}
    assert len(cut_off) >= 5
    arrived = [first[m] for m in cut_off]
    assert all(end <= t < end + timedelta(seconds=HOP_S) for t in arrived), out.hours(arrived)
    burst = [e for e in pushes if end <= at(e) < end + timedelta(seconds=HOP_S)]
    assert len(burst) >= len(cut_off)
    # Then the link works as before: filings after the end go through, and nothing was lost.
    assert [m for m, t in handed.items() if out.after(t)], "nothing handed over after the end"
    all_have_mrn(out)


async def test_crash_kills_the_service_and_restarts_it_from_its_offsets(settings: ClientSettings) -> None:
    crash = parse_fault(
        {"id": "cr-crash", "kind": "crash", "scope": {"component": "ics2_cr"}, "start": "50m", "restart_after": "20m"}
    )

    def note(out: Outcome) -> Sequence[Hook]:
        async def mark(f: Fault, phase: str) -> None:  # after the engine's crash hook: dead / restarted
            out.sim_marks[phase] = out.clock.now()

        return [mark]

    out = await run_world(settings, crash, hooks=note)
    start, end = check_fault_events(out)
    assert end == start + timedelta(minutes=20)  # restart_after is its TTL

    assert out.sim.crashes == [("ics2_cr", "crashed"), ("ics2_cr", "restarted")]
    dead_from = out.sim_marks["START"]
    assert dead_from - start < timedelta(seconds=HOP_S), "the crash came late"
    cr = out.where(source="ics2_cr")
    silent = [at(e) for e in cr if dead_from <= at(e) < end]
    assert not silent, f"ics2_cr published while dead: {out.hours(silent)}"
    assert [e for e in cr if out.after(e.time)], "no record from ics2_cr after its restart"
    # The new instance resumes after the last committed offsets: what reached it while it was dead
    # is registered after the restart.
    filed_while_dead = {e.data["lrn"] for e in out.where(ce_type="cr.filing") if dead_from <= at(e) < end}
    assert filed_while_dead
    r01 = {e.data["lrn"]: at(e) for e in out.where(topic="ics2.cr.out", ce_type="IE3R01")}
    assert filed_while_dead <= set(r01), f"never registered: {sorted(filed_while_dead - set(r01))}"
    assert all(out.after(r01[lrn]) for lrn in filed_while_dead)
    all_have_mrn(out, {e.data["lrn"] for e in out.where(ce_type="cr.filing") if out.after(e.time)})


# --- faults on the broker and the network: each test starts a broker of its own ------------------


@contextlib.asynccontextmanager
async def own_broker(
    kind: Literal["kafka", "tansu"], *, advertised_port: int | None = None
) -> AsyncIterator[RunningBroker]:
    broker = await asyncio.to_thread(start_broker, kind, advertised_port=advertised_port)
    try:
        yield broker
    finally:
        await asyncio.to_thread(broker.stop)
        assert not broker.is_alive()


def proc_state(pid: int) -> str:
    """The state letter in /proc/<pid>/stat (T: stopped by a signal)."""
    return Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rpartition(")")[2].split()[0]


def marker(out: Outcome, prefix: str = "") -> Hook:
    """A hook that notes when the hooks before it are done, at the fault's start and end."""

    async def mark(f: Fault, phase: str) -> None:
        out.marks[prefix + phase] = WallClock.wall_now()

    return mark


async def test_broker_pause_freezes_the_broker_for_its_window(prefix: str) -> None:
    pause = fault({"id": "broker-freeze", "kind": "broker_pause"})
    states: list[tuple[float, str]] = []  # (wall time, the broker's state letter)
    async with own_broker("tansu") as broker:

        def sample() -> None:
            states.append((WallClock.wall_now(), proc_state(broker.pid)))

        async def watch(out: Outcome) -> None:
            while out.clock.now() < out.config.end:
                sample()
                await asyncio.sleep(0.02)

        async def sample_now(f: Fault, phase: str) -> None:
            sample()  # right after the pause took hold, or after the resume: whatever the loop's load

        def hooks(o: Outcome) -> list[Hook]:
            return [marker(o, "before "), lifecycle_hook(broker, None), marker(o), sample_now]

        settings = ClientSettings(bootstrap=broker.bootstrap, prefix=prefix)
        # At 1,200x the half hour is 1.5 wall seconds: records are sent while the broker is frozen even
        # when the pause takes a loaded machine a few hundred milliseconds to take hold.
        out = await run_world(settings, pause, SLOW_CONFIG, clock="wall", hooks=hooks, watch=watch)
        assert broker.is_alive() and proc_state(broker.pid) != "T"
    check_fault_events(out)

    # Wall instants: the pause has taken hold (``pause()`` returned), the resume is about to be sent,
    # the resume is sent. Every look at the broker between the first two finds it stopped; every
    # look after the resume (a signal takes effect when the kernel next schedules the process: a
    # moment's grace) finds it running.
    paused, resuming, resumed = out.marks["START"], out.marks["before END"], out.marks["END"]
    frozen = [s for w, s in states if paused <= w < resuming]
    assert frozen and set(frozen) == {"T"}, f"the broker was not stopped during the window: {frozen}"
    running = [s for w, s in states if w > resumed + 0.1]
    assert running and "T" not in running, "the broker was not running again after the window"
    # Nothing written while it was frozen could be read before it was resumed: what the journal
    # takes in during the window is what was fetched before (a busy machine decodes a fetched batch
    # some wall time later), written before the pause ...
    read = out.read()
    frozen_from = paused + 0.1
    written_late = [e.ce_type for e, w in read if frozen_from <= w < resumed and e.wall_ms > frozen_from * 1000]
    assert not written_late, written_late
    # ... what the services sent meanwhile waited in their producers and was delivered after ...
    assert [e for e, w in read if out.inside(e.time) and w >= resumed], "nothing sent during the pause came later"
    # ... and records flow again: new MRNs after the end, none missing.
    assert [e for e in out.where(topic_prefix="ics2.c2t.", ce_type="IE3R01") if out.after(e.time)]
    all_have_mrn(out)


# Apache Kafka takes several wall seconds to come back (7 to 12 here, more on a busy machine): at
# 900 simulated seconds per wall second that is two to three hours of simulated time, leaving the
# day room to show the recovery (filings until 06:00, arrivals from 04:00 to 08:30).
KILL_CONFIG = CONFIG.model_copy(
    update={
        "speed": 900.0,
        "duration_hours": 9,
        "traffic": CONFIG.traffic.model_copy(update={"first_arrival_hour": 4, "last_arrival_hour": 8.5}),
    }
)


@pytest.mark.skipif(not java_available(), reason="broker_kill needs Apache Kafka (java): a killed Tansu loses all")
async def test_broker_kill_kills_the_broker_and_restarts_it_with_its_data(prefix: str) -> None:
    kill = fault({"id": "broker-kill", "kind": "broker_kill", "start": "20m", "end": "30m"})
    alive: dict[str, bool] = {}
    async with own_broker("kafka") as broker:
        first_pid = broker.pid

        def hooks(out: Outcome) -> Sequence[Hook]:
            async def note_alive(f: Fault, phase: str) -> None:
                alive[phase] = broker.is_alive()

            return [lifecycle_hook(broker, None), marker(out), note_alive]

        settings = ClientSettings(bootstrap=broker.bootstrap, prefix=prefix)

        def flowing_after_restart(out: Outcome) -> bool:  # and records flow again: clients take a moment to reconnect
            return "END" in out.marks and any(w > out.marks["END"] for _, w in out.read())

        out = await run_world(settings, kill, KILL_CONFIG, clock="wall", hooks=hooks, done=flowing_after_restart)
        assert alive == {"START": False, "END": True}, "not dead after the start, or not running after the end"
        assert broker.is_alive() and broker.pid != first_pid, "the broker was not restarted"
        again = await read_everything(settings, out)
    check_fault_events(out)

    killed, restarted = out.marks["START"], out.marks["END"]
    read = out.read()
    # Every record written before the kill is still there after the restart, at the same offset.
    before = {(e.topic, e.partition, e.offset): e.ce_id for e, w in read if w < killed}
    assert len(before) > 50
    kept = {k: v for k, v in again.items() if k in before}
    assert kept == before, f"{len(before) - len(kept)} records lost by the kill"
    # Nothing could be read while it was dead; records flow again after the restart: what waited
    # in the producers, and new traffic.
    # (records a consumer had already fetched before the kill may still come out of its buffer)
    assert not [e for e, w in read if killed + 1.0 <= w < restarted]
    back = out.sim_at(restarted)
    assert len([e for e, w in read if w >= restarted]) > 50
    assert [e for e in out.where(ce_type="unit.disembarked") if at(e) > back]
    # The filings pushed in vain while the broker was down are pushed again and registered, for
    # every consignment whose ferry or shuttle had not arrived yet (providers retry until then).
    world = out.sim.world
    due = {
        c.lrn
        for c in world.consignments
        if world.transport_by_id[c.transport_id].arrival > back + timedelta(minutes=30)
    }
    assert len(due) >= 3, f"the restart came too late to show the recovery ({out.hours([back])})"
    all_have_mrn(out, due)


async def read_everything(settings: ClientSettings, out: Outcome) -> dict[tuple[str, int, int], str]:
    """(topic, partition, offset) -> ce_id of every record of the run, read again from the start."""
    bus = KafkaBus(settings)
    await bus.start()
    found: dict[tuple[str, int, int], str] = {}
    try:
        sub = await bus.subscribe(None, out.sim.journal_topics())
        last = time.monotonic()
        while time.monotonic() - last < 1.5:
            records = await sub.poll(0.2, max_records=2000)
            if records:
                last = time.monotonic()
            for r in records:
                found[(r.topic, r.partition, r.offset)] = decode_entry(out.sim.codec, out.sim.catalog, r).ce_id
    finally:
        await bus.stop()
    return found


async def test_network_blackhole_cuts_services_off_the_broker_for_its_window(prefix: str) -> None:
    hole = fault({"id": "net-hole", "kind": "network", "mode": "blackhole"})
    # The proxy's port, kept from other processes from now until the proxy listens on it.
    with reserve_port() as reserved:
        port = reserved.getsockname()[1]
        modes: list[tuple[datetime, str]] = []
        async with (
            own_broker("tansu", advertised_port=port) as broker,
            TcpProxy("127.0.0.1", broker.port, listen_port=port) as proxy,
        ):

            async def watch(out: Outcome) -> None:
                while out.clock.now() < out.config.end:
                    modes.append((out.clock.now(), proxy.mode))
                    await asyncio.sleep(0.02)

            def flowing_again(out: Outcome) -> bool:
                return any(w >= out.wall.wall_at(out.window[1]) for _, w in out.read())

            def hooks(_: Outcome) -> Sequence[Hook]:
                return [lifecycle_hook(broker, proxy)]

            settings = ClientSettings(bootstrap=proxy.bootstrap, prefix=prefix)  # the clients' usual settings
            out = await run_world(settings, hole, clock="wall", hooks=hooks, watch=watch, done=flowing_again)
            assert proxy.mode == "pass"
            assert proxy.stats["chunks_blackholed"] > 0
    start, end = check_fault_events(out)

    assert {m for t, m in modes if out.inside(t, slack_s=HOP_S)} == {"blackhole"}
    assert {m for t, m in modes if t >= end + timedelta(seconds=HOP_S)} == {"pass"}
    # Nothing reached the recorder through the proxy during the window (its first moments aside).
    read_at = [out.sim_at(w) for _, w in out.read()]
    assert [t for t in read_at if t < start], "nothing read before the fault"
    assert not [t for t in read_at if out.inside(t, slack_s=HOP_S)], out.hours(read_at)
    # The network is back at the end. The hole held what was sent meanwhile (as TCP does over a path
    # outage) and the window was shorter than the clients' request timeout, so nothing was given up:
    # records flow again at once, not after a timeout and a reconnection.
    assert settings.request_timeout_ms > 10_000
    flowing = min(t for t in read_at if t >= end)
    assert flowing - end <= timedelta(seconds=2 * out.wall.speed), (
        f"records flowed again only {(flowing - end).total_seconds() / out.wall.speed:.1f} wall s after the end"
    )
    assert [e for e in out.where(topic_prefix="ics2.c2t.", ce_type="IE3R01") if out.after(e.time)]
    all_have_mrn(out)
