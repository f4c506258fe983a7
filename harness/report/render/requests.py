"""One line on the LLM requests of a report: failures by kind, apart from bad answers.

Reads the cases of ``report.json`` (each case's ``extra``: ``failed_requests``,
``failures`` by kind, ``unparseable``; ``harness.core.failures``), so the terminal and the
Markdown say how many requests failed and how many answers did not parse, instead of
one invalid rate that mixes the two.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from harness.core.failures import RequestFailures
from harness.report.model import Report, as_report


def request_line(report: Report | Mapping[str, Any]) -> str:
    """``"llm requests: 3 failed (auth 3) in 2 incomplete case(s); ..."``, or ""."""
    kinds: Counter[str] = Counter()
    unparseable = incomplete = 0
    for row in as_report(report).cases.rows:
        counts = RequestFailures.from_extra(row.result.extra)
        kinds.update(counts.kinds)
        unparseable += counts.unparseable
        incomplete += row.result.status == "incomplete"
    cut = kinds.pop("length", 0)
    failed = sum(kinds.values())
    if not (failed or cut or unparseable):
        return ""
    parts = []
    if failed:
        by_kind = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
        parts.append(
            f"{failed} requests failed ({by_kind}) in {incomplete} incomplete case(s), "
            "asked again by the next run"
        )
    if cut:
        parts.append(f"{cut} unparseable answers cut off at max_tokens")
    if unparseable:
        parts.append(f"{unparseable} answers did not parse")
    return "llm requests: " + "; ".join(parts)
