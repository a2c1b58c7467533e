"""Clients against an authenticated cluster: Apache Kafka with a SASL_SSL listener and a certificate
made by the test; PLAIN and SCRAM users; the password never shown."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from secours.bus import TopicToCreate
from secours.bus.brokers import RunningBroker, java_available, start_broker
from secours.bus.kafka import KafkaBus
from secours.bus.settings import ClientSettings, Security
from secours.errors import BrokerUnavailable, UsageError

PASSWORD = "alice-s3cret-pw"

pytestmark = pytest.mark.skipif(not java_available(), reason="the SASL_SSL listener needs Apache Kafka (Java 17)")


@pytest.fixture(scope="module")
def secure_broker() -> Iterator[RunningBroker]:
    broker = start_broker("kafka", users={"alice": PASSWORD})
    try:
        yield broker
    finally:
        broker.stop()


def _settings(broker: RunningBroker, mechanism: str, password: str, prefix: str) -> ClientSettings:
    assert broker.secure is not None
    env = {
        "SECOURS_SECURITY_PROTOCOL": "SASL_SSL",
        "SECOURS_SASL_MECHANISM": mechanism,
        "SECOURS_SASL_USERNAME": "alice",
        "SECOURS_SASL_PASSWORD": password,
        "SECOURS_SSL_CAFILE": str(broker.secure.ca_file),
    }
    return ClientSettings(f"127.0.0.1:{broker.secure.port}", prefix=prefix, security=Security.from_env(env))


async def _round_trip(settings: ClientSettings) -> list[bytes | None]:
    bus = KafkaBus(settings)
    await bus.start()
    try:
        await bus.ensure_topics([TopicToCreate("probe", 1)])
        await bus.settle([await bus.publish("probe", b"k", b"hello", [("ce_id", b"1")])])
        sub = await bus.subscribe(None, ["probe"])
        for _ in range(50):
            records = await sub.poll(0.2)
            if records:
                return [r.value for r in records]
        return []
    finally:
        await bus.stop()


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_clients_authenticate_over_tls(secure_broker: RunningBroker, mechanism: str) -> None:
    settings = _settings(secure_broker, mechanism, PASSWORD, f"sec-{mechanism.lower()}.")
    assert asyncio.run(_round_trip(settings)) == [b"hello"]
    assert PASSWORD not in repr(settings)


def test_a_wrong_password_is_refused_without_showing_it(secure_broker: RunningBroker) -> None:
    settings = _settings(secure_broker, "SCRAM-SHA-256", "not-the-password", "sec-wrong.")
    with pytest.raises(BrokerUnavailable) as err:
        asyncio.run(_round_trip(settings))
    assert "not-the-password" not in str(err.value) and "\n" not in str(err.value)


def test_incomplete_settings_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="SECOURS_SASL_MECHANISM must be one of"):
        Security.from_env({"SECOURS_SECURITY_PROTOCOL": "SASL_SSL", "SECOURS_SASL_MECHANISM": "GSSAPI"})
    with pytest.raises(UsageError, match="needs SECOURS_SASL_USERNAME"):
        Security.from_env({"SECOURS_SECURITY_PROTOCOL": "SASL_SSL", "SECOURS_SASL_MECHANISM": "PLAIN"})
    with pytest.raises(UsageError, match="SECOURS_SSL_CAFILE: no file"):
        Security.from_env({"SECOURS_SECURITY_PROTOCOL": "SSL", "SECOURS_SSL_CAFILE": str(tmp_path / "none.pem")})
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD + "\n")
    loaded = Security.from_env(
        {
            "SECOURS_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "SECOURS_SASL_MECHANISM": "PLAIN",
            "SECOURS_SASL_USERNAME": "alice",
            "SECOURS_SASL_PASSWORD_FILE": str(secret),
        }
    )
    assert loaded.password == PASSWORD and PASSWORD not in repr(loaded)
