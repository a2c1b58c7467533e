"""The report page's stylesheet, inlined into the page so that one file is the whole report.

System fonts only: the page is read offline, from CI artefacts, and must not fetch anything.
"""

from __future__ import annotations

__all__ = ["CSS"]

CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --bg: #f5f7fa; --card: #ffffff;
  --pass: #15803d; --fail: #b91c1c; --warn: #b45309; --skip: #6b7280; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { width: 1100px; margin: 0 auto; padding: 24px 0 40px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 18px 20px;
  margin-bottom: 18px; }
h1 { font-size: 24px; margin: 2px 0 6px; }
h2 { font-size: 16px; margin: 0 0 12px; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: 12.5px; }
.muted { color: var(--muted); }
.empty { color: var(--muted); font-style: italic; margin: 4px 0; }
.head { display: flex; gap: 24px; align-items: flex-start; }
.head .what { flex: 1; }
.drill-id { color: var(--muted); font-size: 13px; letter-spacing: .04em; }
.badge { min-width: 150px; text-align: center; border-radius: 10px; padding: 10px 18px; color: #fff;
  font-size: 34px; font-weight: 800; letter-spacing: .08em; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); }
.badge small { display: block; font-size: 12px; font-weight: 600; letter-spacing: .02em; opacity: .92; }
.desc { margin: 8px 0 12px; max-width: 760px; white-space: pre-line; }
.facts { display: grid; grid-template-columns: 150px 1fr; gap: 4px 12px; margin: 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; }
.tag { display: inline-block; border: 1px solid var(--line); background: #f0f4f8; border-radius: 4px;
  padding: 0 6px; margin: 0 4px 2px 0; font-size: 12.5px; }
.tally { margin-top: 10px; }
.chip { display: inline-block; border-radius: 999px; padding: 1px 9px; font-size: 12px; font-weight: 600;
  color: #fff; white-space: nowrap; }
.chip.pass { background: var(--pass); } .chip.fail { background: var(--fail); }
.chip.warn { background: var(--warn); } .chip.not_exercised { background: var(--skip); }
.chip.expected { background: #fff; color: var(--fail); border: 1px solid var(--fail); padding: 0 7px; }
.ok { color: var(--pass); font-weight: 600; } .bad { color: var(--fail); font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
#checklist tr.st-fail > td { background: #fef2f2; } #checklist tr.st-warn > td { background: #fffbeb; }
#checklist tr[data-check-id] > td:first-child { white-space: nowrap; font-weight: 600; }
#checklist tr[data-check-id]:has(+ tr.ev-row) > td { border-bottom: none; }
#checklist tr.ev-row > td { padding-top: 0; }
details summary { cursor: pointer; color: #1d4ed8; white-space: nowrap; font-size: 13px; }
table.ev { margin: 4px 0 2px; font-size: 12px; background: #fff; border: 1px solid var(--line); }
table.ev td, table.ev th { padding: 3px 8px; } .nowrap { white-space: nowrap; }
.more { color: var(--muted); font-size: 12px; margin: 4px 0 0; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 22px; margin: 6px 0 10px 178px; }
.legend span.sw { display: inline-block; width: 16px; height: 3px; vertical-align: middle; margin-right: 6px; }
.tables { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
.tables section { margin: 0; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 18px; }
/* timeline */
#timeline { display: block; font-family: inherit; }
#timeline text { font-size: 11px; fill: var(--ink); }
#timeline .tl-group { fill: var(--muted); font-size: 10px; font-weight: 700; letter-spacing: .08em; }
#timeline .tl-sep { stroke: var(--line); }
#timeline .tl-lane { font-size: 12px; }
#timeline .tl-tick { fill: var(--muted); } #timeline .tl-day { fill: var(--ink); font-weight: 600; }
#timeline .tl-ylabel { fill: var(--muted); font-size: 10px; }
#timeline .tl-grid { stroke: #cbd2d9; stroke-width: 1; }
#timeline .tl-minor { stroke: #eef1f4; stroke-width: 1; }
#timeline .tl-hgrid { stroke: #eef1f4; } #timeline .tl-axis { stroke: #9aa5b1; }
#timeline .tl-up { fill: #4ca46b; }
#timeline .tl-down { fill: #d64545; }
#timeline .tl-flabel-in { fill: #fff; font-weight: 600; } #timeline .tl-flabel { fill: #9b1c1c; font-weight: 600; }
#timeline .tl-track { stroke: #d9e2ec; stroke-dasharray: 2 3; }
#timeline .tl-mark { stroke: #fff; stroke-width: 1; } #timeline .tl-mlabel { font-size: 10.5px; }
#timeline .tl-band { fill: #d64545; fill-opacity: .08; }
#timeline .tl-line { fill: none; stroke-width: 2; }
#timeline .tl-empty { fill: var(--muted); font-style: italic; }
/* A white outline keeps labels legible where they cross bars and grid lines. */
#timeline .halo { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
@media print { body { background: #fff; } section { border: none; } details { display: block; } }
"""
