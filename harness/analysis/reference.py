"""How well would *real* data of the same size rank the models? A reference for agreement.

A synthetic source's agreement with the real data ("Spearman 0.60") says nothing on
its own about whether real data of the same size would do better. For the synthetic
sources of a group (``n_syn`` examples each, largest ``N``) and a real set of
``n_real``, repeated ``R`` times with a seeded permutation of the real examples:

* **held out**: the first ``h`` examples of the permutation; every figure here is an
  agreement *with the held-out part*, so no side is scored on data it contains. All
  sources of a group meet the same held-out parts (one real-side computation per
  group, however many sizes its sources have; their figures are paired);
* **pool**: the other ``p = n_real - h`` examples; the real subsample of size ``m`` is
  the pool's first ``m`` (nested: a larger subsample holds the smaller ones, so the
  curve over ``m`` is smooth);
* **scheme** ``complement``: ``h = n_real - N`` when that is at least ``N`` (a
  source's reference subsample is its own size, ``min(n_syn, p) = n_syn``); otherwise
  ``split-half`` (a small real set): ``h = n_real // 2``, and a source larger than the
  pool is compared with subsamples of the pool's ``p`` (``reference_size`` says how
  many).

Subsamples are plain (no strata): like the bootstrap's scheme 3, a real subsample's
class counts vary as a redrawn test set's do, and a synthetic set's class mix is its
own. From the repeats:

* ``synthetic``: the median over the repeats of the agreement of the synthetic
  source's point scores with the held-out real scores;
* ``reference``: the agreement of the size-``p`` real subsamples with the held-out
  part: median and the central ``level`` range;
* ``percentile``: the share of reference values below ``synthetic`` (ties count
  half), times 100; ``z``: ``(synthetic - mean) / sd`` of the reference;
* ``effective``: the number ``m`` of real examples whose subsamples agree, at the
  median, as well as the synthetic set: the median agreement of size-``m``
  subsamples on a geometric grid of ``m`` (``p``, ``p/sqrt 2``, ``p/2``, ... down to
  ``MIN_SUBSAMPLE``; made non-decreasing), inverted at ``synthetic`` by linear
  interpolation in ``log m``. Its interval: the sizes at which ``synthetic`` lies in
  the central ``level`` range of the size-``m`` agreements (the upper quantile curve
  gives ``low``, the lower one ``high``). Outside the grid the figure is censored:
  ``"censored": "above"`` (at least ``p``: as good as every real subsample size we
  can form) or ``"below"`` (at most ``MIN_SUBSAMPLE``).

``cross_dataset`` is the second reference: the agreement of one real dataset's
scores with another real dataset's of the same task, over their common models.

Pure: arrays (and a scorer callable) in, frozen results out; nothing reads the store.
An undefined figure carries its reason, never a NaN and never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.analysis.engine import ASSOCIATION, COEFFICIENT_RANGE, agreement_figures
from harness.analysis.resampling import interval
from harness.core.names import MIN_MODELS

FloatArray = npt.NDArray[np.float64]
#: ``weights (n_real, C)`` of 0/1 -> primary scores ``(M, C)`` of every model on the
#: real examples each column selects (``harness.analysis.resampling.score_batch``'s first array).
Scorer = Callable[[FloatArray], FloatArray]

#: Repeats of the reference (held-out splits); its own count, not the bootstrap's.
DEFAULT_REPEATS = 200
#: The smallest real subsample of the effective-size grid.
MIN_SUBSAMPLE = 4
#: The fewest examples a synthetic source needs for a reference.
MIN_SOURCE_EXAMPLES = 2
COEFFICIENT = "spearman"


def _num(x: float) -> float | None:
    return round(float(x), 6) if math.isfinite(x) else None


@dataclass(frozen=True)
class Plan:
    """How the real set is split: held-out size, pool size, the subsample grid."""

    scheme: str
    n_real: int
    held_out: int
    pool: int
    #: Subsample sizes, ascending: the geometric grid, the sources' sizes below the
    #: pool, and the pool (the largest).
    sizes: tuple[int, ...]

    def reference_size(self, n_syn: int) -> int:
        """The real subsample size a source of ``n_syn`` is compared with."""
        return min(n_syn, self.pool)


def plan(n_real: int, n_syn: int | Sequence[int]) -> Plan | str:
    """The split of a real set of ``n_real`` for sources of ``n_syn`` examples (one
    size or several), or why there is none."""
    syn = [n_syn] if isinstance(n_syn, int) else list(n_syn)
    largest = max(syn)
    if n_real < 2 * MIN_SUBSAMPLE:
        return f"the real set needs at least {2 * MIN_SUBSAMPLE} examples, got {n_real}"
    if n_real - largest >= largest:
        scheme, held = "complement", n_real - largest
    else:
        scheme, held = "split-half", n_real // 2
    pool = n_real - held
    sizes = {pool, *(n for n in syn if MIN_SOURCE_EXAMPLES <= n <= pool)}
    k = 1
    while (m := int(round(pool / 2 ** (k / 2)))) >= MIN_SUBSAMPLE:
        sizes.add(m)
        k += 1
    return Plan(scheme, n_real, held, pool, tuple(sorted(sizes)))


def split_weights(p: Plan, repeats: int, seed: int) -> tuple[FloatArray, FloatArray]:
    """0/1 weights: held-out ``(n_real, R)`` and subsamples ``(n_real, K * R)``
    (size ``sizes[k]`` of repeat ``r`` in column ``k * R + r``)."""
    rng = np.random.default_rng(seed)
    perms = np.argsort(rng.random((repeats, p.n_real)), axis=1)
    cols = np.arange(repeats)
    held = np.zeros((p.n_real, repeats))
    held[perms[:, : p.held_out].T, cols] = 1.0
    subs = np.zeros((p.n_real, len(p.sizes) * repeats))
    for k, m in enumerate(p.sizes):
        subs[perms[:, p.held_out : p.held_out + m].T, k * repeats + cols] = 1.0
    return held, subs


@dataclass(frozen=True)
class Effective:
    """The effective real sample size and its interval; ``censored`` when off the grid."""

    value: float | None
    low: float | None
    high: float | None
    censored: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "low": self.low, "high": self.high, "censored": self.censored}


@dataclass(frozen=True)
class SourceReference:
    """A synthetic source's agreement judged against real subsamples of its size."""

    coefficient: str
    n_examples: int
    reason: str = ""
    scheme: str = ""
    n_real: int = 0
    held_out: int = 0
    reference_size: int = 0
    repeats: int = 0
    n_models: int = 0
    synthetic: float | None = None
    reference: Mapping[str, float | None] | None = None
    percentile: Mapping[str, float | None] | None = None
    z: float | None = None
    effective: Effective | None = None
    #: Per grid size ``(m, median, low, high)`` of the size-``m`` agreements.
    curve: tuple[tuple[int, float | None, float | None, float | None], ...] = ()
    #: Repeats whose reference (size ``reference_size``) agreement was undefined.
    undefined: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"coefficient": self.coefficient, "n_examples": self.n_examples}
        if self.reason:
            return {**out, "reason": self.reason}
        return {
            **out,
            "scheme": self.scheme,
            "n_real": self.n_real,
            "held_out": self.held_out,
            "reference_size": self.reference_size,
            "repeats": self.repeats,
            "n_models": self.n_models,
            "synthetic": self.synthetic,
            "reference": dict(self.reference or {}),
            "percentile": dict(self.percentile or {}),
            "z": self.z,
            "effective": self.effective.to_dict() if self.effective else None,
            "curve": [{"m": m, "median": a, "low": b, "high": c} for m, a, b, c in self.curve],
            "undefined": self.undefined,
        }


