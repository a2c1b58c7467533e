"""ICS2-FR-DEADLINE-MISSED: a legal ENS deadline passed during an outage (PROCEDURES.md §5, seed 000).

Before recording that an ENS is missing, the office of first entry makes sure the system is not
down; a covered unit is not an infringement while its lodging window is open.
"""

from __future__ import annotations

from datetime import datetime

from secours.drills.journal import Entry
from secours.drills.oracle.common import (
    ICS2_PATH,
    alert_on_path,
    covered,
    fault_on_path,
    receipts_by_lrn,
    seconds,
    typed,
    verdict,
)
from secours.drills.oracle.index import JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence
from secours.world import Consignment

__all__: list[str] = []

DM = "ICS2-FR-DEADLINE-MISSED"


def _absences(ix: JournalIndex) -> list[Entry]:
    return typed(ix, "customs.ens_absence")


def _none() -> Finding:
    return outcome("not_exercised", "no missing-ENS record (customs.ens_absence) in this drill")


def _open_da(ix: JournalIndex, c: Consignment, t: datetime) -> bool:
    if c.country_of_unloading != "FR":
        return False  # an assistance request covers goods unloaded in France only (SC1)
    closed = {e.data["da_id"]: e.time for e in typed(ix, "olga.closed")}
    for da in typed(ix, "olga.da"):
        if da.time is None or da.time > t:
            continue
        ended = closed.get(da.data["da_id"])
        if ended is not None and ended <= t:
            continue
        if da.data["filer"] in (c.provider, c.trader) or c.trader in {x["eori"] for x in da.data["clients"]}:
            return True
    return False


def _wrong_result(ix: JournalIndex, ctx: Context, c: Consignment, t: datetime, result: str) -> str:
    """What is wrong with a check's result at ``t`` ("" if nothing). The office knows what the météo
    and OLGA show, one hop after they show it: "down" is right while they show an outage on the
    unit's path (or one really is under way), "up" is wrong once they have shown one for a hop."""

    def shown(at: datetime) -> bool:
        return alert_on_path(ix, ctx.world, c, at) or _open_da(ix, c, at)

    seen = shown(t - ctx.hop)
    if result == "down" and not (seen or shown(t) or fault_on_path(ix, c, t) is not None):
        return "yet neither the météo nor OLGA showed an outage and none was under way"
    if result == "up" and seen and shown(t):
        return "yet the météo or OLGA showed an outage on its path"
    return ""


def _unit(ctx: Context, unit_id: str) -> Consignment | None:
    return next((c for c in ctx.world.consignments if c.unit_id == unit_id), None)


@check(f"{DM}#1", DM, "Every missing-ENS record is preceded, within t.check_window, by a system check of that unit")
def dm_1(ix: JournalIndex, ctx: Context) -> Finding:
    absences = _absences(ix)
    if not absences:
        return _none()
    checks = typed(ix, "customs.system_check")
    window = seconds(ctx, "t_check_window")
    found = []
    for a in absences:
        before = [k for k in checks if a.data["unit_id"] in k.data["unit_ids"] and k.time and a.time
                  and a.time - window <= k.time <= a.time]  # fmt: skip
        if not before:
            found.append(evidence(a, f"unit {a.data['unit_id']} recorded as missing its ENS without a system check"))
    return verdict(found, f"all {len(absences)} records preceded by a system check",
                   "{n} records without a system check before")  # fmt: skip


@check(f"{DM}#2", DM, "The check looks at the ICS2 components and the DAs, and its result matches the facts")
def dm_2(ix: JournalIndex, ctx: Context) -> Finding:
    checks = typed(ix, "customs.system_check")
    if not checks:
        return outcome("not_exercised", "no system check (customs.system_check) in this drill")
    found: list[Evidence] = []
    for k in checks:
        looked = set(k.data["components"])
        for unit in k.data["unit_ids"]:
            c = _unit(ctx, unit)
            if c is None or k.time is None:
                continue
            missing = [x for x in (*ICS2_PATH, f"OLGA:{c.trader}", f"OLGA:{c.provider}") if x not in looked]
            if missing:
                found.append(evidence(k, f"check of {unit} did not look at {', '.join(missing)}"))
                continue
            wrong = _wrong_result(ix, ctx, c, k.time, k.data["result"])
            if wrong:
                found.append(evidence(k, f"check of {unit} said {k.data['result']}, {wrong}"))
    return verdict(found, f"all {len(checks)} system checks complete and right",
                   "{n} system checks incomplete or wrong")  # fmt: skip


@check(f"{DM}#3", DM, "No missing ENS recorded as an infringement for a unit covered by an outage")
def dm_3(ix: JournalIndex, ctx: Context) -> Finding:
    absences = _absences(ix)
    if not absences:
        return _none()
    found = []
    for a in absences:
        c = _unit(ctx, a.data["unit_id"])
        if (
            c is not None
            and a.time is not None
            and not a.data["covered_by_outage"]
            and covered(ix, ctx.world, c, a.time)
        ):
            found.append(evidence(a, f"unit {a.data['unit_id']} treated as an infringement, yet covered"))
    return verdict(found, f"no covered unit among {len(absences)} records treated as an infringement",
                   "{n} covered units treated as infringements")  # fmt: skip


@check(f"{DM}#4", DM, "No missing ENS recorded for a unit whose ENS was receipted in its lodging window")
def dm_4(ix: JournalIndex, ctx: Context) -> Finding:
    absences = _absences(ix)
    if not absences:
        return _none()
    receipts = receipts_by_lrn(ix)
    backlog = seconds(ctx, "t_backlog_max")
    found = []
    for a in absences:
        c = _unit(ctx, a.data["unit_id"])
        if c is None:
            continue
        got = receipts.get(c.lrn)
        dis = ix.disembarked.get(c.unit_id)
        if got is None:
            continue
        if dis is not None and dis.time is not None and got < dis.time:
            found.append(evidence(a, f"{c.lrn} was receipted before its unit disembarked"))
            continue
        ends = [w.end for w in ix.faults.values() if w.end is not None and w.component.split(".")[0] in ICS2_PATH]
        if any(got <= end + backlog for end in ends if dis is not None and dis.time and dis.time <= end + backlog):
            found.append(evidence(a, f"{c.lrn} was receipted within t.backlog_max of the recovery"))
    return verdict(found, f"none of {len(absences)} records concerns an ENS lodged in its window",
                   "{n} records for ENS lodged in their window")  # fmt: skip


@check(f"{DM}#5", DM, "Control case: every unit that disembarked with no receipted ENS and no coverage is recorded")
def dm_5(ix: JournalIndex, ctx: Context) -> Finding:
    receipts = receipts_by_lrn(ix)
    recorded = {a.data["unit_id"] for a in _absences(ix)}
    found = []
    uncovered = 0
    for c in ctx.world.consignments:
        dis = ix.disembarked.get(c.unit_id)
        if dis is None or dis.time is None:
            continue
        got = receipts.get(c.lrn)
        if (got is not None and got < dis.time) or covered(ix, ctx.world, c, dis.time):
            continue
        uncovered += 1
        if c.unit_id not in recorded:
            found.append(evidence(dis, f"unit {c.unit_id} disembarked without an ENS, uncovered, and nothing recorded"))
    if not uncovered:
        return outcome("not_exercised", "no unit disembarked without an ENS and without coverage")
    return verdict(found, f"all {uncovered} uncovered units without an ENS recorded",
                   "{n} uncovered units without an ENS not recorded")  # fmt: skip
