"""Identifiers in their real formats: LRN, MRN (with its check character), EORI, office codes.

Generated identifiers are derived deterministically from a seed or from the id of the message
that caused them: a record processed twice (redelivery after a crash) yields the same MRN and
the same message ids, so downstream deduplication sees one fact, not two.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime

__all__ = [
    "DA_ID_RE",
    "EORI_RE",
    "LRN_RE",
    "MRN_RE",
    "OFFICE_RE",
    "derive_id",
    "is_valid_mrn",
    "make_da_id",
    "make_lrn",
    "make_mrn",
    "mrn_check_char",
]

LRN_RE = re.compile(r"^[A-Za-z0-9]{1,22}$")
# The check character is a digit, or F: the pattern of the specifications (NCTS-P5 XSD, same
# family as ICS2) allows it, so an MRN ending in F is well formed and is taken as given.
MRN_RE = re.compile(r"^[0-9]{2}[A-Z]{2}[A-Z0-9]{13}[0-9F]$")
# Upper case only, everywhere: an EORI is compared as written (queues, filer identities, duplicate
# filings), so "fr123" and "FR123" must not pass for two filers; the STI refuses a lower-case one.
EORI_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,15}$")
# OLGA assistance request numbers (DOMAIN.md §3): DA-<YYYYMMDD>-<6 digits>.
DA_ID_RE = re.compile(r"^DA-[0-9]{8}-[0-9]{6}$")
OFFICE_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{6}$")
IMO_RE = re.compile(r"^[0-9]{7}$")

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _iso6346_value(ch: str) -> int:
    """ISO 6346 character values: digits as is; letters from A=10 upwards, skipping multiples of 11."""
    if ch.isdigit():
        return int(ch)
    value = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if value % 11 == 0:
            value += 1
        if letter == ch:
            return value
        value += 1
    raise ValueError(f"not an MRN character: {ch!r}")


def mrn_check_char(first17: str) -> str:
    """Check character of an MRN, computed over its first 17 characters as in ISO 6346."""
    total = sum(_iso6346_value(ch) * (2**i) for i, ch in enumerate(first17))
    return str(total % 11 % 10)


def make_mrn(year: int, country: str, seed: str) -> str:
    """An18 MRN: 2-digit year, country, 13 alphanumerics derived from ``seed``, check character."""
    digest = int.from_bytes(hashlib.blake2b(seed.encode(), digest_size=10).digest(), "big")
    body = []
    for _ in range(13):
        digest, rem = divmod(digest, 36)
        body.append(_ALNUM[rem])
    first17 = f"{year % 100:02d}{country}{''.join(body)}"
    return first17 + mrn_check_char(first17)


def is_valid_mrn(mrn: str) -> bool:
    return bool(MRN_RE.match(mrn)) and mrn[17] in ("F", mrn_check_char(mrn[:17]))


def make_lrn(provider_code: str, day: datetime, seq: int) -> str:
    """LRN an..22: ``<provider code 4><YYMMDD><seq 6>``."""
    return f"{provider_code[:4]:<4}{day:%y%m%d}{seq:06d}".replace(" ", "X")


def make_da_id(day: datetime, key: str) -> str:
    """An OLGA assistance request number ``DA-<YYYYMMDD>-<6 digits>``, the digits fixed by ``key``
    (who files it, about what, since when): the same request filed again after a restart keeps its
    number. Filers number their own requests here, so two of one day could meet; with a million
    numbers a day and a few dozen requests a drill, about one drill in two thousand would see it."""
    digits = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % 1_000_000
    return f"DA-{day:%Y%m%d}-{digits:06d}"


_NAMESPACE = uuid.UUID("6f1c1a8e-3d0b-4f55-9a53-7b6a2c6e0d11")


def derive_id(parent: str, purpose: str) -> str:
    """A message id fixed by its cause: the same input processed twice gives the same output id."""
    return str(uuid.uuid5(_NAMESPACE, f"{parent}/{purpose}"))
