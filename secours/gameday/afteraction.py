"""The after-action report of a game day: the run's journal, judged by the oracle at the end.

While a game day runs (``secours run --drill F --ui PORT``) every record of the run, and every fault
the trainer injects or clears, goes into a journal, as in a drill. When the exercise ends (the
trainer's "end" button, the drill's simulated end, ``--hours``, or Ctrl-C) the journal is judged as a
drill's is: ``report.html``, ``summary.json``, ``junit.xml`` and ``journal.jsonl.gz`` in the output
folder, plus ``scorecards.json`` with one scorecard per trainee (:mod:`secours.gameday.scorecard`).

The checks are those of the drill's scenarios, and those of the scenarios each trainee's role
acts in (a provider's desk: seed 000, scenario 1, and customs down unannounced; the CID's: scenario
2), so that a drill file written for a game day need not list them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from secours.clock import Clock, format_sim, wall_now
from secours.drills.engine import Simulation
from secours.drills.journal import Recorder, open_journal
from secours.drills.model import Drill
from secours.drills.oracle import Context
from secours.drills.outcome import judge
from secours.drills.report import write_reports
from secours.errors import UsageError
from secours.gameday.scorecard import scorecards

__all__ = ["AfterAction"]

ROLE_SCENARIOS = {
    "edi_provider": ("ICS2-FR-S1-PROVIDER-DOWN", "ICS2-FR-S1-TRADER-DOWN", "ICS2-FR-NO-ALERT"),
    "customs_desk_fr": ("ICS2-FR-S2-AS-DOWN",),
}


class AfterAction:
    def __init__(self, sim: Simulation, drill: Drill, people: tuple[str, ...], out_dir: Path) -> None:
        roles = {a.split(":", 1)[0] for a in people}
        extra = [s for r in sorted(roles) for s in ROLE_SCENARIOS.get(r, ()) if s not in drill.scenarios]
        self.drill = drill.model_copy(update={"scenarios": (*drill.scenarios, *extra)}) if extra else drill
        self.sim, self.people, self.out_dir = sim, people, out_dir
        self.started = wall_now()
        self._journal: IO[str] | None = None
        self._recorder: Recorder | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self, clock: Clock) -> None:
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create output folder {self.out_dir}: {exc.strerror}") from None
        sim = self.sim
        self._journal = open_journal(self.out_dir)
        self._recorder = recorder = Recorder(sim.bus, sim.codec, sim.catalog, clock, self._journal)
        assert sim.plane is not None
        sim.plane.observers.append(recorder.note_fault)
        self._task = asyncio.create_task(recorder.run(sim.journal_topics()), name="gameday-journal")

    async def finish(self) -> dict[str, Any]:
        """Read the last records, judge the run, write the report folder; the after-action summary."""
        recorder = self._recorder
        assert recorder is not None
        assert self._task is not None
        assert self._journal is not None
        await recorder.until_quiet(quiet_s=2.0, timeout_s=30.0)
        assert self.sim.plane is not None
        self.sim.plane.observers.remove(recorder.note_fault)  # nothing more goes into a closed journal
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._journal.close()
        sim, drill = self.sim, self.drill
        assert sim.clock is not None
        end = min(sim.clock.now(), sim.config.end)
        wall = wall_now() - self.started
        outcome = judge(drill, sim.world, recorder.entries, wall, end, "game day on the wall clock")
        ctx = Context(sim.world, drill.procedure, drill.scenarios, end, timedelta(seconds=drill.transit_s))
        cards = scorecards(self.people, recorder.entries, outcome.checks, ctx)
        summary = outcome.summary(drill, {"wall_seconds": round(wall, 2), "records": len(recorder.entries),
                                          "run": {"run_id": sim.run_id, "sim_end": format_sim(end)}})  # fmt: skip
        (self.out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        write_reports(outcome.report, self.out_dir)
        shown = [c.summary() for c in cards]
        (self.out_dir / "scorecards.json").write_text(json.dumps(shown, indent=2) + "\n", encoding="utf-8")
        failed = [c.id for c in outcome.checks if c.status == "fail"]
        return {
            "out": str(self.out_dir), "sim_end": format_sim(end), "verdict": outcome.verdict, "failed": failed,
            "checks": len(outcome.checks), "scorecards": shown, "lines": [ln for c in cards for ln in c.lines()],
        }  # fmt: skip
