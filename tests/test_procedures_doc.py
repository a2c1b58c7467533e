"""docs/procedures.md: generated from the oracle's registry and the drills, and kept true to them.
No broker needed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from secours.cli.main import main
from secours.contract.procedures import REGENERATE, SCENARIO_DOCS, ProceduresDocError, procedures_markdown
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
