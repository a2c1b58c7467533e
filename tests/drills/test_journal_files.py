"""A run folder's journal is gzip-compressed by default and plain on request; `drill check` reads
either, told apart by content, given as the file or as the run folder. No broker needed: the
journal of a run is rewritten in both forms."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from secours.cli.main import main
from secours.drills.journal import JOURNAL, PLAIN_JOURNAL, journal_in, journal_lines, open_journal, read_journal
from secours.errors import UsageError

LINE = (
    '{"topic": "ops.health", "partition": 0, "offset": 0, "wall_ms": 1, "key": "k", "ce_id": "i", '
    '"ce_type": "ops.heartbeat", "source": "s", "time": "2026-03-02T04:00:00.000Z", "subject": "", '
    '"data": {"component": "s", "at": "2026-03-02T04:00:00.000Z"}}'
)


@pytest.mark.parametrize("compress", [True, False])
def test_both_forms_are_written_and_read_alike(tmp_path: Path, compress: bool) -> None:
    with open_journal(tmp_path, compress=compress) as out:
        out.write(LINE + "\n" + LINE + "\n")
    name = JOURNAL if compress else PLAIN_JOURNAL
    assert journal_in(tmp_path) == tmp_path / name
    assert (tmp_path / name).read_bytes()[:2] == (b"\x1f\x8b" if compress else b'{"')
    assert journal_lines(tmp_path) == [LINE, LINE]
    assert [e.ce_type for e in read_journal(tmp_path / name)] == ["ops.heartbeat"] * 2
    # Told apart by content, not by name: a compressed journal renamed still reads.
    renamed = tmp_path / "renamed.jsonl"
    shutil.copy(tmp_path / name, renamed)
    assert len(list(read_journal(renamed))) == 2


def test_a_compressed_journal_cut_short_is_a_one_line_error(tmp_path: Path) -> None:
    data = gzip.compress((LINE + "\n").encode() * 200)
    (tmp_path / JOURNAL).write_bytes(data[: len(data) // 2])
    with pytest.raises(UsageError, match="compressed journal cut short"):
        list(read_journal(tmp_path))
    with pytest.raises(UsageError, match=f"no {JOURNAL} or {PLAIN_JOURNAL}"):
        journal_in(_empty(tmp_path))


def _empty(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def test_check_refuses_what_is_not_a_journal_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.jsonl").write_text("not json\n")
    assert main(["drill", "check", str(tmp_path / "x.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a journal line" in err
