"""One small object per gate kind: its keys, direction, description and the figures it reads.

A new kind is one ``GateKind`` added to ``KINDS``; parsing (``harness.gates.parse``)
and judging (``harness.gates.judge``) read everything kind-specific from here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from harness.core.names import ENSEMBLES
from harness.gates.model import Figure, Gate, GateError

#: ``(task, dataset, generator, candidate, baseline_model)`` -> drop interval dict or None.
PairedDrop = Callable[[str, str, str, str, str], "dict[str, Any] | None"]
#: ``(task, dataset, generator, model)`` -> drop against the saved run, or a reason string.
SavedDrop = Callable[[str, str, str, str], "dict[str, Any] | str"]
#: Keys every gate may carry.
COMMON_KEYS = frozenset(
    {"name", "kind", "threshold", "task", "dataset", "on", "optional", "allow_missing"}
)


@dataclass(frozen=True)
class Drops:
    """Where ``max_drop`` gates find their differences (absent: cannot be judged)."""

    paired: PairedDrop | None = None
    saved: SavedDrop | None = None


Reader = Callable[[Gate, Mapping[str, Any], Drops], Iterator[Figure]]


def _no_rules(fields: Mapping[str, str], where: str) -> None:
    """Kinds without rules beyond their keys."""


@dataclass(frozen=True)
class GateKind:
    """A kind of gate: what it may declare, which way it passes, what it judges."""

    name: str
    #: Keys beyond ``COMMON_KEYS``.
    keys: frozenset[str]
    #: True: passes when the figure's upper bound (or value) is at most the threshold.
    lower_is_better: bool
    #: The judged figure in words, for the gate table (``"spearman"``, ``"|bias|"``).
    what: Callable[[Gate], str]
    #: The covered cells' figures in a report dict.
    figures: Reader
    #: Checks across keys at parse time; raises ``GateError`` naming ``where``.
    rules: Callable[[Mapping[str, str], str], None] = _no_rules
    #: Its figure reads every cell of a group (agreement, bias), not one cell: judged
    #: with some of the group's cells missing, the verdict says so.
    whole_group: bool = False
    #: Why the report can hold none of its figures ('' when it could): the cause a
    #: gate that matches nothing names instead of "no cell matches".
    absent: Callable[[Gate, Mapping[str, Any]], str] = lambda gate, report: ""

    @property
    def allowed(self) -> frozenset[str]:
        return COMMON_KEYS | self.keys

    @property
    def op(self) -> str:
        return "<=" if self.lower_is_better else ">="

    def bound(self, fig: Figure) -> float | None:
        """The interval end a gate judges: the pessimistic one for its direction."""
        return fig.high if self.lower_is_better else fig.low

    def passes(self, judged: float, threshold: float) -> bool:
        return judged <= threshold if self.lower_is_better else judged >= threshold


# --------------------------------------------------------------------------- report readers


def matches(gate: Gate, **values: str) -> bool:
    """Every selector the gate sets equals the given value."""
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


def groups_of(gate: Gate, report: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The report groups the gate's task and dataset selectors cover."""
    for g in report.get("groups", []):
        if matches(gate, task=g["task"], dataset=g["dataset"]):
            yield g


def _score_figures(gate: Gate, report: Mapping[str, Any], _: Drops) -> Iterator[Figure]:
    for g in groups_of(gate, report):
        ci = g.get("ci", {}).get("scores", {})
        for gen in dict.fromkeys([*g.get("scores", {}), *ci]):
            models = dict.fromkeys([*g.get("scores", {}).get(gen, {}), *ci.get(gen, {})])
            for m in models:
                if not matches(gate, generator=gen, model=m):
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
    want = (g["task"], g["dataset"], gen, model)
    for c in report.get("cases", {}).get("all", []):
        if (c["task"], c["dataset"], c["generator"], c["model"]) == want:
            metrics = c.get("metrics", {})
            if metric not in metrics:
                known = ", ".join(sorted(metrics))
                return Figure(cell, None, reason=f"no metric {metric!r}; known: {known}")
            why = "" if metrics[metric] is not None else f"{metric} undefined"
            return Figure(cell, _point(metrics[metric]), reason=why)
    return Figure(cell, None, reason="case not found")


