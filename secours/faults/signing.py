"""Signed fault commands: with a control key, only who holds it can inject or clear faults.

A shared or training cluster may carry other tenants or trainees; without a key anyone who can
write to ``secours.faults`` can break a run. With ``SECOURS_CONTROL_KEY`` (the secret itself) or
``SECOURS_CONTROL_KEY_FILE`` (a file holding it) set, every command is published with an
HMAC-SHA256 of its record value in the ``secours_signature`` header, and every process that follows
the control topic applies only commands whose signature checks; the others are refused and
reported on ``secours.dlq``. The key is read once and never logged or printed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from secours.errors import UsageError

__all__ = ["SIGNATURE_HEADER", "control_key", "sign", "verify"]

SIGNATURE_HEADER = "secours_signature"
_KEY_ENV = "SECOURS_CONTROL_KEY"
_KEY_FILE_ENV = "SECOURS_CONTROL_KEY_FILE"


def control_key(environ: dict[str, str] | None = None) -> bytes | None:
    """The configured control key, or None when commands are not signed."""
    env = os.environ if environ is None else environ
    inline = env.get(_KEY_ENV)
    path = env.get(_KEY_FILE_ENV)
    if inline and path:
        raise UsageError(f"set {_KEY_ENV} or {_KEY_FILE_ENV}, not both")
    if path:
        try:
            secret = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"{_KEY_FILE_ENV}: cannot read {path}: {exc.strerror}") from None
        if not secret:
            raise UsageError(f"{_KEY_FILE_ENV}: {path} is empty")
        return secret.encode()
    return inline.encode() if inline else None


def sign(key: bytes, value: bytes) -> bytes:
    return hmac.new(key, value, hashlib.sha256).hexdigest().encode()


def verify(key: bytes, value: bytes | None, signature: str | None) -> bool:
    if value is None or not signature:
        return False
    return hmac.compare_digest(sign(key, value), signature.encode())
