"""Drill files: what a drill runs (world, traffic, speed, seed), read from YAML and validated."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from secours.drills.oracle import REGISTRY as CHECKS
from secours.drills.procedure import ProcedureParams
from secours.drills.scenarios import SCENARIOS
from secours.errors import DrillFileError
from secours.faults.model import Fault
from secours.world import Params, RunConfig, Traffic, World
from secours.world.actors import is_selector, resolve_actor
from services import REGISTRY

__all__ = ["Drill", "check_targets", "load_drill"]


class Drill(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    drill: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", description="short id, used in reports")
    title: str = Field(description="one line for people: the outage and who does what")
    description: str = Field("", description="what the drill exercises, for the report and `drill list`")
    scenarios: tuple[str, ...] = Field((), description="scenario ids of PROCEDURES.md §10 whose checks judge the run")
    seed: int = Field(1, description="every random draw of the day's traffic (hauliers, timetable, timings)")
    speed: float = Field(
        1200.0, gt=0, description="simulated seconds per wall second, on the wall clock (--clock wall) only"
    )
    transit_s: float = Field(
        5.0,
        gt=0,
        le=600,
        description="on the stepped clock, simulated seconds a record takes from its writer to its readers",
    )
    start: str = Field("2026-03-02T00:00:00Z", description="simulated start of the run (UTC)")
    duration_hours: float = Field(24.0, gt=0, description="simulated length of the run")
    traffic: Traffic = Traffic()
    params: Params = Params()
    procedure: ProcedureParams = ProcedureParams()
    faults: tuple[Fault, ...] = Field((), description="the outages on the drill's timeline: see the README, Faults")
    expect_fail: tuple[str, ...] = Field(
        (),
        description="check ids this drill stages to fail; a warning-level check (its title says '(warn)') "
        "is staged to warn",
    )
    may_fail: dict[str, str] = Field(
        default_factory=dict,
        description="check ids the staged breach fails on some days and not on others, each with the reason "
        "(the day's traffic decides): the expectation holds whether they fail or not",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Drill:
        unknown = [s for s in self.scenarios if s not in SCENARIOS]
        if unknown:
            raise ValueError(f"unknown scenario {unknown[0]!r} (see PROCEDURES.md §10)")
        ids = [f.id for f in self.faults]
        dup = next((i for i in ids if ids.count(i) > 1), None)
        if dup:
            raise ValueError(f"fault id {dup!r} is used twice")
        for f in self.faults:
            check_targets(f)
        unknown_checks = [c for c in (*self.expect_fail, *self.may_fail) if c not in CHECKS]
        if unknown_checks:
            raise ValueError(f"expect_fail or may_fail names unknown check {unknown_checks[0]!r}")
        both = sorted(set(self.expect_fail) & set(self.may_fail))
        if both:
            raise ValueError(f"check {both[0]!r} is in expect_fail and in may_fail: it must fail, or it may")
        if self.may_fail and not self.expect_fail:
            raise ValueError("may_fail without expect_fail: only a staged breach may fail a check on some days")
        unexplained = [c for c, why in self.may_fail.items() if not why.strip()]
        if unexplained:
            raise ValueError(f"may_fail: say why {unexplained[0]!r} fails only on some days")
        return self

    def meets(self, failed: set[str]) -> bool:
        """The drill did what it declares: every staged check failed, and nothing else but what may."""
        return set(self.expect_fail) <= failed <= set(self.expect_fail) | set(self.may_fail)

    def run_config(self) -> RunConfig:
        return RunConfig.model_validate(
            {
                "seed": self.seed,
                "speed": self.speed,
                "transit_s": self.transit_s,
                "start": self.start,
                "duration_hours": self.duration_hours,
                "traffic": self.traffic,
                "params": self.params,
            }
        )


def check_targets(f: Fault) -> None:
    """A fault must name components that exist, and the kinds that hit a component must name one."""
    for name in (f.scope.component, *(f.scope.link or ())):
        if name is not None and name not in REGISTRY:
            raise ValueError(f"fault {f.id}: unknown component {name!r}; known: {', '.join(REGISTRY)}")
    problem = f.scope_problem()
    if problem is not None:
        raise ValueError(problem)


def _where(text: str, loc: tuple[int | str, ...], message: str) -> tuple[int | None, str]:
    """Best-effort line number and readable path of an error in a YAML document.

    Parts of pydantic's location that are not in the document (the tag of a fault kind) are left
    out; an error of the whole drill (a cross-field rule) is placed at the line holding the value
    its message quotes.
    """
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None, ""
    path: list[str] = []
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is not None:
                node = match
                path.append(str(part))
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            path.append(f"[{part}]")
    line = int(node.start_mark.line) + 1 if node is not None else None
    quoted = re.search(r"'([^']+)'", message)
    if not path and quoted:
        hit = next((n for n, row in enumerate(text.splitlines(), 1) if quoted.group(1) in row), None)
        line = hit or line
    return line, ".".join(path).replace(".[", "[")


def load_drill(path: Path) -> Drill:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DrillFileError(f"{path}: cannot read drill file: {exc.strerror}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise DrillFileError(f"{path}{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise DrillFileError(f"{path}: a drill file must be a mapping of fields, got {type(raw).__name__}")
    try:
        drill = Drill.model_validate(raw)
        drill.run_config()
    except PydanticValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        line, field = _where(text, loc, message)
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        what = f"field {field}: " if field else ""
        raise DrillFileError(f"{path}{f':{line}' if line else ''}: {what}{message}{more}") from None
    drill = _resolve_actors(drill, path, text)
    _check_faults_happen(drill, path, text)
    return drill


def _check_faults_happen(drill: Drill, path: Path, text: str) -> None:
    """A fault must be able to happen in the drill: start before its end, and hit something that runs
    in it. Otherwise the drill would pass without its outage ever happening, which proves nothing."""
    config = drill.run_config()
    origin = config.start
    end = origin + timedelta(hours=drill.duration_hours)

    def fail(loc: tuple[int | str, ...], message: str) -> DrillFileError:
        line, field = _where(text, loc, message)
        return DrillFileError(f"{path}{f':{line}' if line else ''}: field {field}: {message}")

    for i, fault in enumerate(drill.faults):
        start, _ = fault.span(origin)
        if start >= end:
            raise fail(("faults", i, "start"), f"fault {fault.id} starts at {fault.start}, at or after the end of the "
                       f"drill ({_hours(drill.duration_hours)}): it would never happen")  # fmt: skip
        names = [(("scope", "component"), fault.scope.component)]
        names += [(("scope", "link"), name) for name in fault.scope.link or ()]
        if fault.scope.actor is not None:
            names.append((("scope", "actor"), fault.scope.actor.partition(":")[0]))
        for loc, name in names:
            if name is not None and name in REGISTRY and not REGISTRY[name].needed(config):
                raise fail(("faults", i, *loc), f"fault {fault.id}: {name} does not run in this drill (its traffic "
                           "does not use it), so the fault would hit nothing")  # fmt: skip


def _hours(hours: float) -> str:
    return f"{hours:g}h"


def _resolve_actors(drill: Drill, path: Path, text: str) -> Drill:
    """Actor references made concrete against the drill's world (secours.world.actors): a selector
    (``trader:#3[direct]``) becomes the actor's id, an id the world does not have is an input error.
    Fault scopes take ``service:id``; staged parameters that list actors take the bare id."""
    world = World(drill.run_config())

    def fail(loc: tuple[int | str, ...], exc: ValueError) -> DrillFileError:
        line, field = _where(text, loc, str(exc))
        return DrillFileError(f"{path}{f':{line}' if line else ''}: field {field}: {exc}")

    faults = []
    for i, fault in enumerate(drill.faults):
        if fault.scope.actor is None:
            faults.append(fault)
            continue
        try:
            actor = resolve_actor(fault.scope.actor, world)
        except ValueError as exc:
            raise fail(("faults", i, "scope", "actor"), exc) from None
        faults.append(fault.model_copy(update={"scope": fault.scope.model_copy(update={"actor": actor})}))
    params: dict[str, object] = {}
    for name, value in drill.params:
        if isinstance(value, tuple) and any(isinstance(v, str) and is_selector(v) for v in value):
            try:
                params[name] = tuple(resolve_actor(v, world).partition(":")[2] if is_selector(v) else v for v in value)
            except ValueError as exc:
                raise fail(("params", name), exc) from None
    if params:
        drill = drill.model_copy(update={"params": drill.params.model_copy(update=params)})
    return drill.model_copy(update={"faults": tuple(faults)})
