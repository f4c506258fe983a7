"""Bootstrap throughput: 50 models x 10 sources x 6 datasets x 200 examples x 1000 resamples.

Prints wall times of the phases of ``harness.analysis.intervals`` on simulated outcomes (two
datasets per task; predictions noisy copies of the gold, some invalid):

* stats:    per-example sufficient statistics of every case (once per source)
* resample: weights and batch scores of every case and resample
* derived:  ensembles, agreement coefficients, permutation p-values, bias factors,
            paired comparisons and every interval (the report's ``ci`` sections)
* whichgen: paired comparisons of agreement between generators, task rollups, Holm
            (``harness.analysis.whichgen``: ``ci.generators`` and the report's ``generators``)

and the process CPU time of the same phases (less stretched by a loaded machine).

    python bench/bench_bootstrap.py [--models 50] [--sources 10] [--examples 200]
                                    [--resamples 1000] [--repeat 5]

The same process measures ``--repeat`` times and prints the median, min and max
total: on this shared machine one run's CPU speed swings by a third.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from harness.analysis.intervals import (
    BootstrapSettings,
    bootstrap_cases,
    generator_comparisons,
    group_section,
)
from harness.core.records import CaseKey, CaseResult, Outcome

DATASETS = (
    ("intent", "i1"),
    ("intent", "i2"),
    ("similarity", "s1"),
    ("similarity", "s2"),
    ("ner", "n1"),
    ("ner", "n2"),
)


def _gold(task: str, rng: np.random.Generator, n: int) -> list:
    if task == "intent":
        return [f"label{int(k)}" for k in rng.integers(0, 12, n)]
    if task == "similarity":
        return np.round(rng.uniform(0, 5, n), 1).tolist()
    out = []
    for _ in range(n):
        starts = sorted(rng.choice(60, size=int(rng.integers(0, 4)), replace=False).tolist())
        out.append(
            {
                "text": "x" * 80,
                "entities": [[s, s + 3, ("per", "loc", "org")[s % 3]] for s in starts],
            }
        )
    return out


def _pred(task: str, gold: object, quality: float, rng: np.random.Generator) -> object:
    if rng.random() < 0.02:
        return None
    if task == "intent":
        return gold if rng.random() < quality else f"label{int(rng.integers(0, 12))}"
    if task == "similarity":
        return float(gold) + float(rng.normal(0, 3 * (1 - quality)))
    assert isinstance(gold, dict)
    return [e for e in gold["entities"] if rng.random() < quality]


def simulate(
    models: int, sources: int, examples: int, seed: int = 0
) -> list[tuple[CaseResult, list[Outcome]]]:
    rng = np.random.default_rng(seed)
    cases = []
    gens = ["real", *(f"gen{i}" for i in range(sources - 1))]
    for task, dataset in DATASETS:
        primary = {"intent": "macro_f1", "similarity": "spearman", "ner": "f1"}[task]
        for gen in gens:
            golds = _gold(task, rng, examples)
            for m in range(models):
                quality = 0.5 + 0.45 * m / max(models - 1, 1)
                outcomes = [
                    Outcome(i, g, _pred(task, g, quality, rng), None) for i, g in enumerate(golds)
                ]
                key = CaseKey(task, dataset, gen, f"model{m:02d}")
                cases.append(
                    (CaseResult(key, "ok", primary=primary, n_examples=examples), outcomes)
                )
    return cases


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--models", type=int, default=50)
    ap.add_argument("--sources", type=int, default=10)
    ap.add_argument("--examples", type=int, default=200)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument(
        "--repeat", type=int, default=5, help="measure this many times (the machine is noisy)"
    )
    ap.add_argument(
        "--reference-repeats",
        type=int,
        default=BootstrapSettings().reference_repeats,
        help="held-out splits of the real-data reference (0: off; harness.analysis.reference)",
    )
    args = ap.parse_args()
    cases = simulate(args.models, args.sources, args.examples)
    settings = BootstrapSettings(resamples=args.resamples, reference_repeats=args.reference_repeats)
    same_as = {f"model{m:02d}": f"gen{m}" for m in range(min(args.models, args.sources - 1))}

    print(
        f"cases {len(cases)}  ({args.models} models x {args.sources} sources x "
        f"{len(DATASETS)} datasets)"
        f"  examples {args.examples}  resamples {args.resamples}"
        f"  reference repeats {args.reference_repeats}"
    )
    totals = []
    for run in range(1, args.repeat + 1):
        if args.repeat > 1:
            print(f"-- run {run} of {args.repeat}")
        totals.append(measure(cases, settings, same_as))
    if args.repeat > 1:
        print(
            f"total over {args.repeat} runs: median {statistics.median(totals):.2f} s, "
            f"min {min(totals):.2f} s, max {max(totals):.2f} s"
        )


def measure(
    cases: list[tuple[CaseResult, list[Outcome]]],
    settings: BootstrapSettings,
    same_as: dict[str, str],
) -> float:
    """One pass of every phase; prints them and returns the total wall seconds."""
    from harness.analysis import resampling as S
    from harness.tasks import TASKS

    c0 = time.process_time()
    t0 = time.perf_counter()
    sources: dict[tuple[str, str, str], list[list[Outcome]]] = {}
    for r, outcomes in cases:
        sources.setdefault((r.key.task, r.key.dataset, r.key.generator), []).append(outcomes)
    for (task, _, _), members in sources.items():
        S.source_stats(
            TASKS.get(task),
            [o.gold for o in members[0]],
            [[o.prediction for o in out] for out in members],
        )
    t_stats, c_stats = time.perf_counter() - t0, time.process_time() - c0
    c0 = time.process_time()
    t0 = time.perf_counter()
    reps = bootstrap_cases(cases, settings)
    t_boot, c_boot = time.perf_counter() - t0, time.process_time() - c0
    c0 = time.process_time()
    t0 = time.perf_counter()
    for rep in reps.values():
        group_section(rep, same_as, settings)
    t_derived, c_derived = time.perf_counter() - t0, time.process_time() - c0
    c0 = time.process_time()
    t0 = time.perf_counter()
    generator_comparisons(reps, settings)
    t_which, c_which = time.perf_counter() - t0, time.process_time() - c0
    print(f"stats     {t_stats:7.2f} s   (per-example statistics of every case)")
    print(
        f"resample  {t_boot - t_stats:7.2f} s   (weights + batch scores; "
        f"bootstrap_cases total {t_boot:.2f} s)"
    )
    print(
        f"derived   {t_derived:7.2f} s   (ensembles, agreement, p-values, bias, pairs, intervals)"
    )
    print(f"whichgen  {t_which:7.2f} s   (comparisons between generators, rollups, Holm)")
    print(f"total     {t_boot + t_derived + t_which:7.2f} s")
    # CPU time of the process (every thread): on a shared, loaded machine the wall
    # times above stretch with the load, this much less.
    print(
        f"cpu       {c_boot + c_derived:7.2f} s   (stats {c_stats:.2f}, resample "
        f"{c_boot - c_stats:.2f}, derived {c_derived:.2f}, whichgen {c_which:.2f})"
    )
    return t_boot + t_derived + t_which


if __name__ == "__main__":
    main()
