"""One small object per gate kind: its keys, direction, description, the figures it
reads from the typed report (``harness.report.model.Report``, by attribute) and the
suite cells it covers.

A kind is anything that has what ``GateKindProtocol`` lists; ``GateKind`` gives the
defaults, so a new kind is a small subclass that says which figures it judges. The
built-in kinds are registered in ``GATE_KINDS`` (``harness.gates.registry``) like
models and tasks; a package adds its own with ``register_gate_kind`` or the entry
point group ``synthbench.gates`` (docs/reports.md, "Gate kinds and report formats of
your own").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from harness.core.names import ENSEMBLES, REAL
from harness.gates.model import Drop, Figure, Gate, GateError

if TYPE_CHECKING:  # the gates read the report layer's values; nothing imported at run time
    from harness.report.figures import Group, Interval, ReferenceFigure, SourceReference
    from harness.report.model import Report

#: ``(task, dataset, generator, candidate, baseline_model)`` -> the paired drop, or None.
PairedDrop = Callable[[str, str, str, str, str], "Drop | None"]
#: ``(task, dataset, generator, model)`` -> drop against the saved run, or a reason string.
SavedDrop = Callable[[str, str, str, str], "Drop | str"]
#: ``(task, dataset, generator, model)``: one suite cell.
Cell = tuple[str, str, str, str]
#: Keys every gate may carry.
COMMON_KEYS = frozenset(
    {"name", "kind", "threshold", "task", "dataset", "on", "optional", "allow_missing"}
)


@dataclass(frozen=True)
class Drops:
    """Where ``max_drop`` gates find their differences (absent: cannot be judged)."""

    paired: PairedDrop | None = None
    saved: SavedDrop | None = None


@runtime_checkable
class GateKindProtocol(Protocol):
    """What the harness asks of a gate kind (``GateKind`` implements the defaults).

    * ``name``: the ``kind = "..."`` of a ``[[gates]]`` table;
    * ``keys``: the keys it accepts beyond ``COMMON_KEYS`` (a key the ``Gate`` record
      has no field for reaches the kind as ``gate.param(key)``);
    * ``lower_is_better``: passes when the figure's upper bound is at most the
      threshold (else: its lower bound at least the threshold);
    * ``whole_group``: its figure reads every cell of a group (agreement, bias);
    * ``what(gate)``: the judged figure in words, for the gate table;
    * ``figures(gate, report, drops)``: one ``Figure`` per covered cell of the typed
      report, with the reason when it is undefined;
    * ``rules(fields, where)``: checks across keys at parse time (raise ``GateError``);
    * ``absent(gate, report)``: why the report can hold none of its figures ('' if it could);
    * ``covers(gate, cell)``: whether the gate reads that suite cell (coverage).
    """

    @property
    def name(self) -> str: ...

    @property
    def keys(self) -> frozenset[str]: ...

    @property
    def lower_is_better(self) -> bool: ...

    @property
    def whole_group(self) -> bool: ...

    def what(self, gate: Gate) -> str: ...

    def figures(self, gate: Gate, report: Report, drops: Drops) -> Iterator[Figure]: ...

    def rules(self, fields: Mapping[str, Any], where: str) -> None: ...

    def absent(self, gate: Gate, report: Report) -> str: ...

    def covers(self, gate: Gate, cell: Cell) -> bool: ...


def allowed_keys(kind: GateKindProtocol) -> frozenset[str]:
    return COMMON_KEYS | kind.keys


def op_of(kind: GateKindProtocol) -> str:
    return "<=" if kind.lower_is_better else ">="


def bound(kind: GateKindProtocol, fig: Figure) -> float | None:
    """The interval end a gate judges: the pessimistic one for its direction."""
    return fig.high if kind.lower_is_better else fig.low


def passes(kind: GateKindProtocol, judged: float, threshold: float) -> bool:
    return judged <= threshold if kind.lower_is_better else judged >= threshold


class GateKind:
    """The defaults of a kind: a subclass sets the class attributes and ``figures``."""

    name: ClassVar[str] = ""
    keys: ClassVar[frozenset[str]] = frozenset()
    lower_is_better: ClassVar[bool] = False
    whole_group: ClassVar[bool] = False
    #: The judged figure in words (``what`` returns it unless overridden).
    label: ClassVar[str] = ""

    def what(self, gate: Gate) -> str:
        return self.label or self.name

    def figures(self, gate: Gate, report: Report, drops: Drops) -> Iterator[Figure]:
        raise NotImplementedError(f"gate kind {self.name!r} reads no figures")

    def rules(self, fields: Mapping[str, Any], where: str) -> None:
        """No rules beyond the keys."""

    def absent(self, gate: Gate, report: Report) -> str:
        return ""

    def covers(self, gate: Gate, cell: Cell) -> bool:
        """A whole-group kind reads every synthetic cell of its groups; a per-cell kind
        the cells its generator and model selectors name (an ensemble: every source)."""
        task, dataset, generator, model = cell
        if not matches(gate, task=task, dataset=dataset):
            return False
        if self.whole_group:
            return generator != REAL
        want = gate.generator
        if want and not (generator == want or (want in ENSEMBLES and generator != REAL)):
            return False
        return matches(gate, model=model)

    # The properties of the earlier dataclass, for callers that hold a kind.
    @property
    def allowed(self) -> frozenset[str]:
        return allowed_keys(self)

    @property
    def op(self) -> str:
        return op_of(self)


# --------------------------------------------------------------------------- report readers


def matches(gate: Gate, **values: str) -> bool:
    """Every selector the gate sets equals the given value."""
    sel = gate.selectors()
    return all(not sel.get(k) or sel[k] == v for k, v in values.items())


def groups_of(gate: Gate, report: Report) -> Iterator[Group]:
    """The report groups the gate's task and dataset selectors cover."""
    for g in report.groups:
        if matches(gate, task=g.task, dataset=g.dataset):
            yield g


