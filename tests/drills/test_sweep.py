"""``secours drill sweep``: one drill on several seeds, each run ending as the drill declares.

The runs use the session's broker, on a copy of a light shipped drill with smaller traffic; the
variations themselves (volume, fault start) are checked without a broker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from secours.bus.settings import ClientSettings
from secours.drills.model import load_drill
from secours.drills.sweep import format_offset, parse_vary, variant_text, variation
from secours.resources import shipped_drills

ROOT = Path(__file__).resolve().parents[2]


def _small(name: str, tmp_path: Path, expect_fail: str | None = None) -> Path:
    """A shipped LUCCS drill with less traffic (a few seconds a run); ``expect_fail`` replaces its expectation."""
    text = (ROOT / "drills" / f"{name}.yaml").read_text()
    text = text.replace("consignments: 40", "consignments: 12").replace("lu_declarations: 160", "lu_declarations: 48")
    if expect_fail is not None:
        text = "\n".join(line for line in text.splitlines() if not line.startswith("expect_fail:"))
        text += f"\nexpect_fail: {expect_fail}\n"
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def _sweep(args: list[str], settings: ClientSettings | None = None) -> subprocess.CompletedProcess[str]:
    broker = (
        ["--bootstrap", settings.bootstrap, "--prefix", settings.prefix] if settings else ["--bootstrap", "127.0.0.1:1"]
    )
    command = [sys.executable, "-m", "secours.cli.main", "drill", "sweep", *args, *broker]
    # The child reads the broker as the session's settings say (tansu: fetch on demand), not as for an unknown cluster.
    env = {**os.environ, **(settings.env() if settings else {})}
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=900, env=env)


def _doc(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


# --- the variations, no broker ---------------------------------------------------------------


def test_a_variation_is_drawn_from_the_seed_alone() -> None:
    drill = load_drill(ROOT / "drills" / "ics2-fr-scope.yaml")
    both = ("volume", "fault-start")
    runs = [variation(drill, seed, both) for seed in range(100, 120)]
    assert runs == [variation(drill, seed, both) for seed in range(100, 120)]  # the same command, the same runs
    assert len({r.volume_factor for r in runs}) > 5
    assert len({r.fault_shift_minutes for r in runs}) > 5
    assert len({r.label() for r in runs}) > 15  # a few may coincide: 26 factors, 121 shifts
    # Asked for one thing, a run varies that thing only.
    volume_only = variation(drill, 101, ("volume",))
    assert volume_only.fault_shift_minutes is None and volume_only.volume_factor == runs[1].volume_factor
    assert variation(drill, 101, ()).label() == "seed only"


def test_volume_scales_the_message_counts_only() -> None:
    drill = load_drill(ROOT / "drills" / "luccs-full-down.yaml")
    for seed in range(50):
        v = variation(drill, seed, ("volume",))
        assert v.volume_factor is not None and 0.5 <= v.volume_factor <= 3.0
        counts = dict(v.traffic)
        assert set(counts) == {"consignments", "lu_declarations"}  # no exports or Delta: none in this drill
        assert counts["lu_declarations"] == max(1, round(160 * v.volume_factor))
        assert all(isinstance(n, int) and n >= 1 for n in counts.values())
    tiny = drill.model_copy(update={"traffic": drill.traffic.model_copy(update={"consignments": 1})})
    assert all(dict(variation(tiny, s, ("volume",)).traffic)["consignments"] >= 1 for s in range(20))


def test_faults_move_together_and_stay_inside_the_drill(tmp_path: Path) -> None:
    drill = load_drill(ROOT / "drills" / "ecs-operator-down-switching.yaml")  # two faults at once
    origin = drill.run_config().start
    end = origin + timedelta(hours=drill.duration_hours)
    for seed in range(40):
        v = variation(drill, seed, ("fault-start",))
        assert v.fault_shift_minutes is not None and -60 <= v.fault_shift_minutes <= 60
        assert len({start for _, start, _ in v.fault_starts}) == 1
        path = tmp_path / f"s{seed}.yaml"
        path.write_text(variant_text((ROOT / "drills" / "ecs-operator-down-switching.yaml").read_text(), v))
        moved = load_drill(path)
        for before, after in zip(drill.faults, moved.faults, strict=True):
            start, stop = after.span(origin)
            assert start - before.span(origin)[0] == timedelta(minutes=v.fault_shift_minutes)
            assert origin <= start and stop is not None and stop <= end
    # A fault already at the drill's start or end can only move inwards.
    at_start = (
        (ROOT / "drills" / "luccs-full-down.yaml")
        .read_text()
        .replace("start: 1h ", "start: 0s ")
        .replace("duration: 1h", "end: 5h")
    )
    path = tmp_path / "edges.yaml"
    path.write_text(at_start)
    edges = load_drill(path)
    assert {variation(edges, s, ("fault-start",)).fault_shift_minutes for s in range(20)} == {0}


def test_a_variant_file_is_the_drill_file_with_its_fields_changed(tmp_path: Path) -> None:
    source = ROOT / "drills" / "luccs-full-down.yaml"
    drill = load_drill(source)
    v = variation(drill, 4242, ("volume", "fault-start"))
    text = variant_text(source.read_text(), v)
    assert text.startswith("# LUCCS-FULL-DOWN") and "# a little ICS2 traffic goes on beside" in text
    path = tmp_path / "v.yaml"
    path.write_text(text)
    moved = load_drill(path)
    assert moved.seed == 4242
    assert moved.traffic.lu_declarations == dict(v.traffic)["lu_declarations"]
    assert moved.model_copy(update={"seed": drill.seed, "traffic": drill.traffic, "faults": drill.faults}) == drill
    # Fields the file leaves to their defaults are added, whatever the layout.
    bare = "drill: bare\ntitle: no seed, no traffic block\n"
    v = variation(load_drill(_write(tmp_path / "bare.yaml", bare)), 7, ("volume",))
    assert (
        load_drill(_write(tmp_path / "bare7.yaml", variant_text(bare, v))).traffic.consignments
        == dict(v.traffic)["consignments"]
    )
    flow = "{drill: flow, title: one line, seed: 3, traffic: {consignments: 20}}\n"
    v = variation(load_drill(_write(tmp_path / "flow.yaml", flow)), 9, ("volume",))
    assert load_drill(_write(tmp_path / "flow9.yaml", variant_text(flow, v))).seed == 9


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_every_shipped_drill_takes_every_variation(tmp_path: Path) -> None:
    for source in shipped_drills():
        drill = load_drill(source)
        for seed in (1, 2):
            path = tmp_path / f"{source.stem}-{seed}.yaml"
            path.write_text(variant_text(source.read_text(), variation(drill, seed, ("volume", "fault-start"))))
            assert load_drill(path).seed == seed


def test_offsets_and_vary_items() -> None:
    assert format_offset(timedelta(hours=2, minutes=23)) == "2h23m"
    assert format_offset(timedelta(minutes=45, seconds=30)) == "45m30s"
    assert format_offset(timedelta(0)) == "0s"
    assert parse_vary("volume, fault-start,volume") == ("volume", "fault-start")
    with pytest.raises(ValueError, match="unknown item 'speed'"):
        parse_vary("volume,speed")


# --- bad input, no broker --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["no-such-drill", "--seeds", "2"], "no-such-drill: neither a drill file nor a shipped drill"),
        (["luccs-full-down", "--seeds", "0"], "--seeds must be at least 1, got 0"),
        (["luccs-full-down", "--seeds", "2", "--vary", "volume,speed"], "--vary: unknown item 'speed'"),
        (["luccs-full-down", "--seeds", "2", "--jobs", "0"], "--jobs must be at least 1"),
        (["luccs-full-down", "--seeds", "2", "--from", "-3"], "--from must be a seed of 0 or more"),
        (["--seeds", "2"], "name a drill (FILE|NAME), several, or give --all"),
        (["luccs-full-down", "--all", "--seeds", "2"], "give drills or --all, not both"),
    ],
    ids=["unknown-drill", "no-seeds", "unknown-vary", "no-jobs", "negative-from", "no-drill", "drills-and-all"],
)
def test_bad_input_is_one_line(args: list[str], said: str, tmp_path: Path) -> None:
    done = _sweep([*args, "--out", str(tmp_path / "out")])
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert said in done.stderr
    assert not (tmp_path / "out" / "sweep.json").exists()


# --- runs on the session's broker ------------------------------------------------------------


def test_a_positive_drill_passes_on_every_seed(settings: ClientSettings, tmp_path: Path) -> None:
    drill = _small("luccs-full-down", tmp_path)
    out = tmp_path / "out"
    done = _sweep([str(drill), "--seeds", "2", "--from", "4242", "--jobs", "2", "--vary", "volume,fault-start",
                   "--out", str(out)], settings)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    doc = _doc(out / "sweep.json")
    assert doc["seeds"] == [4242, 4243] and doc["as_declared"] == 2 and doc["vary"] == ["volume", "fault-start"]
    assert "drill sweep" in doc["command"]
    rows = doc["rows"]
    assert [r["seed"] for r in rows] == [4242, 4243]
    expected = [variation(load_drill(drill), s, ("volume", "fault-start")).label() for s in (4242, 4243)]
    assert [r["variation"] for r in rows] == expected
    for r in rows:
        assert r["verdict"] == "pass" and r["failed"] == [] and r["expectation_met"] and r["repro"] == ""
        assert (Path(r["out"]) / "summary.json").exists()
        assert load_drill(Path(r["file"])).seed == r["seed"]  # kept, and runs again as it ran
        assert r["variation"] in done.stdout
    assert "2 runs, 2 as declared, 0 not" in done.stdout


def test_a_negative_drill_fails_exactly_its_staged_checks(settings: ClientSettings, tmp_path: Path) -> None:
    drill = _small("luccs-full-down-unadvised-operators", tmp_path)
    json_file = tmp_path / "elsewhere" / "rows.json"
    done = _sweep([str(drill), "--seeds", "2", "--from", "77", "--jobs", "2", "--out", str(tmp_path / "out"),
                   "--json", str(json_file)], settings)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    rows = _doc(json_file)["rows"]
    assert len(rows) == 2
    for r in rows:
        assert r["verdict"] == "fail" and r["expectation_met"] and r["exit_code"] == 1
        assert r["failed"] == ["LUCCS-FULL-DOWN#2", "LUCCS-FULL-DOWN#3"]
        assert r["variation"] == "seed only"


def test_a_run_not_as_declared_fails_the_sweep_with_its_rerun_command(settings: ClientSettings, tmp_path: Path) -> None:
    # The compliant drill cannot fail #2: an expectation that it does is never met.
    drill = _small("luccs-full-down", tmp_path, expect_fail='["LUCCS-FULL-DOWN#2"]')
    out = tmp_path / "out"
    done = _sweep([str(drill), "--seeds", "2", "--from", "5", "--jobs", "2", "--out", str(out)], settings)
    assert done.returncode == 1, done.stdout + done.stderr
    rows = _doc(out / "sweep.json")["rows"]
    assert [r["expectation_met"] for r in rows] == [False, False]
    for r in rows:
        assert (
            r["repro"]
            == f"secours drill run {out}/runs/luccs-full-down-s{r['seed']}.yaml --bootstrap {settings.bootstrap}"
        )
        assert f"rerun: {r['repro']}" in done.stdout
    assert "2 runs, 0 as declared, 2 not" in done.stdout


def test_several_drills_on_the_same_fresh_seeds_in_one_sweep(settings: ClientSettings, tmp_path: Path) -> None:
    """The long sweep's form (``--all`` is every shipped drill): seeds drawn at random and printed first,
    the same for every drill; a table and a line per drill, a total, one sweep.json."""
    positive = _small("luccs-full-down", tmp_path)
    negative = _small("luccs-full-down-unadvised-operators", tmp_path)
    out = tmp_path / "out"
    done = _sweep([str(positive), str(negative), "--seeds", "2", "--jobs", "2", "--out", str(out)], settings)
    assert done.returncode == 0, done.stdout + done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("seeds (drawn at random): ")
    seeds = [int(x) for x in first.split(": ", 1)[1].split(", ")]
    doc = _doc(out / "sweep.json")
    assert doc["seeds"] == seeds and doc["runs"] == 4 and doc["as_declared"] == 4
    assert [d["drill"] for d in doc["drills"]] == ["luccs-full-down", "luccs-full-down-unadvised-operators"]
    for d in doc["drills"]:
        assert [r["seed"] for r in d["rows"]] == seeds and all(r["expectation_met"] for r in d["rows"])
    assert "luccs-full-down (every check passes): 2 runs, 2 as declared, 0 not" in done.stdout
    assert "2 drills, 4 runs, 4 as declared, 0 not" in done.stdout
