"""Choosing the broker a command talks to.

Order: ``--bootstrap`` or ``SECOURS_BOOTSTRAP`` (an existing cluster), else a broker this
command starts itself (``--broker tansu`` by default: the embedded one, nothing to install) and
stops when it ends.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from secours.bus.brokers import RunningBroker, start_broker

__all__ = ["BrokerChoice", "Subcommands", "add_broker_options", "broker_session"]

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


@contextmanager
def broker_session(args: argparse.Namespace) -> Iterator[BrokerChoice]:
    bootstrap = args.bootstrap or os.environ.get("SECOURS_BOOTSTRAP")
    if bootstrap:
        yield BrokerChoice(bootstrap, "external", None)
        return
    broker = start_broker(args.broker)
    logger.info("started %s on %s (pid %s)", args.broker, broker.bootstrap, broker.pid)
    try:
        yield BrokerChoice(broker.bootstrap, args.broker, broker)
    finally:
        broker.stop()
