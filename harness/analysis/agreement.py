"""From score rows to rank agreement, generator ensembles and bias factors.

A view over ``harness.analysis.engine``, the one engine of the derived figures: the grid becomes
a one-row array, the engine computes every figure on it exactly as it does on the
bootstrap's resamples, and this module keeps what only a report needs: the dict
shapes, the models and cells excluded, and the reason of every undefined figure. No
pytest, no I/O. The grid of one (task, dataset, metric) is a ``Matrix`` (generator ->
model -> score, NaN = the case ran but its score is undefined). Everything derived
from it follows ``docs/metrics.md``:

* agreement of each synthetic generator (and of the ensembles) with ``real`` over the
  models scored on both: Spearman, Kendall tau-b, Pearson, MAE, MSE;
* the ensemble ``mean`` over the synthetic generators, and ``mean-loo`` where a model
  that is itself a generator averages only the *other* generators' data;
* the bias factor of every model declared ``same_as`` a generator;
* with suite families, ``mean-lfo`` and the family bias (``harness.analysis.familybias``).

A figure that cannot be computed is a ``Value(None, reason)``, never NaN and never an
exception, so a report can always be written and every blank is explained.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt

from harness.analysis import engine as figures
from harness.core.families import Families
from harness.core.names import LEAVE_FAMILY_OUT, LEAVE_OWN_OUT, MIN_GENERATORS, MIN_MODELS, RESERVED
from harness.core.records import ENSEMBLE, REAL, CaseResult

if TYPE_CHECKING:
    from harness.analysis.familybias import FamilyBias

REPORT_SCHEMA = 1
ASSOCIATION = ("spearman", "kendall", "pearson")
ERRORS = ("mae", "mse")
FIGURES = ASSOCIATION + ERRORS

#: generator -> model -> score (NaN: the case ran, its score is undefined).
Matrix: TypeAlias = dict[str, dict[str, float]]
#: What the functions read: any mapping of that shape.
Grid: TypeAlias = Mapping[str, Mapping[str, float]]
#: (task, dataset, generator, model): one cell of a suite.
Cell: TypeAlias = tuple[str, str, str, str]
GroupKey: TypeAlias = tuple[str, str, str]


def _defined(x: float | None) -> bool:
    # ``x == x`` is False only for NaN, and cheaper than math.isnan on the hot path.
    return x is not None and x == x


def _mean(xs: Sequence[float]) -> float:
    # fsum is exactly rounded, hence independent of the order the rows arrived in: the
    # same results give byte-identical reports.
    return math.fsum(xs) / len(xs)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One score of one case: the unit ``synthbench report`` reads and merges."""

    task: str
    dataset: str
    generator: str
    model: str
    metric: str
    score: float  # NaN = undefined

    def __post_init__(self) -> None:
        if self.generator in RESERVED:
            raise ValueError(
                f"score row {self.task}/{self.dataset}/{self.generator}/{self.model}: generator "
                f"name {self.generator!r} is reserved for the generator ensembles "
                f"({', '.join(RESERVED)}); rename that source"
            )
        if self.score is None:  # JSON null from a published table
            object.__setattr__(self, "score", math.nan)


@dataclass(frozen=True, slots=True)
class Value:
    """A figure, or ``None`` with the reason it is undefined."""

    value: float | None
    reason: str = ""

    @property
    def defined(self) -> bool:
        return self.value is not None


def _value(x: float, reason: str) -> Value:
    """A computed float as a Value; NaN/inf (a degenerate input scipy noticed) is undefined."""
    x = float(x)
    return Value(x) if math.isfinite(x) else Value(None, reason)


