"""The report's ``gates`` section as typed values: every gate's verdict and its checks.

Built from the gates' ``Verdict``s (``GatesSection.of``) by ``harness.report.finish``,
or read from ``report.json`` (``GatesSection.from_dict``, which names a wrong key);
``to_dict`` is the section exactly as ``harness.gates.gates_section`` writes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.gates import Check, Verdict, gates_section
from harness.report.figures import ReportFormatError, _int, _list, _num, _obj, _req, _str, _strs

#: A check's and a verdict's keys, in report.json's order.
_CHECK = ("cell", "status", "value", "low", "high", "judged", "reason")


def _check(d: Any, where: str) -> Check:
    d = _obj(d, where)
    for key in d:
        if key not in _CHECK:
            raise ReportFormatError(f"{where}: unknown key {key!r}")
    return Check(
        _str(_req(d, "cell", where), f"{where}.cell"),
        _str(_req(d, "status", where), f"{where}.status"),
        _num(d.get("value"), f"{where}.value"),
        _num(d.get("low"), f"{where}.low"),
        _num(d.get("high"), f"{where}.high"),
        _num(d.get("judged"), f"{where}.judged"),
        _str(d.get("reason", ""), f"{where}.reason"),
    )


@dataclass(frozen=True)
class GateResult:
    """One gate's verdict as the report has it: the declaration, the outcome, the cells."""

    name: str
    kind: str
    threshold: float
    on: str
    optional: bool
    allow_missing: int
    selectors: Mapping[str, str]
    description: str
    status: str
    reason: str
    rule: str
    where: str
    checks: tuple[Check, ...] = ()

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "threshold": self.threshold,
            "on": self.on,
            "optional": self.optional,
            "allow_missing": self.allow_missing,
            "selectors": dict(self.selectors),
            "description": self.description,
            "status": self.status,
            "reason": self.reason,
            "rule": self.rule,
            "where": self.where,
            "checks": [c.to_dict() for c in self.checks],
        }

    @classmethod
    def from_dict(cls, d: Any, where: str) -> GateResult:
        d = _obj(d, where)

        def text(key: str) -> str:
            return _str(_req(d, key, where), f"{where}.{key}")

        optional = _req(d, "optional", where)
        if not isinstance(optional, bool):
            raise ReportFormatError(f"{where}.optional: expected true or false, got {optional!r}")
        threshold = _num(_req(d, "threshold", where), f"{where}.threshold")
        checks = _list(d.get("checks", []), f"{where}.checks")
        return cls(
            name=text("name"),
            kind=text("kind"),
            threshold=0.0 if threshold is None else threshold,
            on=text("on"),
            optional=optional,
            allow_missing=_int(d.get("allow_missing", 0), f"{where}.allow_missing"),
            selectors=_strs(d.get("selectors", {}), f"{where}.selectors"),
            description=_str(d.get("description", ""), f"{where}.description"),
            status=text("status"),
            reason=_str(d.get("reason", ""), f"{where}.reason"),
            rule=_str(d.get("rule", ""), f"{where}.rule"),
            where=_str(d.get("where", ""), f"{where}.where"),
            checks=tuple(_check(c, f"{where}.checks[{i}]") for i, c in enumerate(checks)),
        )


@dataclass(frozen=True)
class GatesSection:
    """Every gate's verdict, the counts per status and the overall status."""

    status: str
    counts: Mapping[str, int]
    gates: tuple[GateResult, ...]

    @classmethod
    def of(cls, verdicts: Sequence[Verdict]) -> GatesSection:
        return cls.from_dict(gates_section(verdicts), "gates")

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "counts": dict(self.counts),
            "gates": [g.to_dict() for g in self.gates],
        }

    @classmethod
    def from_dict(cls, d: Any, where: str = "gates") -> GatesSection:
        d = _obj(d, where)
        counts = _obj(_req(d, "counts", where), f"{where}.counts")
        gates = _list(_req(d, "gates", where), f"{where}.gates")
        return cls(
            _str(_req(d, "status", where), f"{where}.status"),
            {str(k): _int(v, f"{where}.counts[{k!r}]") for k, v in counts.items()},
            tuple(GateResult.from_dict(g, f"{where}.gates[{i}]") for i, g in enumerate(gates)),
        )
