"""The simulated world of a run: parties, the ferry and shuttle timetable, and the consignments.

Everything is derived from the run configuration and its seed, so every service of a run (in one
process or many) computes the same world without exchanging it: the trader knows what to file
and when, the smart border knows which sailing arrives when and what it carries. Defaults are
those of DOMAIN.md (crossing times, ENS deadlines, office codes).

One module per customs system, all re-exported here (``from secours.world import X``):

- :mod:`~secours.world.base`: what they share (strict models, the services' own parameters, office hours);
- :mod:`~secours.world.ics2`: providers, traders, carriers, the timetable and the consignments (smart border);
- :mod:`~secours.world.fallback`: the fallback procedures' parameters and staged breaches;
- :mod:`~secours.world.luccs`: Luxembourg's operators and declarations;
- :mod:`~secours.world.delta`: Delta's declarants, connection providers and declarations;
- :mod:`~secours.world.ecs`: exporters and export movements;
- :mod:`~secours.world.config`: :class:`Traffic`, :class:`Params`, :class:`RunConfig`;
- :mod:`~secours.world.core`: :class:`World`, drawn by the modules above.

:class:`Params` is one flat model made of one part per system (``Ics2Params``, ``FallbackParams``...):
its fields keep their names (``params.referral_rate``, a drill's ``params: {referral_rate: ...}``),
their order and their descriptions (those starting "non-compliant" are the staged breaches). A new
parameter goes in the part of its system.
"""

from __future__ import annotations

from secours.world.base import office_open
from secours.world.config import Params, RunConfig, Traffic
from secours.world.core import World
from secours.world.delta import (
    DELTA_OFFICES,
    DELTA_SERVICES,
    ConnectionProvider,
    DeltaDeclarant,
    DeltaDeclaration,
)
from secours.world.ecs import EXIT_OFFICES, EXPORT_OFFICE, Exporter, ExportMovement
from secours.world.ics2 import Carrier, Consignment, Provider, Trader, Transport
from secours.world.luccs import LuDeclaration, LuOperator

__all__ = [
    "DELTA_OFFICES",
    "DELTA_SERVICES",
    "EXIT_OFFICES",
    "EXPORT_OFFICE",
    "Carrier",
    "ConnectionProvider",
    "Consignment",
    "DeltaDeclarant",
    "DeltaDeclaration",
    "ExportMovement",
    "Exporter",
    "LuDeclaration",
    "LuOperator",
    "Params",
    "Provider",
    "RunConfig",
    "Trader",
    "Traffic",
    "Transport",
    "World",
    "office_open",
]
