"""Pydantic models of every record on the wire; each maps to exactly one schema in ``schemas/``.

``schema`` names the Avro type (``<namespace>.<Name>``), ``ce_type`` is the CloudEvents type
carried in the ``ce_type`` header (the IE code for ICS2 messages, a dotted event name for the
simulator's own events). A test round-trips every model through its schema, so a field added
here and forgotten there (or the reverse) fails at once.

One module per customs system, all re-exported here (``from secours.wire import X``):

- :mod:`~secours.wire.base`: :class:`WireModel`, the base of the nested data types, the registry;
- :mod:`~secours.wire.ics2`: the ICS2 harmonised trader interface, and STI -> CR -> national components;
- :mod:`~secours.wire.ops`: the simulator's own events (run, actors, transports, faults, dead letters, checkpoints);
- :mod:`~secours.wire.fallback`: operations and the fallback procedures' evidence (météo, notices, OLGA, loading lists);
- :mod:`~secours.wire.luccs`: Luxembourg's LUCCS, its Servicedesk and the Bureau de recette;
- :mod:`~secours.wire.delta`: France's Delta G/X/H7 clearance, Aubette and the customs office;
- :mod:`~secours.wire.ecs`: ECS exit (ECS-BS, the exit office, the export office).

Nothing here is listed by hand. A record type is a subclass of :class:`WireModel` that sets its own
``schema_name`` (the others, like ``EnsFiling``, are bases of records); each class registers itself
when it is created. ``MODELS`` holds every record type, module by module in the order of
``_RECORD_MODULES`` then ``_EVIDENCE_MODULES``, each module's in the order written; the records of
the evidence modules (fallback, LUCCS, Delta, ECS) are also ``EVIDENCE_MODELS``: being evidence is a
matter of the module a record lives in. ``__all__`` is every wire class and the type aliases.

To add a record type, write its class (``schema_name``, ``ce_type``, fields) in the module of its
system and its schema in ``schemas/``; nothing else lists it. A new module is imported below and
named in ``_RECORD_MODULES`` or ``_EVIDENCE_MODULES``.
"""

from __future__ import annotations

from secours.wire import base, delta, ecs, fallback, ics2, luccs, ops
from secours.wire.base import *  # noqa: F403
from secours.wire.delta import *  # noqa: F403
from secours.wire.ecs import *  # noqa: F403
from secours.wire.fallback import *  # noqa: F403
from secours.wire.ics2 import *  # noqa: F403
from secours.wire.luccs import *  # noqa: F403
from secours.wire.ops import *  # noqa: F403

_RECORD_MODULES = (ics2, ops)
_EVIDENCE_MODULES = (fallback, luccs, delta, ecs)
_ALIASES = ("DeltaState", "Push")  # type aliases: not classes, so not in the registry

EVIDENCE_MODELS: tuple[type[base.WireModel], ...] = base.records_of(*_EVIDENCE_MODULES)
"""The records of operations and of the fallback procedures' evidence."""

MODELS: tuple[type[base.WireModel], ...] = base.records_of(*_RECORD_MODULES) + EVIDENCE_MODELS
"""Every record type, in one place: the codec registers them, the round-trip test walks them."""

__all__ = tuple(
    sorted(
        {
            "EVIDENCE_MODELS",
            "MODELS",
            "WireModel",
            *_ALIASES,
            *(cls.__name__ for cls in base.classes_of(*_RECORD_MODULES, *_EVIDENCE_MODULES)),
        }
    )
)