def _bounds(ci: Interval | None) -> tuple[float | None, float | None]:
    return (ci.low, ci.high) if ci is not None else (None, None)


def _finite(x: float | None) -> float | None:
    return None if x is None or x != x else float(x)


class MinScore(GateKind):
    name = "min_score"
    keys = frozenset({"generator", "model", "metric"})

    def what(self, gate: Gate) -> str:
        return gate.metric or "score"

    def figures(self, gate: Gate, report: Report, drops: Drops) -> Iterator[Figure]:
        for g in groups_of(gate, report):
            ci = g.ci.scores if g.ci is not None else {}
            for gen in dict.fromkeys([*g.scores, *ci]):
                row, ci_row = g.scores.get(gen, {}), ci.get(gen, {})
                for m in dict.fromkeys([*row, *ci_row]):
                    if not matches(gate, generator=gen, model=m):
                        continue
                    cell = f"{g.task}/{g.dataset}/{gen}/{m}"
                    if gate.metric and gate.metric != g.metric:
                        yield _case_metric(report, g, gen, m, gate.metric, cell)
                        continue
                    c = ci_row.get(m)
                    point = _finite(row[m]) if m in row else (c.value if c else None)
                    yield Figure(cell, point, *_bounds(c))


def _case_metric(report: Report, g: Group, gen: str, model: str, metric: str, cell: str) -> Figure:
    """A secondary metric of one case: a point value only (intervals cover the primary)."""
    for row in report.cases.rows:
        k = row.result.key
        if (k.task, k.dataset, k.generator, k.model) == (g.task, g.dataset, gen, model):
            metrics = row.result.metrics
            if metric not in metrics:
                known = ", ".join(sorted(metrics))
                return Figure(cell, None, reason=f"no metric {metric!r}; known: {known}")
            value = _finite(metrics[metric])
            return Figure(cell, value, reason="" if value is not None else f"{metric} undefined")
    return Figure(cell, None, reason="case not found")


class MaxInvalidRate(GateKind):
    name = "max_invalid_rate"
    keys = frozenset({"generator", "model"})
    lower_is_better = True
    label = "invalid rate"

    def figures(self, gate: Gate, report: Report, drops: Drops) -> Iterator[Figure]:
        groups = {g.key: g for g in groups_of(gate, report)}
        for row in report.cases.rows:
            c = row.result
            k = c.key
            g = groups.get((k.task, k.dataset))
            if g is None or c.status != "ok" or not matches(gate, generator=k.generator,
                                                            model=k.model):
                continue
            n = c.n_examples
            point = c.n_invalid / n if n else None
            ci = g.ci.invalid_rate.get(k.generator, {}).get(k.model) if g.ci else None
            cell = f"{k.task}/{k.dataset}/{k.generator}/{k.model}"
            yield Figure(cell, point, *_bounds(ci), reason="" if n else "no examples")


