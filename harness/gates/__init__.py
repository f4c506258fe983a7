"""Release gates: declared in the suite (``[[gates]]``) or on the command line, judged
on the report's confidence intervals, turned into verdicts. Pure: no pytest here; the
session turns a failed verdict into exit status 1.

Kinds (``threshold`` is always required):

============== ============================================= ==========================
kind           passes when (``on = "interval"``, the default) with ``on = "point"``
============== ============================================= ==========================
min_score      lower bound of the score >= threshold         score >= threshold
max_drop       upper bound of (baseline - candidate) <= thr. drop <= threshold
min_agreement  lower bound of the coefficient >= threshold    coefficient >= threshold
max_bias       largest |bias| in the interval <= threshold    |bias| <= threshold
max_invalid    upper bound of the invalid rate <= threshold   invalid rate <= threshold
============== ============================================= ==========================

``max_family_bias`` is ``max_bias`` for the family bias of a suite with ``[families]``.

Judging on the interval means a gate passes only when the data leave little doubt;
with a handful of models and a few hundred examples that is the honest reading.
Selectors ``task``, ``dataset``, ``generator`` and ``model`` narrow the cells a gate
covers (omitted: every cell); every covered cell must have a result and pass. A
covered cell that crashed, was skipped or never arrived makes the gate fail as
incomplete, naming it; covered cells outside this run's selection with no stored
result leave it not judged (``coverage``); ``allow_missing = N`` tolerates N such
cells. A gate that covers no cell, or a cell whose figure is undefined, cannot be
judged: it fails with the reason, unless ``optional = true`` (then it is skipped).

The package: ``model`` (the records), ``kinds`` (the ``GateKindProtocol`` and one
small ``GateKind`` object per kind: keys, direction, description, the figures it reads
from the typed report by attribute, the cells it covers), ``registry`` (``GATE_KINDS``,
``register_gate_kind``, the entry point group ``synthbench.gates``), ``parse``
(declarations into gates), ``coverage`` (the cells a gate covers and which lack a
result) and ``judge`` (gates and the typed report into verdicts).
"""

from __future__ import annotations

from harness.gates.coverage import Coverage, Gap, coverage
from harness.gates.judge import gates_section, judge_figure, judge_gate, judge_gates
from harness.gates.kinds import (
    Drops,
    GateKind,
    GateKindProtocol,
    PairedDrop,
    SavedDrop,
    groups_of,
    matches,
)
from harness.gates.model import (
    CANNOT_JUDGE,
    COEFFICIENTS,
    FAILED,
    INCOMPLETE,
    NOT_JUDGED,
    PASSED,
    SKIPPED,
    THRESHOLD,
    Check,
    Drop,
    Figure,
    Gate,
    GateError,
    Verdict,
)
from harness.gates.parse import parse_gate, parse_gate_option, parse_gates, suite_gates
from harness.gates.registry import GATE_KINDS, describe, kind_names, kind_of, register_gate_kind

__all__ = [
    "CANNOT_JUDGE",
    "COEFFICIENTS",
    "FAILED",
    "INCOMPLETE",
    "GATE_KINDS",
    "NOT_JUDGED",
    "PASSED",
    "SKIPPED",
    "THRESHOLD",
    "Check",
    "Coverage",
    "Drop",
    "Drops",
    "Figure",
    "Gate",
    "GateError",
    "GateKind",
    "GateKindProtocol",
    "Gap",
    "PairedDrop",
    "SavedDrop",
    "Verdict",
    "coverage",
    "gates_section",
    "judge_figure",
    "judge_gate",
    "judge_gates",
    "groups_of",
    "kind_names",
    "describe",
    "kind_of",
    "matches",
    "parse_gate",
    "parse_gate_option",
    "parse_gates",
    "register_gate_kind",
    "suite_gates",
]
