"""``junit.xml``: the drill's checks as JUnit test cases, so any CI shows them like unit tests.

One ``<testsuite>`` per drill, one ``<testcase>`` per check (classname = scenario, so CI groups the
checks of one fallback procedure together). How statuses map, given what CI servers understand:

    pass            plain <testcase/>
    warn            passes, with the warning in <system-out> (CI must not go red on a warning)
    not_exercised   <skipped message=...>
    fail            <failure message=...> with the evidence in its body; a failure the drill stages on
                    purpose stays a <failure> (it *is* a violation) but says so in its message

Checks have no duration of their own: each testcase has time="0", and the suite carries the drill's
wall time. There are no errors: a check that could not run is not_exercised, not an error.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from secours.drills.report.timeline import fmt_time
from secours.drills.reportdata import CheckOutcome, Evidence, ReportData

__all__ = ["EXPECTED_PREFIX", "MAX_EVIDENCE_LINES", "junit_xml"]

EXPECTED_PREFIX = "expected failure (staged by the drill): "
MAX_EVIDENCE_LINES = 200  # a check may cite thousands of records; CI pages choke on that, the journal has them all

# Characters XML 1.0 cannot carry even escaped; ElementTree would write them and break every parser.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _evidence_line(e: Evidence) -> str:
    return f"{e.ce_id}  {e.topic}  {fmt_time(e.time)}  {e.note}"


def _evidence_body(evidence: tuple[Evidence, ...]) -> str:
    lines = [_evidence_line(e) for e in evidence[:MAX_EVIDENCE_LINES]]
    if len(evidence) > MAX_EVIDENCE_LINES:
        lines.append(f"... and {len(evidence) - MAX_EVIDENCE_LINES} more (see the journal)")
    return _clean("\n".join(lines))


def _testcase(suite: ET.Element, check: CheckOutcome) -> None:
    case = ET.SubElement(
        suite, "testcase", classname=_clean(check.scenario), name=_clean(f"{check.id}: {check.title}"), time="0"
    )
    if check.status == "fail":
        message = (EXPECTED_PREFIX if check.expected_failure else "") + check.message
        kind = "expected_failure" if check.expected_failure else "check_failed"
        failure = ET.SubElement(case, "failure", message=_clean(message), type=kind)
        failure.text = _clean(check.traceback) or _evidence_body(check.evidence) or None
    elif check.status == "not_exercised":
        ET.SubElement(case, "skipped", message=_clean(check.message))
    elif check.status == "warn":
        out = ET.SubElement(case, "system-out")
        body = _evidence_body(check.evidence)
        out.text = _clean(f"warning: {check.message}") + (f"\n{body}" if body else "")


def junit_xml(data: ReportData) -> str:
    tests = len(data.checks)
    failures = sum(1 for c in data.checks if c.status == "fail")
    skipped = sum(1 for c in data.checks if c.status == "not_exercised")
    totals = {
        "tests": str(tests),
        "failures": str(failures),
        "errors": "0",
        "skipped": str(skipped),
        "time": f"{data.wall_seconds:.3f}",
    }
    root = ET.Element("testsuites", {"name": _clean(data.drill), **totals})
    suite = ET.SubElement(root, "testsuite", {"name": _clean(data.drill), **totals})
    # Properties let CI tooling read the drill's own verdict, which is not "all tests passed" for drills
    # that stage failures on purpose.
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("title", data.title),
        ("verdict", data.verdict),
        ("expectation_met", str(data.expectation_met).lower()),
        ("scenarios", " ".join(data.scenarios)),
        ("sim_start", fmt_time(data.sim_start)),
        ("sim_end", fmt_time(data.sim_end)),
    ):
        ET.SubElement(props, "property", name=name, value=_clean(value))
    for check in data.checks:
        _testcase(suite, check)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
