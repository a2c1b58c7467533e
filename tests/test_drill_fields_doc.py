"""docs/drill-fields.md: every field a drill file takes, generated from the models and kept true to them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from secours.contract.drillfields import REGENERATE, drill_fields_markdown
from secours.drills.model import Drill
from secours.world.config import Params, Traffic

DOC = Path(__file__).resolve().parents[1] / "docs" / "drill-fields.md"


def test_committed_document_is_what_the_generator_produces() -> None:
    assert DOC.is_file(), f"docs/drill-fields.md is missing: run `{REGENERATE}`"
    assert DOC.read_text(encoding="utf-8") == drill_fields_markdown(), f"docs/drill-fields.md is stale: `{REGENERATE}`"


def test_every_field_of_a_drill_file_has_a_row() -> None:
    text = drill_fields_markdown()
    expected = [*(f"`{n}`" for n in Drill.model_fields if n not in ("traffic", "params", "procedure"))]
    expected += [f"`traffic.{n}`" for n in Traffic.model_fields]
    expected += [f"`params.{n}`" for n in Params.model_fields]
    missing = [name for name in expected if f"| {name} |" not in text]
    assert not missing, missing
    assert text.count("| `params.") == len(Params.model_fields)  # each family's own fields, once


def test_a_staged_lapse_list_shows_its_choices() -> None:
    row = next(
        line for line in drill_fields_markdown().splitlines() if line.startswith("| `params.ecs_careless_office`")
    )
    assert "list of `stamp` \\| `notice`" in row  # the choices, escaped for the table


def test_the_command_prints_and_writes(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "secours.cli.main", "drill", "fields"]
    printed = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    assert printed == drill_fields_markdown()
    out = tmp_path / "fields.md"
    subprocess.run([*cmd, "--out", str(out)], check=True, capture_output=True, text=True)
    assert out.read_text(encoding="utf-8") == printed
    bad = subprocess.run([*cmd, "--out", str(tmp_path / "no" / "such.md")], check=False, capture_output=True, text=True)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "cannot write" in bad.stderr
