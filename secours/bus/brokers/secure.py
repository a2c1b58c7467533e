"""A SASL_SSL listener for the project's Apache Kafka, to test clients against an authenticated cluster.

The broker gets a second client listener, ``SASL_SSL://127.0.0.1:<port>``, with:
- a self-signed certificate for ``IP:127.0.0.1`` made by the JDK's ``keytool`` in the work directory
  (its PEM is what clients trust: ``SECOURS_SSL_CAFILE``);
- PLAIN users in the listener's JAAS configuration, and the same users as SCRAM-SHA-256 and
  SCRAM-SHA-512 credentials written into the metadata log when storage is formatted (KRaft's
  ``--add-scram``).
Nothing here is meant for production: the keystore password is random and lives in the work dir.
"""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from secours.errors import BrokerStartError

__all__ = ["SecureListener", "make_certificate"]

MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


@dataclass(frozen=True)
class SecureListener:
    port: int
    users: dict[str, str]  # name -> password
    keystore: Path
    keystore_password: str = field(repr=False)
    ca_file: Path  # the certificate, PEM, for clients to trust

    def properties(self) -> dict[str, str]:
        plain_users = " ".join(f'user_{name}="{password}"' for name, password in self.users.items())
        scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        return {
            "sasl.enabled.mechanisms": ",".join(MECHANISMS),
            "listener.name.sasl_ssl.plain.sasl.jaas.config": (
                f"org.apache.kafka.common.security.plain.PlainLoginModule required {plain_users};"
            ),
            "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config": scram,
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": scram,
            "ssl.keystore.type": "PKCS12",
            "ssl.keystore.location": str(self.keystore),
            "ssl.keystore.password": self.keystore_password,
            "ssl.key.password": self.keystore_password,
        }

    def scram_arguments(self) -> list[str]:
        """``kafka-storage format`` arguments that create the SCRAM credentials."""
        out: list[str] = []
        for mechanism in MECHANISMS[1:]:
            for name, password in self.users.items():
                out += ["--add-scram", f"{mechanism}=[name={name},password={password}]"]
        return out


def make_certificate(java: str, workdir: Path, port: int, users: dict[str, str]) -> SecureListener:
    """A PKCS12 keystore with a self-signed certificate for 127.0.0.1, and its PEM beside it."""
    keytool = str(Path(java).with_name("keytool"))
    password = secrets.token_hex(16)
    keystore, pem = workdir / "broker.p12", workdir / "broker-ca.pem"
    keystore.unlink(missing_ok=True)
    generate = [
        keytool, "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1", "-storetype", "PKCS12",
        "-keystore", str(keystore), "-storepass", password, "-keypass", password,
    ]  # fmt: skip
    export = [
        keytool, "-exportcert", "-rfc", "-alias", "broker", "-keystore", str(keystore), "-storepass", password,
        "-file", str(pem),
    ]  # fmt: skip
    for command in (generate, export):
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise BrokerStartError(f"keytool failed ({command[1]}): {last[0]}")
    return SecureListener(port, dict(users), keystore, password, pem)