@dataclass(frozen=True, slots=True)
class Agreement:
    """How one synthetic source (or ensemble) agrees with real data, over ``n_models``.

    ``excluded`` names the models dropped because one of their two scores is undefined.
    """

    spearman: Value
    kendall: Value
    pearson: Value
    mae: Value
    mse: Value
    n_models: int
    excluded: tuple[tuple[str, str], ...] = ()

    def figures(self) -> dict[str, Value]:
        """The five figures by name, in report order."""
        return {name: getattr(self, name) for name in FIGURES}

    def to_dict(self) -> dict[str, Any]:
        """The report.json shape: plain numbers (None when undefined) plus the reasons."""
        figs = self.figures()
        d: dict[str, Any] = {name: v.value for name, v in figs.items()}
        d["n_models"] = self.n_models
        d["undefined"] = {name: v.reason for name, v in figs.items() if not v.defined}
        d["excluded"] = dict(self.excluded)
        return d


def undefined_agreement(reason: str) -> Agreement:
    """An agreement whose every figure is undefined for one reason."""
    v = Value(None, reason)
    return Agreement(v, v, v, v, v, 0)


@dataclass(frozen=True, slots=True)
class BiasValue:
    """The bias factor of a model towards ``generator`` (the LLM it is the same as)."""

    generator: str
    value: Value

    def to_dict(self) -> dict[str, Any]:
        return {"generator": self.generator, "value": self.value.value, "reason": self.value.reason}


# --------------------------------------------------------------------------- rows and matrices


def rows_from_cases(cases: Iterable[CaseResult], all_metrics: bool = False) -> list[ScoreRow]:
    """Score rows of the ``ok`` cases: the primary metric, or every metric with ``all_metrics``.

    An ok case without its primary metric gives a NaN row (undefined, not missing).
    """
    rows: list[ScoreRow] = []
    for r in cases:
        if r.status != "ok":
            continue
        k = r.key
        if all_metrics:
            items = sorted(r.metrics.items())
        else:
            items = [(r.primary, r.metrics.get(r.primary, math.nan))]
        for metric, score in items:
            s = math.nan if score is None else float(score)
            rows.append(ScoreRow(k.task, k.dataset, k.generator, k.model, metric, s))
    return rows


def _collect(
    rows: Iterable[ScoreRow],
) -> tuple[dict[GroupKey, Matrix], dict[GroupKey, list[dict[str, Any]]]]:
    """Matrices per group, and the cells given twice with different scores (last one wins)."""
    out: dict[GroupKey, Matrix] = {}
    dups: dict[GroupKey, list[dict[str, Any]]] = {}
    for r in rows:
        key = (r.task, r.dataset, r.metric)
        row = out.setdefault(key, {}).setdefault(r.generator, {})
        old = row.get(r.model)
        score = float(r.score)
        if old is not None and not (old == score or (old != old and score != score)):
            dups.setdefault(key, []).append(
                {
                    "generator": r.generator,
                    "model": r.model,
                    "dropped": old if old == old else None,
                    "kept": score if score == score else None,
                }
            )
        row[r.model] = score
    canonical = {
        k: {g: dict(sorted(m[g].items())) for g in generator_order(m)} for k, m in out.items()
    }
    return canonical, dups


def score_matrices(rows: Iterable[ScoreRow]) -> dict[GroupKey, Matrix]:
    """(task, dataset, metric) -> generator -> model -> score; a repeated cell: last wins."""
    return _collect(rows)[0]


def synthetic_generators(matrix: Iterable[str]) -> list[str]:
    """The matrix's synthetic generators, sorted: neither ``real`` nor an ensemble."""
    return sorted(g for g in matrix if g != REAL and g not in RESERVED)


def generator_order(names: Iterable[str]) -> list[str]:
    """Report order: ``real``, the synthetic generators sorted, ``mean``, ``mean-loo``."""
    names = set(names)
    head = [REAL] if REAL in names else []
    tail = [g for g in RESERVED if g in names]
    return head + synthetic_generators(names) + tail


# --------------------------------------------------------------------------- agreement


