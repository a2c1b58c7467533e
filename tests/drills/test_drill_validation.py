"""A drill file whose fault could never happen is an input error, named with its file, line and field:
a drill must not pass without its outage ever happening."""

from __future__ import annotations

from pathlib import Path

import pytest

from secours.cli.main import main
from secours.drills.model import load_drill
from secours.errors import DrillFileError

DRILL = """drill: d
title: t
scenarios: [ICS2-EU-STI-DOWN]
duration_hours: 6
traffic: {consignments: 40, providers: 2, traders: 6}
faults:
  - id: sti-down
    kind: down
    scope: {component: ics2_sti}
    start: 2h
    duration: 1h
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "d.yaml"
    path.write_text(text)
    return path


def test_a_fault_inside_the_drill_loads(tmp_path: Path) -> None:
    assert load_drill(_file(tmp_path, DRILL)).faults[0].id == "sti-down"
    assert load_drill(_file(tmp_path, DRILL.replace("start: 2h", "start: 5h59m"))).faults


@pytest.mark.parametrize("start", ["6h", "7h", "2026-03-03T00:00:00Z"])
def test_a_fault_starting_at_or_after_the_end_is_refused(tmp_path: Path, start: str) -> None:
    path = _file(tmp_path, DRILL.replace("start: 2h", f'start: "{start}"'))
    with pytest.raises(DrillFileError, match=r"d\.yaml:10: field faults\[0\]\.start: fault sti-down starts at .*"
                       r"at or after the end of the drill \(6h\)"):  # fmt: skip
        load_drill(path)


def test_a_fault_on_a_component_the_drill_does_not_run_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, DRILL.replace("component: ics2_sti", "component: luccs"))
    with pytest.raises(DrillFileError, match=r"d\.yaml:9: field faults\[0\]\.scope\.component: fault sti-down: luccs "
                       r"does not run in this drill"):  # fmt: skip
        load_drill(path)


def test_the_command_says_it_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path, DRILL.replace("start: 2h", "start: 6h"))
    assert main(["drill", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "it would never happen" in err and "Traceback" not in err
