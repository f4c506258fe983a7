"""Confidence intervals of every figure of a run, from the per-example outcomes.

For each (task, dataset) the examples of every source are resampled (one seeded
weight matrix per source, shared by all models on it, so comparisons are paired),
the primary score of every case is recomputed per resample (``harness.analysis.resampling``), and
from the resampled score matrices every derived figure: the ensemble scores, each
source's agreement with real data, and the bias factors. Row 0 of every array is the
point estimate, rows 1.. the resamples.

``group_intervals`` gives each group's ``ci`` and ``items`` (``harness.report.finish``
puts them beside the analysis' point values, so a reader that ignores ``ci`` sees the
plain report).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from harness.analysis import engine as figures
from harness.analysis import familybias, reference, whichgen
from harness.analysis.engine import COEFFICIENT_RANGE, Ranked, agreement_of, ranked
from harness.analysis.items import source_items
from harness.analysis.resampling import (
    AGREEMENT_METHODS,
    DEFAULT_LEVEL,
    DEFAULT_PERMUTATIONS,
    DEFAULT_RESAMPLES,
    FloatArray,
    PermutedReference,
    derive_seed,
    interval,
    intervals,
    jackknife_intervals,
    jackknife_weights,
    paired_difference,
    paired_differences,
    permutation_pvalues,
    permuted_reference,
    resample_weights,
    score_batch,
    source_stats,
)
from harness.analysis.robustness import (
    MIN_VERDICT_MODELS,
    floor_ceiling,
    leave_one_out_p,
    subset_sweep,
)
from harness.analysis.selfpref import bias_test
from harness.analysis.twolevel import ModelDraws, draw_models, leave_one_model_out, model_resampled
from harness.core.families import Families
from harness.core.names import LEAVE_FAMILY_OUT, LEAVE_OWN_OUT, MIN_GENERATORS, MIN_MODELS
from harness.core.records import ENSEMBLE, REAL, CaseResult, Outcome
from harness.core.textsafe import hash_bytes
from harness.gates.model import Drop
from harness.tasks import TASKS, Capability

#: Version of the resampling rule; saved replicates pair only with the same one.
#: 3: plain resampling of every source (class counts vary, as in a redrawn test set),
#: the jackknife for a source's scores, centred intervals for everything derived.
RESAMPLING_SCHEME = 3

#: What each kind of figure's interval is, exactly, for the report's header
#: (``report["bootstrap"]["methods"]``) and docs/analysis.md ("Which interval").
METHODS: dict[str, str] = {
    "scores": "jackknife normal (delete-1, grouped above 1000 examples), clipped to the range",
    "ensembles": "centred bootstrap percentile",
    "invalid_rate": "centred bootstrap percentile",
    "bias": "centred bootstrap percentile",
    "paired": "centred bootstrap percentile",
    "agreement": "centred bootstrap percentile, clipped to the range",
    "hierarchical": "centred bootstrap percentile (models and examples redrawn)",
}


@dataclass(frozen=True)
class BootstrapSettings:
    """How many resamples, at which confidence level, from which seed."""

    resamples: int = DEFAULT_RESAMPLES
    level: float = DEFAULT_LEVEL
    seed: int = 0
    permutations: int = DEFAULT_PERMUTATIONS
    #: Held-out splits of the real-data reference (``harness.analysis.reference``); 0: none.
    reference_repeats: int = reference.DEFAULT_REPEATS

    def __post_init__(self) -> None:
        if self.resamples < 2:
            raise ValueError(f"bootstrap resamples must be at least 2, got {self.resamples}")
        if not 0.0 < self.level < 1.0:
            raise ValueError(
                f"confidence level must be between 0 and 1 (e.g. 0.95), got {self.level}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "centred",
            "methods": {
                "scores": "jackknife-normal",
                "ensembles": "centred",
                "invalid_rate": "centred",
                "bias": "centred",
                "paired": "centred",
                "agreement": dict(AGREEMENT_METHODS),
                "hierarchical": "centred",
            },
            # The same in words, for the renderers' header (one source of the names).
            "described": dict(METHODS),
            # 3: plain resampling, jackknife scores, centred intervals; 2: intent sources
            # resampled within each gold label, percentile; 1 (absent): plain, percentile.
            "scheme": RESAMPLING_SCHEME,
            "paired": True,
            "resamples": self.resamples,
            "level": self.level,
            "seed": self.seed,
            "permutations": self.permutations,
            "reference_repeats": self.reference_repeats,
        }


@dataclass
class GroupReplicates:
    """The resampled score matrix of one (task, dataset): ``scores[r, g, m]``."""

    task: str
    dataset: str
    metric: str
    generators: tuple[str, ...]
    models: tuple[str, ...]
    scores: FloatArray
    invalid: FloatArray
    fingerprints: dict[str, str] = field(default_factory=dict)
    #: Per synthetic source, its most misleading examples (``harness.analysis.items``).
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Per source, its scores ``(g, M)`` with each jackknife group left out (NaN where
    #: a model was not run); a source without one gets centred bootstrap intervals.
    jackknife: dict[str, FloatArray] = field(default_factory=dict)
    #: Per synthetic source, its agreement against real subsamples (``harness.analysis.reference``).
    reference: dict[str, reference.SourceReference] = field(default_factory=dict)

    def cell(self, generator: str, model: str) -> FloatArray | None:
        """Row 0 point, rows 1.. resamples of one cell; None when it was not run."""
        if generator not in self.generators or model not in self.models:
            return None
        col = self.scores[:, self.generators.index(generator), self.models.index(model)]
        return None if np.isnan(col[0]) else col

    def column(self, generator: str, model: str) -> FloatArray | None:
        """Like ``cell``, and ``mean`` gives the generator ensemble's score of the model."""
        if generator != ENSEMBLE:
            return self.cell(generator, model)
        if model not in self.models or sum(g != REAL for g in self.generators) < MIN_GENERATORS:
            return None
        col = ensemble(self)[:, self.models.index(model)]
        return None if np.isnan(col[0]) else col

    def sources(
        self, same_as: Mapping[str, str], families: Families | None = None
    ) -> dict[str, FloatArray]:
        """Every source's ``(R, M)`` scores, ensembles included (see ``_source_scores``)."""
        return _source_scores(self, same_as, families)

    def fingerprint_of(self, source: str) -> str:
        """The examples behind a source; an ensemble's are those of all synthetic sources."""
        if source in self.fingerprints:
            return self.fingerprints[source]
        return fingerprint(sorted(v for g, v in self.fingerprints.items() if g != REAL))

    def invalid_cell(self, generator: str, model: str) -> FloatArray | None:
        if self.cell(generator, model) is None:
            return None
        return self.invalid[:, self.generators.index(generator), self.models.index(model)]


