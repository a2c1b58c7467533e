"""Actors named by rank in a drill file hold on any seed; an actor the world does not have is an input error."""

from __future__ import annotations

from pathlib import Path

import pytest

from secours.drills.model import load_drill
from secours.errors import DrillFileError
from secours.world import RunConfig, Traffic, World
from secours.world.actors import actor_catalogue, resolve_actor

WORLD = World(RunConfig(seed=11, traffic=Traffic(consignments=60, traders=8, direct_filers=2, portal_filers=1)))


def test_a_rank_names_the_nth_actor_with_the_tags_asked() -> None:
    traders = actor_catalogue(WORLD)["trader"]
    assert resolve_actor("trader:#2", WORLD) == f"trader:{traders[1].id}"
    direct = [t for t in traders if "direct" in t.tags]
    assert len(direct) == 2 and resolve_actor("trader:#2[direct]", WORLD) == f"trader:{direct[1].id}"
    assert resolve_actor(f"trader:{traders[0].id}", WORLD) == f"trader:{traders[0].id}"  # an id the world has
    assert resolve_actor("edi_provider:P002", WORLD) == "edi_provider:P002"


@pytest.mark.parametrize(
    ("ref", "said"),
    [
        ("trader:#3[direct]", "has 2 traders with tags ['direct']"),
        ("trader:FR00000000000000", "no such actor; its traders are"),
        ("ics2_sti:#1", "ics2_sti has no actors to select"),
    ],
)
def test_what_does_not_exist_is_named(ref: str, said: str) -> None:
    with pytest.raises(ValueError, match=said.replace("[", r"\[").replace("]", r"\]")):
        resolve_actor(ref, WORLD)


def test_a_drill_file_resolves_its_actors_and_says_where_one_is_missing(tmp_path: Path) -> None:
    text = """drill: d
title: t
seed: 11
traffic: {consignments: 60, traders: 8, direct_filers: 2}
params:
  vague_da_traders: ["trader:#1[direct]"]
faults:
  - id: f
    kind: down
    scope: {actor: "trader:#1[direct]"}
    start: 1h
    duration: 1h
"""
    path = tmp_path / "d.yaml"
    path.write_text(text)
    drill = load_drill(path)
    direct = next(t for t in actor_catalogue(World(drill.run_config()))["trader"] if "direct" in t.tags)
    assert drill.faults[0].scope.actor == f"trader:{direct.id}" and drill.params.vague_da_traders == (direct.id,)
    path.write_text(text.replace('scope: {actor: "trader:#1[direct]"}', 'scope: {actor: "trader:FR1"}'))
    with pytest.raises(DrillFileError, match=r"d\.yaml:10: field faults\[0\]\.scope\.actor: 'trader:FR1': this"):
        load_drill(path)


@pytest.mark.parametrize("seed", [1, 2997, 4242])
def test_every_shipped_drill_loads_on_other_seeds(seed: int, tmp_path: Path) -> None:
    """No actor made by the drill file's own seed is left in a shipped drill."""
    for path in sorted(Path("drills").glob("*.yaml")):
        copy = tmp_path / path.name
        copy.write_text(path.read_text().replace("\nseed: ", f"\nseed: {seed}  # was ", 1))
        load_drill(copy)
