"""The drill's timeline as one inline SVG: availability lanes, event lanes and the cumulative flow chart.

Everything shares one x axis (simulated time, sim_start to sim_end) so that a fault bar, the alert it
raised and the dip it caused in the ENS flow line up vertically. The SVG is built as text because the
page must be self-contained and the shapes are few; every piece of data goes through :func:`esc`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from html import escape

from secours.drills.reportdata import FaultSpan, Mark, ReportData, Series

__all__ = ["SERIES_COLOURS", "esc", "fmt_duration", "fmt_time", "series_colour", "timeline_svg", "utc"]

WIDTH = 1056  # the page's content box (1100 px minus the section's padding and border)
LABEL_W = 178  # left column for lane names
PLOT_X0 = LABEL_W
PLOT_X1 = WIDTH - 24
AXIS_H = 38
GROUP_H = 20
LANE_H = 28
BAR_H = 16
CHART_H = 190
CHAR_W = 6.3  # rough advance of an 11px sans-serif glyph: enough to decide whether a label fits

SERIES_COLOURS = ("#2563eb", "#ea580c", "#7c3aed", "#0d9488", "#be185d", "#65a30d", "#a16207", "#475569")
MARK_COLOURS = {"alerts": "#d97706", "assistance": "#2563eb"}
OTHER_MARK_COLOUR = "#7c3aed"


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def utc(t: datetime) -> datetime:
    """Naive datetimes are taken as UTC: the simulator's clock is UTC throughout."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def fmt_time(t: datetime | None) -> str:
    return "—" if t is None else utc(t).strftime("%Y-%m-%d %H:%M")


def fmt_duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 1:
        return f"{seconds:.0f} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def series_colour(index: int) -> str:
    return SERIES_COLOURS[index % len(SERIES_COLOURS)]


class _Scale:
    """Simulated time to x pixels; times outside the drill are pinned to its edges."""

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start = utc(start)
        self.end = max(utc(end), self.start + timedelta(seconds=1))  # a zero-length drill still draws
        self.span = (self.end - self.start).total_seconds()

    def x(self, t: datetime) -> float:
        frac = (utc(t) - self.start).total_seconds() / self.span
        return round(PLOT_X0 + min(max(frac, 0.0), 1.0) * (PLOT_X1 - PLOT_X0), 1)

    def ticks(self) -> tuple[list[datetime], list[datetime]]:
        """Labelled ticks on round clock times and unlabelled minor ones between them.

        Whole hours unless the drill is shorter than three hours; sparser hours (2, 3, 6 ...) once hourly
        labels would crowd each other (about 13 fit across the plot).
        """
        hours = self.span / 3600
        steps = (10, 15, 30, 60) if hours < 3 else (60,)
        step_min = next((s for s in (*steps, 120, 180, 240, 360, 720) if hours * 60 / s <= 13), 0)
        if step_min == 0:
            step_min = 1440 * math.ceil(hours / 24 / 13)
        minor_min = 60 if step_min > 60 else step_min // 2
        minor = self._every(minor_min * 60) if hours * 60 / minor_min <= 60 else []
        return self._every(step_min * 60), minor

    def _every(self, step_s: int) -> list[datetime]:
        # Aligned to the Unix epoch, i.e. to UTC midnight, so ticks fall on round clock times.
        first = math.ceil(self.start.timestamp() / step_s) * step_s
        return [datetime.fromtimestamp(s, UTC) for s in range(first, int(self.end.timestamp()) + 1, step_s)]


def _text(x: float, y: float, text: str, cls: str, anchor: str = "start") -> str:
    return f'<text x="{x}" y="{y}" class="{cls}" text-anchor="{anchor}">{esc(text)}</text>'


def _fits(text: str, width: float) -> str:
    """The text cut to roughly ``width`` pixels, or '' when not even a few characters fit."""
    chars = int(width / CHAR_W)
    if chars >= len(text):
        return text
    return text[: chars - 1] + "…" if chars >= 5 else ""


def _group(y: float, title: str) -> str:
    return _text(4, y + 14, title.upper(), "tl-group") + f'<line x1="0" x2="{WIDTH}" y1="{y}" y2="{y}" class="tl-sep"/>'