def agreement(
    synthetic: Mapping[str, float], real: Mapping[str, float], generator: str = "synthetic"
) -> Agreement:
    """Agreement of ``synthetic`` with ``real`` over the models defined in both.

    ``generator`` names the synthetic side in reasons ("constant scores on gpt-4o").
    Spearman uses average ranks for ties; Kendall is tau-b. The three coefficients
    need at least 3 models and no constant vector; MAE and MSE need one model.
    """
    xs: list[float] = []
    ys: list[float] = []
    excluded: list[tuple[str, str]] = []
    for m in sorted(synthetic.keys() & real.keys()):
        x, y = synthetic[m], real[m]
        if _defined(x) and _defined(y):
            xs.append(x)
            ys.append(y)
        else:
            where = [g for g, v in ((generator, x), (REAL, y)) if not _defined(v)]
            excluded.append((m, "undefined score on " + " and ".join(where)))
    n = len(xs)
    if n == 0:
        u = Value(None, f"no model has a defined score on both {generator} and {REAL}")
        return Agreement(u, u, u, u, u, 0, tuple(excluded))
    sx, ry = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    # The bootstrap's engine on a one-row array: the point is its row 0.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a non-finite result becomes a reason below
        figs = {k: float(v[0]) for k, v in figures.agreement_figures(sx[None], ry[None]).items()}
    mae, mse = Value(figs["mae"]), Value(figs["mse"])
    if n < MIN_MODELS:
        u = Value(None, f"needs at least {MIN_MODELS} models, got {n}")
        return Agreement(u, u, u, mae, mse, n, tuple(excluded))
    constant = [g for g, v in ((generator, sx), (REAL, ry)) if v.max() == v.min()]
    if constant:
        u = Value(None, "constant scores on " + " and ".join(constant))
        return Agreement(u, u, u, mae, mse, n, tuple(excluded))
    why = f"no correlation between {generator} and {REAL} (near-constant scores)"
    rho, tau, r = (_value(figs[k], why) for k in ("spearman", "kendall", "pearson"))
    return Agreement(rho, tau, r, mae, mse, n, tuple(excluded))


def agreement_arrays(
    synth: npt.ArrayLike, real: npt.ArrayLike
) -> dict[str, npt.NDArray[np.float64]]:
    """Every figure of ``agreement`` along the last axis of ``(..., M)`` arrays at once.

    Meant for bootstraps: row ``b`` of the result equals ``agreement`` on row ``b`` of
    the inputs, with NaN where ``agreement`` says undefined (fewer than 3 models, a
    constant row). Columns are models; drop a model whose score is NaN before calling.
    """
    x = np.asarray(synth, dtype=np.float64)
    y = np.asarray(real, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"agreement_arrays: shapes differ, synthetic {x.shape} vs real {y.shape}")
    m = x.shape[-1]
    if m == 0:
        nan = np.full(x.shape[:-1], np.nan)
        return {name: nan.copy() for name in FIGURES}
    figs = figures.agreement_figures(x, y)
    if m < MIN_MODELS:
        for name in ASSOCIATION:
            figs[name] = np.full(x.shape[:-1], np.nan)
    return {name: np.asarray(figs[name], dtype=np.float64) for name in FIGURES}


# --------------------------------------------------------------------------- ensembles


def grid_block(matrix: Grid, gens: Sequence[str], models: Sequence[str]) -> npt.NDArray[np.float64]:
    """The grid as the engine's one-row ``(1, G, M)`` array; NaN where no defined score."""
    return np.array(
        [[[_float(matrix.get(g, {}).get(m)) for m in models] for g in gens]], dtype=np.float64
    ).reshape(1, len(gens), len(models))


def _float(x: float | None) -> float:
    return math.nan if x is None else float(x)


def _models_of(matrix: Grid, gens: Iterable[str]) -> list[str]:
    return sorted({m for g in gens for m in matrix.get(g, {})})


def ensemble_mean(matrix: Grid, generators: Sequence[str]) -> dict[str, float]:
    """Per model, the mean of its defined scores over ``generators``; NaN if it has none."""
    models = _models_of(matrix, generators)
    mean = figures.masked_mean(grid_block(matrix, generators, models))[0]
    return {m: float(v) for m, v in zip(models, mean, strict=True)}