class MinAgreement(GateKind):
    name = "min_agreement"
    keys = frozenset({"generator", "coefficient"})
    whole_group = True

    def what(self, gate: Gate) -> str:
        return gate.coefficient

    def figures(self, gate: Gate, report: Report, drops: Drops) -> Iterator[Figure]:
        coef = gate.coefficient
        for g in groups_of(gate, report):
            ci = g.ci.agreement if g.ci is not None else {}
            for gen in dict.fromkeys([*g.agreement, *ci]):
                if not matches(gate, generator=gen):
                    continue
                entry, interval = g.agreement.get(gen), ci.get(gen)
                c = interval.of(coef) if interval is not None else None
                value = _finite(entry.figure(coef)) if entry else (c.value if c else None)
                why = entry.reason(coef) if entry else ""
                yield Figure(
                    f"{g.task}/{g.dataset}/{gen}",
                    value,
                    *_bounds(c),
                    reason=why or ("" if value is not None else f"{coef} undefined"),
                )

    def covers(self, gate: Gate, cell: Cell) -> bool:
        """The agreement of a source reads its cells and the real data's; an ensemble's
        (or every source's) every cell."""
        task, dataset, generator, _ = cell
        if not matches(gate, task=task, dataset=dataset):
            return False
        want = gate.generator
        return want == "" or want in ENSEMBLES or generator in (want, REAL)


class MaxBias(GateKind):
    """``|bias|``, judged against the largest absolute value of its interval."""

    name = "max_bias"
    keys = frozenset({"model"})  # a bias factor belongs to a model, not a source
    lower_is_better = True
    whole_group = True
    label = "|bias|"
    #: How a cell names whose data the bias is about.
    on = ""

    def points(self, g: Group) -> Mapping[str, Any]:
        return g.bias

    def intervals(self, g: Group) -> Mapping[str, Any]:
        return g.ci.bias if g.ci is not None else {}

    def figures(self, gate: Gate, report: Report, drops: Drops) -> Iterator[Figure]:
        for g in groups_of(gate, report):
            points, cis = self.points(g), self.intervals(g)
            for m in dict.fromkeys([*points, *cis]):
                if not matches(gate, model=m):
                    continue
                b, c = points.get(m), cis.get(m)
                if b is not None:
                    owner, value, reason = b.owner, _finite(b.value), b.reason
                elif c is not None:
                    owner, value, reason = c.owner, c.interval.value, ""
                else:
                    continue
                low, high = _bounds(c.interval if c is not None else None)
                wide = None if low is None or high is None else max(abs(low), abs(high))
                yield Figure(
                    f"{g.task}/{g.dataset}/{m} on {self.on}{owner}",
                    None if value is None else abs(value),
                    None,
                    wide,
                    reason="" if value is not None else (reason or "bias undefined"),
                )

    def absent(self, gate: Gate, report: Report) -> str:
        """A bias factor exists only for a model that is one of the generators."""
        same_as = report.same_as
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


class MaxFamilyBias(MaxBias):
    """With suite ``[families]``: a model's bias towards its whole family's data."""

    name = "max_family_bias"
    label = "|family bias|"
    on = "family "

    def points(self, g: Group) -> Mapping[str, Any]:
        return g.family_bias or {}

    def intervals(self, g: Group) -> Mapping[str, Any]:
        return (g.ci.family_bias or {}) if g.ci is not None else {}

    def absent(self, gate: Gate, report: Report) -> str:
        """A family bias needs the suite's ``[families]`` (or ``--family`` for a table)."""
        if not report.families.models:
            return "no model belongs to a family: declare the suite's [families] table"
        return ""


