"""Client settings, read once: where the cluster is and how to talk to it."""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["ClientSettings"]


@dataclass(frozen=True, slots=True)
class ClientSettings:
    bootstrap: str
    prefix: str = ""
    client_id: str = "secours"
    # Tansu holds a group join for half the session timeout; 6 s keeps restarts quick on both brokers.
    session_timeout_ms: int = 6000
    request_timeout_ms: int = 30000

    @classmethod
    def from_env(cls, bootstrap: str | None = None, prefix: str | None = None) -> ClientSettings:
        return cls(
            bootstrap=bootstrap or os.environ.get("SECOURS_BOOTSTRAP", ""),
            prefix=prefix if prefix is not None else os.environ.get("SECOURS_TOPIC_PREFIX", ""),
        )
