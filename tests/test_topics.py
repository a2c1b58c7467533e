"""The topic contract: topics.yaml names real schemas, and services use only declared topics."""

from __future__ import annotations

from pathlib import Path

import pytest

import services
from secours.codec import Codec
from secours.errors import ContractError
from secours.topics import TopicCatalog
from services import REGISTRY

CATALOG = TopicCatalog.load()


def test_every_topic_names_existing_schemas() -> None:
    CATALOG.check_schemas(Codec().schema_names)


def test_unknown_schema_is_reported() -> None:
    with pytest.raises(ContractError, match="unknown schemas"):
        CATALOG.check_schemas(frozenset({"eu.ics2.IE3F10"}))


@pytest.mark.parametrize("service", sorted(REGISTRY))
def test_service_topics_are_declared_with_it_as_producer_or_consumer(service: str) -> None:
    d = REGISTRY[service]
    for topic in d.consumes:
        assert service in CATALOG.spec_for(topic).consumers, f"{service} reads {topic} but is not a consumer"
    for topic in d.publishes:
        assert service in CATALOG.spec_for(topic).producers, f"{service} writes {topic} but is not a producer"


def test_declared_producers_and_consumers_exist_and_use_the_topic() -> None:
    known = set(REGISTRY) | {"runner", "external"}  # external: an outside system playing an actor
    for spec in CATALOG.specs.values():
        for name in (*spec.producers, *spec.consumers):
            assert name in known, f"{spec.name} names unknown party {name}"
        for name in spec.producers:
            if name not in ("runner", "external"):
                assert spec.name in REGISTRY[name].publishes, f"{name} is said to produce {spec.name}"
        for name in spec.consumers:
            if name != "runner":
                assert spec.name in REGISTRY[name].consumes, f"{name} is said to consume {spec.name}"


def test_templated_names_resolve() -> None:
    assert CATALOG.spec_for("ics2.c2t.FR12345678901234").name == "ics2.c2t.{eori}"
    assert CATALOG.spec_for("edi.to_trader.P001").name == "edi.to_trader.{provider}"
    with pytest.raises(ContractError, match="not declared"):
        CATALOG.spec_for("ics2.c2t")


def test_every_service_folder_is_registered() -> None:
    """A new service's folder that the registry does not list would never run: caught here."""
    root = Path(services.__file__).parent
    folders = {p.parent.name for p in root.glob("*/service.py")}
    assert folders == set(REGISTRY)