def _invalid_figures(gate: Gate, report: Mapping[str, Any], _: Drops) -> Iterator[Figure]:
    groups = {(g["task"], g["dataset"]): g for g in groups_of(gate, report)}
    for c in report.get("cases", {}).get("all", []):
        g = groups.get((c["task"], c["dataset"]))
        if (
            g is None
            or c.get("status") != "ok"
            or not matches(gate, generator=c["generator"], model=c["model"])
        ):
            continue
        cell = f"{c['task']}/{c['dataset']}/{c['generator']}/{c['model']}"
        n = c.get("n_examples") or 0
        point = c.get("n_invalid", 0) / n if n else None
        ci = g.get("ci", {}).get("invalid_rate", {}).get(c["generator"], {}).get(c["model"])
        yield Figure(cell, point, *_ci(ci), reason="" if n else "no examples")


def _agreement_figures(gate: Gate, report: Mapping[str, Any], _: Drops) -> Iterator[Figure]:
    coef = gate.coefficient
    for g in groups_of(gate, report):
        ci = g.get("ci", {}).get("agreement", {})
        for gen in dict.fromkeys([*g.get("agreement", {}), *ci]):
            if not matches(gate, generator=gen):
                continue
            entry = g.get("agreement", {}).get(gen, {})
            value = _point(entry.get(coef, ci.get(gen, {}).get(coef)))
            undefined = entry.get("undefined")
            why = (undefined or {}).get(coef, "") if isinstance(undefined, Mapping) else ""
            yield Figure(
                f"{g['task']}/{g['dataset']}/{gen}",
                value,
                *_ci(ci.get(gen, {}).get(coef)),
                reason=why or ("" if value is not None else f"{coef} undefined"),
            )


def _bias_reader(key: str, owner: str, on: str) -> Reader:
    """``|bias|`` of the report's ``key`` figures (``bias``, ``family_bias``), judged
    against the largest absolute value of its interval; ``owner`` names the data."""

    def read(gate: Gate, report: Mapping[str, Any], _: Drops) -> Iterator[Figure]:
        for g in groups_of(gate, report):
            ci = g.get("ci", {}).get(key, {})
            for m in dict.fromkeys([*g.get(key, {}), *ci]):
                if not matches(gate, model=m):
                    continue
                b = g.get(key, {}).get(m, ci.get(m, {}))
                b = b if isinstance(b, Mapping) else {"value": b}
                value = _point(b.get("value"))
                low, high = _ci(ci.get(m))
                wide = None if low is None or high is None else max(abs(low), abs(high))
                yield Figure(
                    f"{g['task']}/{g['dataset']}/{m} on {on}{b.get(owner, '?')}",
                    None if value is None else abs(value),
                    None,
                    wide,
                    reason="" if value is not None else str(b.get("reason") or "bias undefined"),
                )

    return read


_bias_figures = _bias_reader("bias", "generator", "")


def _no_bias(gate: Gate, report: Mapping[str, Any]) -> str:
    """A bias factor exists only for a model that is one of the generators."""
    same_as = report.get("same_as") or {}
    if not same_as:
        return (
            "no model is one of the generators, so there is no bias factor: give the "
            'LLM model that wrote a source `same_as = "<generator>"` in the suite'
        )
    if gate.model and gate.model not in same_as:
        return (
            f"model {gate.model!r} is not one of the generators (no `same_as`), so it "
            "has no bias factor; the models that have one: " + ", ".join(sorted(same_as))
        )
    return ""


def _no_family_bias(gate: Gate, report: Mapping[str, Any]) -> str:
    """A family bias needs the suite's ``[families]`` (or ``--family`` for a table)."""
    if not (report.get("families") or {}).get("models"):
        return "no model belongs to a family: declare the suite's [families] table"
    return ""
#: With suite ``[families]``: a model's bias towards its whole family's data.
_family_bias_figures = _bias_reader("family_bias", "family", "family ")


def _drop_figures(gate: Gate, report: Mapping[str, Any], drops: Drops) -> Iterator[Figure]:
    for g in groups_of(gate, report):
        for gen in g.get("scores", {}):
            if not matches(gate, generator=gen) or gate.model not in g["scores"][gen]:
                continue
            cell = f"{g['task']}/{g['dataset']}/{gen}/{gate.model}"
            if gate.baseline_model:
                yield _paired_figure(gate, g, gen, f"{cell} vs {gate.baseline_model}", drops)
            elif drops.saved is None:
                yield Figure(cell, None, reason="no saved baseline: pass --synth-compare NAME")
            else:
                found = drops.saved(g["task"], g["dataset"], gen, gate.model)
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


