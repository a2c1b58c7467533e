"""``secours topics``: the topic contract (topics.yaml), checked against the schemas."""

from __future__ import annotations

import argparse
import json

from secours.cli.common import Subcommands
from secours.codec import Codec
from secours.topics import TopicCatalog

__all__ = ["register"]


def register(sub: Subcommands) -> None:
    p = sub.add_parser("topics", help="list the topics, their keys, schemas, producers and consumers")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    catalog = TopicCatalog.load()
    catalog.check_schemas(Codec().schema_names)
    specs = list(catalog.specs.values())
    if args.json:
        print(json.dumps([s.model_dump() for s in specs], indent=2))
        return 0
    for s in specs:
        print(f"{s.name}  ({s.partitions} partitions, key: {s.key})")
        print(f"    {s.description}")
        print(f"    values: {', '.join(s.values)}")
        print(f"    {', '.join(s.producers)} -> {', '.join(s.consumers)}")
    return 0
