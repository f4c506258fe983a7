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

Judging on the interval means a gate passes only when the data leave little doubt;
with a handful of models and a few hundred examples that is the honest reading.
Selectors ``task``, ``dataset``, ``generator`` and ``model`` narrow the cells a gate
covers (omitted: every cell); every covered cell must pass. A gate that covers no
cell, or a cell whose figure is missing or undefined, cannot be judged: it fails
with the reason, unless ``optional = true`` (then it is reported as skipped).
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
KINDS = ("min_score", "max_drop", "min_agreement", "max_bias", "max_invalid_rate")
COEFFICIENTS = ("spearman", "kendall", "pearson", "mae", "mse")
_COMMON = {"name", "kind", "threshold", "task", "dataset", "on", "optional"}
_KEYS: dict[str, set[str]] = {
    "min_score": _COMMON | {"generator", "model", "metric"},
    "max_drop": _COMMON | {"generator", "model", "baseline_model", "baseline"},
    "min_agreement": _COMMON | {"generator", "coefficient"},
    "max_bias": _COMMON | {"model"},
    "max_invalid_rate": _COMMON | {"generator", "model"},
}
_LOWER_IS_BETTER = {"max_drop", "max_bias", "max_invalid_rate"}


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

    def describe(self) -> str:
        """``min_agreement spearman >= 0.6 (interval) on dataset=snips generator=mean``."""
        what = {
            "min_agreement": self.coefficient,
            "min_score": self.metric or "score",
            "max_drop": "drop vs " + (self.baseline_model or "saved baseline"),
            "max_bias": "|bias|",
            "max_invalid_rate": "invalid rate",
        }[self.kind]
        op = "<=" if self.kind in _LOWER_IS_BETTER else ">="
        sel = " ".join(f"{k}={v}" for k, v in self.selectors().items() if v)
        return f"{what} {op} {self.threshold:g} ({self.on})" + (f" on {sel}" if sel else "")

    def selectors(self) -> dict[str, str]:
        return {
            "task": self.task,
            "dataset": self.dataset,
            "generator": self.generator,
            "model": self.model,
        }


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

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def to_dict(self) -> dict[str, Any]:
        g = self.gate
        return {
            "name": g.name,
            "kind": g.kind,
            "threshold": g.threshold,
            "on": g.on,
            "optional": g.optional,
            "selectors": {k: v for k, v in g.selectors().items() if v},
            "description": g.describe(),
            "status": self.status,
            "reason": self.reason,
            "where": g.where,
            "checks": [c.to_dict() for c in self.checks],
        }


# --------------------------------------------------------------------------- parsing


