"""``secours bench`` on the session's real broker: every figure is produced and consistent.

Small runs (hundreds of ENS): these tests check what the benchmark measures and reports, never how
fast anything is (speed is reported by the benchmark, not asserted).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from secours.bench.pipeline import HOPS
from secours.bench.run import BenchOptions, percentile, run_bench
from secours.bench.soak import run_soak
from secours.bench.viewers import run_viewers
from secours.bus.settings import ClientSettings
from secours.drills.model import load_drill
from secours.resources import drill_file
from tests.conftest import SessionBroker


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0


def test_bench_measures_both_sides(settings: ClientSettings, broker: SessionBroker) -> None:
    opts = BenchOptions(ens=400, rate=100.0, seconds=2.0, layouts=("one", "two"))
    doc = asyncio.run(run_bench(settings, opts, broker.kind))
    json.dumps(doc)  # the --json document
    sides = doc["sides"]
    assert set(sides) == {"bare", "one", "two"}
    assert sides["bare"]["records_per_ens"] == pytest.approx(HOPS)  # the chain writes exactly one record a hop
    for key, side in sides.items():
        assert side["ens"] == 400 and side["ens_per_s"] > 0 and side["hop_messages_per_s"] > side["ens_per_s"], key
        assert side["offered"] == 200 and side["answered"] == 200, key  # every fixed-rate ENS came back
        assert 0 < side["p50_ms"] <= side["p95_ms"] <= side["p99_ms"] <= side["max_ms"], key
        for proc in side["processes"]:
            assert proc["cpu_s_max_phase"] > 0 and proc["peak_rss_mb"] > 10, (key, proc)
    # The services write more than the eight records of the round trip: receipts and the distribution.
    assert sides["one"]["records_per_ens"] > HOPS
    assert [p["services"] for p in sides["two"]["processes"]] == [
        ["edi_provider", "ics2_tapas"],
        ["ics2_sti", "ics2_cr"],
    ]
    assert doc["ratio"] == pytest.approx(sides["one"]["ens_per_s"] / sides["bare"]["ens_per_s"])
    assert set(doc["targets"]) == {"ratio_at_least_0.5", "p99_under_50ms_at_1000_ens_s"}
    assert doc["targets"]["p99_under_50ms_at_1000_ens_s"] is False  # offered 100 ENS/s: the target is not measured


def test_soak_samples_memory_and_lag(settings: ClientSettings, broker: SessionBroker) -> None:
    opts = BenchOptions(rate=200.0, sample_s=1.0)
    doc = asyncio.run(run_soak(settings, opts, 1000, broker.kind))
    soak = doc["soak"]
    assert soak["answered"] == 1000 and soak["lost"] == 0
    assert len(soak["samples"]) >= 3
    assert soak["samples"][-1]["sent"] == 1000 and soak["samples"][-1]["lag"] == 0
    assert all(s["rss_mb"] > 10 for s in soak["samples"])
    assert set(doc["targets"]) == {"rss_growth_under_10pct", "no_lag_growth", "all_answered"}
    assert doc["targets"]["all_answered"] is True


def test_viewers_watch_a_live_run_and_its_loop_lateness_is_measured(settings: ClientSettings) -> None:
    """Two runs of a drill with its game-day page: nobody watching, then three viewers each getting events."""
    config = load_drill(drill_file("ics2-fr-s2-as-down")).run_config().model_copy(update={"speed": 600.0})
    doc = asyncio.run(run_viewers(settings, config, "ics2-fr-s2-as-down", 3, 2.0))
    json.dumps(doc)  # the --json document
    alone, watched = doc["viewers"]["runs"]
    assert (alone["viewers"], watched["viewers"]) == (0, 3)
    assert alone["events_received"] == 0 and watched["events_per_viewer_min"] >= 1
    for r in (alone, watched):
        assert 0 <= r["late_p50_ms"] <= r["late_p99_ms"] <= r["late_max_ms"] and r["cpu_s"] > 0
        assert r["records_handled"] > 0  # the run was live during the window


def _secours(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "secours.cli.main", *args]
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=600)


def test_cli_writes_json_and_table(settings: ClientSettings, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = _secours(
        "bench", "--bootstrap", settings.bootstrap, "--prefix", settings.prefix, "--ens", "300", "--rate", "100",
        "--seconds", "1", "--layouts", "one", "--json", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text())
    assert set(doc["sides"]) == {"bare", "one"} and doc["hops"] == HOPS
    assert "ratio services (one process) / bare chain" in done.stdout
    assert "bare: relays" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layouts", "three"], "layouts are one, two, each"),
        (["--ens", "0"], "must be positive"),
        (["--soak", "-5"], "--soak must be a positive number"),
        (["--viewers", "0"], "--viewers must be a positive number"),
        (["--viewers", "2", "--drill", "no-such-drill"], "no-such-drill"),
    ],
)
def test_cli_bad_input_is_one_line(args: list[str], message: str) -> None:
    done = _secours("bench", "--bootstrap", "127.0.0.1:1", *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
