"""Counts, latencies and the verdict of a run, computed from its journal alone.

The verdict of a fault-free drill: every consignment of the world got exactly one MRN, issued
before the ferry or shuttle carrying its unit arrived, and every MRN belongs to one consignment.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from secours.cloudevents import DEFECT
from secours.drills.journal import Entry
from secours.world import World

__all__ = ["Summary", "Tally", "percentiles", "summarise"]

_FILINGS = frozenset({"IE3F10", "IE3F51"})
_QUEUE_COUNTS = {"IE3N99": "ie3n99", "IE3N01": "ie3n01", "IE3N03": "assessment_complete", "IE3Q02": "referrals"}

Key = tuple[str, str]  # (filer EORI, LRN): one consignment


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)], 3)

    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99)}


@dataclass
class Summary:
    counts: dict[str, int]
    latency: dict[str, dict[str, float | None]]
    verdict: str
    problems: list[str] = field(default_factory=list)
    defects: int = 0  # records a service failed on by a defect of its own: the run fails

    def as_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "counts": self.counts, "latency": self.latency, "problems": self.problems}


def _when(e: Entry) -> datetime:
    if e.time is None:
        raise ValueError(f"record {e.ce_id} on {e.topic} has no ce_time")
    return e.time


@dataclass
class Tally:
    """What the summary needs, gathered in one pass over the journal."""

    counts: Counter[str] = field(default_factory=Counter)
    lodged: set[Key] = field(default_factory=set)
    defects: list[str] = field(default_factory=list)  # dead letters of a service's own defect
    mrns_by_key: dict[Key, set[str]] = field(default_factory=lambda: defaultdict(set))
    keys_by_mrn: dict[str, set[Key]] = field(default_factory=lambda: defaultdict(set))
    first_mrn_at: dict[Key, datetime] = field(default_factory=dict)
    arrived_at: dict[str, datetime] = field(default_factory=dict)
    filed: dict[str, Entry] = field(default_factory=dict)  # the trader's handoff, by message id
    relayed_r01: dict[Key, Entry] = field(default_factory=dict)

    def add(self, e: Entry) -> None:
        d, t = e.data, e.ce_type
        if e.topic == "ics2.receipt":
            self.counts["receipts"] += 1
            if d["action"] in _FILINGS:
                self.lodged.add((d["eori"], d["lrn"]))
        elif e.topic.startswith("ics2.c2t."):
            if t == "IE3R01":
                key = (d["eori"], d["lrn"])
                self.mrns_by_key[key].add(d["mrn"])
                self.keys_by_mrn[d["mrn"]].add(key)
                self.first_mrn_at.setdefault(key, _when(e))
            elif t in _QUEUE_COUNTS:
                self.counts[_QUEUE_COUNTS[t]] += 1
        elif e.topic.startswith("edi.to_provider.") and t in _FILINGS:
            self.filed[d["message_id"]] = e
        elif e.topic.startswith("edi.to_trader.") and t == "IE3R01":
            self.relayed_r01.setdefault((d["eori"], d["lrn"]), e)
        elif t == "transport.arrived":
            self.counts["arrivals"] += 1
            self.arrived_at[d["transport_id"]] = _when(e)
        elif t == "unit.disembarked":
            self.counts[f"lanes_{d['lane'].lower()}"] += 1
        elif e.topic == "secours.dlq":
            self.counts["dead_letters"] += 1
            if str(d.get("reason", "")).startswith(DEFECT):
                self.defects.append(str(d["reason"]))

    def latencies(self) -> dict[str, dict[str, float | None]]:
        """Filing handed to the provider -> IE3R01 relayed back to the trader (the full round trip)."""
        wall_ms: list[float] = []
        sim_s: list[float] = []
        for r01 in self.relayed_r01.values():
            filing = self.filed.get(r01.data["ref_message_id"])
            if filing is not None:
                wall_ms.append(float(r01.wall_ms - filing.wall_ms))
                sim_s.append((_when(r01) - _when(filing)).total_seconds())
        return {"filing_to_mrn_wall_ms": percentiles(wall_ms), "filing_to_mrn_sim_s": percentiles(sim_s)}


def summarise(world: World, entries: Iterable[Entry], max_problems: int = 20) -> Summary:
    tally = Tally()
    for e in entries:
        tally.add(e)
    problems: list[str] = []
    if tally.defects:  # what a service failed on by a defect of its own was never handled
        problems.append(f"{len(tally.defects)} records hit a defect of a service, e.g. {tally.defects[0]}")
    missing_at_arrival = 0
    for c in world.consignments:
        key = (c.trader, c.lrn)
        mrns = tally.mrns_by_key.get(key, set())
        arrival = tally.arrived_at.get(c.transport_id)
        got = tally.first_mrn_at.get(key)
        on_time = got is not None and arrival is not None and got < arrival
        if arrival is not None and not on_time:
            missing_at_arrival += 1
        if len(mrns) != 1:
            problems.append(f"{c.lrn} ({c.trader}): {len(mrns)} MRNs")
        elif arrival is None:
            problems.append(f"{c.lrn}: its transport {c.transport_id} never arrived")
        elif not on_time:
            problems.append(f"{c.lrn}: MRN at {got} is not before arrival at {arrival}")
    duplicate_mrn = sum(len(v) > 1 for v in tally.mrns_by_key.values()) + sum(
        len(v) > 1 for v in tally.keys_by_mrn.values()
    )
    if duplicate_mrn:
        problems.append(f"{duplicate_mrn} duplicate MRN allocations")
    n = tally.counts
    counts = {
        "consignments": len(world.consignments),
        "ens_lodged": len(tally.lodged),
        "receipts": n["receipts"],
        "mrn_issued": len(tally.mrns_by_key),
        "ie3n99": n["ie3n99"],
        "ie3n01": n["ie3n01"],
        "assessment_complete": n["assessment_complete"],
        "referrals": n["referrals"],
        "arrivals": n["arrivals"],
        "lanes_green": n["lanes_green"],
        "lanes_orange": n["lanes_orange"],
        "ens_missing_at_arrival": missing_at_arrival,
        "duplicate_mrn": duplicate_mrn,
        "dead_letters": n["dead_letters"],
    }
    shown = problems[:max_problems]
    if len(problems) > max_problems:
        shown.append(f"... and {len(problems) - max_problems} more")
    return Summary(counts, tally.latencies(), "pass" if not problems else "fail", shown, len(tally.defects))
