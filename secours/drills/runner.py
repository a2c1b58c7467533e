"""Runs a drill: start the actors and the faults, record every topic, let the day play out, judge.

Writes into the output folder: ``journal.jsonl.gz`` (every record; ``--plain-journal``: ``journal.jsonl``),
``summary.json`` (verdict, expectation, checks with evidence, counts, timings), ``junit.xml`` and ``report.html``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, TextIO

from secours.bus.brokers import RunningBroker
from secours.bus.settings import ClientSettings
from secours.clock import Clock, ClockKind, WallClock, format_sim, sleep_wall, wall_now
from secours.drills.brokerwatch import BrokerWatch
from secours.drills.engine import CONTROL, Simulation, select_services
from secours.drills.journal import Recorder, open_journal
from secours.drills.model import Drill
from secours.drills.outcome import Outcome, judge
from secours.drills.report import write_reports
from secours.drills.reportdata import clock_words
from secours.errors import BrokerUnavailable, UsageError
from secours.external import ExternalActor
from secours.faults.model import Fault
from secours.faults.plane import Hook
from secours.faults.proxy import TcpProxy
from secours.metrics import Metrics
from secours.stepper import Stepper, StepStalled

__all__ = ["ClockChoice", "DrillResult", "choose_clock", "lifecycle_hook", "run_drill"]

logger = logging.getLogger(__name__)

_STOP_TIMEOUT_S = 30.0  # wall seconds the services get to stop; beyond, the broker is gone and they are left
_GONE_STOP_S = 3.0  # the same once the broker is known to be lost
_BROKER_BACK_S = 60.0  # wall seconds a broker killed by a fault may take to come back before it is "lost"
_SHOW_EVERY_S = 0.2  # wall seconds between two updates of the progress bar
_WATCH_S = 1.0  # wall seconds between two looks at the broker after a stepped run stalled
_COLLECT_S = 120.0  # wall seconds the journal of a stepped run may take to read back


@dataclass(frozen=True)
class _Outside:
    """The actors outside systems play in this run, and how long they get to show up."""

    actors: Sequence[ExternalActor]
    timeout_s: float


@dataclass
class DrillResult:
    summary: dict[str, Any]
    outcome: Outcome
    out_dir: Path

    @property
    def exit_code(self) -> int:
        return self.outcome.exit_code


class _Progress:
    """A progress bar of simulated time on stderr (a line every 10 % when not a terminal)."""

    def __init__(self, clock: Clock, drill: Drill, stream: TextIO, enabled: bool) -> None:
        self.clock, self.drill, self.stream, self.enabled = clock, drill, stream, enabled
        self.config = drill.run_config()
        self.total = drill.duration_hours * 3600
        self.last_decile = -1
        self.last_shown = 0.0

    def show(self, records: int, faults: int) -> None:
        if not self.enabled or wall_now() - self.last_shown < _SHOW_EVERY_S:
            return
        self.last_shown = wall_now()
        now = self.clock.now()
        done = min(1.0, max(0.0, (now - self.config.start).total_seconds() / self.total))
        shown = min(max(now, self.config.start), self.config.end)
        label = f"{format_sim(shown)[:16]}Z  {records} records  {faults} faults active"
        if self.stream.isatty():
            bar = "#" * int(done * 30)
            self.stream.write(f"\r{self.drill.drill} [{bar:<30}] {done:4.0%} {label}")
        elif int(done * 10) > self.last_decile:
            self.last_decile = int(done * 10)
            self.stream.write(f"{self.drill.drill}: {done:4.0%} of simulated time, {label}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.stream.isatty():
            self.stream.write("\n")


def check_fault_support(faults: tuple[Fault, ...], broker: RunningBroker | None, proxy: TcpProxy | None) -> None:
    for f in faults:
        problem = f.unsupported(broker.kind if broker is not None else None, proxy is not None)
        if problem is not None:
            raise UsageError(problem)


def lifecycle_hook(broker: RunningBroker | None, proxy: TcpProxy | None, sim: Simulation | None = None) -> Hook:
    """Faults below the services: the harness acts on the broker process and on the proxy.

    With ``sim`` (a wall-clock run), simulated time stands still while an action that is no part
    of the outage takes wall time (Apache Kafka starting again: 7 to 12 wall seconds, more on a busy
    machine, hours of simulated time at a drill's speed): the outage lasts the fault's window on any
    machine, and the verdict does not move with the broker's start time. Processes that joined the
    run cannot hear of the pause (the broker is down): once it is back, they take the resumed pace
    from a new announcement of the run."""

    async def hook(fault: Fault, phase: str) -> None:
        start = phase == "START"
        wall = sim.clock if sim is not None and isinstance(sim.clock, WallClock) else None
        held = wall if wall is not None and not start and fault.end_takes_wall and not wall.paused else None
        if held is not None:
            held.pace(paused=True)  # here only: an announcement would wait for the broker
        try:
            acted = await fault.actuate(start, broker, proxy)
        finally:
            if held is not None:
                held.pace(paused=False)
        if held is not None and sim is not None:
            await sim.pace()  # the broker is back: the run's pace, announced to the processes that joined it
        if not acted and start:
            logger.warning(
                "fault %s: %s cannot act in this run (no broker or proxy started by it)", fault.id, fault.kind
            )

    return hook


def _broker_fault_live(sim: Simulation, clock: Clock) -> bool:
    """Whether a fault of the drill acts on the broker now (or just did: it takes a moment to come back)."""
    if not isinstance(clock, WallClock):
        return False  # a stepped run has no fault that acts on the broker (see choose_clock)
    now = clock.now()
    grace = timedelta(seconds=_BROKER_BACK_S * clock.speed)
    return any(
        a.fault.on_broker and (a.until is None or now < a.until + grace)
        for a in sim.faults.faults.values()
        if a.start <= now
    )


ClockChoice = Literal["auto", "stepped", "wall"]


def choose_clock(
    drill: Drill, requested: ClockChoice, elsewhere: Sequence[str] = (), external: Sequence[ExternalActor] = ()
) -> tuple[ClockKind, str]:
    """The clock a drill runs on, and why when it is not the one asked for.

    Stepped by default. Faults that act on the broker process or the network act in wall time (a
    process paused, a connection cut), and services in other processes read the wall clock: those
    drills run on the wall clock; asked for the stepped clock, they are refused with the reason.
    """
    walled = [f for f in drill.faults if f.wall_time]
    reason = ""
    if walled:
        f = walled[0]
        reason = f"fault {f.id} ({f.kind}) acts on the broker or the network, in wall time"
    elif elsewhere:
        reason = f"services run in other processes ({', '.join(elsewhere)}), which read the wall clock"
    elif external:
        names = ", ".join(a.name for a in external)
        reason = f"outside systems play {names}: they live in wall time, and read the run's clock from its announcement"
    if requested == "stepped" and reason:
        raise UsageError(f"--clock stepped: {reason}; run this drill with --clock wall")
    if requested == "wall":
        return "wall", ""
    return ("wall", reason) if reason else ("stepped", "")


async def run_drill(
    drill: Drill,
    settings: ClientSettings,
    out_dir: Path,
    *,
    broker: str = "external",
    launched: RunningBroker | None = None,
    proxy_port: int | None = None,
    progress: bool = True,
    elsewhere: Sequence[str] = (),
    clock: ClockChoice = "auto",
    external: Sequence[ExternalActor] = (),
    external_timeout_s: float = 60.0,
    compress_journal: bool = True,
    metrics: Metrics | None = None,
) -> DrillResult:
    """Run ``drill``. With ``proxy_port`` (the port ``launched`` advertises), services reach the
    broker through a loopback proxy that network faults disturb. Services named in ``elsewhere``
    are not started here: other processes run them (``secours run --join``). Actors in
    ``external`` are played by outside systems: the clock starts once they are ready."""
    kind, why = choose_clock(drill, clock, elsewhere, external)
    if why and not external:
        logger.warning("%s runs on the wall clock at x%g: %s", drill.drill, drill.speed, why)
    proxy = TcpProxy("127.0.0.1", launched.port, listen_port=proxy_port) if launched and proxy_port else None
    check_fault_support(drill.faults, launched, proxy)
    if proxy is not None:
        await proxy.start()
    try:
        outside = _Outside(external, external_timeout_s)
        play = _Play(drill, settings, broker, launched, proxy, progress, elsewhere, kind == "stepped", outside)
        play.compress_journal = compress_journal
        play.sim.metrics = metrics
        return await play.run(out_dir)
    finally:
        if proxy is not None:
            await proxy.stop()


class _Play:
    """One drill's run, from starting the services to the report folder."""

    def __init__(
        self,
        drill: Drill,
        settings: ClientSettings,
        broker: str,
        launched: RunningBroker | None,
        proxy: TcpProxy | None,
        progress: bool,
        elsewhere: Sequence[str],
        stepped: bool,
        outside: _Outside,
    ) -> None:
        self.drill, self.settings, self.broker = drill, settings, broker
        self.launched, self.proxy, self.progress = launched, proxy, progress
        self.compress_journal = True
        self.config = drill.run_config()
        gone = {*elsewhere, *(a.service for a in outside.actors if a.instance is None)}
        services = [s for s in select_services(for_config=self.config) if s not in gone]
        self.sim = Simulation(
            settings, self.config, services, drill_json=drill.model_dump_json(), stepped=stepped,
            external=outside.actors, external_timeout_s=outside.timeout_s,
        )  # fmt: skip
        self.lost: str | None = None
        self.stalled: str | None = None
        self.busy = ""

    async def run(self, out_dir: Path) -> DrillResult:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, before anything runs
        except OSError as exc:
            raise UsageError(f"cannot create output folder {out_dir}: {exc.strerror}") from None
        sim, config = self.sim, self.config
        wall_start = wall_now()
        with open_journal(out_dir, compress=self.compress_journal) as journal:
            try:
                clock = await sim.start(self.drill.faults)
            except BaseException:
                await sim.stop()  # an outside actor that never came, a broker gone: close what started
                raise
            recorder = Recorder(sim.bus, sim.codec, sim.catalog, clock, journal)
            assert sim.plane is not None
            sim.plane.observers.append(recorder.note_fault)
            sim.plane.hooks.append(lifecycle_hook(self.launched, self.proxy, sim))
            bar = _Progress(clock, self.drill, sys.stderr, self.progress)
            watch = BrokerWatch(sim.bus, CONTROL, self.launched, lambda: _broker_fault_live(sim, clock))
            try:
                if sim.stepper is not None:
                    await self._stepped(sim.stepper, recorder, bar, watch)
                else:
                    await self._wall(clock, recorder, bar, watch)
            finally:
                bar.close()
                failed = sim.failed()
                # With the broker gone, what the producer still holds can never be sent: do not wait for it.
                stop_s = _GONE_STOP_S if self.lost else _STOP_TIMEOUT_S
                try:
                    await asyncio.wait_for(sim.stop(), stop_s)
                except TimeoutError:
                    logger.warning("the services did not stop within %s s (the broker is gone)", stop_s)
        wall_seconds = wall_now() - wall_start
        clock_text = clock_words(_clock_figures(sim))
        outcome = judge(
            self.drill, sim.world, recorder.entries, wall_seconds, config.end, clock_text,
            external=[a.name for a in sim.external],
        )  # fmt: skip
        stopped = [f"services stopped with an error: {', '.join(failed)}"] if failed else []
        for problem in (*stopped, *(p for p in (self.lost, self.stalled) if p)):
            outcome.verdict = "fail"
            outcome.expectation_met = False
            outcome.problems.insert(0, problem)
        if self.busy:
            outcome.problems.append(f"topics were still busy 120 s after the end of simulated time: {self.busy}")
        summary = _summary(self.drill, outcome, sim, self.settings, self.broker, wall_seconds, len(recorder.entries))
        (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        write_reports(outcome.report, out_dir)
        return DrillResult(summary, outcome, out_dir)

    async def _wall(self, clock: Clock, recorder: Recorder, bar: _Progress, watch: BrokerWatch) -> None:
        """Simulated time runs with the wall clock: look after the run until its end, then drain."""
        sim = self.sim
        rec_task = asyncio.create_task(recorder.run(sim.journal_topics()), name="journal")
        try:
            while clock.now() < self.config.end and not sim.failed():
                bar.show(len(recorder.entries), len(sim.faults.live(clock.now())))
                self.lost = await watch.check()
                if self.lost is not None:
                    break
                await sleep_wall(0.25)
            bar.show(len(recorder.entries), len(sim.faults.live(clock.now())))
            drained = self.lost is not None or await recorder.until_quiet(quiet_s=2.0, timeout_s=120.0)
            self.busy = "" if drained else recorder.busy()
        finally:
            rec_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await rec_task

    async def _stepped(self, stepper: Stepper, recorder: Recorder, bar: _Progress, watch: BrokerWatch) -> None:
        """Simulated time moves step by step, as fast as the run's work goes; the journal is read at the end."""
        sim, clock = self.sim, stepper.clock
        await sim.ready()

        def shown() -> None:
            bar.show(stepper.ledger.written, len(sim.faults.live(clock.now())))

        steps = asyncio.create_task(stepper.run(self.config.end, on_step=shown), name="steps")
        try:
            while not steps.done():
                await asyncio.wait({steps}, timeout=0.5)
                if sim.failed():
                    break
                self.lost = await watch.check()
                if self.lost is not None:
                    break
            if steps.done():
                steps.result()
            shown()
        except StepStalled as exc:
            self.stalled = str(exc)
            # A broker that died or came back empty is the likely cause: give the watch its two looks.
            for _ in range(3):
                self.lost = self.lost or await watch.check()
                await sleep_wall(_WATCH_S)
        finally:
            steps.cancel()
            with contextlib.suppress(asyncio.CancelledError, StepStalled):
                await steps
        if self.lost is not None:
            self.stalled = None  # the broker's loss says it all
            return
        try:
            await asyncio.wait_for(recorder.collect(sim.journal_topics(), stepper.ledger.ends), _COLLECT_S)
        except (TimeoutError, BrokerUnavailable) as exc:
            problem = f"the run's records could not be read back from the broker within {_COLLECT_S:.0f} s ({exc})"
            self.stalled = f"{self.stalled}; {problem}" if self.stalled else problem


def _clock_figures(sim: Simulation) -> dict[str, Any]:
    """Which clock ran, and what it took: a stepped run's steps, a wall run's speed."""
    stepper = sim.stepper
    if stepper is None:
        return {"clock": "wall", "speed": sim.config.speed}
    return {
        "clock": "stepped",
        "steps": stepper.steps,
        "transit_s": stepper.transit,
        "quiet_wait_s": round(stepper.waited_s, 2),
        "records_written": stepper.ledger.written,
    }


def _summary(
    drill: Drill,
    outcome: Outcome,
    sim: Simulation,
    settings: ClientSettings,
    broker: str,
    wall_seconds: float,
    records: int,
) -> dict[str, Any]:
    config = sim.config
    counts = outcome.counts
    return outcome.summary(
        drill,
        {
            "latency": outcome.latency,
            "wall_seconds": round(wall_seconds, 2),
            "ens_per_second": round(counts["ens_lodged"] / wall_seconds, 2) if wall_seconds else None,
            "records": records,
            "crashes": [{"service": s, "event": ev} for s, ev in sim.crashes],
            # Per restarted service: the checkpoint it came back from (None: it started afresh).
            "restarts": [
                {"service": s, "restored_from": sim.contexts[s].restored_from}
                for s, ev in sim.crashes
                if ev == "restarted"
            ],
            "run": {
                "run_id": sim.run_id,
                "broker": broker,
                "bootstrap": settings.bootstrap,
                "topic_prefix": settings.prefix,
                "seed": config.seed,
                **_clock_figures(sim),
                **({"external": [a.name for a in sim.external]} if sim.external else {}),
                "sim_start": format_sim(config.start),
                "sim_end": format_sim(config.end),
            },
        },
    )
