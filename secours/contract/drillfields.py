"""docs/drill-fields.md: every field a drill file takes, generated from the models that read it.

A person writing a drill (a continuity team, a trainer) needs the name, type, default and meaning of
every knob without reading our code; the models already carry all of it, so the reference is written
from them and a test keeps the committed file equal to what this module produces.
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from secours.drills.model import Drill
from secours.drills.procedure import ProcedureParams
from secours.world.base import ServiceParams
from secours.world.config import Params, Traffic
from secours.world.delta import DeltaParams
from secours.world.ecs import EcsParams
from secours.world.fallback import FallbackParams
from secours.world.ics2 import Ics2Params
from secours.world.luccs import LuccsParams

__all__ = ["drill_fields_markdown"]

REGENERATE = "secours drill fields --out docs/drill-fields.md"

# The sections of the reference: the key under which a drill file holds the fields, and the models
# whose own fields they are (params is one flat mapping made of one model per family of actors).
_SECTIONS: tuple[tuple[str, str, tuple[type[BaseModel], ...]], ...] = (
    ("", "The drill itself (top level)", (Drill,)),
    ("traffic", "`traffic`: how much traffic, and of which kind", (Traffic,)),
    ("params", "`params`: services", (ServiceParams,)),
    ("params", "`params`: ICS2 actors", (Ics2Params,)),
    ("params", "`params`: the fallback procedures (detection, alerts, notices, requests)", (FallbackParams,)),
    ("params", "`params`: Luxembourg (LUCCS)", (LuccsParams,)),
    ("params", "`params`: Delta (French import clearance)", (DeltaParams,)),
    ("params", "`params`: ECS (export and exit)", (EcsParams,)),
    ("params", "`params`: customs offices", (Params,)),
    ("procedure", "`procedure`: deadlines of the procedures (PROCEDURES.md §2)", (ProcedureParams,)),
)
_NESTED = {"traffic", "params", "procedure"}  # top-level fields described by a section of their own


def _type(annotation: Any) -> str:
    """A type as a drill writer reads it: `list of: a, b` for a tuple of named choices, etc."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type(args[0])
    if args and all(isinstance(a, type) and issubclass(a, BaseModel) for a in args):
        return "fault (its `kind` and that kind's fields)"  # the one union of models: the fault kinds
    if origin is typing.Literal:
        return " | ".join(f"`{a}`" for a in args)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return " | ".join(f"`{m.value}`" for m in annotation)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return f"list of {_type(args[0])}"
        return "[" + ", ".join(_type(a) for a in args) + "]"
    if origin is dict:
        return f"mapping {_type(args[0])} → {_type(args[1])}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join("none" if a is type(None) else _type(a) for a in args)
    if isinstance(annotation, type):
        return {"str": "text", "float": "number", "int": "integer", "bool": "true/false"}.get(
            annotation.__name__, annotation.__name__
        )
    return str(annotation)


def _default(info: FieldInfo) -> str:
    if info.default is PydanticUndefined:
        return "required" if info.default_factory is None else "`{}`"
    value = info.default
    if isinstance(value, BaseModel):
        return "see below"
    if isinstance(value, tuple):
        return "`[" + ", ".join(str(v) for v in value) + "]`"
    if value is None:
        return "none"
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    return f"`{value}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _own_fields(model: type[BaseModel]) -> list[tuple[str, FieldInfo]]:
    """The fields a model declares itself (a family's params, not those it inherits)."""
    own = inspect.get_annotations(model)
    return [(name, info) for name, info in model.model_fields.items() if name in own]


def drill_fields_markdown() -> str:
    lines = [
        "# Drill file fields",
        "",
        f"<!-- Generated from the models that read drill files: `{REGENERATE}`. Do not edit by hand. -->",
        "",
        "Every field a drill file (YAML) takes, with its type, default and meaning. Durations of",
        "`procedure` are written as in drill files (`30m`, `2h`); seconds are simulated seconds; a pair",
        '`[a, b]` is a range a value is drawn from. Faults are described in the README ("Faults").',
        "A field a drill does not give keeps its default; an unknown field is an error that names it.",
    ]
    for key, heading, models in _SECTIONS:
        lines += ["", f"## {heading}", "", "| field | type | default | meaning |", "| --- | --- | --- | --- |"]
        for model in models:
            for name, info in _own_fields(model):
                if not key and name in _NESTED:
                    continue
                path = f"{key}.{name}" if key else name
                kind = "duration" if key == "procedure" and info.annotation is str else _type(info.annotation)
                lines.append(
                    f"| `{path}` | {_cell(kind)} | {_cell(_default(info))} | {_cell(info.description or '')} |"
                )
    return "\n".join(lines) + "\n"
