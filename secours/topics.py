"""The topic catalogue, loaded from ``topics.yaml`` and checked against ``schemas/``.

Topic names are logical (``ics2.t2c``); templated names (``ics2.c2t.{eori}``) expand once per
EORI or provider of a run. The bus adds the run's prefix, so services never see physical names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from secours.errors import ContractError
from secours.resources import topics_file

__all__ = ["TopicCatalog", "TopicSpec", "default_topics_file"]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def default_topics_file() -> Path:
    return topics_file()


class TopicSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str
    partitions: int = Field(ge=1)
    key: str
    values: tuple[str, ...] = Field(min_length=1)
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    cleanup: str = "delete"
    when_down: Literal["wait", "refuse"] = "wait"
    # A people's channel: untouched by a "down" fault of the actor's IT system. "sender": only the
    # sender's side is (a web portal its staff use by hand while their own system is down, but one
    # that goes down with the system that serves it).
    out_of_band: bool | Literal["sender"] = False

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(_PLACEHOLDER.findall(self.name))

    def expand(self, **values: str) -> str:
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], self.name)

    def matches(self, name: str) -> bool:
        pattern = "^" + _PLACEHOLDER.sub(r"[^.]+", re.escape(self.name).replace(r"\{", "{").replace(r"\}", "}"))
        return re.match(pattern + "$", name) is not None


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topics: tuple[TopicSpec, ...]


class TopicCatalog:
    def __init__(self, specs: Iterable[TopicSpec]) -> None:
        self.specs: dict[str, TopicSpec] = {s.name: s for s in specs}
        self._accepted_cache: dict[str, frozenset[str]] = {}
        self._spec_cache: dict[str, TopicSpec] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> TopicCatalog:
        path = path or default_topics_file()
        try:
            raw = yaml.safe_load(path.read_text())
            return cls(_File.model_validate(raw).topics)
        except (OSError, yaml.YAMLError, PydanticValidationError) as exc:
            raise ContractError(f"{path}: invalid topic catalogue: {exc}") from exc

    def check_schemas(self, schema_names: frozenset[str]) -> None:
        for spec in self.specs.values():
            unknown = [v for v in spec.values if v not in schema_names]
            if unknown:
                raise ContractError(f"topic {spec.name} names unknown schemas: {', '.join(unknown)}")

    def spec_for(self, name: str) -> TopicSpec:
        """The spec of a concrete logical name (``ics2.c2t.FR123`` -> ``ics2.c2t.{eori}``)."""
        spec = self._spec_cache.get(name) or self.specs.get(name)
        if spec is not None:
            return spec
        for candidate in self.specs.values():
            if candidate.placeholders and candidate.matches(name):
                self._spec_cache[name] = candidate
                return candidate
        raise ContractError(f"topic {name!r} is not declared in topics.yaml")

    def accepted(self, name: str) -> frozenset[str]:
        cached = self._accepted_cache.get(name)
        if cached is None:
            cached = frozenset(self.spec_for(name).values)
            self._accepted_cache[name] = cached
        return cached

    def concrete(self, variables: Mapping[str, Iterable[str]]) -> list[tuple[str, TopicSpec]]:
        """Every concrete topic of a run, templated names expanded with the run's ids."""
        out: list[tuple[str, TopicSpec]] = []
        for spec in self.specs.values():
            if not spec.placeholders:
                out.append((spec.name, spec))
                continue
            (var,) = spec.placeholders
            out.extend((spec.expand(**{var: v}), spec) for v in sorted(set(variables.get(var, ()))))
        return out
