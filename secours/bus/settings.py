"""Client settings, read once: where the cluster is and how to talk to it."""

from __future__ import annotations

import os
from dataclasses import dataclass

from secours.errors import UsageError

__all__ = ["ClientSettings", "fetch_wait_for"]

# How long an idle consumer's fetch waits at the broker. Apache Kafka answers a waiting fetch as soon
# as a record arrives, so a long wait costs no latency and saves the CPU of asking again and again (a
# drill's consumers spent more CPU on empty fetches than the services on their work at 50 ms). Tansu
# answers only when the wait is over, so there a short wait is what keeps hops fast. Measured in
# docs/performance.md; SECOURS_FETCH_MAX_WAIT_MS overrides both.
FETCH_WAIT_MS = {"kafka": 500, "tansu": 50}
_FETCH_WAIT_ENV = "SECOURS_FETCH_MAX_WAIT_MS"


def fetch_wait_for(broker_kind: str | None) -> int:
    """The fetch wait for a broker of this kind ("kafka", "tansu"; anything else is taken as Kafka)."""
    override = os.environ.get(_FETCH_WAIT_ENV)
    if override:
        try:
            return max(0, int(override))
        except ValueError:
            raise UsageError(f"{_FETCH_WAIT_ENV} must be a number of milliseconds, got {override!r}") from None
    return FETCH_WAIT_MS.get(broker_kind or "kafka", FETCH_WAIT_MS["kafka"])


@dataclass(frozen=True, slots=True)
class ClientSettings:
    bootstrap: str
    prefix: str = ""
    client_id: str = "secours"
    # Tansu holds a group join for half the session timeout; 6 s keeps restarts quick on both brokers.
    session_timeout_ms: int = 6000
    request_timeout_ms: int = 30000
    fetch_max_wait_ms: int = FETCH_WAIT_MS["kafka"]

    @classmethod
    def from_env(
        cls, bootstrap: str | None = None, prefix: str | None = None, broker_kind: str | None = None
    ) -> ClientSettings:
        return cls(
            bootstrap=bootstrap or os.environ.get("SECOURS_BOOTSTRAP", ""),
            prefix=prefix if prefix is not None else os.environ.get("SECOURS_TOPIC_PREFIX", ""),
            fetch_max_wait_ms=fetch_wait_for(broker_kind),
        )

    def env(self) -> dict[str, str]:
        """What a child process needs in its environment to read the way this one does."""
        return {_FETCH_WAIT_ENV: str(self.fetch_max_wait_ms)}
