"""docs/procedures.md: generated from the oracle's registry and the drills, and kept true to them.
No broker needed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from secours.cli.drill import shipped_drills
from secours.cli.main import main
from secours.contract.procedures import REGENERATE, SCENARIO_DOCS, ProceduresDocError, procedures_markdown
from secours.drills.model import load_drill
from secours.drills.oracle import REGISTRY
from secours.drills.oracle.registry import Check
from secours.drills.reportdata import CheckOutcome

DOC = Path(__file__).resolve().parents[1] / "docs" / "procedures.md"


def _never_run(*_: object) -> CheckOutcome:
    raise AssertionError("the document never runs a check")


def test_committed_document_is_what_the_generator_produces() -> None:
    assert DOC.is_file(), f"docs/procedures.md is missing: run `{REGENERATE}`"
    assert DOC.read_text(encoding="utf-8") == procedures_markdown(), (
        f"docs/procedures.md is out of date with the oracle's registry or the drills: run `{REGENERATE}`"
    )


def test_every_check_appears_in_a_table_row() -> None:
    text = procedures_markdown()
    rows = set(re.findall(r"^\| `([^`]+)` \|", text, flags=re.MULTILINE))
    missing = sorted(set(REGISTRY) - rows)
    assert not missing, f"checks with no row in docs/procedures.md: {missing}"


def test_every_scenario_has_a_section() -> None:
    text = procedures_markdown()
    for scenario in SCENARIO_DOCS:
        assert f"\n### {scenario}\n" in text


def test_a_scenario_without_description_stops_the_generation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REGISTRY, "NEW-SCENARIO#1", Check("NEW-SCENARIO#1", "NEW-SCENARIO", "title", _never_run))
    with pytest.raises(ProceduresDocError, match=r"scenario NEW-SCENARIO \(check NEW-SCENARIO#1\) has no description"):
        procedures_markdown()


def test_a_scenario_only_applied_to_needs_a_description_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(SCENARIO_DOCS, "ECS-BS-LAND-EXIT")
    with pytest.raises(ProceduresDocError, match=r"ECS-BS-LAND-EXIT .* SCENARIO_DOCS"):
        procedures_markdown()


def test_cli_prints_and_writes_the_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["procedures"]) == 0
    assert capsys.readouterr().out == procedures_markdown()
    out = tmp_path / "procedures.md"
    assert main(["procedures", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == procedures_markdown()


def test_checks_json_lists_every_check_with_the_drills_that_stage_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    by_id = {c["id"]: c for c in doc["checks"]}
    assert set(by_id) == set(REGISTRY)
    staged: dict[str, set[str]] = {}
    for drill in map(load_drill, shipped_drills()):
        for check_id in drill.expect_fail:
            staged.setdefault(check_id, set()).add(drill.drill)
    for check_id, entry in by_id.items():
        assert set(entry["staged_in"]) == staged.get(check_id, set()), check_id
        assert not set(entry["staged_in"]) & set(entry["judged_in"]), check_id
        assert entry["title"] == REGISTRY[check_id].title
    assert by_id["G1"]["seed"] is None and by_id["E9"]["seed"].startswith("003_")
    assert doc["counts"] == {
        "checks": len(REGISTRY),
        "judged": sum(1 for c in by_id.values() if c["judged_in"]),
        "staged": len(staged.keys() & set(REGISTRY)),
    }
    # The document states the same count.
    assert f"{doc['counts']['staged']} are proven able to fail" in procedures_markdown().replace("\n", " ")


def test_checks_filters_and_refuses_an_unknown_scenario_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks", "--scenario", "ECS-BS-REINTEGRATION"]) == 0
    out = capsys.readouterr().out
    assert "ECS-BS-REINTEGRATION#1" in out and "E9" in out and "G1 " not in out
    assert main(["checks", "--unstaged", "--json"]) == 0
    assert all(not c["staged_in"] for c in json.loads(capsys.readouterr().out)["checks"])
    assert main(["checks", "--scenario", "NOPE"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--scenario NOPE" in err
