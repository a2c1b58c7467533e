"""A control key: only signed fault commands are applied; the others are refused and reported."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings
from secours.cloudevents import DLQ
from secours.codec import Codec
from secours.drills.engine import Simulation
from secours.errors import UsageError
from secours.faults.model import DownFault, Scope
from secours.faults.plane import FAULTS, command, command_record
from secours.faults.signing import control_key, sign, verify
from secours.wire import DeadLetter
from secours.world import RunConfig, Traffic

SECRET = "s3cret-trainer-key"


def test_key_from_the_environment_or_a_file(tmp_path: Path) -> None:
    assert control_key({}) is None
    assert control_key({"SECOURS_CONTROL_KEY": SECRET}) == SECRET.encode()
    keyfile = tmp_path / "key"
    keyfile.write_text(SECRET + "\n")
    assert control_key({"SECOURS_CONTROL_KEY_FILE": str(keyfile)}) == SECRET.encode()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SECOURS_CONTROL_KEY_FILE": "/nonexistent/key"}, "cannot read /nonexistent/key"),
        ({"SECOURS_CONTROL_KEY": SECRET, "SECOURS_CONTROL_KEY_FILE": "/k"}, "not both"),
    ],
)
def test_bad_key_settings_are_input_errors(environ: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message) as err:
        control_key(environ)
    assert SECRET not in str(err.value)


def test_signature_checks_value_and_key() -> None:
    sig = sign(b"k", b"value").decode()
    assert verify(b"k", b"value", sig)
    assert not verify(b"k", b"other value", sig)
    assert not verify(b"other key", b"value", sig)
    assert not verify(b"k", b"value", None)


def test_cli_with_an_unreadable_key_file_says_so_in_one_line() -> None:
    env = {"SECOURS_CONTROL_KEY_FILE": "/nonexistent/key", "PATH": "/usr/bin:/bin"}
    command_line = [sys.executable, "-m", "secours.cli.main", "fault", "inject", "--kind", "down"]
    done = subprocess.run(
        [*command_line, "--component", "ics2_sti", "--bootstrap", "127.0.0.1:1"],
        check=False, capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "secours: SECOURS_CONTROL_KEY_FILE: cannot read /nonexistent/key: No such file or directory"
    ]


async def _dead_letters(settings: ClientSettings, count: int) -> list[DeadLetter]:
    bus = KafkaBus(settings)
    await bus.start()
    codec = Codec()
    letters: list[DeadLetter] = []
    try:
        sub = await bus.subscribe(None, [DLQ])
        for _ in range(100):
            letters += [m for r in await sub.poll(0.1) if isinstance(m := codec.decode(r.value), DeadLetter)]
            if len(letters) >= count:
                break
    finally:
        await bus.stop()
    return letters


async def test_only_signed_commands_are_applied(
    settings: ClientSettings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SECOURS_CONTROL_KEY", SECRET)
    caplog.set_level(logging.DEBUG)
    config = RunConfig(traffic=Traffic(consignments=20, providers=1, traders=2))
    sim = Simulation(settings, config, [])  # the harness: applies commands and reports refusals
    await sim.start()
    bus = KafkaBus(settings)
    await bus.start()
    codec = Codec()
    try:
        for fault_id, key in (("f-signed", SECRET.encode()), ("f-unsigned", None), ("f-forged", b"guessed")):
            fault = DownFault(id=fault_id, scope=Scope(component="ics2_sti"), start="1h", duration="1h")
            cmd = command(fault, action="INJECT", fault_id=fault_id, issued_by="trainee", now=config.start)
            await bus.settle([await bus.publish(FAULTS, *command_record(cmd, codec, key))])
        assert sim.plane is not None
        for _ in range(100):
            if "f-signed" in sim.faults.faults and sim.plane.refused == 2:
                break
            await asyncio.sleep(0.1)
        assert set(sim.faults.faults) == {"f-signed"}
        assert sim.plane.refused == 2
        letters = await _dead_letters(settings, 2)
    finally:
        await bus.stop()
        await sim.stop()
    reasons = [letter.reason for letter in letters]
    assert len(reasons) == 2
    assert {r.split("(")[1].split(")")[0] for r in reasons} == {"INJECT f-forged", "INJECT f-unsigned"}
    assert all("from 'trainee' refused: no valid signature" in r for r in reasons)
    assert SECRET not in caplog.text and all(SECRET not in r for r in reasons)
