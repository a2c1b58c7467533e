"""Choosing the broker a command talks to.

Order: ``--bootstrap`` or ``SECOURS_BOOTSTRAP`` (an existing cluster), else a broker this
command starts itself (``--broker tansu`` by default: the embedded one, nothing to install) and
stops when it ends. An existing cluster is of unknown kind, read as Apache Kafka's would be, unless
it is the broker `secours broker start` left running on this machine: that one's kind is known.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secours.bus.brokers import RunningBroker, start_broker
from secours.bus.brokers.ports import reserve_port
from secours.bus.brokers.state import load_state
from secours.errors import UsageError

__all__ = ["BrokerChoice", "Subcommands", "add_broker_options", "broker_session", "print_or_write", "write_document"]

# What each subcommand module registers itself on (the parser class is ours, see main.py).
if TYPE_CHECKING:
    Subcommands = argparse._SubParsersAction[Any]
else:
    Subcommands = argparse._SubParsersAction

logger = logging.getLogger(__name__)


def add_broker_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bootstrap",
        metavar="HOST:PORT",
        help="use this existing Kafka cluster (default: $SECOURS_BOOTSTRAP, else start a broker)",
    )
    parser.add_argument(
        "--broker",
        choices=("tansu", "kafka"),
        default="tansu",
        help="broker to start when no cluster is given: tansu (embedded, default) or kafka (Apache Kafka)",
    )
    parser.add_argument(
        "--prefix", default=None, help="topic prefix, to share a cluster (default: $SECOURS_TOPIC_PREFIX)"
    )


@dataclass(frozen=True)
class BrokerChoice:
    bootstrap: str
    kind: str  # "external", "tansu" or "kafka"
    broker: RunningBroker | None
    proxy_port: int | None


@contextmanager
def broker_session(args: argparse.Namespace, *, behind_proxy: bool = False) -> Iterator[BrokerChoice]:
    """The cluster to use; a broker started here is stopped on the way out.

    ``behind_proxy``: the broker advertises another loopback port, where the caller runs the
    proxy of network faults; ``bootstrap`` is then the proxy's address.
    """
    bootstrap = args.bootstrap or os.environ.get("SECOURS_BOOTSTRAP")
    if bootstrap:
        yield BrokerChoice(bootstrap, _known_kind(bootstrap), None, None)
        return
    # The proxy's port is held from now until the proxy is gone: the broker takes seconds to start,
    # and another process could otherwise be handed the port before the proxy listens on it.
    with ExitStack() as held:
        proxy_port = held.enter_context(reserve_port()).getsockname()[1] if behind_proxy else None
        broker = start_broker(args.broker, advertised_port=proxy_port)
        logger.info("started %s on %s (pid %s)", args.broker, broker.bootstrap, broker.pid)
        try:
            address = f"127.0.0.1:{proxy_port}" if proxy_port else broker.bootstrap
            yield BrokerChoice(address, args.broker, broker, proxy_port)
        finally:
            broker.stop()


def _known_kind(bootstrap: str) -> str:
    """ "tansu" or "kafka" for the broker `secours broker start` runs at this address, else "external"
    (a stepped run reads a Tansu broker on demand: one taken for Apache Kafka would never advance)."""
    for kind in ("tansu", "kafka"):
        running = load_state(kind)
        if running is not None and running.bootstrap == bootstrap.strip():
            return kind
    return "external"


def write_document(path: Path, text: str) -> None:
    """Write a generated document, saying so; an unwritable path is a one-line usage error."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from exc
    print(f"wrote {path}")


def print_or_write(text: str, out: Path | None) -> int:
    """A generated document on stdout, or in ``out`` (``--out FILE``)."""
    if out is None:
        print(text, end="")
    else:
        write_document(out, text)
    return 0