def leave_own_out(matrix: Grid, same_as: Mapping[str, str]) -> dict[str, float]:
    """Per model, the mean over the synthetic generators except ``same_as[model]``.

    A model that is no generator gets the plain ensemble mean; one scored only on its
    own generator's data gets NaN.
    """
    gens = synthetic_generators(matrix)
    models = _models_of(matrix, gens)
    block = grid_block(matrix, gens, models)
    loo = figures.ensembles(block, gens, models, same_as, range(len(gens)))[1][0]
    return {m: float(v) for m, v in zip(models, loo, strict=True)}


# --------------------------------------------------------------------------- bias factor


def normalized(matrix: Grid, generators: Iterable[str]) -> Matrix:
    """``n(m, g) = s(m, g) - mean_k s(k, g)`` over the models k with a defined score on g."""
    gens = [g for g in generators if g in matrix]
    models = _models_of(matrix, gens)
    norm = figures.normalized(grid_block(matrix, gens, models))[0]
    return {
        g: {m: float(norm[i, models.index(m)]) for m in matrix[g]} for i, g in enumerate(gens)
    }


def bias_factors(matrix: Grid, same_as: Mapping[str, str]) -> dict[str, BiasValue]:
    """``bias(m) = n(m, own) - mean over the other generators g of n(m, g)``.

    For every model of the matrix that ``same_as`` maps to a generator. Generators are
    the synthetic ones (not ``real``, not the ensembles); undefined with fewer than 2 of
    them, without a score of the model on its own generator, or on no other generator.
    """
    gens = synthetic_generators(matrix)
    models = sorted({m for row in matrix.values() for m in row} & same_as.keys())
    scored = _models_of(matrix, gens)  # every model of the sources: the normalisation's field
    found = figures.bias(grid_block(matrix, gens, scored), gens, scored, same_as, range(len(gens)))
    out: dict[str, BiasValue] = {}
    for m in models:
        own = same_as[m]
        if len(gens) >= MIN_GENERATORS and m in found:
            out[m] = BiasValue(own, Value(float(found[m][1][0])))
        else:
            out[m] = BiasValue(own, _no_bias(m, own, gens, matrix))
    return out


def _no_bias(m: str, own: str, gens: Sequence[str], matrix: Grid) -> Value:
    """Why the bias factor of ``m`` is undefined (the engine gave no value)."""
    if len(gens) < MIN_GENERATORS:
        return Value(None, f"needs at least {MIN_GENERATORS} synthetic generators, got {len(gens)}")
    if own not in gens or m not in matrix[own]:
        return Value(None, f"no score of {m} on its own generator {own}")
    if not _defined(matrix[own][m]):
        return Value(None, f"undefined score of {m} on its own generator {own}")
    return Value(None, f"no score of {m} on a generator other than its own ({own})")


# --------------------------------------------------------------------------- groups


def _json(x: float) -> float | None:
    return x if _defined(x) else None