def _paired_figure(gate: Gate, g: Mapping[str, Any], gen: str, cell: str, drops: Drops) -> Figure:
    base = _point(g["scores"][gen].get(gate.baseline_model))
    cand = _point(g["scores"][gen].get(gate.model))
    if base is None:
        return Figure(
            cell, None, reason=f"baseline model {gate.baseline_model!r} has no score here"
        )
    if cand is None:
        return Figure(cell, None, reason="candidate score undefined")
    args = (g["task"], g["dataset"], gen, gate.model, gate.baseline_model)
    found = drops.paired(*args) if drops.paired else None
    if found is None:
        return Figure(cell, base - cand, reason="no per-example outcomes for a paired interval")
    return Figure(cell, found.get("value", base - cand), found.get("low"), found.get("high"))


def _reference_reader(figure: str) -> Reader:
    """A synthetic source's real-data reference (``ci.reference.sources``, see
    ``harness.analysis.reference``): ``effective`` examples or its ``percentile``."""

    def read(gate: Gate, report: Mapping[str, Any], _: Drops) -> Iterator[Figure]:
        for g in groups_of(gate, report):
            found = g.get("ci", {}).get("reference", {}).get("sources", {})
            synthetic = [s for s in g.get("agreement", {}) if s not in found]
            for gen in dict.fromkeys([*found, *synthetic]):
                if not matches(gate, generator=gen):
                    continue
                cell = f"{g['task']}/{g['dataset']}/{gen}"
                entry = found.get(gen)
                if entry is None:
                    why = (
                        "no real-data reference for an ensemble (only a source's own examples)"
                        if gen in ENSEMBLES
                        else "no real-data reference (needs intervals and the real outcomes)"
                    )
                    yield Figure(cell, None, reason=why)
                elif entry.get("reason"):
                    yield Figure(cell, None, reason=f"reference undefined: {entry['reason']}")
                elif not isinstance(fig := entry.get(figure), Mapping) or fig.get("value") is None:
                    yield Figure(cell, None, reason=f"{figure} undefined")
                elif (
                    figure == "effective"
                    and fig.get("censored") == "above"
                    and (fig["value"] < gate.threshold)
                ):
                    # At least the largest subsample the real set allows: cannot tell more.
                    yield Figure(
                        cell,
                        None,
                        reason=f"at least {fig['value']:g} real examples, the most the "
                        f"{entry.get('n_real')} real examples can measure",
                    )
                else:
                    yield Figure(cell, _point(fig), *_ci(fig))

    return read


# --------------------------------------------------------------------------- parse rules


def _drop_rules(fields: Mapping[str, str], where: str) -> None:
    if "model" not in fields:
        raise GateError(f"{where}.model: a max_drop gate needs the candidate model")
    if ("baseline_model" in fields) == (fields.get("baseline") == "saved"):
        raise GateError(
            f"{where}: a max_drop gate needs exactly one of baseline_model = "
            '"<model>" or baseline = "saved"'
        )


KINDS: dict[str, GateKind] = {
    k.name: k
    for k in (
        GateKind(
            "min_score",
            frozenset({"generator", "model", "metric"}),
            False,
            lambda g: g.metric or "score",
            _score_figures,
        ),
        GateKind(
            "max_drop",
            frozenset({"generator", "model", "baseline_model", "baseline"}),
            True,
            lambda g: "drop vs " + (g.baseline_model or "saved baseline"),
            _drop_figures,
            _drop_rules,
        ),
        GateKind(
            "min_agreement",
            frozenset({"generator", "coefficient"}),
            False,
            lambda g: g.coefficient,
            _agreement_figures,
            whole_group=True,
        ),
        GateKind(
            "max_bias",
            frozenset({"model"}),  # a bias factor belongs to a model, not a source
            True,
            lambda g: "|bias|",
            _bias_figures,
            whole_group=True,
            absent=_no_bias,
        ),
        GateKind(
            "max_family_bias",
            frozenset({"model"}),
            True,
            lambda g: "|family bias|",
            _family_bias_figures,
            whole_group=True,
            absent=_no_family_bias,
        ),
        GateKind(
            "min_effective_examples",
            frozenset({"generator"}),
            False,
            lambda g: "effective real examples",
            _reference_reader("effective"),
            whole_group=True,
        ),
        GateKind(
            "min_reference_percentile",
            frozenset({"generator"}),
            False,
            lambda g: "percentile among real subsamples",
            _reference_reader("percentile"),
            whole_group=True,
        ),
        GateKind(
            "max_invalid_rate",
            frozenset({"generator", "model"}),
            True,
            lambda g: "invalid rate",
            _invalid_figures,
        ),
    )
}


def kind_of(name: str) -> GateKind:
    """The kind called ``name``; a ``KeyError`` for an unknown one (parsing checks first)."""
    return KINDS[name]
