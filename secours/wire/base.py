"""The bases of every wire model, and the registry their classes fill as they are created.

Every subclass of :class:`WireModel` (a record, or a base of records) and of :class:`_Part` (a
nested data type) is noted, in the order its class was written, when pydantic has finished building
it. :func:`classes_of` and :func:`records_of` read that registry back, module by module: the package
(:mod:`secours.wire`) builds ``MODELS``, ``EVIDENCE_MODELS`` and ``__all__`` from them.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

_CLASSES: list[type[BaseModel]] = []
"""Every subclass of WireModel and _Part, in the order of creation (aiokafka builds its error registry
from the subclasses of its base error the same way)."""


class WireModel(BaseModel):
    """Base of every record: immutable, and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_name: ClassVar[str]
    ce_type: ClassVar[str]
    # What a drill's timings and report read this record as, declared by the record type itself so
    # that a new scenario's evidence is counted without a list elsewhere to keep up to date:
    # "detection" (someone noticed the outage and said so: time_to_detect_s) or "fallback" (a
    # fallback action: time_to_fall_back_s); ``timeline_lane`` puts it on the report's timeline.
    timing_mark: ClassVar[Literal["detection", "fallback"] | None] = None
    timeline_lane: ClassVar[str | None] = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        _CLASSES.append(cls)


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        _CLASSES.append(cls)


def classes_of(*modules: ModuleType) -> tuple[type[BaseModel], ...]:
    """The wire classes written in ``modules``: module by module, each module's in the order written."""
    return tuple(cls for module in modules for cls in _CLASSES if cls.__module__ == module.__name__)


def records_of(*modules: ModuleType) -> tuple[type[WireModel], ...]:
    """The record types written in ``modules``, in the order of :func:`classes_of`: the WireModels that
    name their own schema (one that does not, like ``EnsFiling``, is a base of records)."""
    return tuple(cls for cls in classes_of(*modules) if issubclass(cls, WireModel) and "schema_name" in vars(cls))
