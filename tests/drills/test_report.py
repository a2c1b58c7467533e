"""Tests for secours.drills.report: junit.xml and report.html rendered from a hand-built ReportData.

The sample is a realistic negative drill: NES FR down 06:00-06:45, an alert, the ENS flow stalling
during the outage, and checks in every status (one staged failure among them).
"""

from __future__ import annotations

import random
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from secours.drills.report import junit_xml, report_html, write_reports
from secours.drills.report.junit import EXPECTED_PREFIX, MAX_EVIDENCE_LINES
from secours.drills.report.timeline import PLOT_X0, PLOT_X1
from secours.drills.reportdata import CheckOutcome, Evidence, FaultSpan, Mark, ReportData, Series

DAY = datetime(2025, 3, 14, tzinfo=UTC)
START, END = DAY.replace(hour=4), DAY.replace(hour=10)
FAULT_START, FAULT_END = DAY.replace(hour=6), DAY.replace(hour=6, minute=45)
PARIS_WINTER = timezone(timedelta(hours=1))  # a mark given in local time must still be shown in UTC


def _flow(rng: random.Random, n: int, stall: bool) -> tuple[datetime, ...]:
    times = []
    while len(times) < n:
        t = START + timedelta(seconds=rng.uniform(0, 6 * 3600))
        if stall and FAULT_START <= t < FAULT_END:  # registrations stop while NES FR is down
            continue
        times.append(t)
    return tuple(sorted(times))


def _evidence(n: int, topic: str, note: str) -> tuple[Evidence, ...]:
    return tuple(Evidence(f"ce-{i:04d}", topic, FAULT_START + timedelta(minutes=i), f"{note} #{i}") for i in range(n))


def sample() -> ReportData:
    rng = random.Random(7)
    checks = (
        CheckOutcome("G1", "GLOBAL", "Every consignment gets exactly one MRN", "pass", "412 of 412 consignments"),
        CheckOutcome(
            "G2",
            "GLOBAL",
            "No MRN issued after arrival",
            "fail",
            "25 MRNs issued after the unit arrived",
            evidence=_evidence(25, "ics2.c2t.P001", "MRN after arrival"),
        ),
        CheckOutcome(
            "ICS2-FR-S2-AS-DOWN#3",
            "ICS2-FR-S2-AS-DOWN",
            "Traders notified within 15 minutes",
            "fail",
            "notice sent after 32 minutes",
            evidence=_evidence(2, "ics2.notices", "late notice"),
            expected_failure=True,
        ),
        CheckOutcome(
            "ICS2-FR-S2-AS-DOWN#4",
            "ICS2-FR-S2-AS-DOWN",
            "Backlog drained",
            "warn",
            "backlog drained slowly: lane <b>orange</b> & co",
            evidence=_evidence(1, "ics2.t2c", "slow"),
        ),
        CheckOutcome("G5", "GLOBAL", "Manual fallback filings processed", "not_exercised", "no fallback filing"),
        CheckOutcome("G6", "GLOBAL", "Duplicates rejected", "pass", "0 duplicates"),
    )
    return ReportData(
        drill="nes-fr-down",
        title="NES FR down <script>alert('x')</script> during the morning peak",
        description="The French national ICS2 component stops for 45 minutes.\nTraders must fall back.",
        scenarios=("ICS2-FR-S2-AS-DOWN",),
        verdict="fail",
        expectation_met=True,
        sim_start=START,
        sim_end=END,
        components=("ics2_sti", "ics2_nes_fr", "edi_provider:P001"),
        faults=(FaultSpan("F1", "component_down", "ics2_nes_fr", FAULT_START, FAULT_END, "NES FR unavailable"),),
        marks=(Mark(datetime(2025, 3, 14, 7, 5, tzinfo=PARIS_WINTER), "alerts", "ALERT NES FR unreachable"),),
        series=(Series("ENS lodged", _flow(rng, 412, False)), Series("ENS registered", _flow(rng, 380, True))),
        checks=checks,
        counts={"consignments": 412, "ens_lodged": 412, "mrn_issued": 380},
        timings={"time_to_recover_s": 2700.0, "backlog_drained_s": None},
        wall_seconds=19.25,
    )