def _invert(sizes: Sequence[int], curve: FloatArray, s: float) -> tuple[float, str]:
    """The ``m`` where the non-decreasing ``curve`` reaches ``s`` (log-linear), censored."""
    if s < curve[0]:
        return float(sizes[0]), "below"
    if s >= curve[-1]:
        return float(sizes[-1]), "above"
    k = int(np.argmax(curve >= s))  # first size reaching s; curve[k - 1] < s
    if k == 0:
        return float(sizes[0]), ""
    t = (s - curve[k - 1]) / (curve[k] - curve[k - 1])
    lo, hi = math.log(sizes[k - 1]), math.log(sizes[k])
    return math.exp(lo + t * (hi - lo)), ""


def _quantiles(values: FloatArray, level: float) -> tuple[float, float, float]:
    ok = values[np.isfinite(values)]
    if not ok.size:
        return math.nan, math.nan, math.nan
    a = (1.0 - level) / 2.0
    lo, med, hi = np.quantile(ok, [a, 0.5, 1.0 - a])
    return float(med), float(lo), float(hi)


def _rank_in(ref: FloatArray, s: float) -> float:
    """Percentile of ``s`` among ``ref`` (ties count half)."""
    return 100.0 * (float((ref < s).sum()) + 0.5 * float((ref == s).sum())) / ref.size


