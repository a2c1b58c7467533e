"""Every drill shipped in drills/ runs on the session's real broker and ends as it declares:
an ordinary drill passes every check; a negative drill fails exactly the checks it stages.
Its saved journal, checked again without a broker, gives the same verdicts.

The catalogue runs once, as a user runs it (``secours drill run-all --jobs 2``, each drill a
process of its own on the session's broker); each drill's test then reads what its run left.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from secours.bus.settings import ClientSettings
from secours.cli.drill import shipped_drills
from secours.drills.checking import check_journal
from secours.drills.journal import journal_lines
from secours.drills.model import load_drill
from secours.drills.runner import run_drill
from secours.ids import DA_ID_RE, OFFICE_RE, is_valid_mrn
from tests.conftest import SessionBroker, settings_for

DRILLS = shipped_drills()


def test_the_engine_drills_are_shipped() -> None:
    names = {p.stem for p in DRILLS}
    assert {"baseline", "ics2-eu-national-down", "lost-arrival-answers"} <= names


@pytest.fixture(scope="module")
def catalogue(broker: SessionBroker, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The whole catalogue, two drills at a time: its output folder and ``--json`` (runs by file)."""
    out = tmp_path_factory.mktemp("catalogue")
    settings = settings_for(broker, f"t{uuid.uuid4().hex[:10]}.")
    command = [
        sys.executable, "-m", "secours.cli.main", "drill", "run-all", *map(str, DRILLS), "--jobs", "2",
        "--bootstrap", settings.bootstrap, "--prefix", settings.prefix, "--out", str(out / "runs"),
        "--json", str(out / "catalogue.json"),
    ]  # fmt: skip
    env = {**os.environ, **settings.env()}
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=1800, env=env)
    assert (out / "catalogue.json").exists(), done.stdout + done.stderr
    runs = json.loads((out / "catalogue.json").read_text())["runs"]
    return out / "runs", {r["file"]: r for r in runs}


@pytest.mark.parametrize("path", DRILLS, ids=lambda p: p.stem)
def test_shipped_drill(path: Path, catalogue: tuple[Path, dict[str, Any]]) -> None:
    drill = load_drill(path)
    runs, by_file = catalogue
    run = by_file[str(path)]
    assert not run["error"], run["error"]
    tmp_path = runs / path.stem
    s = json.loads((tmp_path / "summary.json").read_text())
    failed = {c["id"] for c in s["checks"] if c["status"] == "fail"}
    # A staged warning-level check shows as a warning, not a failure (secours.drills.outcome.shown_checks).
    shown = failed | {c["id"] for c in s["checks"] if c["status"] == "warn" and c["id"] in drill.expect_fail}
    unexpected = [
        f"{c['id']}: {c['message']} [" + "; ".join(f"{e.get('time')} {e.get('note')}" for e in c["evidence"][:3]) + "]"
        for c in s["checks"]
        if c["status"] == "fail" and c["id"] not in (*drill.expect_fail, *drill.may_fail)
    ]
    assert drill.meets(shown), (unexpected, s.get("problems"))
    assert s["expectation_met"] is True
    assert s["verdict"] == ("fail" if failed else "pass")
    assert run["exit_code"] == (1 if failed else 0)
    for c in s["checks"]:
        if c["status"] == "fail":
            assert c["evidence"], f"{c['id']} failed without evidence"
            assert c["expected_failure"]

    # The same verdicts from the journal alone.
    again, code = check_journal(tmp_path, tmp_path / "check")  # the run folder: its journal.jsonl.gz
    assert code == run["exit_code"]
    assert [(c["id"], c["status"]) for c in again["checks"]] == [(c["id"], c["status"]) for c in s["checks"]]
    assert again["timings"] == s["timings"] and again["counts"] == s["counts"]
    assert again["run"]["clock"] == s["run"]["clock"] == "stepped"

    _identifiers_as_specified(tmp_path / "journal.jsonl.gz")

    # junit.xml: one testcase per check, failures and skips counted as the summary says.
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    assert int(suite.get("tests", "-1")) == len(s["checks"]) == len(suite.findall("testcase"))
    assert int(suite.get("failures", "-1")) == len(failed)
    skipped = sum(c["status"] == "not_exercised" for c in s["checks"])
    assert int(suite.get("skipped", "-1")) == skipped
    html = (tmp_path / "report.html").read_text()
    assert 'id="timeline"' in html and 'id="checklist"' in html
    assert json.loads((tmp_path / "summary.json").read_text())["drill"] == drill.drill


def _identifiers_as_specified(journal: Path) -> None:
    """DA numbers, MRNs and the offices the simulated actors write have the forms of DOMAIN.md §3."""
    for line in journal_lines(journal):
        if '"olga.da"' not in line and '"IE3R01"' not in line:
            continue
        record = json.loads(line)
        data = record["data"]
        if record["ce_type"] == "olga.da":
            assert DA_ID_RE.match(data["da_id"]), data["da_id"]
            assert data["entry_office"] == "" or OFFICE_RE.match(data["entry_office"]), data["entry_office"]
        elif record["ce_type"] == "IE3R01":
            assert is_valid_mrn(data["mrn"]), data["mrn"]


async def test_faults_start_and_end_are_recorded(settings: ClientSettings, tmp_path: Path) -> None:
    drill = load_drill(next(p for p in DRILLS if p.stem == "ics2-eu-national-down"))
    drill = drill.model_copy(update={"traffic": drill.traffic.model_copy(update={"consignments": 120})})
    result = await run_drill(drill, settings, tmp_path, progress=False)
    assert result.summary["timings"]["time_to_recover_s"] == 3600.0
    assert result.summary["timings"]["backlog_drained_s"] is not None
    lines = [json.loads(line) for line in journal_lines(tmp_path)]
    phases = {(x["data"]["fault_id"], x["data"]["phase"]) for x in lines if x["ce_type"] == "fault.event"}
    assert phases == {("national-queue", "START"), ("national-queue", "END")}
    nes_times = [x["time"] for x in lines if x["source"] == "ics2_nes_fr"]
    assert not [t for t in nes_times if "2026-03-02T07:1" in t or "2026-03-02T07:2" in t]  # silent while down