def empty() -> ReportData:
    return ReportData(
        drill="empty",
        title="Nothing happened",
        description="",
        scenarios=(),
        verdict="pass",
        expectation_met=True,
        sim_start=START,
        sim_end=END,
        components=(),
        faults=(),
        marks=(),
        series=(),
        checks=(),
        counts={},
        timings={},
        wall_seconds=0.0,
    )


# ---------------------------------------------------------------- junit.xml

_CASE_CHILDREN = {"failure", "skipped", "error", "system-out", "system-err"}


def _validate_junit(text: str) -> ET.Element:
    """The structure JUnit consumers (Jenkins, GitLab, GitHub reporters) rely on, and consistent totals."""
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    suites = list(root)
    assert suites and all(s.tag == "testsuite" for s in suites)
    for suite in suites:
        cases = suite.findall("testcase")
        assert {c.tag for c in suite} <= {"properties", "testcase", "system-out", "system-err"}
        assert int(suite.attrib["tests"]) == len(cases)
        assert int(suite.attrib["failures"]) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.attrib["skipped"]) == sum(1 for c in cases if c.find("skipped") is not None)
        assert int(suite.attrib["errors"]) == sum(1 for c in cases if c.find("error") is not None)
        float(suite.attrib["time"])
        for case in cases:
            assert case.attrib["classname"] and case.attrib["name"]
            float(case.attrib["time"])
            assert {c.tag for c in case} <= _CASE_CHILDREN
            assert sum(1 for c in case if c.tag in {"failure", "skipped", "error"}) <= 1
    for key in ("tests", "failures", "skipped", "errors"):
        assert int(root.attrib[key]) == sum(int(s.attrib[key]) for s in suites)
    return root


def test_junit_counts_and_attributes() -> None:
    root = _validate_junit(junit_xml(sample()))
    totals = {"tests": "6", "failures": "2", "skipped": "1", "errors": "0", "time": "19.250"}
    assert {k: root.attrib[k] for k in totals} == totals
    (suite,) = root
    assert suite.attrib["name"] == "nes-fr-down"
    assert {p.attrib["name"]: p.attrib["value"] for p in suite.iter("property")}["verdict"] == "fail"
    cases = {c.attrib["name"]: c for c in suite.iter("testcase")}
    assert list(cases) == [f"{c.id}: {c.title}" for c in sample().checks]
    assert cases["G1: Every consignment gets exactly one MRN"].attrib["classname"] == "GLOBAL"
    assert cases["ICS2-FR-S2-AS-DOWN#3: Traders notified within 15 minutes"].attrib["classname"] == "ICS2-FR-S2-AS-DOWN"


def test_junit_statuses() -> None:
    cases = {c.attrib["name"].split(":")[0]: c for c in _validate_junit(junit_xml(sample())).iter("testcase")}
    assert list(cases["G1"]) == []  # pass: a plain testcase

    failure = cases["G2"].find("failure")
    assert failure is not None and failure.attrib["message"] == "25 MRNs issued after the unit arrived"
    body = (failure.text or "").splitlines()
    assert len(body) == 25 and body[0].startswith("ce-0000  ics2.c2t.P001  2025-03-14 06:00  MRN after arrival")

    staged = cases["ICS2-FR-S2-AS-DOWN#3"].find("failure")
    assert staged is not None
    assert staged.attrib["message"] == EXPECTED_PREFIX + "notice sent after 32 minutes"
    assert EXPECTED_PREFIX == "expected failure (staged by the drill): "
    assert "late notice #1" in (staged.text or "")

    warn = cases["ICS2-FR-S2-AS-DOWN#4"]
    assert [c.tag for c in warn] == ["system-out"]
    assert (warn.findtext("system-out") or "").startswith("warning: backlog drained slowly: lane <b>orange</b> & co")

    skipped = cases["G5"].find("skipped")
    assert skipped is not None and skipped.attrib["message"] == "no fallback filing"


