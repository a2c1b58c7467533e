"""One drill on many seeds: ``secours drill sweep``.

A drill's verdict must not depend on its seed (the day's traffic it draws). A sweep writes one
variant of the drill file per seed (the file unchanged but for its seed and, if asked, its volume
and its faults' start) and runs them all with the catalogue's machinery
(:func:`secours.drills.catalogue.run_catalogue`): one process per run, several at once, one broker.

The variation of a run is drawn from its seed alone (:func:`secours.rand.draw`), so the same
command gives the same runs, and a variant file kept from a sweep reruns exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from secours.drills.model import Drill
from secours.rand import draw
from secours.world import Traffic

__all__ = [
    "VARY",
    "VOLUME_FIELDS",
    "Variation",
    "format_offset",
    "parse_vary",
    "variant_text",
    "variation",
]

# What --vary accepts.
VARY = ("volume", "fault-start")
# The traffic fields that count messages: scaling them changes the day's load, not who is in the
# world. The actors (traders, providers, operators, exporters...) stay as they are, since faults
# and staged parameters name them by rank.
VOLUME_FIELDS = ("consignments", "lu_declarations", "delta_declarations", "exports")
VOLUME_RANGE = (0.5, 3.0)
SHIFT_MINUTES = 60


@dataclass(frozen=True)
class Variation:
    """What a run changes in the drill besides its seed."""

    seed: int
    volume_factor: float | None = None  # None: volume as in the file
    traffic: tuple[tuple[str, int], ...] = ()  # the scaled fields, with their new values
    fault_shift_minutes: int | None = None  # None: faults as in the file
    fault_starts: tuple[tuple[int, str, str | None], ...] = ()  # (fault index, new start, new end or None)

    def label(self) -> str:
        parts = []
        if self.volume_factor is not None:
            parts.append(f"volume ×{self.volume_factor:g}")
        if self.fault_shift_minutes is not None:
            parts.append(f"faults {self.fault_shift_minutes:+d}m" if self.fault_starts else "no fault to shift")
        return ", ".join(parts) or "seed only"


def parse_vary(text: str) -> tuple[str, ...]:
    """``volume,fault-start`` -> its items; ValueError naming an unknown one."""
    items = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [i for i in items if i not in VARY]
    if unknown:
        raise ValueError(f"unknown item {unknown[0]!r} (known: {', '.join(VARY)})")
    return items


def variation(drill: Drill, seed: int, vary: Sequence[str]) -> Variation:
    """The run of ``drill`` on ``seed``: its volume factor and fault shift, drawn from the seed only."""
    factor: float | None = None
    traffic: list[tuple[str, int]] = []
    if "volume" in vary:
        lo, hi = VOLUME_RANGE
        factor = round(lo + (hi - lo) * draw(seed, "sweep", "volume"), 1)
        for name in VOLUME_FIELDS:
            value = getattr(drill.traffic, name)
            if not isinstance(value, int) or value == 0:
                continue  # a drill without that traffic stays without it
            traffic.append((name, _clip(name, max(1, round(value * factor)))))
    shift: int | None = None
    starts: list[tuple[int, str, str | None]] = []
    if "fault-start" in vary:
        shift = 0
        if drill.faults:
            shift, starts = _shifted_faults(drill, seed)
    return Variation(seed, factor, tuple(traffic), shift, tuple(starts))


def _clip(name: str, value: int) -> int:
    """A scaled count within what the traffic model accepts (its ``le`` bound)."""
    for meta in Traffic.model_fields[name].metadata:
        bound = getattr(meta, "le", None)
        if isinstance(bound, int):
            return min(value, bound)
    return value


def _shifted_faults(drill: Drill, seed: int) -> tuple[int, list[tuple[int, str, str | None]]]:
    """One offset for every fault (their order and overlaps stay as the drill stages them), drawn
    within ±1 h and within what keeps each fault inside the drill: starting at or after its start,
    ending by its end (one that never ends: starting a minute before it). Faults with no room to
    move stay where they are (offset 0)."""
    origin = drill.run_config().start
    end_of_drill = origin + timedelta(hours=drill.duration_hours)
    spans = [f.span(origin) for f in drill.faults]
    earliest = max(-SHIFT_MINUTES, *(_minutes_up(origin - start) for start, _ in spans))
    ends = [end if end is not None else start + timedelta(minutes=1) for start, end in spans]
    latest = min(SHIFT_MINUTES, *(_minutes_down(end_of_drill - end) for end in ends))
    shift = 0 if earliest > latest else earliest + int(draw(seed, "sweep", "fault-start") * (latest - earliest + 1))
    delta = timedelta(minutes=shift)
    moved = []
    for i, (fault, (start, end)) in enumerate(zip(drill.faults, spans, strict=True)):
        new_end = format_offset(end + delta - origin) if fault.end is not None and end is not None else None
        moved.append((i, format_offset(start + delta - origin), new_end))
    return shift, moved


def _minutes_up(d: timedelta) -> int:
    """Whole minutes, rounded towards +inf (the earliest shift must not start a fault too early)."""
    return -int((-d.total_seconds()) // 60)


def _minutes_down(d: timedelta) -> int:
    return int(d.total_seconds() // 60)


def format_offset(d: timedelta) -> str:
    """A non-negative offset as a drill file writes it: ``2h23m``, ``45m``, ``0s``."""
    total = round(d.total_seconds())
    if total < 0:
        raise ValueError(f"negative offset {d}")
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{seconds}s" if seconds else "")
    return text or "0s"


def variant_text(text: str, v: Variation) -> str:
    """The drill file's text for the run ``v``: only the fields the variation changes are edited
    in place, so comments and layout stay and the file reads as the drill it came from."""
    edits: list[tuple[tuple[str | int, ...], Any]] = [(("seed",), v.seed)]
    edits += [(("traffic", name), value) for name, value in v.traffic]
    for i, start, end in v.fault_starts:
        edits.append((("faults", i, "start"), start))
        if end is not None:
            edits.append((("faults", i, "end"), end))
    expected = yaml.safe_load(text)
    for path, value in edits:
        _set(expected, path, value)
    edited = text
    for path, value in edits:
        edited = _edit(edited, path, value)
    if yaml.safe_load(edited) == expected:
        return edited
    # A layout the in-place edit does not handle (flow-style mappings): the same content, rewritten.
    return yaml.safe_dump(expected, sort_keys=False, allow_unicode=True)


def _set(doc: Any, path: tuple[str | int, ...], value: Any) -> None:
    for part in path[:-1]:
        if isinstance(part, str) and part not in doc:
            doc[part] = {}
        doc = doc[part]
    doc[path[-1]] = value


def _scalar(value: Any) -> str:
    if isinstance(value, str) and not re.fullmatch(r"[0-9][0-9hms.]*", value):
        return json.dumps(value)
    return str(value)


def _edit(text: str, path: tuple[str | int, ...], value: Any) -> str:
    """``text`` with the value at ``path`` replaced, or the missing key added to its block mapping."""
    node = yaml.compose(text)
    for depth, part in enumerate(path):
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part]
            continue
        if not isinstance(node, yaml.MappingNode) or not node.value:
            return text  # left to the caller's check
        child = next((v for k, v in node.value if k.value == part), None)
        if child is None:  # insert the key before the mapping's first key, at its column
            rest = path[depth + 1 :]
            new: Any = value
            for key in reversed(rest):
                new = {key: new}
            first = node.value[0][0].start_mark
            line = f"{part}: {json.dumps(new) if rest else _scalar(new)}\n{' ' * first.column}"
            return text[: first.index] + line + text[first.index :]
        node = child
    if not isinstance(node, yaml.ScalarNode):
        return text
    return text[: node.start_mark.index] + _scalar(value) + text[node.end_mark.index :]


@dataclass(frozen=True)
class SweepRow:
    """One run of a sweep, as the table and sweep.json show it."""

    seed: int
    variation: str
    volume_factor: float | None
    fault_shift_minutes: int | None
    verdict: str
    failed: tuple[str, ...]
    expectation_met: bool
    exit_code: int
    wall_seconds: float
    file: str
    out: str
    error: str = ""
    repro: str = ""


def failed_checks(out: Path) -> tuple[str, ...]:
    """The ids of the checks a run failed, from its summary.json (none when it broke before judging)."""
    try:
        summary = json.loads((out / "summary.json").read_text())
    except (OSError, ValueError):
        return ()
    return tuple(sorted(c["id"] for c in summary.get("checks", []) if c.get("status") == "fail"))


def table(rows: Sequence[SweepRow]) -> list[str]:
    """The sweep's table, one line a run, columns aligned."""
    head = ("seed", "variation", "verdict", "failed checks", "as declared", "wall")
    body = [
        (
            str(r.seed),
            r.variation,
            r.verdict.upper(),
            ", ".join(r.failed) or "-",
            "yes" if r.expectation_met else "NO",
            f"{r.wall_seconds:.1f} s",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in (head, *body)) for i in range(len(head))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in (head, *body)]
