"""The simulated ENS round trip, for the benchmark: its services, its world, its process layouts.

The round trip of an ENS filed by a trader, eight records on eight topics:

    trader -> edi.to_provider.P -> edi_provider -> ics2.t2c -> ics2_tapas -> ics2.sti.in -> ics2_sti
    -> ics2.cr.in -> ics2_cr -> ics2.cr.out -> ics2_sti -> ics2.sti.out -> ics2_tapas
    -> ics2.c2t.EORI -> edi_provider -> edi.to_trader.P -> trader (IE3R01)

The bench plays the trader; the four services between run as they do in a drill (decoding, rules,
receipts, the risk-analysis distribution, heartbeats, fault plane), in child processes started with
``secours run --join``. The CR takes no simulated processing time, and the world runs at 1,000
simulated seconds per wall second: the CR answers each filer's messages in turn, one simulated
second apart (its FIFO per filer), which is then a wall millisecond. The providers' retry and
no-MRN timers fire a wall minute after a push, long after its answer (they find nothing to do and
leave memory); heartbeats are pushed beyond the run. Message ids are remembered for a simulated
hour and ENS kept by the CR for a simulated day (3.6 s and 86 s of wall time), so a soak's memory
reaches its plateau within its first two minutes.
"""

from __future__ import annotations

import sys

from secours.world import Params, RunConfig, Traffic

__all__ = ["HOPS", "LAYOUTS", "ROUND_TRIP", "bench_config", "service_argv"]

ROUND_TRIP = ("edi_provider", "ics2_tapas", "ics2_sti", "ics2_cr")
HOPS = 8  # records per round trip (see above)

# How the four services are split over processes.
LAYOUTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "one": (ROUND_TRIP,),
    "two": (("edi_provider", "ics2_tapas"), ("ics2_sti", "ics2_cr")),
    "each": tuple((s,) for s in ROUND_TRIP),
}


def bench_config(seed: int = 1) -> RunConfig:
    """A world of EDI-lodged consignments, with no simulated delay on the way to the MRN.

    No retry sends anything during a run (every receipt comes back within the wall minute), so every
    record counted is part of a first round trip.
    """
    return RunConfig(
        seed=seed,
        speed=1000.0,
        duration_hours=24.0,
        traffic=Traffic(consignments=300, providers=3, traders=24, direct_filers=0, portal_filers=0),
        params=Params(
            cr_processing_s=(0.0, 0.0),
            receipt_timeout_s=60_000.0,
            no_mrn_after_s=60_000.0,
            heartbeat_s=1e9,
            detect_self_s=1e9,
            dedupe_keep_s=3_600.0,
            ens_retention_s=86_400.0,
        ),
    )


def service_argv(services: tuple[str, ...], bootstrap: str, prefix: str) -> list[str]:
    """The command that runs these services in a process of their own, joining the announced run."""
    return [
        sys.executable, "-m", "secours.cli.main", "run", "--join", "--only", ",".join(services),
        "--bootstrap", bootstrap, "--prefix", prefix,
    ]  # fmt: skip
