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

from secours.drills.journal import Entry
from secours.world import World

__all__ = ["Summary", "percentiles", "summarise"]

_FILINGS = frozenset({"IE3F10", "IE3F51"})


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

    def as_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "counts": self.counts, "latency": self.latency, "problems": self.problems}


def _when(e: Entry) -> datetime:
    if e.time is None:
        raise ValueError(f"record {e.ce_id} on {e.topic} has no ce_time")
    return e.time


def summarise(world: World, entries: Iterable[Entry], max_problems: int = 20) -> Summary:
    receipts = n99 = n01 = n03 = q02 = arrivals = dead = 0
    lanes: Counter[str] = Counter()
    lodged: set[tuple[str, str]] = set()
    mrns_by_key: dict[tuple[str, str], set[str]] = defaultdict(set)
    keys_by_mrn: dict[str, set[tuple[str, str]]] = defaultdict(set)
    first_mrn_at: dict[tuple[str, str], datetime] = {}
    arrived_at: dict[str, datetime] = {}
    filed: dict[str, Entry] = {}  # trader's handoff, by message id
    relayed_r01: dict[tuple[str, str], Entry] = {}
    for e in entries:
        d, t = e.data, e.ce_type
        if e.topic == "ics2.receipt":
            receipts += 1
            if d["action"] in _FILINGS:
                lodged.add((d["eori"], d["lrn"]))
        elif e.topic.startswith("ics2.c2t."):
            if t == "IE3R01":
                key = (d["eori"], d["lrn"])
                mrns_by_key[key].add(d["mrn"])
                keys_by_mrn[d["mrn"]].add(key)
                first_mrn_at.setdefault(key, _when(e))
            n99 += t == "IE3N99"
            n01 += t == "IE3N01"
            n03 += t == "IE3N03"
            q02 += t == "IE3Q02"
        elif e.topic.startswith("edi.to_provider.") and t in _FILINGS:
            filed[d["message_id"]] = e
        elif e.topic.startswith("edi.to_trader.") and t == "IE3R01":
            relayed_r01.setdefault((d["eori"], d["lrn"]), e)
        elif e.topic == "sb.events":
            if t == "transport.arrived":
                arrivals += 1
                arrived_at[d["transport_id"]] = _when(e)
            elif t == "unit.disembarked":
                lanes[d["lane"]] += 1
        elif e.topic == "secours.dlq":
            dead += 1

    problems: list[str] = []
    missing_at_arrival = 0
    for c in world.consignments:
        key = (c.trader, c.lrn)
        mrns = mrns_by_key.get(key, set())
        arrival = arrived_at.get(c.transport_id)
        got = first_mrn_at.get(key)
        if arrival is not None and (got is None or got >= arrival):
            missing_at_arrival += 1
        if len(mrns) != 1:
            problems.append(f"{c.lrn} ({c.trader}): {len(mrns)} MRNs")
        elif arrival is None:
            problems.append(f"{c.lrn}: its transport {c.transport_id} never arrived")
        elif got is None or got >= arrival:
            problems.append(f"{c.lrn}: MRN at {got} is not before arrival at {arrival}")
    duplicate_mrn = sum(1 for v in mrns_by_key.values() if len(v) > 1) + sum(
        1 for v in keys_by_mrn.values() if len(v) > 1
    )
    if duplicate_mrn:
        problems.append(f"{duplicate_mrn} duplicate MRN allocations")

    wall_ms: list[float] = []
    sim_s: list[float] = []
    for key, r01 in relayed_r01.items():
        filing = filed.get(r01.data["ref_message_id"])
        if filing is None or key not in mrns_by_key:
            continue
        wall_ms.append(float(r01.wall_ms - filing.wall_ms))
        sim_s.append((_when(r01) - _when(filing)).total_seconds())

    counts = {
        "consignments": len(world.consignments),
        "ens_lodged": len(lodged),
        "receipts": receipts,
        "mrn_issued": len(mrns_by_key),
        "ie3n99": n99,
        "ie3n01": n01,
        "assessment_complete": n03,
        "referrals": q02,
        "arrivals": arrivals,
        "lanes_green": lanes["GREEN"],
        "lanes_orange": lanes["ORANGE"],
        "ens_missing_at_arrival": missing_at_arrival,
        "duplicate_mrn": duplicate_mrn,
        "dead_letters": dead,
    }
    latency = {"filing_to_mrn_wall_ms": percentiles(wall_ms), "filing_to_mrn_sim_s": percentiles(sim_s)}
    verdict = "pass" if not problems else "fail"
    shown = problems[:max_problems]
    if len(problems) > max_problems:
        shown.append(f"... and {len(problems) - max_problems} more")
    return Summary(counts, latency, verdict, shown)