def _str(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise GateError(f"{where}.{key}: expected a non-empty string, got {value!r}")
    return value


def parse_gate(raw: Mapping[str, Any], where: str) -> Gate:
    """One gate table; ``where`` (``suite.toml: gates[2]``) prefixes every error."""
    if not isinstance(raw, Mapping):
        raise GateError(f"{where}: expected a table, got {type(raw).__name__}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise GateError(f"{where}.kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    for key in raw:
        if key not in _KEYS[kind]:
            raise GateError(
                f"{where}.{key}: unknown key for a {kind} gate; known: "
                f"{', '.join(sorted(_KEYS[kind]))}"
            )
    threshold = raw.get("threshold")
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not math.isfinite(threshold)
    ):
        raise GateError(f"{where}.threshold: expected a number, got {threshold!r}")
    fields = {
        k: _str(where, k, raw[k])
        for k in (
            "name",
            "task",
            "dataset",
            "generator",
            "model",
            "metric",
            "coefficient",
            "baseline_model",
            "baseline",
        )
        if k in raw
    }
    on = raw.get("on", "interval")
    if on not in ("interval", "point"):
        raise GateError(f'{where}.on: expected "interval" or "point", got {on!r}')
    optional = raw.get("optional", False)
    if not isinstance(optional, bool):
        raise GateError(f"{where}.optional: expected true or false, got {optional!r}")
    if fields.get("coefficient", "spearman") not in COEFFICIENTS:
        raise GateError(
            f"{where}.coefficient: expected one of {', '.join(COEFFICIENTS)}, "
            f"got {fields['coefficient']!r}"
        )
    if kind == "max_drop":
        if "model" not in fields:
            raise GateError(f"{where}.model: a max_drop gate needs the candidate model")
        if ("baseline_model" in fields) == (fields.get("baseline") == "saved"):
            raise GateError(
                f"{where}: a max_drop gate needs exactly one of baseline_model = "
                '"<model>" or baseline = "saved"'
            )
    if "baseline" in fields and fields["baseline"] != "saved":
        raise GateError(f'{where}.baseline: the only value is "saved", got {fields["baseline"]!r}')
    if kind == "max_bias" and fields.get("generator"):
        raise GateError(f"{where}.generator: a bias factor belongs to a model, not a source")
    name = fields.pop("name", "") or f"{kind} {where}"
    return Gate(
        name=name,
        kind=kind,
        threshold=float(threshold),
        on=on,
        optional=optional,
        where=where,
        **fields,
    )


def parse_gates(raw: Any, path: str = "suite.toml") -> list[Gate]:
    """The suite's ``[[gates]]`` array of tables; names must be unique."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise GateError(
            f"{path}: gates: expected an array of tables ([[gates]]), got {type(raw).__name__}"
        )
    gates = [parse_gate(g, f"{path}: gates[{i}]") for i, g in enumerate(raw)]
    return _unique(gates)


def _unique(gates: list[Gate]) -> list[Gate]:
    seen: dict[str, str] = {}
    for g in gates:
        if g.name in seen:
            raise GateError(f"{g.where}.name: {g.name!r} is already the name of {seen[g.name]}")
        seen[g.name] = g.where
    return gates


def _scalar(text: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return float(text)
    except ValueError:
        return text


def parse_gate_option(text: str, index: int = 0) -> Gate:
    """A one-off gate from the command line: ``KIND key=value ...``.

    Example: ``--synth-gate "min_agreement dataset=snips generator=mean threshold=0.6"``.
    """
    where = f"--synth-gate #{index + 1}"
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise GateError(f"{where}: {exc}") from None
    if not words:
        raise GateError(f"{where}: empty; expected KIND key=value ... (kinds: {', '.join(KINDS)})")
    raw: dict[str, Any] = {"kind": words[0]}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise GateError(f"{where}: {word!r} is not key=value")
        raw[key] = value if key in ("name",) else _scalar(value)
    raw.setdefault("name", f"cli-{index + 1}")
    return parse_gate(raw, where)


def suite_gates(suite_raw: Mapping[str, Any], path: str, options: Sequence[str] = ()) -> list[Gate]:
    """The suite's gates followed by the command line's, with unique names."""
    from pathlib import Path

    gates = parse_gates(suite_raw.get("gates"), Path(path).name)
    gates += [parse_gate_option(text, i) for i, text in enumerate(options)]
    return _unique(gates)


# --------------------------------------------------------------------------- judging

#: ``(task, dataset, generator, candidate, baseline_model)`` -> drop interval dict or None.
PairedDrop = Callable[[str, str, str, str, str], "dict[str, Any] | None"]
#: ``(task, dataset, generator, model)`` -> drop against the saved run, or a reason string.
SavedDrop = Callable[[str, str, str, str], "dict[str, Any] | str"]


@dataclass(frozen=True)
class Figure:
    """A figure a gate judges: where it is, its point value and its interval."""

    cell: str
    value: float | None
    low: float | None = None
    high: float | None = None
    reason: str = ""


def _matches(gate: Gate, **values: str) -> bool:
    sel = gate.selectors()
    return all(not sel.get(k) or sel[k] == v for k, v in values.items())


def _ci(d: Any) -> tuple[float | None, float | None]:
    if isinstance(d, Mapping):
        return d.get("low"), d.get("high")
    return None, None


def _point(v: Any) -> float | None:
    if isinstance(v, Mapping):
        v = v.get("value")
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(v)


def _groups(gate: Gate, report: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for g in report.get("groups", []):
        if _matches(gate, task=g["task"], dataset=g["dataset"]):
            yield g


def _score_figures(gate: Gate, report: Mapping[str, Any]) -> Iterator[Figure]:
    for g in _groups(gate, report):
        ci = g.get("ci", {}).get("scores", {})
        sources = dict.fromkeys([*g.get("scores", {}), *ci])
        for gen in sources:
            models = dict.fromkeys([*g.get("scores", {}).get(gen, {}), *ci.get(gen, {})])
            for m in models:
                if not _matches(gate, generator=gen, model=m):
                    continue
                cell = f"{g['task']}/{g['dataset']}/{gen}/{m}"
                if gate.metric and gate.metric != g.get("metric"):
                    yield _case_metric(report, g, gen, m, gate.metric, cell)
                    continue
                point = _point(g.get("scores", {}).get(gen, {}).get(m, ci.get(gen, {}).get(m)))
                yield Figure(cell, point, *_ci(ci.get(gen, {}).get(m)))


def _case_metric(
    report: Mapping[str, Any], g: Mapping[str, Any], gen: str, model: str, metric: str, cell: str
) -> Figure:
    """A secondary metric of one case: a point value only (intervals cover the primary)."""
    for c in report.get("cases", {}).get("all", []):
        if (c["task"], c["dataset"], c["generator"], c["model"]) == (
            g["task"],
            g["dataset"],
            gen,
            model,
        ):
            metrics = c.get("metrics", {})
            if metric not in metrics:
                return Figure(
                    cell, None, reason=f"no metric {metric!r}; known: {', '.join(sorted(metrics))}"
                )
            return Figure(
                cell,
                _point(metrics[metric]),
                reason="" if metrics[metric] is not None else f"{metric} undefined",
            )
    return Figure(cell, None, reason="case not found")


def _invalid_figures(gate: Gate, report: Mapping[str, Any]) -> Iterator[Figure]:
    groups = {(g["task"], g["dataset"]): g for g in _groups(gate, report)}
    for c in report.get("cases", {}).get("all", []):
        g = groups.get((c["task"], c["dataset"]))
        if (
            g is None
            or c.get("status") != "ok"
            or not _matches(gate, generator=c["generator"], model=c["model"])
        ):
            continue
        cell = f"{c['task']}/{c['dataset']}/{c['generator']}/{c['model']}"
        n = c.get("n_examples") or 0
        point = c.get("n_invalid", 0) / n if n else None
        ci = g.get("ci", {}).get("invalid_rate", {}).get(c["generator"], {}).get(c["model"])
        yield Figure(cell, point, *_ci(ci), reason="" if n else "no examples")


def _agreement_figures(gate: Gate, report: Mapping[str, Any]) -> Iterator[Figure]:
    for g in _groups(gate, report):
        ci = g.get("ci", {}).get("agreement", {})
        for gen in dict.fromkeys([*g.get("agreement", {}), *ci]):
            if not _matches(gate, generator=gen):
                continue
            cell = f"{g['task']}/{g['dataset']}/{gen}"
            entry = g.get("agreement", {}).get(gen, {})
            value = _point(entry.get(gate.coefficient, ci.get(gen, {}).get(gate.coefficient)))
            why = (
                (entry.get("undefined") or {}).get(gate.coefficient, "")
                if isinstance(entry.get("undefined"), Mapping)
                else ""
            )
            yield Figure(
                cell,
                value,
                *_ci(ci.get(gen, {}).get(gate.coefficient)),
                reason=why or ("" if value is not None else f"{gate.coefficient} undefined"),
            )


def _bias_figures(gate: Gate, report: Mapping[str, Any]) -> Iterator[Figure]:
    for g in _groups(gate, report):
        ci = g.get("ci", {}).get("bias", {})
        for m in dict.fromkeys([*g.get("bias", {}), *ci]):
            if not _matches(gate, model=m):
                continue
            b = g.get("bias", {}).get(m, ci.get(m, {}))
            b = b if isinstance(b, Mapping) else {"value": b}
            value = _point(b.get("value"))
            low, high = _ci(ci.get(m))
            wide = None if low is None or high is None else max(abs(low), abs(high))
            cell = f"{g['task']}/{g['dataset']}/{m} on {b.get('generator', '?')}"
            yield Figure(
                cell,
                None if value is None else abs(value),
                None,
                wide,
                reason="" if value is not None else str(b.get("reason") or "bias undefined"),
            )


def _drop_figures(
    gate: Gate, report: Mapping[str, Any], paired: PairedDrop | None, saved: SavedDrop | None
) -> Iterator[Figure]:
    for g in _groups(gate, report):
        for gen in g.get("scores", {}):
            if not _matches(gate, generator=gen) or gate.model not in g["scores"][gen]:
                continue
            cell = f"{g['task']}/{g['dataset']}/{gen}/{gate.model}"
            if gate.baseline_model:
                cell += f" vs {gate.baseline_model}"
                yield _paired_figure(gate, g, gen, cell, paired)
            elif saved is None:
                yield Figure(cell, None, reason="no saved baseline: pass --synth-compare NAME")
            else:
                found = saved(g["task"], g["dataset"], gen, gate.model)
                if isinstance(found, str):
                    yield Figure(cell + " vs saved", None, reason=found)
                else:
                    yield Figure(
                        cell + " vs saved",
                        found.get("value"),
                        found.get("low"),
                        found.get("high"),
                        reason=str(found.get("note", "")),
                    )


def _paired_figure(
    gate: Gate, g: Mapping[str, Any], gen: str, cell: str, paired: PairedDrop | None
) -> Figure:
    base = _point(g["scores"][gen].get(gate.baseline_model))
    cand = _point(g["scores"][gen].get(gate.model))
    if base is None:
        return Figure(
            cell, None, reason=f"baseline model {gate.baseline_model!r} has no score here"
        )
    if cand is None:
        return Figure(cell, None, reason="candidate score undefined")
    found = (
        paired(g["task"], g["dataset"], gen, gate.model, gate.baseline_model) if paired else None
    )
    if found is None:
        return Figure(cell, base - cand, reason="no per-example outcomes for a paired interval")
    return Figure(cell, found.get("value", base - cand), found.get("low"), found.get("high"))


def _judge(gate: Gate, fig: Figure) -> Check:
    lower_better = gate.kind in _LOWER_IS_BETTER
    bound = fig.high if lower_better else fig.low
    judged = fig.value if gate.on == "point" else bound
    if judged is None:
        reason = fig.reason or (
            'no interval (no per-example outcomes); use on = "point" to judge the point value'
            if fig.value is not None
            else "figure missing"
        )
        return Check(fig.cell, SKIPPED, fig.value, fig.low, fig.high, reason=reason)
    ok = judged <= gate.threshold if lower_better else judged >= gate.threshold
    op = "<=" if lower_better else ">="
    word = "bound" if gate.on == "interval" else "value"
    text = (
        f"{word} {judged:.4g} {op} {gate.threshold:g}"
        if ok
        else f"{word} {judged:.4g} not {op} {gate.threshold:g}"
    )
    status = PASSED if ok else FAILED
    return Check(fig.cell, status, fig.value, fig.low, fig.high, judged=judged, reason=text)


def judge_gate(
    gate: Gate,
    report: Mapping[str, Any],
    paired: PairedDrop | None = None,
    saved: SavedDrop | None = None,
    declared: Collection[Sequence[str]] | None = None,
) -> Verdict:
    """The verdict of one gate on a report dict (with ``ci`` sections for intervals).

    ``declared`` are the suite's (task, dataset, generator, model) cells: a gate whose
    cells the suite declares but this run deselected (``-m``/``-k``) is skipped with
    that reason; cells that were selected and never reported still fail it.
    """
    figures = {
        "min_score": lambda: _score_figures(gate, report),
        "max_invalid_rate": lambda: _invalid_figures(gate, report),
        "min_agreement": lambda: _agreement_figures(gate, report),
        "max_bias": lambda: _bias_figures(gate, report),
        "max_drop": lambda: _drop_figures(gate, report, paired, saved),
    }[gate.kind]()
    checks = tuple(_judge(gate, f) for f in figures)
    unjudged = SKIPPED if gate.optional else FAILED
    if not checks and declared is not None and _deselected(gate, report, declared):
        return Verdict(gate, SKIPPED, f"not judged: {_deselected(gate, report, declared)}")
    if not checks:
        sel = " ".join(f"{k}={v}" for k, v in gate.selectors().items() if v) or "(any)"
        return Verdict(
            gate, unjudged, f"cannot be judged: no cell matches {sel}{_missing(gate, report)}"
        )
    failed = [c for c in checks if c.status == FAILED]
    blind = [c for c in checks if c.status == SKIPPED]
    if failed:
        worst = failed[0]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        return Verdict(gate, FAILED, f"{worst.cell}: {worst.reason}{more}", checks)
    if blind:
        c = blind[0]
        more = f" (and {len(blind) - 1} more)" if len(blind) > 1 else ""
        return Verdict(gate, unjudged, f"cannot be judged: {c.cell}: {c.reason}{more}", checks)
    return Verdict(gate, PASSED, f"{len(checks)} cell(s) pass", checks)


def _missing(gate: Gate, report: Mapping[str, Any]) -> str:
    """Name the missing cells a gate would have covered (the run did not deliver them)."""
    gone = [
        c
        for c in report.get("cases", {}).get("missing", [])
        if _matches(gate, **{k: c[k] for k in ("task", "dataset", "generator", "model")})
    ]
    gone += [
        {**c, "task": g["task"], "dataset": g["dataset"]}
        for g in _groups(gate, report)
        for c in g.get("missing", [])
        if _matches(gate, generator=c.get("generator", ""), model=c.get("model", ""))
    ]
    if not gone:
        return ""
    names = sorted(
        {f"{c['task']}/{c['dataset']}/{c.get('generator')}/{c.get('model')}" for c in gone}
    )
    return f" (missing cells: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''})"


def judge_gates(
    gates: Sequence[Gate],
    report: Mapping[str, Any],
    paired: PairedDrop | None = None,
    saved: SavedDrop | None = None,
    declared: Collection[Sequence[str]] | None = None,
) -> list[Verdict]:
    """Every gate's verdict, in declaration order."""
    return [judge_gate(g, report, paired, saved, declared) for g in gates]


_ENSEMBLES = ("mean", "mean-loo")


def _deselected(gate: Gate, report: Mapping[str, Any], declared: Collection[Sequence[str]]) -> str:
    """Why a gate covers nothing this run, when that is deselection; else ""."""
    cases = report.get("cases", {})
    selected = {
        (c["task"], c["dataset"], c["generator"], c["model"])
        for part in ("all", "missing")
        for c in cases.get(part, [])
    }
    sel = gate.selectors()
    ensemble = sel["generator"] in _ENSEMBLES
    covered = [
        tuple(cell)
        for cell in declared
        if _matches(gate, task=cell[0], dataset=cell[1], model=cell[3])
        and (sel["generator"] in ("", cell[2]) or (ensemble and cell[2] != "real"))
    ]
    if not covered or any(c in selected for c in covered):
        return ""
    return f"none of its {len(covered)} cell(s) in the suite was selected in this run (-m/-k)"


def gates_section(verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """The report's ``gates`` entry: counts, overall status, one dict per gate."""
    counts = {s: sum(v.status == s for v in verdicts) for s in (PASSED, FAILED, SKIPPED)}
    return {
        "status": FAILED if counts[FAILED] else PASSED,
        "counts": counts,
        "gates": [v.to_dict() for v in verdicts],
    }


__all__ = [
    "FAILED",
    "KINDS",
    "PASSED",
    "SKIPPED",
    "Check",
    "Gate",
    "GateError",
    "Verdict",
    "gates_section",
    "judge_gate",
    "judge_gates",
    "parse_gate",
    "parse_gate_option",
    "parse_gates",
    "suite_gates",
]
