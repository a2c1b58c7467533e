"""ICS2-FR-SCOPE: goods entering through France but unloaded in another Member State (PROCEDURES.md §5).

The smart-border fallback of seed 000 is for goods unloaded in France (scope rule SC1): an
assistance request covers them, and their ENS may be lodged late up to disembarkation. Goods that
only pass through (a truck landed at Calais, unloaded in Belgium) follow the EU rules of seed 001:
no French assistance request covers them, and what could not be sent is lodged once ICS2 is back.
"""

from __future__ import annotations

from secours.clock import format_sim
from secours.drills.oracle.common import covered, seconds, verdict
from secours.drills.oracle.index import JournalIndex
from secours.drills.oracle.registry import Context, Finding, check, evidence, outcome
from secours.drills.reportdata import Evidence
from secours.wire import EnsAbsence, OlgaDa
from secours.world import Consignment

__all__: list[str] = []

SC = "ICS2-FR-SCOPE"


def _elsewhere(ctx: Context) -> dict[str, Consignment]:
    """Consignments unloaded outside France, by LRN."""
    return {c.lrn: c for c in ctx.world.consignments if c.country_of_unloading != "FR"}


@check(f"{SC}#1", SC, "No French fallback coverage (DA, covered missing ENS) for goods not unloaded in France")
def sc_1(ix: JournalIndex, ctx: Context) -> Finding:
    elsewhere = _elsewhere(ctx)
    if not elsewhere:
        return outcome("not_exercised", "every consignment of this drill is unloaded in France")
    das = ix.of(OlgaDa)
    units = {c.unit_id: c for c in elsewhere.values()}
    absences = [a for a in ix.of(EnsAbsence) if a.body.unit_id in units]
    if not das and not absences:
        return outcome("not_exercised", "no assistance request and no missing-ENS record in this drill")
    found: list[Evidence] = []
    for da in das:
        found += [evidence(da.entry, f"DA {da.body.da_id} lists {lrn}, unloaded in "
                                     f"{elsewhere[lrn].country_of_unloading}")
                  for lrn in da.body.declarations if lrn in elsewhere]  # fmt: skip
    for a in absences:
        c = units[a.body.unit_id]
        at = a.entry.time
        if a.body.covered_by_outage and at is not None and not covered(ix, ctx.world, c, at):
            note = (f"unit {c.unit_id} ({c.lrn}, unloaded in {c.country_of_unloading}) recorded as covered by "
                    "the French fallback, with no outage alert open")  # fmt: skip
            found.append(evidence(a.entry, note))
    return verdict(found, f"{len(das)} DAs and {len(absences)} missing-ENS records of goods unloaded "
                   "elsewhere: no French fallback applied to those goods",
                   "{n} French fallback coverages of goods not unloaded in France")  # fmt: skip


@check(f"{SC}#2", SC, "Goods not unloaded in France follow the EU rules and get an MRN by drill end")
def sc_2(ix: JournalIndex, ctx: Context) -> Finding:
    latest = ctx.end - seconds(ctx, "t_backlog_max")
    due = [c for c in _elsewhere(ctx).values() if c.ready <= latest]
    if not due:
        return outcome("not_exercised", "no consignment unloaded outside France ready in time")
    found = [Evidence(c.lrn, "ics2.t2c", c.ready, f"{c.lrn} (unloaded in {c.country_of_unloading}, ready "
                      f"{format_sim(c.ready)}) has no MRN by drill end")
             for c in due if ix.first_r01((c.trader, c.lrn)) is None]  # fmt: skip
    return verdict(found, f"all {len(due)} consignments unloaded outside France got an MRN",
                   "{n} consignments unloaded outside France without an MRN")  # fmt: skip