def _fault_bar(scale: _Scale, fault: FaultSpan, y: float, end: datetime) -> str:
    x0 = scale.x(fault.start)
    x1 = max(scale.x(fault.end or end), x0 + 2)  # an instantaneous fault must still be visible
    top = y + (LANE_H - BAR_H) / 2
    until = "end of drill (still active)" if fault.end is None else fmt_time(fault.end)
    length = (utc(fault.end or end) - utc(fault.start)).total_seconds()
    tip = f"{fault.label} — {fault.kind} ({fault.id})\n{fmt_time(fault.start)} → {until}, {fmt_duration(length)}"
    parts = [
        f'<g class="tl-fault"><title>{esc(tip)}</title>',
        f'<rect x="{x0}" y="{top}" width="{x1 - x0:.1f}" height="{BAR_H}" class="tl-down"/>',
        f'<rect x="{x0}" y="{top}" width="{x1 - x0:.1f}" height="{BAR_H}" fill="url(#tl-hatch)"/>',
    ]
    # The label goes inside the bar when it fits, else beside it on whichever side has room.
    base = top + BAR_H - 4
    if len(fault.label) * CHAR_W <= x1 - x0 - 8:
        parts.append(_text(x0 + 4, base, fault.label, "tl-flabel-in"))
    elif PLOT_X1 - x1 >= x0 - PLOT_X0:
        parts.append(_text(x1 + 4, base, _fits(fault.label, PLOT_X1 - x1 - 6), "tl-flabel halo"))
    else:
        parts.append(_text(x0 - 4, base, _fits(fault.label, x0 - PLOT_X0 - 6), "tl-flabel halo", "end"))
    parts.append("</g>")
    return "".join(parts)


def _availability(scale: _Scale, data: ReportData, y: float) -> tuple[list[str], float]:
    # A fault on a component the runner did not list still gets a lane: hiding it would hide the fault.
    lanes = list(data.components) + sorted({f.component for f in data.faults} - set(data.components))
    out = [_group(y, "Availability")]
    y += GROUP_H
    if not lanes:
        return [*out, _text(PLOT_X0, y + 18, "No components were tracked.", "tl-empty halo")], y + LANE_H
    for lane in lanes:
        top = y + (LANE_H - BAR_H) / 2
        out.append(_text(LABEL_W - 10, y + LANE_H / 2 + 4, _fits(lane, LABEL_W - 14), "tl-lane", "end"))
        out.append(
            f'<rect x="{PLOT_X0}" y="{top}" width="{PLOT_X1 - PLOT_X0}" height="{BAR_H}" class="tl-up">'
            f"<title>{esc(lane)}: available unless a fault is shown</title></rect>"
        )
        out.extend(_fault_bar(scale, f, y, scale.end) for f in data.faults if f.component == lane)
        y += LANE_H
    return out, y


def _mark_lanes(scale: _Scale, marks: Iterable[Mark], y: float) -> tuple[list[str], float]:
    by_lane: dict[str, list[Mark]] = {}
    for mark in marks:
        by_lane.setdefault(mark.lane, []).append(mark)
    out = [_group(y, "Events")]
    y += GROUP_H
    if not by_lane:
        return [*out, _text(PLOT_X0, y + 18, "No alerts, assistance requests or notices.", "tl-empty halo")], y + LANE_H
    for lane, lane_marks in by_lane.items():
        colour = MARK_COLOURS.get(lane, OTHER_MARK_COLOUR)
        cy = y + LANE_H / 2
        out.append(_text(LABEL_W - 10, cy + 4, _fits(lane, LABEL_W - 14), "tl-lane", "end"))
        out.append(f'<line x1="{PLOT_X0}" x2="{PLOT_X1}" y1="{cy}" y2="{cy}" class="tl-track"/>')
        ordered = sorted(lane_marks, key=lambda m: utc(m.time))
        xs = [scale.x(m.time) for m in ordered]
        for i, (mark, x) in enumerate(zip(ordered, xs, strict=True)):
            tip = f"{fmt_time(mark.time)} — {mark.label}"
            out.append(
                f'<g><title>{esc(tip)}</title><path d="M{x} {cy - 6}l6 6l-6 6l-6-6z" fill="{colour}" class="tl-mark"/>'
            )
            # Labels are written out only where the gap to the next mark leaves room; the rest keep their tooltip.
            room = (xs[i + 1] if i + 1 < len(xs) else PLOT_X1 + 20) - x - 18
            if label := _fits(mark.label, room):
                out.append(_text(x + 9, cy + 4, label, "tl-mlabel halo"))
            out.append("</g>")
        y += LANE_H
    return out, y


def _nice_max(n: int) -> tuple[int, int]:
    """A round top for the y axis and the step between its ticks (1, 2 or 5 times a power of ten)."""
    raw = max(n, 1) / 5
    power = 10 ** math.floor(math.log10(raw))
    step = max(1, next(m * power for m in (1, 2, 5, 10) if m * power >= raw))
    return int(step * math.ceil(max(n, 1) / step)), int(step)


