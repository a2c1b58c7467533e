"""The ICS2 components, by service name: one list for the services and the oracle alike.

TAPAS (the AS4 access point), UUM&DS (sign-in to the STI portal), the shared trader interface and
the common repository are EU components the Commission watches and declares unavailable; the
national component is France's own, watched by the CID (PROCEDURES.md §6).
"""

from __future__ import annotations

__all__ = ["EU_COMPONENTS", "ICS2_COMPONENTS"]

EU_COMPONENTS = ("ics2_tapas", "ics2_sti", "ics2_cr", "ics2_uumds")
ICS2_COMPONENTS = (*EU_COMPONENTS, "ics2_nes_fr")
