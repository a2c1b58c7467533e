"""Client settings, read once: where the cluster is and how to talk to it."""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secours.errors import UsageError

__all__ = ["ClientSettings", "Security", "fetch_on_demand_for", "fetch_wait_for"]

# How long an idle consumer's fetch waits at the broker. Apache Kafka answers a waiting fetch as soon
# as a record arrives, so a long wait costs no latency and saves the CPU of asking again and again (a
# drill's consumers spent more CPU on empty fetches than the services on their work at 50 ms). Tansu
# answers only when the wait is over, so there a short wait is what keeps hops fast. Measured in
# docs/performance.md; SECOURS_FETCH_MAX_WAIT_MS overrides both.
FETCH_WAIT_MS = {"kafka": 500, "tansu": 50}
_FETCH_WAIT_ENV = "SECOURS_FETCH_MAX_WAIT_MS"
_CHECKPOINT_ENV = "SECOURS_CHECKPOINT_S"
_ON_DEMAND_ENV = "SECOURS_FETCH_ON_DEMAND"


def fetch_wait_for(broker_kind: str | None) -> int:
    """The fetch wait for a broker of this kind ("kafka", "tansu"; anything else is taken as Kafka)."""
    override = os.environ.get(_FETCH_WAIT_ENV)
    if override:
        try:
            return max(0, int(override))
        except ValueError:
            raise UsageError(f"{_FETCH_WAIT_ENV} must be a number of milliseconds, got {override!r}") from None
    return FETCH_WAIT_MS.get(broker_kind or "kafka", FETCH_WAIT_MS["kafka"])


def fetch_on_demand_for(broker_kind: str | None) -> bool:
    """Whether a stepped run's readers fetch only where the run wrote (Tansu), or keep a fetch waiting
    at the broker (Apache Kafka, and clusters of unknown kind); SECOURS_FETCH_ON_DEMAND=1|0 overrides."""
    override = os.environ.get(_ON_DEMAND_ENV, "").strip()
    if override in ("0", "1"):
        return override == "1"
    if override:
        raise UsageError(f"{_ON_DEMAND_ENV} must be 0 or 1, got {override!r}")
    return broker_kind == "tansu"


_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