def judge(
    synth: FloatArray,
    held: FloatArray,
    subs: FloatArray,
    p: Plan,
    n_syn: int,
    level: float = 0.95,
    coefficient: str = COEFFICIENT,
) -> SourceReference:
    """The reference figures from the scores, restricted to the models to compare.

    ``synth`` ``(M,)`` the synthetic point scores; ``held`` ``(R, M)`` the held-out real
    scores; ``subs`` ``(K, R, M)`` the real subsamples' (``p.sizes`` in order).
    """
    base = (coefficient, n_syn)
    m = synth.size
    if m < MIN_MODELS:
        return SourceReference(*base, reason=f"needs at least {MIN_MODELS} models, got {m}")
    if np.ptp(synth) == 0:
        return SourceReference(*base, reason="constant scores on the synthetic source")
    repeats = held.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        syn = agreement_figures(np.broadcast_to(synth, held.shape), held)[coefficient]
        cur = agreement_figures(subs, np.broadcast_to(held, subs.shape))[coefficient]
    at = p.sizes.index(p.reference_size(n_syn))
    ref = cur[at]
    ref_ok = ref[np.isfinite(ref)]
    syn_ok = syn[np.isfinite(syn)]
    if not ref_ok.size or not syn_ok.size:
        return SourceReference(
            *base,
            reason="the held-out real scores are constant (or undefined) in every repeat",
        )
    s = float(np.median(syn_ok))
    rows = [_quantiles(c, level) for c in cur]
    curve = tuple(
        (int(size), _num(a), _num(b), _num(c))
        for size, (a, b, c) in zip(p.sizes, rows, strict=True)
    )
    med, lo, hi = (np.array([r[i] for r in rows]) for i in range(3))
    effective = None
    if np.isfinite(med).all():
        # A noisy median may dip as m grows: non-decreasing makes the inversion unique.
        value, cens = _invert(p.sizes, np.maximum.accumulate(med), s)
        low = _invert(p.sizes, np.maximum.accumulate(hi), s)[0]
        high = _invert(p.sizes, np.maximum.accumulate(lo), s)[0]
        effective = Effective(_num(value), _num(min(low, value)), _num(max(high, value)), cens)
    sd = float(np.std(ref_ok, ddof=1)) if ref_ok.size > 1 else 0.0
    z = (s - float(np.mean(ref_ok))) / sd if sd > 0 else math.nan
    syn_med, syn_lo, syn_hi = _quantiles(syn, level)
    return SourceReference(
        *base,
        scheme=p.scheme,
        n_real=p.n_real,
        held_out=p.held_out,
        reference_size=p.sizes[at],
        repeats=repeats,
        n_models=m,
        synthetic=_num(s),
        reference={
            "median": _num(rows[at][0]),
            "low": _num(rows[at][1]),
            "high": _num(rows[at][2]),
        },
        percentile={
            "value": _num(_rank_in(ref_ok, s)),
            # The synthetic figure moves with the held-out part too: its own central
            # range over the repeats, placed in the reference.
            "low": _num(_rank_in(ref_ok, syn_lo)),
            "high": _num(_rank_in(ref_ok, syn_hi)),
        },
        z=_num(z),
        effective=effective,
        curve=curve,
        undefined=int(repeats - ref_ok.size),
    )


