"""Crash every service of a drill once: the drill with kill -9 and restart added, one service after another.

A drill's verdict must not depend on whether the simulator itself suffers. ``secours drill run
--crash-each`` runs a drill with one crash fault per service of its run, spread over the middle of
simulated time (from 15 % to 60 % of it, so the last restart is long before the end and the
recovery checks see the services back). Each service comes back from its last checkpoint
(:mod:`secours.checkpoint`); the oracle's G1 and G2 then say whether an ENS was registered twice or
lost, and the drill's own checks whether the procedure still holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from secours.drills.engine import select_services
from secours.drills.model import Drill
from secours.faults.model import parse_offset

__all__ = ["with_crashes"]

_FIRST, _LAST = 0.15, 0.60  # where in the drill's simulated time the first and the last crash come


def with_crashes(drill: Drill, restart_after: str = "30s", services: Sequence[str] | None = None) -> Drill:
    """``drill`` plus a crash of each of ``services`` (default: every service its run starts)."""
    parse_offset(restart_after)  # a bad duration is reported here, in one line, before anything runs
    names = list(services) if services is not None else select_services(for_config=drill.run_config())
    taken = {f.id for f in drill.faults}
    span_s = drill.duration_hours * 3600
    crashes = []
    for i, name in enumerate(names):
        share = _FIRST + (_LAST - _FIRST) * (i / max(1, len(names) - 1))
        fault_id = f"crash-{name}"
        if fault_id in taken:
            continue  # the drill crashes it already, at its own time
        crashes.append(
            {
                "id": fault_id,
                "kind": "crash",
                "scope": {"component": name},
                "start": f"{round(span_s * share)}s",
                "restart_after": restart_after,
            }
        )
    faults = [f.model_dump(exclude_none=True) for f in drill.faults]
    return Drill.model_validate({**drill.model_dump(exclude={"faults"}), "faults": [*faults, *crashes]})