def _step_path(scale: _Scale, times: Iterable[datetime], y0: float, k: float) -> str:
    """A cumulative count as a step line: flat between events, ``k`` pixels up per event.

    Events that fall on the same x (same 0.1 px) become one step, so a busy day's path stays a few
    hundred segments long instead of one per event.
    """
    d = [f"M{PLOT_X0} {y0}"]
    last_x, count = None, 0
    for t in sorted(utc(t) for t in times):
        x = scale.x(t)
        if x != last_x and count:
            d.append(f"V{round(y0 - count * k, 1)}")
        if x != last_x:
            d.append(f"H{x}")
            last_x = x
        count += 1
    if count:
        d.append(f"V{round(y0 - count * k, 1)}")
    d.append(f"H{PLOT_X1}")
    return "".join(d)


def _chart(scale: _Scale, data: ReportData, y: float) -> tuple[list[str], float]:
    out = [_group(y, "Cumulative flow")]
    y += GROUP_H + 10
    if not data.series:
        return [*out, _text(PLOT_X0, y + 14, "No flow series were recorded.", "tl-empty halo")], y + LANE_H
    top, bottom = y, y + CHART_H
    y_max, y_step = _nice_max(max(len(s.times) for s in data.series))
    k = CHART_H / y_max
    for f in data.faults:  # faint bands: a stalled flow lines up with the fault that stalled it
        x0, x1 = scale.x(f.start), scale.x(f.end or scale.end)
        out.append(f'<rect x="{x0}" y="{top}" width="{max(x1 - x0, 1):.1f}" height="{CHART_H}" class="tl-band"/>')
    for v in range(0, y_max + 1, y_step):
        yy = round(bottom - v * k, 1)
        out.append(f'<line x1="{PLOT_X0}" x2="{PLOT_X1}" y1="{yy}" y2="{yy}" class="tl-hgrid"/>')
        out.append(_text(PLOT_X0 - 6, yy + 4, f"{v:,}", "tl-ylabel", "end"))
    for i, series in enumerate(data.series):
        out.append(
            f'<path d="{_step_path(scale, series.times, bottom, k)}" stroke="{series_colour(i)}" class="tl-line">'
            f"<title>{esc(_series_tip(series))}</title></path>"
        )
    out.append(f'<line x1="{PLOT_X0}" x2="{PLOT_X1}" y1="{bottom}" y2="{bottom}" class="tl-axis"/>')
    # The top axis is a few hundred pixels up by now: repeat the clock times under the chart.
    out.extend(_text(scale.x(t), bottom + 14, t.strftime("%H:%M"), "tl-tick", "middle") for t in scale.ticks()[0])
    return out, bottom + 18


def _series_tip(series: Series) -> str:
    return f"{series.name}: {len(series.times):,} in total"


def _grid_bottom(data: ReportData, y: float) -> float:
    """Where vertical grid lines stop: at the chart's base line, above the clock labels under it."""
    return y - 18 if data.series else y - 8


def _axis(scale: _Scale, bottom: float) -> list[str]:
    major, minor = scale.ticks()
    out = [
        f'<line x1="{scale.x(t)}" x2="{scale.x(t)}" y1="{AXIS_H - 4}" y2="{bottom}" class="tl-minor"/>' for t in minor
    ]
    last_day = ""
    for t in major:
        x = scale.x(t)
        out.append(f'<line x1="{x}" x2="{x}" y1="{AXIS_H - 6}" y2="{bottom}" class="tl-grid"/>')
        out.append(_text(x, AXIS_H - 10, t.strftime("%H:%M"), "tl-tick", "middle"))
        if (day := t.strftime("%Y-%m-%d")) != last_day:  # the date only where it changes
            # Centred like the clock time, except at the right edge, where it would be cut off.
            out.append(_text(min(x, WIDTH - 34), AXIS_H - 24, day, "tl-day", "middle"))
            last_day = day
    out.append(_text(4, AXIS_H - 10, "UTC, simulated", "tl-group"))
    return out


def timeline_svg(data: ReportData) -> str:
    scale = _Scale(data.sim_start, data.sim_end)
    body, y = _availability(scale, data, AXIS_H)
    marks, y = _mark_lanes(scale, data.marks, y + 6)
    chart, y = _chart(scale, data, y + 6)
    height = y + 4
    defs = (
        '<defs><pattern id="tl-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="3" height="6" fill="#ffffff" fill-opacity="0.28"/></pattern></defs>'
    )
    # No xmlns: inline SVG in HTML needs none, and the page must not mention any URL.
    return (
        f'<svg id="timeline" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="Timeline of the drill">'
        f"{defs}{''.join(_axis(scale, _grid_bottom(data, y)))}{''.join(body)}{''.join(marks)}{''.join(chart)}</svg>"
    )
