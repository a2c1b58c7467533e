"""The command line as a user meets it: exit codes, one-line errors, a drill run and its summary."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from secours.drills.journal import journal_lines
from tests.conftest import SessionBroker

ROOT = Path(__file__).resolve().parents[1]


def secours(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "secours.cli.main", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("drill", "run", "no/such/file.yaml"), "no such drill file"),
        (("drill", "validate", "pyproject.toml"), "invalid YAML"),
        (("run", "--only", "customs_teleporter"), "unknown service 'customs_teleporter'"),
        (("drill", "sing"), "invalid choice"),
        (("broker", "start", "--kind", "zookeeper"), "invalid choice"),
        (("run", "--metrics", "nine"), "expected [HOST:]PORT"),
        (("drill", "run", "baseline", "--metrics", "70000"), "port must be between 1 and 65535"),
        (("drill", "run", "baseline", "--metrics", ":9100"), "a host is needed"),
        (("run", "--human", "edi_provider:P001"), "give --ui and --drill too"),
        (("run", "--drill", "baseline", "--ui", "8089", "--human", "edi_provider:P404"), "no EDI provider 'P404'"),
        (("run", "--drill", "baseline", "--ui", "8089", "--human", "olga:desk"), "only these actors' desks"),
        (
            ("run", "--drill", "baseline", "--ui", "8089", "--without", "edi_provider", "--human", "edi_provider:P001"),
            "its service must run here",
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    result = secours(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_invalid_field_names_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("drill: bad\ntitle: t\ntraffic:\n  consignments: 10\n  ferry_share: 3\n")
    result = secours("drill", "validate", str(bad))
    assert result.returncode == 2
    assert f"{bad}:5: field traffic.ferry_share" in result.stderr


def test_drill_list_shows_the_baseline() -> None:
    result = secours("drill", "list", "--json")
    assert result.returncode == 0
    assert "baseline" in {d["drill"] for d in json.loads(result.stdout)}


def _small_drill(tmp_path: Path, **params: object) -> Path:
    lines = [
        "drill: small",
        "title: small day",
        "seed: 5",
        "speed: 3000",
        "duration_hours: 10",
        "traffic: {consignments: 150, providers: 2, traders: 8, first_arrival_hour: 4, last_arrival_hour: 9}",
    ]
    # At 3,000x five simulated minutes of monitoring silence are a tenth of a wall second: a busy
    # machine's stall would raise alerts no fault caused. People notice only after 2 h here.
    params = {"detect_self_s": 7200, "detect_no_receipt_span_s": 7200} | params
    lines.append("params: " + json.dumps(params))
    path = tmp_path / "small.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _run_small(
    tmp_path: Path, broker: SessionBroker, prefix: str, **params: object
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    out = tmp_path / "out"
    result = secours(
        "drill", "run", str(_small_drill(tmp_path, **params)), "--out", str(out), "--bootstrap", broker.bootstrap,
        "--prefix", prefix, "--no-progress", env=broker.cli_env(),
    )  # fmt: skip
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text())
    return result, summary


def test_drill_run_writes_summary_and_exits_0(tmp_path: Path, broker: SessionBroker, prefix: str) -> None:
    result, summary = _run_small(tmp_path, broker, prefix)
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary["drill"] == "small" and summary["verdict"] == "pass"
    counts = summary["counts"]
    assert counts["consignments"] == counts["ens_lodged"] == counts["mrn_issued"] == 150
    assert counts["duplicate_mrn"] == 0 and counts["ens_missing_at_arrival"] == 0
    assert counts["lanes_green"] + counts["lanes_orange"] == 150
    for key in ("filing_to_mrn_wall_ms", "filing_to_mrn_sim_s"):
        assert set(summary["latency"][key]) == {"p50", "p95", "p99"}
        assert summary["latency"][key]["p50"] > 0
    assert summary["wall_seconds"] > 0
    assert summary["run"]["clock"] == "stepped" and summary["run"]["steps"] > 0
    assert "<dt>Clock</dt><dd>stepped:" in (tmp_path / "out" / "report.html").read_text()
    lines = journal_lines(tmp_path / "out")
    assert len(lines) == summary["records"]


def test_a_second_run_on_the_topics_of_an_earlier_one_is_refused(
    tmp_path: Path, broker: SessionBroker, prefix: str
) -> None:
    """Its services would read the earlier run's records as their own: one line, exit 2."""
    first, _ = _run_small(tmp_path, broker, prefix)
    assert first.returncode == 0, first.stdout + first.stderr
    again = secours(
        "drill", "run", str(tmp_path / "small.yaml"), "--out", str(tmp_path / "again"), "--bootstrap",
        broker.bootstrap, "--prefix", prefix, "--no-progress", env=broker.cli_env(),
    )  # fmt: skip
    assert again.returncode == 2, again.stdout + again.stderr
    assert "hold an earlier run" in again.stderr and f"prefix {prefix!r}" in again.stderr
    assert "Traceback" not in again.stderr and len(again.stderr.strip().splitlines()) == 1


def test_drill_run_exits_1_when_ens_are_late(tmp_path: Path, broker: SessionBroker, prefix: str) -> None:
    """Data ready only seconds before arrival: MRNs cannot precede arrival, so the verdict is fail."""
    result, summary = _run_small(tmp_path, broker, prefix, lead_time_h=[0.0, 0.002])
    assert result.returncode == 1, result.stdout + result.stderr
    assert summary["verdict"] == "fail"
    assert summary["counts"]["ens_missing_at_arrival"] > 0
    assert summary["problems"]


def test_a_term_stops_a_process_started_in_the_background(tmp_path: Path, broker: SessionBroker, prefix: str) -> None:
    """A shell without job control starts background jobs with Ctrl-C ignored: TERM must still stop
    them, with the clean-up of an interrupt (exit 130), instead of leaving them running."""
    command = [sys.executable, "-m", "secours.cli.main", "drill", "run", "drills/baseline.yaml", "--no-progress",
               "--bootstrap", broker.bootstrap, "--prefix", prefix, "--out", str(tmp_path / "out")]  # fmt: skip
    in_background = ["sh", "-c", 'trap "" INT; exec "$0" "$@"', *command]  # as a script's `command &` starts it
    env = {**os.environ, **broker.cli_env()}
    with subprocess.Popen(in_background, cwd=ROOT, stderr=subprocess.PIPE, text=True, env=env) as proc:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=4)  # the drill under way
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err[-2000:]


def test_a_drill_on_the_broker_started_by_broker_start_reads_it_as_tansu(tmp_path: Path) -> None:
    """`secours broker start --kind tansu` then `drill run --bootstrap ADDRESS`: the address is that
    broker's, so the run reads it as Tansu without the export the start printed (read as Apache
    Kafka's, a stepped run's waiting fetches would never be answered and the run would hang)."""
    env = {"SECOURS_CACHE": str(tmp_path / "cache"), "SECOURS_FETCH_ON_DEMAND": ""}
    started = secours("broker", "start", "--kind", "tansu", "--json", env=env)
    assert started.returncode == 0, started.stderr
    bootstrap = json.loads(started.stdout.splitlines()[0])["bootstrap"]
    try:
        out = tmp_path / "out"
        result = secours(
            "drill", "run", str(_small_drill(tmp_path)), "--out", str(out), "--bootstrap", bootstrap, "--no-progress",
            env=env, timeout=180,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        summary = json.loads((out / "summary.json").read_text())
        assert summary["run"]["broker"] == "tansu" and summary["verdict"] == "pass"
    finally:
        assert secours("broker", "stop", "--kind", "tansu", env=env).returncode == 0
