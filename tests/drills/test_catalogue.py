"""``secours drill run-all``: several drills at once on the session's broker, each as it declares."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from secours.bus.settings import ClientSettings
from secours.drills.catalogue import exclusive

ROOT = Path(__file__).resolve().parents[2]


def test_broker_and_network_faults_need_a_broker_of_their_own(tmp_path: Path) -> None:
    assert not exclusive(ROOT / "drills" / "ics2-eu-sti-down.yaml")
    drill = (ROOT / "drills" / "ics2-eu-sti-down.yaml").read_text()
    faulted = (
        drill.split("faults:")[0] + "faults:\n  - id: pause\n    kind: broker_pause\n    start: 1h\n    duration: 5m\n"
    )
    path = tmp_path / "paused.yaml"
    path.write_text(faulted)
    assert exclusive(path)


def test_run_all_runs_drills_side_by_side(settings: ClientSettings, tmp_path: Path) -> None:
    # Two of the lightest drills, one positive and one negative: two at once must not make either late.
    files = [ROOT / "drills" / "luccs-full-down.yaml", ROOT / "drills" / "luccs-b2g-eo-down-silent-operator.yaml"]
    out = tmp_path / "cat.json"
    command = [
        sys.executable, "-m", "secours.cli.main", "drill", "run-all", *map(str, files), "--jobs", "2",
        "--bootstrap", settings.bootstrap, "--prefix", settings.prefix, "--out", str(tmp_path / "out"),
        "--json", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    doc = json.loads(out.read_text())
    runs = {r["drill"]: r for r in doc["runs"]}
    negative = runs["luccs-b2g-eo-down-silent-operator"]
    assert set(runs) == {"luccs-full-down", "luccs-b2g-eo-down-silent-operator"}
    assert negative["verdict"] == "fail" and negative["exit_code"] == 1
    assert runs["luccs-full-down"]["verdict"] == "pass" and runs["luccs-full-down"]["exit_code"] == 0
    assert all(r["expectation_met"] for r in runs.values())
    assert (tmp_path / "out" / "luccs-full-down" / "summary.json").exists()
    assert "2 drills, 2 as expected, 0 not" in done.stdout


def test_run_all_refuses_a_bad_drill_file_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("drill: [unclosed\n")
    command = [sys.executable, "-m", "secours.cli.main", "drill", "run-all", str(bad), "--bootstrap", "127.0.0.1:1"]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
