"""The ECS-BS alerts, the exporter's assistance request, and the end of alert that starts the
reintegration clock (PROCEDURES §2 ``end_of_alert(DA)``): the deadline, end of alert + t.reintegration
or the office's relaxed one, and whether it has run out by the end of the drill.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from secours.drills.journal import Entry
from secours.drills.oracle.common import entry_time as _at
from secours.drills.oracle.common import first, seconds, typed
from secours.drills.oracle.common import record_time as _when
from secours.drills.oracle.ecs.movements import ECS_EXIT, PORTAL, _Exit
from secours.drills.oracle.index import JournalIndex
from secours.drills.oracle.registry import Context


def _ecs_alerts(ix: JournalIndex, phase: str, component: str | None = None) -> list[Entry]:
    """Météo messages of one phase about ``component``: ECS-BS (its component, or naming the service)
    or the customs portal in front of it; both when None."""

    def about(e: Entry) -> str | None:
        named = e.data.get("component")
        if named == PORTAL:
            return PORTAL
        return ECS_EXIT if named == ECS_EXIT or "ECS-BS" in e.data.get("services", ()) else None

    return [e for e in typed(ix, "meteo.alert") if e.data["phase"] == phase
            and (about(e) == component if component is not None else about(e) is not None)]  # fmt: skip


def _after(entries: Iterable[Entry], since: datetime | None) -> Entry | None:
    return first(e for e in entries if since is not None and _at(e) >= since)


def _in(entries: list[Entry], since: datetime, until: datetime | None) -> bool:
    return any(since <= _at(e) and (until is None or _at(e) < until) for e in entries)


def _da(ix: JournalIndex, x: _Exit) -> Entry | None:
    """The exporter's ECS-BS self-trigger assistance request since its outage began."""
    das = (e for e in typed(ix, "olga.da") if e.data["kind"] == "self_trigger"
           and e.data["service"] == "ECS-BS" and e.data["filer"] == x.exporter.eori)  # fmt: skip
    return _after(das, x.fault.start)


def _of_da(ix: JournalIndex, ce_type: str, da_id: str, **fields: str) -> list[Entry]:
    return sorted((e for e in typed(ix, ce_type) if e.data["da_id"] == da_id
                   and all(e.data[k] == v for k, v in fields.items())), key=_at)  # fmt: skip


def _end_of_alert(ix: JournalIndex, x: _Exit) -> Entry | None:
    """ECS-BS (or portal) outage: the end of its alert; the exporter's own outage: its DA's closure."""
    if not x.operator_side:
        return _after(_ecs_alerts(ix, "end", x.component), x.fault.start)
    da = _da(ix, x)
    return first(_of_da(ix, "olga.closed", da.data["da_id"])) if da is not None else None


def _deadline(ix: JournalIndex, ctx: Context, x: _Exit) -> datetime | None:
    """The reintegration deadline: end of alert + t.reintegration, or the office's relaxed deadline."""
    end = _end_of_alert(ix, x)
    if end is None:
        return None
    relaxed = [_when(r, "new_deadline") for r in typed(ix, "bs.relaxation")
               if r.data["alert_id"] == end.data.get("alert_id")
               and r.data["office"] == x.move.exit_office]  # fmt: skip
    return max([_at(end) + seconds(ctx, "t_reintegration"), *relaxed])


def _pending(ctx: Context, deadline: datetime | None) -> bool:
    """The reintegration clock has not run out by the end of the drill (or has not started)."""
    return deadline is None or deadline > ctx.end
