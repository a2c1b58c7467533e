"""``secours drill check JOURNAL``: the oracle again, on a saved journal, without a broker.

The journal holds the run announcement (world configuration and the drill file) and every
record, so the world is rebuilt and the same checks give the same verdicts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from secours.drills.journal import journal_in, read_journal
from secours.drills.model import Drill
from secours.drills.outcome import judge
from secours.drills.report import write_reports
from secours.drills.reportdata import clock_words
from secours.errors import UsageError
from secours.world import RunConfig, World

__all__ = ["check_journal"]


def check_journal(path: Path, out_dir: Path | None) -> tuple[dict[str, Any], int]:
    path = journal_in(path)
    entries = list(read_journal(path))
    announcement = next((e for e in entries if e.ce_type == "run.announced"), None)
    if announcement is None:
        raise UsageError(f"{path}: no run announcement in this journal (is it a drill journal?)")
    if not announcement.data.get("drill_json"):
        raise UsageError(f"{path}: the run was not a drill (no drill file in its announcement)")
    drill = Drill.model_validate_json(announcement.data["drill_json"])
    config = RunConfig.model_validate_json(announcement.data["config_json"])
    run: dict[str, Any] = {"clock": str(announcement.data.get("clock") or "wall")}
    if run["clock"] == "stepped":
        run["transit_s"] = int(announcement.data.get("transit_ms") or 0) / 1000
    else:
        run["speed"] = config.speed
    # The actors outside systems played (the announcement of a run that waited for them names them).
    external = [str(a) for a in announcement.data.get("external") or ()]
    if external:
        run["external"] = external
    outcome = judge(drill, World(config), entries, 0.0, config.end, clock_words(run), external=external)
    summary = outcome.summary(drill, {"journal": str(path), "records": len(entries), "run": run})
    if out_dir is not None:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create output folder {out_dir}: {exc.strerror}") from None
        (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        write_reports(outcome.report, out_dir)
    return summary, outcome.exit_code