@dataclass(frozen=True)
class GroupAnalysis:
    """Everything derived from the grid of one (task, dataset, metric).

    ``scores`` is the grid as run; ``ensembles`` holds the ``mean`` / ``mean-loo`` rows.
    ``missing`` lists the expected cells with no score row at all; ``duplicates`` the
    cells given twice with different scores (the later row was kept).
    """

    task: str
    dataset: str
    metric: str
    scores: Matrix
    agreement: dict[str, Agreement]
    bias: dict[str, BiasValue]
    missing: list[dict[str, str]] = field(default_factory=list)
    ensembles: Matrix = field(default_factory=dict)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    #: With suite families: model -> ``harness.analysis.familybias.FamilyBias``; None without.
    family_bias: Mapping[str, FamilyBias] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The report.json group: fixed key order, undefined as None, nothing rounded."""
        rows = {**self.scores, **self.ensembles}
        d: dict[str, Any] = {
            "task": self.task,
            "dataset": self.dataset,
            "metric": self.metric,
            "scores": {
                g: {m: _json(rows[g][m]) for m in sorted(rows[g])} for g in generator_order(rows)
            },
            "agreement": {g: self.agreement[g].to_dict() for g in generator_order(self.agreement)},
            "bias": {m: self.bias[m].to_dict() for m in sorted(self.bias)},
        }
        if self.family_bias is not None:  # a suite without families: no new key
            d["family_bias"] = {m: self.family_bias[m].to_dict() for m in sorted(self.family_bias)}
        d |= {
            "missing": sorted(self.missing, key=lambda c: (c["generator"], c["model"])),
        }
        if self.duplicates:
            d["duplicates"] = list(self.duplicates)
        return d


def _analyse_group(
    key: GroupKey,
    matrix: Matrix,
    same_as: Mapping[str, str],
    missing: list[dict[str, str]],
    duplicates: list[dict[str, Any]],
    families: Families | None = None,
) -> GroupAnalysis:
    real = matrix.get(REAL, {})
    gens = synthetic_generators(matrix)
    agree = {g: agreement(matrix[g], real, g) for g in gens}
    ensembles: Matrix = {}
    models = {m for row in matrix.values() for m in row}
    # The leave-own-out row differs from ``mean`` only when a model here is a generator here.
    wants_loo = any(same_as.get(m) in gens for m in models)
    family_bias = None
    wants_lfo = False
    if families:
        from harness.analysis import familybias  # it builds on this module's figures

        family_bias = familybias.family_bias(matrix, families)
        wants_lfo = familybias.has_family_here(sorted(models), gens, families)
    if len(gens) >= MIN_GENERATORS:
        ensembles[ENSEMBLE] = ensemble_mean(matrix, gens)
        agree[ENSEMBLE] = agreement(ensembles[ENSEMBLE], real, ENSEMBLE)
        if wants_loo:
            ensembles[LEAVE_OWN_OUT] = leave_own_out(matrix, same_as)
            agree[LEAVE_OWN_OUT] = agreement(ensembles[LEAVE_OWN_OUT], real, LEAVE_OWN_OUT)
        if wants_lfo and families:
            ensembles[LEAVE_FAMILY_OUT] = familybias.leave_family_out(matrix, families)
            agree[LEAVE_FAMILY_OUT] = agreement(
                ensembles[LEAVE_FAMILY_OUT], real, LEAVE_FAMILY_OUT
            )
    else:
        why = f"the ensemble needs at least {MIN_GENERATORS} synthetic generators, got {len(gens)}"
        agree[ENSEMBLE] = undefined_agreement(why)
        if wants_loo:
            agree[LEAVE_OWN_OUT] = undefined_agreement(why)
        if wants_lfo:
            agree[LEAVE_FAMILY_OUT] = undefined_agreement(why)
    task, dataset, metric = key
    return GroupAnalysis(
        task,
        dataset,
        metric,
        matrix,
        agree,
        bias_factors(matrix, same_as),
        missing,
        ensembles,
        duplicates,
        family_bias,
    )


def analyse(
    rows: Iterable[ScoreRow],
    same_as: Mapping[str, str] | None = None,
    expected: Iterable[Cell] | None = None,
    families: Families | None = None,
) -> list[GroupAnalysis]:
    """One ``GroupAnalysis`` per (task, dataset, metric) of ``rows``, sorted by that key.

    ``expected`` are the suite's cells; those of a group's (task, dataset) without a
    score row are listed as missing. A (task, dataset) with no row at all has no metric
    and so no group; the case records name its cases instead.
    """
    same_as = same_as or {}
    matrices, dups = _collect(rows)
    wanted: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for task, dataset, gen, model in expected or ():
        wanted.setdefault((task, dataset), set()).add((gen, model))
    groups = []
    for key in sorted(matrices):
        matrix = matrices[key]
        present = {(g, m) for g, row in matrix.items() for m in row}
        missing = [
            {"generator": g, "model": m} for g, m in sorted(wanted.get(key[:2], set()) - present)
        ]
        groups.append(
            _analyse_group(key, matrix, same_as, missing, dups.get(key, []), families)
        )
    return groups


def build_report(groups: Sequence[GroupAnalysis], **extra: Any) -> dict[str, Any]:
    """The report.json dict: ``{"schema": 1, "groups": [...], **extra}``."""
    return {"schema": REPORT_SCHEMA, "groups": [g.to_dict() for g in groups], **extra}