def source_references(
    score: Scorer,
    n_real: int,
    real_point: FloatArray,
    synthetic: Mapping[str, tuple[int, FloatArray]],
    seed: int,
    repeats: int = DEFAULT_REPEATS,
    level: float = 0.95,
    coefficient: str = COEFFICIENT,
) -> dict[str, SourceReference]:
    """The reference of every synthetic source ``name -> (n_syn, point scores (M,))``.

    ``score`` scores the real examples a weight column selects, for the same ``M``
    models as ``real_point`` (their real point scores; NaN where a model did not run).
    A source is compared over the models with a defined point score on both sides.
    All sources share one split of the real set (``plan`` of all their sizes): the
    real side is scored once per group, and the sources meet the same held-out parts.
    """
    if coefficient not in ASSOCIATION:
        raise ValueError(f"no reference for {coefficient!r}; known: {', '.join(ASSOCIATION)}")
    out: dict[str, SourceReference] = {}
    small = f"the source needs at least {MIN_SOURCE_EXAMPLES} examples, got "
    usable = {k: v for k, v in synthetic.items() if v[0] >= MIN_SOURCE_EXAMPLES}
    for name, (n_syn, _) in synthetic.items():
        if name not in usable:
            out[name] = SourceReference(coefficient, n_syn, reason=f"{small}{n_syn}")
    if not usable:
        return out
    p = plan(n_real, [n for n, _ in usable.values()])
    if isinstance(p, str):
        out.update({k: SourceReference(coefficient, n, reason=p) for k, (n, _) in usable.items()})
        return {k: out[k] for k in synthetic}
    held_w, subs_w = split_weights(p, repeats, seed)
    both = score(np.concatenate([held_w, subs_w], axis=1))  # (M, (K + 1) R)
    held = both[:, :repeats].T
    subs = both[:, repeats:].reshape(-1, len(p.sizes), repeats).transpose(1, 2, 0)
    for name, (n_syn, point) in usable.items():
        keep = np.isfinite(point) & np.isfinite(real_point)
        out[name] = judge(
            point[keep], held[:, keep], subs[:, :, keep], p, n_syn, level, coefficient
        )
    return {k: out[k] for k in synthetic}


@dataclass(frozen=True)
class CrossDataset:
    """Real-vs-real agreement of this dataset with another dataset of the same task."""

    dataset: str
    coefficient: str
    n_models: int
    value: float | None = None
    low: float | None = None
    high: float | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "dataset": self.dataset,
            "coefficient": self.coefficient,
            "n_models": self.n_models,
        }
        if self.reason:
            return {**out, "reason": self.reason}
        return {**out, "value": self.value, "low": self.low, "high": self.high}


def cross_dataset(
    dataset: str,
    models: Sequence[str],
    real: FloatArray,
    other_models: Sequence[str],
    other: FloatArray,
    level: float = 0.95,
    coefficient: str = COEFFICIENT,
) -> CrossDataset:
    """Agreement of two real datasets' scores ``(R, M)`` (row 0 the point, rows 1.. the
    resamples, independent on each side) over their common models; centred interval."""
    common = [m for m in models if m in other_models]
    idx_a = [list(models).index(m) for m in common]
    idx_b = [list(other_models).index(m) for m in common]
    a, b = real[:, idx_a], other[:, idx_b]
    ok = np.isfinite(a[0]) & np.isfinite(b[0])
    n = int(ok.sum())
    if n < MIN_MODELS:
        why = f"needs at least {MIN_MODELS} common models, got {n}"
        return CrossDataset(dataset, coefficient, n, reason=why)
    a, b = a[:, ok], b[:, ok]
    if np.ptp(a[0]) == 0 or np.ptp(b[0]) == 0:
        return CrossDataset(dataset, coefficient, n, reason="constant real scores")
    with np.errstate(invalid="ignore", divide="ignore"):
        r = agreement_figures(a, b)[coefficient]
    ci = interval(float(r[0]), r[1:], level, "centred", COEFFICIENT_RANGE[coefficient])
    return CrossDataset(dataset, coefficient, n, ci["value"], ci["low"], ci["high"])
