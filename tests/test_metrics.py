"""`--metrics`: a Prometheus endpoint served while a run goes on, whose figures follow the run, and
one-line errors when it cannot be served."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable

from prometheus_client.parser import text_string_to_metric_families

from secours.bus.brokers.ports import reserve_port
from tests.conftest import SessionBroker
from tests.test_cli import ROOT, secours

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _scrape(port: int) -> Samples | None:
    """Every sample served, by name and labels; None when nothing listens."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every series of ``name`` whose labels include ``labels``."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


def _sti_is(state: str) -> Callable[[Samples], bool]:
    return lambda m: _value(m, "secours_component_state", component="ics2_sti", state=state) == 1


def _until(port: int, what: str, ok: Callable[[Samples], bool], proc: subprocess.Popen[str], wait_s: float) -> Samples:
    deadline = time.monotonic() + wait_s
    last: Samples | None = None
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the run ended before {what}: {proc.communicate()[1][-2000:]}"
        last = _scrape(port)
        if last is not None and ok(last):
            return last
        time.sleep(0.5)
    raise AssertionError(f"not seen within {wait_s:.0f} s: {what}")


def test_a_live_run_serves_figures_that_follow_it(broker: SessionBroker, prefix: str) -> None:
    """A trainer's live run: the figures move with the traffic, and a fault injected from another
    shell turns its component down on the endpoint, then up again; the run ends by itself and the
    endpoint with it."""
    held = reserve_port()  # the endpoint's port, kept from other processes until the run listens on it
    port = held.getsockname()[1]
    where = ("--bootstrap", broker.bootstrap, "--prefix", prefix)
    run = [sys.executable, "-m", "secours.cli.main", "run", "--drill", "ics2-fr-s2-as-down", "--speed", "120"]
    proc = subprocess.Popen(
        [*run, "--hours", "1", "--metrics", str(port), *where],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = _until(
            port, "traffic handled", lambda m: _total(m, "secours_records_total", outcome="handled") > 0, proc, 90
        )
        assert _value(first, "secours_component_state", component="ics2_sti", state="up") == 1

        injected = secours("fault", "inject", "--kind", "down", "--component", "ics2_sti", "--duration", "20m", *where)
        assert injected.returncode == 0, injected.stderr
        down = _until(port, "ics2_sti down", _sti_is("down"), proc, 30)
        assert _value(down, "secours_component_state", component="ics2_sti", state="up") == 0
        assert _total(down, "secours_fault_active", kind="down", target="ics2_sti") == 1
        refused = _until(
            port,
            "pushes refused by the STI",
            lambda m: _total(m, "secours_records_total", service="ics2_sti", outcome="refused") > 0,
            proc,
            60,
        )
        back = _until(port, "ics2_sti up again", _sti_is("up"), proc, 60)
        # Everything counted went on growing: simulated time, records, ENS registered, handler time.
        for name, labels in [
            ("secours_sim_time_seconds", {}),
            ("secours_records_total", {"outcome": "handled"}),
            ("secours_published_total", {}),
            ("secours_handler_seconds_count", {}),
            ("secours_ens_total", {"event": "filed"}),
        ]:
            assert _total(back, name, **labels) > _total(first, name, **labels), name
        _until(port, "an ENS registered", lambda m: _value(m, "secours_ens_total", event="registered") > 0, proc, 60)
        assert _total(back, "secours_records_total", service="ics2_sti", outcome="refused") >= _total(
            refused, "secours_records_total", service="ics2_sti", outcome="refused"
        )
        assert any(n == "secours_consumer_lag" for n, _ in back), "no consumer lag served"

        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        assert _scrape(port) is None, "the endpoint outlived its run"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        held.close()


def test_a_port_in_use_is_a_one_line_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        result = secours("drill", "run", "baseline", "--metrics", str(s.getsockname()[1]), "--bootstrap", "x:1")
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "cannot listen" in result.stderr
