"""JUnit XML of the gates: one test case per gate, so CI systems list each decision;
the suite's ``<system-out>`` holds the summary's cards (the verdicts in words).

A failed gate is a ``<failure>`` with the verdict as message and the checked cells
as text; a gate that could not be judged but is optional is ``<skipped>``. Built
with ElementTree, so every string is escaped; control, format and bidi characters
are spelled as escapes (``harness.core.textsafe.visible``: XML 1.0 cannot hold most
controls, and a CI page shows the names), the noncharacters U+FFFE/U+FFFF replaced.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from harness.core.textsafe import visible
from harness.report.model import Report, as_report
from harness.report.render.summary import render_summary
from harness.report.verdicts import GateResult, GatesSection

_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: Any, keep: str = "\n\t") -> str:
    """A string XML 1.0 can carry, hidden characters shown (a name passes ``keep=""``)."""
    return _BAD_XML.sub("\ufffd", visible(text, keep=keep))


def _checks_text(gate: GateResult) -> str:
    lines = [gate.description]
    for c in gate.checks:
        lines.append(f"{c.status:7} {c.cell}: {c.reason}")
    return clean("\n".join(lines))


def render_junit(report: Report | Mapping[str, Any], timestamp: str = "") -> str:
    """The JUnit XML document (a ``<testsuites>`` with one ``synthbench.gates`` suite)."""
    report = as_report(report)
    section = report.gates or GatesSection("passed", {}, ())
    gates = section.gates
    root = ET.Element("testsuites")
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": "synthbench.gates",
            "tests": str(len(gates)),
            "failures": str(section.counts.get("failed", 0)),
            "errors": "0",
            "skipped": str(section.counts.get("skipped", 0)),
        },
    )
    if timestamp:
        suite.set("timestamp", clean(timestamp))
    for g in gates:
        case = ET.SubElement(
            suite, "testcase", {"classname": "synthbench.gates", "name": clean(g.name, keep="")}
        )
        if g.status == "failed":
            node = ET.SubElement(
                case, "failure", {"message": clean(g.reason), "type": clean(g.kind)}
            )
            node.text = _checks_text(g)
        elif g.status == "skipped":
            ET.SubElement(case, "skipped", {"message": clean(g.reason)})
        out = ET.SubElement(case, "system-out")
        out.text = _checks_text(g)
    # The suite's output is the summary's cards: the same verdicts (agreement, robustness,
    # reference, bias, which generator) every renderer prints, for a CI page's reader.
    summary = ET.SubElement(suite, "system-out")
    summary.text = clean(render_summary(report))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
