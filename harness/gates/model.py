"""The records of gating: a declared gate, the figure it judges, checks and verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
#: The rule a verdict came from: its figures against the threshold; covered cells
#: without a result (crashed, skipped, never arrived); cells outside this run's
#: selection with no stored result; no figure to judge (no cell, no interval).
THRESHOLD, INCOMPLETE, NOT_JUDGED, CANNOT_JUDGE = (
    "threshold",
    "incomplete",
    "not_judged",
    "cannot_judge",
)
#: Agreement figures a ``min_agreement`` gate may name.
COEFFICIENTS = ("spearman", "kendall", "pearson", "mae", "mse")


class GateError(ValueError):
    """An invalid gate declaration; the message names the file (or option) and key."""


@dataclass(frozen=True)
class Gate:
    """One declared gate; empty selectors cover every value."""

    name: str
    kind: str
    threshold: float
    task: str = ""
    dataset: str = ""
    generator: str = ""
    model: str = ""
    metric: str = ""
    coefficient: str = "spearman"
    baseline_model: str = ""
    baseline: str = ""
    on: str = "interval"
    optional: bool = False
    where: str = ""
    #: Covered cells that may lack a result (crashed, skipped, missing) before the
    #: gate fails as incomplete or is not judged.
    allow_missing: int = 0
    #: A registered kind's own keys (those ``Gate`` has no field for), as declared.
    params: tuple[tuple[str, Any], ...] = ()

    def param(self, key: str, default: Any = None) -> Any:
        """The value of a kind's own key ``key`` (``GateKindProtocol.keys``)."""
        return dict(self.params).get(key, default)

    def selectors(self) -> dict[str, str]:
        return {
            "task": self.task,
            "dataset": self.dataset,
            "generator": self.generator,
            "model": self.model,
        }


@dataclass(frozen=True)
class Figure:
    """A figure a gate judges: where it is, its point value and its interval."""

    cell: str
    value: float | None
    low: float | None = None
    high: float | None = None
    reason: str = ""


@dataclass(frozen=True)
class Drop:
    """``baseline - candidate`` and its interval: on the same resamples of one source
    (``harness.analysis.intervals.paired_drops``) or against a saved baseline run
    (``harness.analysis.baseline.SavedComparison``); ``note`` says which interval."""

    value: float | None
    low: float | None = None
    high: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Check:
    """One covered cell of a gate: its figure, interval and verdict."""

    cell: str
    status: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    judged: float | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "cell": self.cell,
            "status": self.status,
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "judged": self.judged,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Verdict:
    gate: Gate
    status: str
    reason: str
    checks: tuple[Check, ...] = field(default_factory=tuple)
    rule: str = THRESHOLD

    @property
    def failed(self) -> bool:
        return self.status == FAILED
