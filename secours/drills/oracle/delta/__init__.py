"""DELTA-*: the Delta G/X/H7 alert sheet and the self-triggered fallback (PROCEDURES.md §7, seed 002).

Four scenarios. The CID publishes an alert naming services and modes, and the declarants it covers fall
back on its strength (ALERT-PUBLISHED). A declarant whose own chain fails with no matching alert looks at
the météo, asks its provider, looks its declarations up in Aubette and asks its office, then files one
OLGA DA per service and tells its office before falling back (SELF-TRIGGER). A connection provider's
platform is the origin: it reports, the CID alerts and the provider relays to its clients
(EDI-PROVIDER-DOWN). Declarations the office holds are no technical block and justify no fallback
(NOT-TECHNICAL).

Layout:
    common.py             what the scenarios share: the alerts on the météo, the declarations' states and
                          what the declarant saw of them, the self-trigger DAs, ``_each``
    alert_published.py    DELTA-ALERT-PUBLISHED #1-#9
    self_trigger.py       DELTA-SELF-TRIGGER #1-#15
    edi_provider_down.py  DELTA-EDI-PROVIDER-DOWN #1-#9
    not_technical.py      DELTA-NOT-TECHNICAL #1-#4

The oracle's package imports every module of this folder (``pkgutil.walk_packages``), which
registers their checks.
"""

from __future__ import annotations

__all__: list[str] = []
