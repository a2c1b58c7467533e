"""``report.html``: the one page a person opens after a drill, instead of reading logs.

Self-contained on purpose (inline CSS and SVG, no script, no URL): it is opened from CI artefacts and
mail attachments, often offline. Every piece of data is escaped with :func:`esc` as it is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from secours.drills.report.style import CSS
from secours.drills.report.timeline import esc, fmt_duration, fmt_time, series_colour, timeline_svg, utc
from secours.drills.reportdata import CheckOutcome, Evidence, ReportData, Status

__all__ = ["MAX_EVIDENCE_ROWS", "report_html"]

MAX_EVIDENCE_ROWS = 20  # per check: enough to act on; the rest is one grep away in journal.jsonl
_STATUS_LABEL: dict[Status, str] = {"pass": "pass", "fail": "fail", "warn": "warn", "not_exercised": "not exercised"}


def _header(data: ReportData) -> str:
    verdict = data.verdict.upper()
    expectation = (
        '<span class="ok">✓ met</span> — the outcome is the one this drill expects'
        if data.expectation_met
        else '<span class="bad">✗ not met</span> — the outcome differs from what this drill expects'
    )
    scenarios = (
        "".join(f'<span class="tag mono">{esc(s)}</span>' for s in data.scenarios) or '<span class="muted">none</span>'
    )
    window = f"{fmt_time(data.sim_start)} → {fmt_time(data.sim_end)} UTC"
    length = fmt_duration((utc(data.sim_end) - utc(data.sim_start)).total_seconds())
    return (
        '<section class="head"><div class="what">'
        f'<div class="drill-id mono">drill {esc(data.drill)}</div><h1>{esc(data.title)}</h1>'
        f'<p class="desc">{esc(data.description.strip())}</p>'
        '<dl class="facts">'
        f"<dt>Expectation</dt><dd>{expectation}</dd>"
        f"<dt>Scenarios</dt><dd>{scenarios}</dd>"
        f"<dt>Simulated time</dt><dd>{esc(window)} <span class='muted'>({esc(length)})</span></dd>"
        f"<dt>Wall time</dt><dd>{data.wall_seconds:,.1f} s</dd>"
        + (f"<dt>Clock</dt><dd>{esc(data.clock)}</dd>" if data.clock else "")
        + (f"<dt>Played outside</dt><dd>{esc(data.external)}</dd>" if data.external else "")
        + f"<dt>Checks</dt><dd>{_tally(data.checks)}</dd>"
        "</dl></div>"
        f'<div class="badge {esc(data.verdict)}">{esc(verdict)}<small>verdict</small></div></section>'
    )


def _tally(checks: tuple[CheckOutcome, ...]) -> str:
    if not checks:
        return '<span class="muted">no checks were evaluated</span>'
    by_status = Counter(c.status for c in checks)
    expected = sum(1 for c in checks if c.status == "fail" and c.expected_failure)
    parts = []
    for status, label in _STATUS_LABEL.items():
        if n := by_status[status]:
            note = f" ({expected} expected)" if status == "fail" and expected else ""
            parts.append(f'<span class="chip {status}">{n} {label}</span>{note}')
    return " ".join(parts)


def _timeline(data: ReportData) -> str:
    legend = "".join(
        f'<span><span class="sw" style="background:{series_colour(i)}"></span>{esc(s.name)} '
        f'<b class="mono">{len(s.times):,}</b></span>'
        for i, s in enumerate(data.series)
    )
    return (
        "<section><h2>Timeline</h2>"
        f"{timeline_svg(data)}"
        + (f'<div class="legend">{legend}</div>' if legend else "")
        + _faults_table(data)
        + "</section>"
    )


def _faults_table(data: ReportData) -> str:
    # The bars show where faults are; this says exactly what and when, which tooltips cannot on paper.
    if not data.faults:
        return '<p class="empty">No faults were injected: every component was available throughout.</p>'
    rows = "".join(
        f"<tr><td class='mono'>{esc(f.id)}</td><td>{esc(f.label)}</td><td class='mono'>{esc(f.kind)}</td>"
        f"<td class='mono'>{esc(f.component)}</td><td>{esc(fmt_time(f.start))}</td>"
        f"<td>{esc(fmt_time(f.end) if f.end else 'still active at the end')}</td>"
        f"<td>{esc(fmt_duration((utc(f.end or data.sim_end) - utc(f.start)).total_seconds()))}</td></tr>"
        for f in data.faults
    )
    return (
        "<details open><summary>Faults injected</summary><table><tr><th>Id</th><th>Fault</th><th>Kind</th>"
        f"<th>Component</th><th>Start</th><th>End</th><th>Length</th></tr>{rows}</table></details>"
    )


def _evidence(evidence: tuple[Evidence, ...]) -> str:
    rows = "".join(
        f"<tr><td class='mono'>{esc(e.ce_id)}</td><td class='mono'>{esc(e.topic)}</td>"
        f"<td class='nowrap'>{esc(fmt_time(e.time))}</td><td>{esc(e.note)}</td></tr>"
        for e in evidence[:MAX_EVIDENCE_ROWS]
    )
    hidden = len(evidence) - MAX_EVIDENCE_ROWS
    more = f'<p class="more">… and {hidden:,} more (see the journal)</p>' if hidden > 0 else ""
    noun = "record" if len(evidence) == 1 else "records"
    return (
        f"<details><summary>Evidence: {len(evidence):,} {noun}</summary><table class='ev'><tr><th>CloudEvent id</th>"
        f"<th>Topic</th><th>Time</th><th>Note</th></tr>{rows}</table>{more}</details>"
    )


def _check_rows(check: CheckOutcome) -> str:
    status = esc(check.status)
    chip = f'<span class="chip {status}">{esc(_STATUS_LABEL.get(check.status, check.status))}</span>'
    if check.expected_failure:
        chip += ' <span class="chip expected" title="the drill stages this violation">expected</span>'
    row = (
        f'<tr data-check-id="{esc(check.id)}" data-status="{status}" class="st-{status}">'
        f"<td class='mono'>{esc(check.id)}</td><td class='mono'>{esc(check.scenario)}</td><td>{esc(check.title)}</td>"
        f"<td>{chip}</td><td>{esc(check.message)}</td></tr>"
    )
    if check.traceback:  # the check itself raised: what a developer needs to fix it
        return (
            f'{row}<tr class="ev-row st-{status}" data-traceback-for="{esc(check.id)}"><td></td>'
            f"<td colspan='4'><details open><summary>Traceback</summary><pre>{esc(check.traceback)}</pre>"
            "</details></td></tr>"
        )
    if not check.evidence:
        return row
    # Evidence gets a full-width row of its own: CloudEvent ids and topics are too long for a narrow column.
    return (
        f'{row}<tr class="ev-row st-{status}" data-evidence-for="{esc(check.id)}"><td></td>'
        f'<td colspan="4">{_evidence(check.evidence)}</td></tr>'
    )


def _checklist(checks: tuple[CheckOutcome, ...]) -> str:
    if not checks:
        body = '<tr><td colspan="5" class="empty">No checks were evaluated in this drill.</td></tr>'
    else:
        body = "".join(_check_rows(c) for c in checks)
    return (
        "<section><h2>Checklist</h2>"
        '<table id="checklist"><tr><th>Check</th><th>Scenario</th><th>Requirement</th><th>Status</th>'
        f"<th>Outcome</th></tr>{body}</table></section>"
    )


def _key_values(title: str, values: Mapping[str, str], empty: str) -> str:
    if not values:
        return f'<section><h2>{esc(title)}</h2><p class="empty">{esc(empty)}</p></section>'
    rows = "".join(f"<tr><td class='mono'>{esc(k)}</td><td class='num'>{esc(v)}</td></tr>" for k, v in values.items())
    return f"<section><h2>{esc(title)}</h2><table>{rows}</table></section>"


def _timing(seconds: float | None) -> str:
    if seconds is None:
        return "— (not reached)"
    return f"{seconds:,.0f} s ({fmt_duration(seconds)})" if seconds >= 60 else f"{seconds:,.1f} s"


def report_html(data: ReportData) -> str:
    counts = {k: f"{v:,}" for k, v in data.counts.items()}
    timings = {k: _timing(v) for k, v in data.timings.items()}
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=1140">'
        f"<title>{esc(data.verdict.upper())} — {esc(data.drill)}: {esc(data.title)}</title>"
        f"<style>{CSS}</style></head><body><main>"
        f"{_header(data)}{_timeline(data)}{_checklist(data.checks)}"
        '<div class="tables">'
        f"{_key_values('Counts', counts, 'No counts were recorded.')}"
        f"{_key_values('Timings (simulated)', timings, 'No timings were recorded.')}"
        "</div>"
        f"<footer>secours drill report · {esc(data.drill)} · simulated {esc(fmt_time(data.sim_start))} → "
        f"{esc(fmt_time(data.sim_end))} UTC</footer>"
        "</main></body></html>\n"
    )