class MaxDrop(GateKind):
    name = "max_drop"
    keys = frozenset({"generator", "model", "baseline_model", "baseline"})
    lower_is_better = True

    def what(self, gate: Gate) -> str:
        return "drop vs " + (gate.baseline_model or "saved baseline")

    def figures(self, gate: Gate, report: Report, drops: Drops) -> Iterator[Figure]:
        for g in groups_of(gate, report):
            for gen, row in g.scores.items():
                if not matches(gate, generator=gen) or gate.model not in row:
                    continue
                cell = f"{g.task}/{g.dataset}/{gen}/{gate.model}"
                if gate.baseline_model:
                    yield _paired_figure(gate, g, gen, f"{cell} vs {gate.baseline_model}", drops)
                elif drops.saved is None:
                    yield Figure(cell, None, reason="no saved baseline: pass --synth-compare NAME")
                else:
                    found = drops.saved(g.task, g.dataset, gen, gate.model)
                    if isinstance(found, str):
                        yield Figure(cell + " vs saved", None, reason=found)
                    else:
                        yield Figure(cell + " vs saved", found.value, found.low, found.high,
                                     found.note)

    def rules(self, fields: Mapping[str, Any], where: str) -> None:
        if "model" not in fields:
            raise GateError(f"{where}.model: a max_drop gate needs the candidate model")
        if ("baseline_model" in fields) == (fields.get("baseline") == "saved"):
            raise GateError(
                f"{where}: a max_drop gate needs exactly one of baseline_model = "
                '"<model>" or baseline = "saved"'
            )

    def covers(self, gate: Gate, cell: Cell) -> bool:
        """The candidate's and the baseline model's cells of the gate's sources."""
        task, dataset, generator, model = cell
        if not matches(gate, task=task, dataset=dataset):
            return False
        want = gate.generator
        if want and not (generator == want or (want in ENSEMBLES and generator != REAL)):
            return False
        return model in (gate.model, gate.baseline_model)


def _paired_figure(gate: Gate, g: Group, gen: str, cell: str, drops: Drops) -> Figure:
    base = _finite(g.scores[gen].get(gate.baseline_model))
    cand = _finite(g.scores[gen].get(gate.model))
    if base is None:
        return Figure(
            cell, None, reason=f"baseline model {gate.baseline_model!r} has no score here"
        )
    if cand is None:
        return Figure(cell, None, reason="candidate score undefined")
    args = (g.task, g.dataset, gen, gate.model, gate.baseline_model)
    found = drops.paired(*args) if drops.paired else None
    if found is None:
        return Figure(cell, base - cand, reason="no per-example outcomes for a paired interval")
    return Figure(cell, found.value, found.low, found.high, found.note)


class MinEffectiveExamples(GateKind):
    """A synthetic source's real-data reference (``ci.reference.sources``, see
    ``harness.analysis.reference``): how many real examples it is worth."""

    name = "min_effective_examples"
    keys = frozenset({"generator"})
    whole_group = True
    label = "effective real examples"

    def figure(self, ref: SourceReference) -> ReferenceFigure | None:
        return ref.effective

    def figures(self, gate: Gate, report: Report, drops: Drops) -> Iterator[Figure]:
        for g in groups_of(gate, report):
            ref = g.ci.reference if g.ci is not None else None
            found = ref.sources if ref is not None else {}
            synthetic = [s for s in g.agreement if s not in found]
            for gen in dict.fromkeys([*found, *synthetic]):
                if matches(gate, generator=gen):
                    yield self._one(gate, f"{g.task}/{g.dataset}/{gen}", gen, found.get(gen))

    def _one(self, gate: Gate, cell: str, gen: str, entry: SourceReference | None) -> Figure:
        if entry is None:
            why = (
                "no real-data reference for an ensemble (only a source's own examples)"
                if gen in ENSEMBLES
                else "no real-data reference (needs intervals and the real outcomes)"
            )
            return Figure(cell, None, reason=why)
        if entry.reason:
            return Figure(cell, None, reason=f"reference undefined: {entry.reason}")
        fig = self.figure(entry)
        if fig is None or fig.value is None:
            return Figure(cell, None, reason=f"{self.field} undefined")
        if self.field == "effective" and fig.censored == "above" and fig.value < gate.threshold:
            # At least the largest subsample the real set allows: cannot tell more.
            return Figure(
                cell,
                None,
                reason=f"at least {fig.value:g} real examples, the most the "
                f"{entry.n_real} real examples can measure",
            )
        return Figure(cell, _finite(fig.value), fig.low, fig.high)

    #: The reference figure's name, in reasons.
    field = "effective"


class MinReferencePercentile(MinEffectiveExamples):
    """Where the source's agreement falls among real subsamples of its size."""

    name = "min_reference_percentile"
    label = "percentile among real subsamples"
    field = "percentile"

    def figure(self, ref: SourceReference) -> ReferenceFigure | None:
        return ref.percentile


#: The built-in kinds, in the order the docs list them.
BUILTIN: tuple[GateKind, ...] = (
    MinScore(),
    MaxDrop(),
    MinAgreement(),
    MaxBias(),
    MaxFamilyBias(),
    MinEffectiveExamples(),
    MinReferencePercentile(),
    MaxInvalidRate(),
)
