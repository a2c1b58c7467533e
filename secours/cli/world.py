"""``secours world --drill FILE [--json]``: the parties of a drill's world, for an outside system.

A relay that plays ``edi_provider`` must know its clients (EORIs, names: the procedures have it
notify them and list them in assistance requests), the topics it reads and writes, and the
timeouts of the procedure in simulated seconds. The world is drawn from the drill's seed, so this
is exactly the world the run will have.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from secours.cli.common import Subcommands
from secours.clock import format_sim
from secours.drills.model import Drill, load_drill
from secours.external import EXTERNAL_SPEED_MAX, ExternalActor
from secours.resources import drill_file
from secours.topics import TopicCatalog
from secours.world import World
from services import REGISTRY

__all__ = ["register", "world_document"]


def register(sub: Subcommands) -> None:
    p = sub.add_parser("world", help="the parties, topics and timeouts of a drill's world (for an outside relay)")
    p.add_argument("--drill", type=drill_file, required=True, metavar="FILE|NAME", help="the drill (file or name)")
    p.add_argument("--json", action="store_true", help="the whole document as JSON")
    p.set_defaults(func=main)


def world_document(drill: Drill) -> dict[str, Any]:
    config = drill.run_config()
    world = World(config)
    catalog = TopicCatalog.load()
    actors = [ExternalActor(name) for name in REGISTRY if REGISTRY[name].needed(config)]
    actors += [ExternalActor("edi_provider", p.id) for p in world.providers]
    return {
        "drill": drill.drill,
        "seed": config.seed,
        "start": format_sim(config.start),
        "end": format_sim(config.end),
        "speed": drill.speed,
        "external_speed": min(drill.speed, EXTERNAL_SPEED_MAX),
        "params": config.params.model_dump(mode="json"),
        "procedure": drill.procedure.model_dump(mode="json"),
        "providers": [
            {
                "id": p.id,
                "name": p.name,
                "eori": p.eori,
                "channel": p.channel,
                "own_connection": p.own_connection,
                "clients": [{"eori": t.eori, "name": t.name} for t in world.clients_of(p.id)],
            }
            for p in world.providers
        ],
        "traders": [
            {"eori": t.eori, "name": t.name, "provider": t.provider, "backup": t.backup} for t in world.traders
        ],
        "topics": {
            a.name: {"reads": a.reads(world, catalog), "writes": a.writes(world, catalog)}
            for a in actors
            if a.service in REGISTRY
        },
    }


def main(args: argparse.Namespace) -> int:
    doc = world_document(load_drill(args.drill))
    if args.json:
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    print(f"drill {doc['drill']}: seed {doc['seed']}, {doc['start']} -> {doc['end']}")
    print(f"speed x{doc['speed']:g} (x{doc['external_speed']:g} with an outside actor)")
    for p in doc["providers"]:
        clients = ", ".join(f"{c['eori']} {c['name']}" for c in p["clients"])
        print(f"provider {p['id']} {p['name']} ({p['channel']}): {clients or 'no clients'}")
    return 0
