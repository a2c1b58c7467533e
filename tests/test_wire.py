"""The registries of secours.wire: built from the classes, nothing listed by hand. No broker needed."""

from __future__ import annotations

from secours import wire
from secours.wire.base import WireModel


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_every_record_of_the_package_is_a_model_once() -> None:
    records = {
        c for c in _subclasses(WireModel) if c.__module__.startswith("secours.wire.") and "schema_name" in vars(c)
    }
    assert len(wire.MODELS) == len(set(wire.MODELS)) == len(records)
    assert set(wire.MODELS) == records


def test_schema_names_and_ce_types_are_unique() -> None:
    assert len({m.schema_name for m in wire.MODELS}) == len(wire.MODELS)
    assert len({m.ce_type for m in wire.MODELS}) == len(wire.MODELS)


def test_evidence_is_what_the_evidence_modules_hold_and_ends_the_models() -> None:
    evidence = wire.EVIDENCE_MODELS
    assert wire.MODELS[-len(evidence) :] == evidence
    assert {m.__module__ for m in evidence} == {f"secours.wire.{n}" for n in ("fallback", "luccs", "delta", "ecs")}
    assert {m.__module__ for m in wire.MODELS[: -len(evidence)]} == {"secours.wire.ics2", "secours.wire.ops"}


def test_bases_of_records_are_no_records() -> None:
    for base in (wire.T2CMessage, wire.C2TMessage, wire.EnsFiling, wire.EnsAmendment):
        assert base not in wire.MODELS


def test_all_names_resolve() -> None:
    assert all(hasattr(wire, name) for name in wire.__all__)
    assert {"MODELS", "EVIDENCE_MODELS", "WireModel", "Push", "DeltaState", "Party", "IE3F10"} <= set(wire.__all__)
