"""The ICS2 components, by service name: one list for the services and the oracle alike.

TAPAS (the AS4 access point), UUM&DS (sign-in to the STI portal), the shared trader interface and
the common repository are EU components the Commission watches and declares unavailable; the
national component is France's own, watched by the CID (PROCEDURES.md §6).
"""

from __future__ import annotations

__all__ = ["EU_COMPONENTS", "ICS2_COMPONENTS", "REPORTED_NAMES"]

EU_COMPONENTS = ("ics2_tapas", "ics2_sti", "ics2_cr", "ics2_uumds")
ICS2_COMPONENTS = (*EU_COMPONENTS, "ics2_nes_fr")

# How filers name, in an assistance request, the customs component they cannot reach: the help desk
# reads them, and the oracle tells a request blaming customs from one reporting the filer's own system.
REPORTED_NAMES = {"ICS2 STI": "ics2_sti", "ICS2 CR": "ics2_cr", "ICS2 national component": "ics2_nes_fr"}