def fingerprint(golds: Sequence[Any]) -> str:
    """A short hash of a source's gold values: equal fingerprints, same examples."""
    text = json.dumps(list(golds), sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(hash_bytes(text), digest_size=8).hexdigest()


def bootstrap_cases(
    cases: Sequence[tuple[CaseResult, Sequence[Outcome]]], settings: BootstrapSettings
) -> dict[tuple[str, str], GroupReplicates]:
    """Resample every source once and score every case on it; see the module docstring."""
    grouped: dict[tuple[str, str, str, str], list[tuple[CaseResult, Sequence[Outcome]]]] = {}
    outcomes_of: dict[Any, Sequence[Outcome]] = {}
    metric: dict[tuple[str, str], str] = {}
    fps: dict[tuple[str, str], dict[str, str]] = {}
    known: dict[tuple[str, str, str], list[tuple[list[Any], str]]] = {}
    for r, outcomes in sorted(cases, key=lambda kv: kv[0].key):
        task = TASKS.get(r.key.task)
        golds = [o.gold for o in outcomes]
        # Every model of a source has the same golds: hash them once per source (a
        # list comparison is far cheaper than the JSON dump behind the hash).
        seen = known.setdefault((r.key.task, r.key.dataset, r.key.generator), [])
        fp = next((f for g, f in seen if g == golds), "")
        if not fp:
            fp = fingerprint(golds)
            seen.append((golds, fp))
        source = (r.key.task, r.key.dataset, r.key.generator, fp)
        grouped.setdefault(source, []).append((r, outcomes))
        outcomes_of[r.key] = outcomes
        metric.setdefault((r.key.task, r.key.dataset), r.primary or task.primary)
        fps.setdefault((r.key.task, r.key.dataset), {}).setdefault(r.key.generator, fp)
    # The statistics of all models of a source at once: the task works the gold out once.
    by_source: dict[tuple[str, str, str, str], list[tuple[CaseResult, Any]]] = {}
    for source, runs in grouped.items():
        task = TASKS.get(source[0])
        golds = [o.gold for o in runs[0][1]]  # the same for every run of the source
        stats = source_stats(task, golds, [[o.prediction for o in out] for _, out in runs])
        by_source[source] = [(r, s) for (r, _), s in zip(runs, stats, strict=True)]
    cells: dict[tuple[str, str], dict[tuple[str, str], tuple[FloatArray, FloatArray]]] = {}
    jacks: dict[tuple[str, str], dict[tuple[str, str], FloatArray]] = {}
    for (task_name, dataset, gen, fp), members in by_source.items():
        n = len(members[0][1])
        parts: tuple[str, ...] = (task_name, dataset, gen, str(n))
        if fps[(task_name, dataset)][gen] != fp:  # a second set of examples for one source
            parts = (*parts, fp)
        task = TASKS.get(task_name)
        seed = derive_seed(settings.seed, *parts)
        # Plain resampling (no strata): a redrawn test set's class counts vary too.
        weights = resample_weights(n, settings.resamples, seed)
        primary, invalid = score_batch(task, [s for _, s in members], weights)
        jack_w = jackknife_weights(n, derive_seed(seed, "jackknife"))
        jack = score_batch(task, [s for _, s in members], jack_w)[0]
        group = cells.setdefault((task_name, dataset), {})
        jgroup = jacks.setdefault((task_name, dataset), {})
        for i, (r, _) in enumerate(members):
            group[(gen, r.key.model)] = (primary[i], invalid[i])
            jgroup[(gen, r.key.model)] = jack[i]
    out = {}
    for (task_name, dataset), group in cells.items():
        gens = _order_generators({g for g, _ in group})
        models = tuple(sorted({m for _, m in group}))
        shape = (settings.resamples + 1, len(gens), len(models))
        scores, invalid = np.full(shape, np.nan), np.full(shape, np.nan)
        for (g, m), (p, inv) in group.items():
            scores[:, gens.index(g), models.index(m)] = p
            invalid[:, gens.index(g), models.index(m)] = inv
        jackknife: dict[str, FloatArray] = {}
        for (g, m), arr in jacks[(task_name, dataset)].items():
            block = jackknife.get(g)
            if block is None or block.shape[0] != arr.size:  # one size per source
                block = jackknife[g] = np.full((arr.size, len(models)), np.nan)
            block[:, models.index(m)] = arr
        out[(task_name, dataset)] = GroupReplicates(
            task_name,
            dataset,
            metric[(task_name, dataset)],
            gens,
            models,
            scores,
            invalid,
            fps[(task_name, dataset)],
            jackknife=jackknife,
        )
    for (task_name, dataset, gen, fp), members in by_source.items():
        rep = out[(task_name, dataset)]
        if gen != REAL and fps[(task_name, dataset)][gen] == fp:
            found = _source_items(rep, gen, members, outcomes_of)
            if found:
                rep.items[gen] = found
    if settings.reference_repeats > 0:
        _add_references(out, by_source, fps, settings)
    return out


def _add_references(
    out: Mapping[tuple[str, str], GroupReplicates],
    by_source: Mapping[tuple[str, str, str, str], Sequence[tuple[CaseResult, Any]]],
    fps: Mapping[tuple[str, str], Mapping[str, str]],
    settings: BootstrapSettings,
) -> None:
    """Each synthetic source against real subsamples of its size (``analysis.reference``)."""
    for (task_name, dataset, gen, fp), members in by_source.items():
        rep = out[(task_name, dataset)]
        if gen != REAL or fps[(task_name, dataset)][gen] != fp:
            continue
        rows = [rep.models.index(r.key.model) for r, _ in members]
        score = partial(
            _score_rows, TASKS.get(task_name), [s for _, s in members], rows, len(rep.models)
        )
        synthetic = {
            g: (len(m[0][1]), rep.scores[0, rep.generators.index(g)])
            for (t, d, g, f), m in by_source.items()
            if (t, d) == (task_name, dataset) and g != REAL and fps[(t, d)][g] == f
        }
        rep.reference.update(
            reference.source_references(
                score,
                len(members[0][1]),
                rep.scores[0, rep.generators.index(REAL)],
                dict(sorted(synthetic.items())),
                derive_seed(settings.seed, task_name, dataset, "reference"),
                settings.reference_repeats,
                settings.level,
            )
        )


def _source_items(
    rep: GroupReplicates,
    gen: str,
    members: Sequence[tuple[CaseResult, Any]],
    outcomes_of: Mapping[Any, Sequence[Outcome]],
) -> list[dict[str, Any]]:
    """The most misleading examples of one synthetic source (``harness.analysis.items``)."""
    if REAL not in rep.generators:
        return []
    real = rep.scores[0, rep.generators.index(REAL)]
    point = rep.scores[0, rep.generators.index(gen)]
    both = [
        (r, s)
        for r, s in members
        if np.isfinite(real[rep.models.index(r.key.model)])
        and np.isfinite(point[rep.models.index(r.key.model)])
    ]
    if not both:
        return []
    outcomes = [outcomes_of[r.key] for r, _ in both]
    verdicts = [[o.correct for o in out] for out in outcomes]
    correct = (
        None if any(v is None for row in verdicts for v in row) else np.array(verdicts, dtype=bool)
    )
    found = source_items(
        TASKS.get(rep.task),
        [s for _, s in both],
        np.array([real[rep.models.index(r.key.model)] for r, _ in both]),
        [o.index for o in outcomes[0]],
        correct,
        full=np.array([point[rep.models.index(r.key.model)] for r, _ in both]),
    )
    return [item.to_dict() for item in found]


def _order_generators(gens: set[str]) -> tuple[str, ...]:
    return tuple(sorted(gens, key=lambda g: (g != REAL, g)))


# --------------------------------------------------------------------------- derived figures


def _synthetic(rep: GroupReplicates) -> list[int]:
    return [i for i, g in enumerate(rep.generators) if g != REAL]


def ensemble(rep: GroupReplicates) -> FloatArray:
    """``s(m, mean)`` per resample: the mean over the synthetic sources a model was run on."""
    return figures.masked_mean(rep.scores[:, _synthetic(rep), :])


def bias(rep: GroupReplicates, same_as: Mapping[str, str]) -> dict[str, tuple[str, FloatArray]]:
    """The bias factor ``(R,)`` of every model that is the same LLM as one of the generators."""
    return figures.bias(rep.scores, rep.generators, rep.models, same_as, _synthetic(rep))


def leave_own_out(rep: GroupReplicates, same_as: Mapping[str, str]) -> FloatArray:
    """The leave-own-out ensemble ``(R, M)``: a generator's model skips its own data."""
    return figures.ensembles(rep.scores, rep.generators, rep.models, same_as, _synthetic(rep))[1]


# --------------------------------------------------------------------------- report section


def _source_scores(
    rep: GroupReplicates, same_as: Mapping[str, str], families: Families | None = None
) -> dict[str, FloatArray]:
    """Every source's score matrix ``(R, M)``, the ensembles ``mean`` and ``mean-loo`` included.

    Like ``harness.analysis.agreement``: the ensembles need 2 synthetic generators, and the
    leave-own-out row exists only when a model here is one of the generators here;
    ``mean-lfo`` only when a model here has a family with a generator here.
    """
    out = {g: rep.scores[:, i, :] for i, g in enumerate(rep.generators)}
    synth = [g for g in rep.generators if g != REAL]
    if len(synth) >= MIN_GENERATORS:
        out[ENSEMBLE] = ensemble(rep)
        if any(same_as.get(m) in synth for m in rep.models):
            out[LEAVE_OWN_OUT] = leave_own_out(rep, same_as)
        if families and familybias.has_family_here(rep.models, synth, families):
            out[LEAVE_FAMILY_OUT] = familybias.leave_family_out_arrays(
                rep.generators, rep.models, rep.scores, families
            )
    return out


def _matrix_intervals(
    models: Sequence[str],
    arr: FloatArray,
    level: float,
    ran: FloatArray | None = None,
    jack: FloatArray | None = None,
    bounds: tuple[float, float] = (-np.inf, np.inf),
) -> dict[str, dict[str, Any]]:
    """Intervals of every model's figure in ``arr`` (R, M), for the models that were run:
    jackknife normal from ``jack`` ``(g, M)`` when given, else centred bootstrap."""
    ran = arr[0] if ran is None else ran
    keep = np.flatnonzero(np.isfinite(ran))
    if jack is not None:
        found = jackknife_intervals(arr[0, keep], jack[:, keep], level, bounds)
    else:
        found = intervals(arr[0, keep], arr[1:, keep], level, "centred", bounds)
    return {models[int(j)]: ci for j, ci in zip(keep, found, strict=True)}


#: The range of the built-in metrics, which clips their (normal) intervals; a metric
#: not listed here is not clipped.
METRIC_RANGE: dict[str, tuple[float, float]] = {
    **dict.fromkeys(("macro_f1", "accuracy", "f1", "precision", "recall"), (0.0, 1.0)),
    **dict.fromkeys(("spearman", "pearson", "kendall"), (-1.0, 1.0)),
}


def _metric_range(task: str, metric: str) -> tuple[float, float]:
    """The range of a task's primary metric (a task may declare ``metric_range``)."""
    if task in TASKS and Capability.METRIC_RANGE in (t := TASKS.get(task)).capabilities:
        low, high = t.metric_range
        return (float(low), float(high))
    return METRIC_RANGE.get(metric, (-np.inf, np.inf))


def source_score_intervals(rep: GroupReplicates, level: float) -> dict[str, dict[str, Any]]:
    """Each (generator, model) score interval of a group, exactly as its report's
    ``ci.scores`` has them (jackknife normal, clipped to the metric's range): the
    exports carry these, so an export and the report cannot disagree."""
    bounds = _metric_range(rep.task, rep.metric)
    return {
        g: _matrix_intervals(
            rep.models, rep.scores[:, i, :], level, jack=rep.jackknife.get(g), bounds=bounds
        )
        for i, g in enumerate(rep.generators)
    }


def group_section(
    rep: GroupReplicates,
    same_as: Mapping[str, str],
    settings: BootstrapSettings,
    families: Families | None = None,
) -> dict[str, Any]:
    """The ``ci`` dict of one report group: intervals of scores, agreement, bias; pairs."""
    level = settings.level
    sources = _source_scores(rep, same_as, families)
    bounds = _metric_range(rep.task, rep.metric)
    scores = {
        g: _matrix_intervals(rep.models, s, level, jack=rep.jackknife.get(g), bounds=bounds)
        for g, s in sources.items()
    }
    invalid = {
        g: _matrix_intervals(rep.models, rep.invalid[:, i, :], level, rep.scores[0, i, :])
        for i, g in enumerate(rep.generators)
    }
    section: dict[str, Any] = {
        "scores": scores,
        "invalid_rate": invalid,
        "agreement": {},
        "bias": {},
        "paired": {},
    }
    if REAL in sources:
        real = sources[REAL]
        # The real side is the same for every source that ran the same models: rank it,
        # permute it and redraw its models once (the sources' tests are then paired).
        real_sides: dict[bytes, tuple[Ranked, PermutedReference, ModelDraws]] = {}
        for g, s in sources.items():
            if g == REAL:
                continue
            both = np.isfinite(s[0]) & np.isfinite(real[0])
            if both.sum() < MIN_MODELS:
                continue
            key = both.tobytes()
            names = [m for m, ok in zip(rep.models, both, strict=True) if ok]
            if key not in real_sides:
                seed = derive_seed(settings.seed, rep.task, rep.dataset, REAL, *names)
                real_sides[key] = (
                    ranked(real[:, both]),
                    permuted_reference(real[0, both], settings.permutations, seed),
                    draw_models(real[:, both], derive_seed(seed, "models")),
                )
            real_ranked, real_permuted, real_drawn = real_sides[key]
            figures = agreement_of(ranked(s[:, both]), real_ranked)
            p_values = permutation_pvalues(s[0, both], real_permuted)
            hier = model_resampled(s[:, both], real_drawn)
            lomo = leave_one_model_out(names, s[0, both], real[0, both])
            entry: dict[str, Any] = {}
            for name, arr in figures.items():
                entry[name] = interval(
                    float(arr[0]), arr[1:], level, AGREEMENT_METHODS[name], COEFFICIENT_RANGE[name]
                )
                if name in p_values:
                    entry[name]["p_value"] = p_values[name]
                # Over models like these, not only these models (harness.analysis.twolevel).
                entry[name]["hierarchical"] = interval(
                    float(arr[0]), hier[name], level, "centred", COEFFICIENT_RANGE[name]
                )
                if name in lomo:
                    entry[name]["leave_one_model_out"] = lomo[name].to_dict()
            entry["n_models"] = int(both.sum())
            # Does the verdict hold without any one model, and over subsets of them?
            robust_seed = derive_seed(settings.seed, rep.task, rep.dataset, g, "robustness")
            entry["robustness"] = {
                "leave_one_out": leave_one_out_p(
                    names, s[0, both], real[0, both], settings.permutations, robust_seed
                ),
                "subsets": subset_sweep(s[0, both], real[0, both], seed=robust_seed),
            }
            section["agreement"][g] = entry
    section["robustness"] = {
        "min_models": MIN_VERDICT_MODELS,
        "floor_ceiling": floor_ceiling(
            rep.models,
            {g: rep.scores[0, i, :] for i, g in enumerate(rep.generators)},
            _metric_range(rep.task, rep.metric),
        ),
    }
    for m, (own, arr) in bias(rep, same_as).items():
        section["bias"][m] = {
            "generator": own,
            **interval(float(arr[0]), arr[1:], level, "centred"),
        }
    if section["bias"]:
        synth = [i for i, g in enumerate(rep.generators) if g != REAL]
        test = bias_test(
            [rep.generators[i] for i in synth],
            rep.models,
            rep.scores[0][synth],
            same_as,
            settings.permutations,
            derive_seed(settings.seed, rep.task, rep.dataset, "bias"),
        )
        for m, p in test.per_model.items():
            if m in section["bias"]:
                section["bias"][m]["p_value"] = None if p is None else round(p, 6)
        section["self_preference"] = test.to_dict()
    if families:
        section.update(_family_section(rep, families, settings))
    if rep.reference:
        section["reference"] = {
            "sources": {g: ref.to_dict() for g, ref in sorted(rep.reference.items())}
        }
    for g, s in sources.items():
        ran = [
            j
            for j in np.argsort(-np.nan_to_num(s[0], nan=-np.inf), kind="stable")
            if np.isfinite(s[0, j])
        ]
        pairs = list(zip(ran, ran[1:], strict=False))
        diffs = paired_differences(s[:, [a for a, _ in pairs]] - s[:, [b for _, b in pairs]], level)
        section["paired"][g] = [
            {"better": rep.models[a], "worse": rep.models[b], **d}
            for (a, b), d in zip(pairs, diffs, strict=True)
        ]
    return section


def _family_section(
    rep: GroupReplicates, families: Families, settings: BootstrapSettings
) -> dict[str, Any]:
    """``family_bias`` intervals and p-values, and the joint ``family_preference`` test."""
    found = familybias.family_bias_arrays(rep.generators, rep.models, rep.scores, families)
    out: dict[str, Any] = {
        "family_bias": {
            m: {"family": fam, **interval(float(arr[0]), arr[1:], settings.level, "centred")}
            for m, (fam, arr) in found.items()
        }
    }
    if found:
        synth = [i for i, g in enumerate(rep.generators) if g != REAL]
        test = familybias.family_test(
            [rep.generators[i] for i in synth],
            rep.models,
            rep.scores[0][synth],
            families,
            settings.permutations,
            derive_seed(settings.seed, rep.task, rep.dataset, "family"),
        )
        for m, p in test.per_model.items():
            if m in out["family_bias"]:
                out["family_bias"][m]["p_value"] = round(p, 6)
        out["family_preference"] = test.to_dict()
    return out


@dataclass(frozen=True)
class GroupIntervals:
    """What the bootstrap adds to one (task, dataset) group: ``ci`` and ``items``."""

    ci: Mapping[str, Any]
    items: Mapping[str, Any] | None = None


def generator_comparisons(
    reps: Mapping[tuple[str, str], GroupReplicates], settings: BootstrapSettings
) -> whichgen.WhichGenerators:
    """Which generator: paired comparisons on these resamples (``harness.analysis.whichgen``)."""
    inputs = [
        whichgen.GroupInput(r.task, r.dataset, r.generators, r.models, r.scores)
        for _, r in sorted(reps.items())
    ]
    return whichgen.compare_generators(inputs, settings.seed, settings.level)


def group_intervals(
    groups: Sequence[Mapping[str, Any]],
    reps: Mapping[tuple[str, str], GroupReplicates],
    same_as: Mapping[str, str],
    settings: BootstrapSettings,
    families: Families | None = None,
    which: whichgen.WhichGenerators | None = None,
) -> dict[tuple[str, str], GroupIntervals]:
    """``(task, dataset) -> GroupIntervals`` of each group that has outcomes (pure)."""
    which = which if which is not None else generator_comparisons(reps, settings)
    out: dict[tuple[str, str], GroupIntervals] = {}
    for group in groups:
        key = (group["task"], group["dataset"])
        rep = reps.get(key)
        if rep is not None and group.get("metric", rep.metric) == rep.metric:
            ci = group_section(rep, same_as, settings, families)
            if key in which.groups:
                ci["generators"] = which.groups[key].to_dict()
            if cross := _cross_datasets(rep, reps, settings):
                ci.setdefault("reference", {})["cross_dataset"] = cross
            out[key] = GroupIntervals(ci, rep.items or None)
    return out


def _score_rows(
    task: Any, stats: Sequence[Any], rows: Sequence[int], models: int, weights: FloatArray
) -> FloatArray:
    """Primary scores ``(models, C)`` of the runs ``stats`` (at ``rows``; NaN elsewhere)."""
    full = np.full((models, weights.shape[1]), np.nan)
    full[list(rows)] = score_batch(task, stats, weights)[0]
    return full


def _cross_datasets(
    rep: GroupReplicates,
    reps: Mapping[tuple[str, str], GroupReplicates],
    settings: BootstrapSettings,
) -> list[dict[str, Any]]:
    """Real-vs-real agreement with every other real dataset of the task (a second reference)."""
    if REAL not in rep.generators or settings.reference_repeats <= 0:
        return []
    real = rep.scores[:, rep.generators.index(REAL)]
    found = []
    for (task, dataset), other in sorted(reps.items()):
        if task != rep.task or dataset == rep.dataset or REAL not in other.generators:
            continue
        b = other.scores[:, other.generators.index(REAL)]
        found.append(
            reference.cross_dataset(
                dataset, rep.models, real, other.models, b, settings.level
            ).to_dict()
        )
    return found


def invalid_samples(
    cases: Sequence[tuple[CaseResult, Sequence[Outcome]]], per_case: int = 3
) -> dict[str, list[dict[str, Any]]]:
    """A few invalid answers per case, raw text and reason, so a reader sees what failed."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r, outcomes in sorted(cases, key=lambda kv: kv[0].key):
        bad = [
            {"i": o.index, "raw": (o.raw or "")[:500], "error": o.error or ""}
            for o in outcomes
            if o.prediction is None
        ][:per_case]
        if bad:
            out[r.key.id] = bad
    return out


def paired_drops(
    reps: Mapping[tuple[str, str], GroupReplicates], level: float = DEFAULT_LEVEL
) -> Callable[[str, str, str, str, str], Drop | None]:
    """A ``gates.PairedDrop``: ``baseline - candidate`` on the same resamples of one source."""

    def drop(
        task: str, dataset: str, generator: str, candidate: str, baseline: str
    ) -> Drop | None:
        rep = reps.get((task, dataset))
        if rep is None:
            return None
        cand, base = rep.column(generator, candidate), rep.column(generator, baseline)
        if cand is None or base is None:
            return None
        d = paired_difference(base, cand, level)
        return Drop(d["value"], d["low"], d["high"])

    return drop
