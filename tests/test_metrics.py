"""`--metrics`: a Prometheus endpoint served while a drill runs, and one-line errors when it cannot be."""

from __future__ import annotations

import socket
import urllib.request

from tests.test_cli import secours


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _clock(port: int) -> float | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None  # not listening yet, or already stopped
    for line in text.splitlines():
        if line.startswith("secours_sim_clock_seconds "):
            return float(line.split()[1])
    return None


def test_a_port_in_use_is_a_one_line_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        result = secours("drill", "run", "baseline", "--metrics", str(s.getsockname()[1]), "--bootstrap", "x:1")
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "cannot listen" in result.stderr