def test_junit_edge_cases() -> None:
    root = _validate_junit(junit_xml(empty()))
    assert root.attrib["tests"] == "0" and len(root.findall("testsuite/testcase")) == 0
    data = sample()
    many = _evidence(MAX_EVIDENCE_LINES + 50, "ics2.t2c", "late")
    data.checks = (CheckOutcome("G7", "GLOBAL", "bell\x07 in title", "fail", "nul\x00 in message", evidence=many),)
    case = _validate_junit(junit_xml(data)).find("testsuite/testcase")
    assert case is not None and case.attrib["name"] == "G7: bell\ufffd in title"  # XML 1.0 cannot carry \x07
    body = (case.findtext("failure") or "").splitlines()
    assert len(body) == MAX_EVIDENCE_LINES + 1 and body[-1] == "... and 50 more (see the journal)"


# ---------------------------------------------------------------- report.html


class _Page(HTMLParser):
    """The parts of the page the tests look at, as a browser's parser sees them."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.ids: dict[str, str] = {}
        self.rows: dict[str, str] = {}
        self.tags: set[str] = set()
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if "id" in a:
            self.ids[a["id"]] = tag
        if tag == "tr" and "data-check-id" in a:
            self.rows[a["data-check-id"]] = a["data-status"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _svg(page: str) -> ET.Element:
    """The timeline, parsed as XML: it must be well-formed to be drawn the same by every browser."""
    match = re.search(r'<svg id="timeline".*?</svg>', page, re.DOTALL)
    assert match
    return ET.fromstring(match.group(0))


def test_html_structure_and_rows() -> None:
    data = sample()
    page = report_html(data)
    parsed = _Page(page)
    assert parsed.ids["timeline"] == "svg" and parsed.ids["checklist"] == "table"
    assert parsed.rows == {c.id: c.status for c in data.checks}
    assert page.count("data-check-id=") == len(data.checks)
    assert re.findall(r'data-evidence-for="([^"]+)"', page) == [c.id for c in data.checks if c.evidence]
    text = " ".join(parsed.text)
    assert "PASS" not in text.split() and "FAIL" in text.split()
    assert "… and 5 more" in text  # G2 cites 25 records, 20 are shown
    assert page.count("<tr><td class='mono'>ce-") == 20 + 2 + 1
    assert "expected" in text and "412" in text and "2,700 s (45 min)" in text


def test_html_is_self_contained_and_escaped() -> None:
    page = report_html(sample())
    lowered = page.lower()
    assert "<script" not in lowered
    assert "http://" not in lowered and "https://" not in lowered
    assert not {"link", "img", "iframe", "object", "embed"} & _Page(page).tags
    assert re.findall(r"url\((.)", page) == ["#"] * len(re.findall(r"url\(", page))  # only in-page references
    assert "@import" not in page
    assert "lane &lt;b&gt;orange&lt;/b&gt; &amp; co" in page and "<b>orange" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_timeline_draws_the_fault_marks_and_series() -> None:
    svg = _svg(report_html(sample()))
    labels = [t.text for t in svg.iter("text")]
    assert {"05:00", "06:00", "09:00", "2025-03-14"} <= set(labels)
    assert {"ics2_sti", "ics2_nes_fr", "edi_provider:P001", "alerts", "NES FR unavailable"} <= set(labels)
    (down,) = [r for r in svg.iter("rect") if r.attrib.get("class") == "tl-down"]
    width = PLOT_X1 - PLOT_X0  # the drill spans 6 h: the outage starts 2 h in and lasts 45 min
    assert float(down.attrib["x"]) == pytest.approx(PLOT_X0 + width * 2 / 6, abs=0.2)
    assert float(down.attrib["width"]) == pytest.approx(width * 0.75 / 6, abs=0.2)
    tips = [t.text or "" for t in svg.iter("title")]
    assert "2025-03-14 06:05 — ALERT NES FR unreachable" in tips  # given at 07:05+01:00
    lodged, registered = (_rises(p.attrib["d"]) for p in svg.iter("path") if p.attrib.get("class") == "tl-line")
    assert registered / lodged == pytest.approx(380 / 412, abs=0.002)  # the lines end at their final counts


def _rises(path: str) -> float:
    """How far a step line climbs, in pixels, from its start to its last vertical step."""
    baseline = float(re.findall(r"^M[\d.]+ ([\d.]+)", path)[0])
    return baseline - float(re.findall(r"V([\d.]+)", path)[-1])


def test_still_active_fault_and_unlisted_component_get_drawn() -> None:
    data = sample()
    data.faults = (FaultSpan("F9", "provider_down", "edi_provider:P002", DAY.replace(hour=9), None, "P002 silent"),)
    svg = _svg(report_html(data))
    (down,) = [r for r in svg.iter("rect") if r.attrib.get("class") == "tl-down"]
    assert float(down.attrib["x"]) + float(down.attrib["width"]) == pytest.approx(PLOT_X1, abs=0.2)
    assert "edi_provider:P002" in [t.text for t in svg.iter("text")]
    assert "still active at the end" in report_html(data)


def test_html_empty_states() -> None:
    page = report_html(empty())
    parsed = _Page(page)
    assert parsed.ids["timeline"] == "svg" and parsed.ids["checklist"] == "table" and parsed.rows == {}
    _svg(page)
    for phrase in ("No checks were evaluated", "No faults were injected", "No flow series", "No alerts", "No counts"):
        assert phrase in page


def test_write_reports(tmp_path: Path) -> None:
    write_reports(sample(), tmp_path / "run")
    assert (tmp_path / "run" / "report.html").read_text(encoding="utf-8") == report_html(sample())
    _validate_junit((tmp_path / "run" / "junit.xml").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- a real browser


def _png_rgb(path: Path) -> tuple[int, int, set[tuple[int, int, int]]]:
    """Width, height and the set of colours of an 8-bit RGB(A) PNG, decoded with zlib alone."""
    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(raw):
        (length,) = struct.unpack(">I", raw[pos : pos + 4])
        kind, chunk = raw[pos + 4 : pos + 8], raw[pos + 8 : pos + 8 + length]
        header = chunk if kind == b"IHDR" else header
        idat += chunk if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour_type in (2, 6) and interlace == 0
    bpp = 3 if colour_type == 2 else 4
    data, stride = zlib.decompress(idat), width * bpp
    prev, colours = bytearray(stride), set()
    for y in range(height):
        kind, line = data[y * (stride + 1)], bytearray(data[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):  # undo the PNG scanline filter (None, Sub, Up, Average, Paeth)
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        colours.update(zip(line[0::bpp], line[1::bpp], line[2::bpp], strict=True))
        prev = line
    return width, height, colours


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed: run `apt-get install -y chromium`")
def test_renders_in_headless_chromium(tmp_path: Path) -> None:
    assert CHROMIUM is not None
    write_reports(sample(), tmp_path)
    png = tmp_path / "report.png"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1200,2000",
        f"--screenshot={png}",
        (tmp_path / "report.html").as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    assert png.stat().st_size > 20_000
    width, height, colours = _png_rgb(png)
    assert (width, height) == (1200, 2000)
    assert len(colours) > 50  # text, bars, chips: not a blank or single-colour page
    # Flat fills the stylesheet defines, so the verdict badge and the timeline really were painted.
    assert {(0xB9, 0x1C, 0x1C), (0x4C, 0xA4, 0x6B), (0xD6, 0x45, 0x45)} <= colours
