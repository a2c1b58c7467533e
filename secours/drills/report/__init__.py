# Layout of secours.drills.report — renderings of one ReportData (secours/drills/reportdata.py):
#   __init__.py   write_reports: junit.xml and report.html into a run's folder
#   junit.py      junit_xml: one testsuite per drill, one testcase per check
#   html.py       report_html: the self-contained page (header, timeline, checklist, counts, timings)
#   timeline.py   the page's inline SVG (availability, events, cumulative flow) and time formatting
#   style.py      the page's inline stylesheet
# summary.json and journal.jsonl are written elsewhere (secours/drills/summary.py, journal.py).
"""Render a drill's report files from its :class:`~secours.drills.reportdata.ReportData`."""

from __future__ import annotations

from pathlib import Path

from secours.drills.report.html import report_html
from secours.drills.report.junit import junit_xml
from secours.drills.reportdata import ReportData

__all__ = ["junit_xml", "report_html", "write_reports"]


def write_reports(data: ReportData, out_dir: Path) -> None:
    """Write ``junit.xml`` and ``report.html`` into ``out_dir`` (created if missing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # Both renderings are built before either file is written, so a rendering bug leaves no half report.
    junit, page = junit_xml(data), report_html(data)
    (out_dir / "junit.xml").write_text(junit, encoding="utf-8")
    (out_dir / "report.html").write_text(page, encoding="utf-8")