@dataclass(frozen=True, slots=True)
class Security:
    """TLS and SASL for an external cluster, from the environment; the password never in a repr.

    SECOURS_SECURITY_PROTOCOL   PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL
    SECOURS_SASL_MECHANISM      PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512
    SECOURS_SASL_USERNAME       the SASL user
    SECOURS_SASL_PASSWORD       its password, or SECOURS_SASL_PASSWORD_FILE: a file holding it
    SECOURS_SSL_CAFILE          the CA certificate(s) to trust (default: the system's)
    SECOURS_SSL_CERTFILE, SECOURS_SSL_KEYFILE   a client certificate, for clusters that want one
    """

    protocol: str = "PLAINTEXT"
    mechanism: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: str | None = None
    certfile: str | None = None
    keyfile: str | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Security:
        env = os.environ if environ is None else environ
        protocol = env.get("SECOURS_SECURITY_PROTOCOL", "PLAINTEXT").upper()
        if protocol not in _PROTOCOLS:
            raise UsageError(f"SECOURS_SECURITY_PROTOCOL must be one of {', '.join(_PROTOCOLS)}, got {protocol!r}")
        mechanism = env.get("SECOURS_SASL_MECHANISM")
        password = env.get("SECOURS_SASL_PASSWORD")
        password_file = env.get("SECOURS_SASL_PASSWORD_FILE")
        if password and password_file:
            raise UsageError("set SECOURS_SASL_PASSWORD or SECOURS_SASL_PASSWORD_FILE, not both")
        if password_file:
            try:
                password = Path(password_file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise UsageError(f"SECOURS_SASL_PASSWORD_FILE: cannot read {password_file}: {exc.strerror}") from None
        username = env.get("SECOURS_SASL_USERNAME")
        if protocol.startswith("SASL_"):
            if mechanism not in _MECHANISMS:
                raise UsageError(f"SECOURS_SASL_MECHANISM must be one of {', '.join(_MECHANISMS)}, got {mechanism!r}")
            if not username or not password:
                raise UsageError(
                    f"{protocol} needs SECOURS_SASL_USERNAME and a password (SECOURS_SASL_PASSWORD[_FILE])"
                )
        for name in ("SECOURS_SSL_CAFILE", "SECOURS_SSL_CERTFILE", "SECOURS_SSL_KEYFILE"):
            path = env.get(name)
            if path and not Path(path).is_file():
                raise UsageError(f"{name}: no file at {path}")
        return cls(
            protocol=protocol,
            mechanism=mechanism if protocol.startswith("SASL_") else None,
            username=username,
            password=password,
            cafile=env.get("SECOURS_SSL_CAFILE"),
            certfile=env.get("SECOURS_SSL_CERTFILE"),
            keyfile=env.get("SECOURS_SSL_KEYFILE"),
        )

    def options(self) -> dict[str, Any]:
        """aiokafka's keyword arguments for this protocol."""
        if self.protocol == "PLAINTEXT":
            return {}
        out: dict[str, Any] = {"security_protocol": self.protocol}
        if self.protocol in ("SSL", "SASL_SSL"):
            context = ssl.create_default_context(cafile=self.cafile)
            if self.certfile:
                context.load_cert_chain(self.certfile, self.keyfile)
            out["ssl_context"] = context
        if self.mechanism is not None:
            out |= {
                "sasl_mechanism": self.mechanism,
                "sasl_plain_username": self.username,
                "sasl_plain_password": self.password,
            }
        return out


@dataclass(frozen=True, slots=True)
class ClientSettings:
    bootstrap: str
    prefix: str = ""
    client_id: str = "secours"
    # Tansu holds a group join for half the session timeout; 6 s keeps restarts quick on both brokers.
    session_timeout_ms: int = 6000
    request_timeout_ms: int = 30000
    fetch_max_wait_ms: int = FETCH_WAIT_MS["kafka"]
    # A stepped run's readers fetch only where their run wrote something (secours.bus.ledger): needed
    # on a broker that answers a waiting fetch only when the wait is over (Tansu); on Apache Kafka a
    # waiting fetch is answered as soon as a record arrives, one round trip sooner.
    fetch_on_demand: bool = False
    security: Security = field(default_factory=Security)
    # Wall seconds between a service's checkpoints at least (secours.checkpoint): 0, after every
    # batch, within the checkpoints' share of CPU time; None, no checkpoints at all (a crashed service
    # comes back with an empty state).
    checkpoint_s: float | None = 0.0

    @classmethod
    def from_env(
        cls, bootstrap: str | None = None, prefix: str | None = None, broker_kind: str | None = None
    ) -> ClientSettings:
        return cls(
            bootstrap=bootstrap or os.environ.get("SECOURS_BOOTSTRAP", ""),
            prefix=prefix if prefix is not None else os.environ.get("SECOURS_TOPIC_PREFIX", ""),
            fetch_max_wait_ms=fetch_wait_for(broker_kind),
            fetch_on_demand=fetch_on_demand_for(broker_kind),
            security=Security.from_env(),
            checkpoint_s=checkpoint_interval(),
        )

    def client_options(self) -> dict[str, Any]:
        """What every aiokafka client of this cluster gets: where it is and how to authenticate."""
        return {"bootstrap_servers": self.bootstrap, "client_id": self.client_id, **self.security.options()}

    def env(self) -> dict[str, str]:
        """What a child process needs in its environment to read the way this one does."""
        every = "off" if self.checkpoint_s is None else str(self.checkpoint_s)
        return {
            _FETCH_WAIT_ENV: str(self.fetch_max_wait_ms),
            _CHECKPOINT_ENV: every,
            _ON_DEMAND_ENV: "1" if self.fetch_on_demand else "0",
        }


def checkpoint_interval(environ: dict[str, str] | None = None) -> float | None:
    """SECOURS_CHECKPOINT_S: wall seconds between checkpoints at least (default 0: after every batch
    that is worth it), or ``off``."""
    raw = (os.environ if environ is None else environ).get(_CHECKPOINT_ENV, "0").strip()
    if raw.lower() == "off":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{_CHECKPOINT_ENV} must be a number of seconds or 'off', got {raw!r}") from None
    if not 0 <= value <= 3600:
        raise UsageError(f"{_CHECKPOINT_ENV} must be between 0 and 3600 seconds, or 'off'; got {raw!r}")
    return value
