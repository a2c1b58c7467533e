"""Test session setup: one real broker for the whole session, a fresh topic prefix per test.

The suite runs on two workers (pytest-xdist, ``-n 2`` in pyproject.toml), each a session of its own
with its own broker: tests never share topics, so they may run side by side. A worker takes a
whole module at a time (module fixtures run once), and the modules that run drills two at a time
go together, first: one worker runs them while the other takes the tests that mostly wait
(brokers restarting, wall-clock runs), instead of four drills on two cores.

Which broker: ``--broker kafka|tansu|auto`` (or ``SECOURS_TEST_BROKER``); ``auto`` (the default)
takes Apache Kafka when Java and Maven are there, Tansu otherwise. ``--bootstrap HOST:PORT`` (or
``SECOURS_BOOTSTRAP``) uses an existing cluster instead. Never a mock of Kafka.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling

from secours.bus.brokers import RunningBroker, java_available, start_broker
from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings, fetch_on_demand_for, fetch_wait_for


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--broker",
        default=os.environ.get("SECOURS_TEST_BROKER", "auto"),
        choices=("auto", "kafka", "tansu"),
        help="broker the tests start",
    )
    parser.addoption("--bootstrap", default=os.environ.get("SECOURS_BOOTSTRAP"), help="use this cluster instead")


# Modules that each run drills two at a time (`secours drill run-all --jobs 2`): one unit of work.
_TWO_AT_A_TIME = ("tests/drills/test_shipped_drills.py", "tests/drills/test_seed_variants.py")


class _ByModule(LoadScopeScheduling):
    """xdist's scheduling by scope (largest first), with a module as the scope, and the modules
    that run drills two at a time as one scope between them."""

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        return "drills two at a time" if module in _TWO_AT_A_TIME else module


def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> LoadScopeScheduling | None:
    """Ours in place of xdist's default (``-n N`` alone); a ``--dist`` given by hand is xdist's own."""
    return _ByModule(config, log) if config.getvalue("dist") == "load" else None


@dataclass(frozen=True)
class SessionBroker:
    kind: str
    bootstrap: str
    process: RunningBroker | None

    def cli_env(self) -> dict[str, str]:
        """What a `secours` command given this cluster by ``--bootstrap`` needs to read it as its kind:
        an address alone is read as Apache Kafka's, whose waiting fetches a stepped run on Tansu never
        sees answered (`secours broker start --kind tansu` prints the same export)."""
        return {"SECOURS_FETCH_ON_DEMAND": "1"} if self.kind == "tansu" else {}


@pytest.fixture(scope="session")
def broker(request: pytest.FixtureRequest) -> Iterator[SessionBroker]:
    bootstrap = request.config.getoption("--bootstrap")
    if bootstrap:
        yield SessionBroker("external", bootstrap, None)
        return
    kind = request.config.getoption("--broker")
    if kind == "auto":
        kind = "kafka" if java_available() else "tansu"
    running = start_broker(kind)
    try:
        yield SessionBroker(kind, running.bootstrap, running)
    finally:
        running.stop()


@pytest.fixture
def prefix() -> str:
    """A topic prefix of this test's own, so tests never see each other's records."""
    return f"t{uuid.uuid4().hex[:10]}."


def settings_for(broker: SessionBroker, prefix: str) -> ClientSettings:
    """Client settings for the session's broker under ``prefix``, tuned to its kind."""
    return ClientSettings(
        bootstrap=broker.bootstrap,
        prefix=prefix,
        fetch_max_wait_ms=fetch_wait_for(broker.kind),
        fetch_on_demand=fetch_on_demand_for(broker.kind),
    )


@pytest.fixture
def settings(broker: SessionBroker, prefix: str) -> Iterator[ClientSettings]:
    """Client settings for this test's prefix; its topics are deleted afterwards, so a long
    session does not leave a single-node broker carrying thousands of dead topics."""
    settings = settings_for(broker, prefix)
    yield settings
    if broker.process is not None:  # never delete anything on a cluster we were only lent
        with contextlib.suppress(Exception):  # a broker a test stopped or broke on purpose
            asyncio.run(asyncio.wait_for(KafkaBus(settings).delete_prefixed_topics(), 30))


def pytest_report_header(config: pytest.Config) -> str:
    return f"secours broker: {config.getoption('--bootstrap') or config.getoption('--broker')}"
