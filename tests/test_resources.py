"""The data the package reads (topics, schemas, shipped drills) is found from any directory, and a
shipped drill is named by its name. (CI also installs the built wheel outside the checkout.)"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from secours.cli.main import main
from secours.resources import drill_file, drills_dir, package_version, schemas_dir, shipped_drills, topics_file


def test_the_data_is_found_whatever_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert topics_file().is_file() and (schemas_dir() / "eu.ics2.IE3F10.avsc").is_file()
    assert (drills_dir() / "baseline.yaml").is_file()
    assert "baseline" in {p.stem for p in shipped_drills()}


def test_a_shipped_drill_is_named_by_its_name_and_a_file_by_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert drill_file("baseline") == drills_dir() / "baseline.yaml"
    own = tmp_path / "baseline"  # a file of the user's own wins over the shipped name
    own.write_text("drill: mine\ntitle: t\n")
    assert drill_file("baseline") == Path("baseline")
    own.unlink()
    with pytest.raises(argparse.ArgumentTypeError, match="neither a drill file nor a shipped drill"):
        drill_file("no-such-drill")
    with pytest.raises(argparse.ArgumentTypeError, match="no such drill file"):
        drill_file("some/where.yaml")
    assert main(["drill", "validate", "ics2-eu-sti-down"]) == 0
    assert "valid drill 'ics2-eu-sti-down'" in capsys.readouterr().out


def test_the_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"secours {package_version()}"
