"""The actors of a world, and references to them that hold on any seed.

A seed draws the parties: a trader's EORI on one seed is nobody on another. A drill that names an
actor by id (``trader:FR74527585712576``) runs on its own seed only. A *selector* names it by role
and rank instead, and is resolved against the drill's world when the drill is loaded:

    trader:#1                the busiest trader of the world (the most consignments)
    trader:#1[P003]          the busiest client of provider P003
    trader:#2[direct]        the second busiest trader with its own STI connection
    exporter:#1[edi,no-prodouane]  the busiest EDI exporter without a prodouane account
    edi_provider:#2          the second EDI provider (P002)

Ranks count from the busiest: traders by consignments, exporters by export movements, declarants
by Delta declarations, Luxembourg operators by declarations (ties in the world's order; providers
in theirs). A drill that faults "the busiest client of P003" faults one with traffic to disturb on
any seed, which the n-th drawn trader need not have.

Each service has its tags (:func:`actor_catalogue`): ``trader`` (``edi``, ``direct``, ``portal``,
and its provider's id, e.g. ``P003``), ``exporter`` (``edi``/``dti``, ``prodouane``/``no-prodouane``,
``substitute``/``no-substitute``), ``declarant`` (``edi``/``dti``, its provider's id and the Delta
services it clears with, e.g. ``DELTA_X``), ``edi_provider`` and ``delta_provider`` (``edi``/``dti``
for the provider's channel). A selector whose rank goes past the actors that match, or an id the
world does not have, is an input error naming what exists.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from secours.world.core import World
from secours.world.delta import DeltaDeclarant
from secours.world.ecs import Exporter

__all__ = ["ActorRef", "actor_catalogue", "is_selector", "resolve_actor"]

_SELECTOR = re.compile(r"^(?P<service>[a-z][a-z0-9_]*):#(?P<rank>[1-9][0-9]*)(?:\[(?P<tags>[A-Za-z0-9_,\- ]*)\])?$")


@dataclass(frozen=True, slots=True)
class ActorRef:
    """One actor of a service: its id and the tags a selector may filter on."""

    id: str
    tags: frozenset[str]


def actor_catalogue(world: World) -> dict[str, tuple[ActorRef, ...]]:
    """The actors of each service whose actors a fault may hit, busiest first (ties in the world's order)."""
    providers = world.provider_by_id
    traffic = Counter(c.trader for c in world.consignments)
    traffic.update(m.exporter for m in world.exports)
    traffic.update(d.declarant for d in world.delta_declarations)
    traffic.update(d.eo for d in world.lu_declarations)

    def busiest(refs: list[ActorRef]) -> tuple[ActorRef, ...]:
        return tuple(sorted(refs, key=lambda a: -traffic[a.id]))  # sorted() is stable: ties keep their order

    def trader_tags(provider: str) -> frozenset[str]:
        p = providers[provider]
        way = "portal" if p.channel == "DTI" else "direct" if p.own_connection else "edi"
        return frozenset({way, provider})

    return {
        "trader": busiest([ActorRef(t.eori, trader_tags(t.provider)) for t in world.traders]),
        "edi_provider": tuple(
            ActorRef(p.id, frozenset({p.channel.lower()})) for p in world.providers if not p.own_connection
        ),
        "exporter": busiest([ActorRef(x.eori, _exporter_tags(x)) for x in world.exporters]),
        "declarant": busiest([ActorRef(d.eori, _declarant_tags(d)) for d in world.delta_declarants]),
        "delta_provider": tuple(ActorRef(p.id, frozenset()) for p in world.connection_providers),
        "lu_operator": busiest([ActorRef(o.eori, frozenset()) for o in world.lu_operators]),
    }


def _declarant_tags(d: DeltaDeclarant) -> frozenset[str]:
    return frozenset({d.mode.lower(), *d.services, *((d.provider,) if d.provider else ())})


def _exporter_tags(x: Exporter) -> frozenset[str]:
    account = "prodouane" if x.has_prodouane else "no-prodouane"
    return frozenset({x.mode.lower(), account, "substitute" if x.substitute else "no-substitute"})


def is_selector(text: str) -> bool:
    return _SELECTOR.match(text) is not None


def resolve_actor(text: str, world: World) -> str:
    """``service:id`` for an actor reference: a selector resolved, an id checked against the world.
    Raises ValueError naming what exists when nothing matches."""
    catalogue = actor_catalogue(world)
    match = _SELECTOR.match(text)
    if match is None:
        service, _, actor_id = text.partition(":")
        known = catalogue.get(service)
        if known is not None and actor_id not in {a.id for a in known}:
            raise ValueError(f"{text!r}: this drill's world has no such actor; its {service}s are "
                             f"{_some(known)} (or name one by rank, e.g. {service}:#1)")  # fmt: skip
        return text
    service, rank = match["service"], int(match["rank"])
    if service not in catalogue:
        raise ValueError(f"{text!r}: {service} has no actors to select (services with actors: "
                         f"{', '.join(sorted(catalogue))})")  # fmt: skip
    wanted = {t.strip() for t in (match["tags"] or "").split(",") if t.strip()}
    found = [a for a in catalogue[service] if wanted <= a.tags]
    if len(found) < rank:
        tags = sorted({t for a in catalogue[service] for t in a.tags})
        raise ValueError(f"{text!r}: this drill's world has {len(found)} {service}s with tags "
                         f"{sorted(wanted) or 'any'} (tags there: {', '.join(tags) or 'none'})")  # fmt: skip
    return f"{service}:{found[rank - 1].id}"


def _some(actors: tuple[ActorRef, ...]) -> str:
    ids = [a.id for a in actors]
    return ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "") if ids else "none"
