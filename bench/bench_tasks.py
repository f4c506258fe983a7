"""Cost of scoring one case, and of one bootstrap resample, per task.

Prints milliseconds per call (median of repeats) for cases of the real test sets'
sizes, filled with seeded random data, so it runs without the data directory:

    python bench/bench_tasks.py [--resamples 1000]

``score`` is the full path (JSON values -> metrics); ``score_from_stats`` is what a
bootstrap pays per resample after one ``example_stats``. For NER the reference
libraries (seqeval on BIO tags, nervaluate's Evaluator) are timed on the same case.
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from harness.tasks import TASKS
from harness.tasks.ner.tokenize import bio_pair


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def intent_case(rng: random.Random, n: int = 893, k: int = 20) -> tuple[list, list]:
    golds = [f"label_{rng.randrange(k)}" for _ in range(n)]
    preds: list[str | None] = []
    for g in golds:
        if rng.random() < 0.8:
            preds.append(g)
        else:
            preds.append(None if rng.random() < 0.2 else f"label_{rng.randrange(25)}")
    return golds, preds


def similarity_case(rng: random.Random, n: int = 750) -> tuple[list, list]:
    golds = [round(rng.uniform(0, 5), 2) for _ in range(n)]
    preds = [None if rng.random() < 0.03 else g + rng.gauss(0, 1) for g in golds]
    return golds, preds


def ner_case(rng: random.Random, n: int = 650) -> tuple[list, list]:
    labels = ["person", "country", "politician", "political party", "event", "else"]
    golds, preds = [], []
    for _ in range(n):
        words = [
            rng.choice(["Obama", "met", "the", "Senate", "in", "Ohio", ",", "."]) for _ in range(25)
        ]
        text = " ".join(words)
        starts = [i for i, ch in enumerate(text) if ch != " " and (i == 0 or text[i - 1] == " ")]
        spans = []
        for s in sorted(rng.sample(starts, 3)):
            e = text.find(" ", s)
            spans.append((s, e if e > 0 else len(text), rng.choice(labels)))
        pred = [s if rng.random() < 0.7 else (s[0], s[1], rng.choice(labels)) for s in spans]
        golds.append({"text": text, "entities": [list(s) for s in spans]})
        preds.append(None if rng.random() < 0.02 else [list(s) for s in pred])
    return golds, preds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(0)
    cases = {"intent": intent_case(rng), "similarity": similarity_case(rng), "ner": ner_case(rng)}
    TASKS.get("similarity").score([1, 2, 3], [1, 2, 3])  # import scipy.stats outside timing
    print(f"{'task':<11}{'n':>5}{'score ms':>10}{'stats ms':>10}{'resample ms':>13}"
          f"{f'{args.resamples} resamples s':>20}")  # fmt: skip
    for name, (golds, preds) in cases.items():
        task: Any = TASKS.get(name)
        full = timed(functools.partial(task.score, golds, preds), args.repeat)
        once = timed(functools.partial(task.example_stats, golds, preds), args.repeat)
        stats = task.example_stats(golds, preds)
        idx = np.random.default_rng(0).integers(0, len(golds), (args.resamples, len(golds)))
        t0 = time.perf_counter()
        for row in idx:
            task.score_from_stats(stats, row)
        boot = time.perf_counter() - t0
        print(f"{name:<11}{len(golds):>5}{full:>10.2f}{once:>10.2f}"
              f"{boot / args.resamples * 1e3:>13.3f}{boot:>20.2f}")  # fmt: skip
    golds, preds = cases["ner"]
    print(f"ner references on the same case (ms per call, median of {args.repeat}):")
    from nervaluate import Evaluator
    from seqeval.metrics import f1_score

    def with_seqeval() -> float:
        tags = [bio_pair(g["text"], [tuple(s) for s in g["entities"]], [tuple(s) for s in p or []])
                for g, p in zip(golds, preds, strict=True)]  # fmt: skip
        return float(f1_score([t[1] for t in tags], [t[2] for t in tags]))

    def with_nervaluate() -> Any:
        true = [
            [{"label": lb, "start": s, "end": e - 1} for s, e, lb in g["entities"]] for g in golds
        ]
        pred = [[{"label": lb, "start": s, "end": e - 1} for s, e, lb in p or []] for p in preds]
        tags = sorted({s["label"] for d in true + pred for s in d})
        return Evaluator(true, pred, tags=tags, loader="dict").evaluate()

    print(f"  tokenize + BIO + seqeval f1_score: {timed(with_seqeval, args.repeat):.1f}")
    print(f"  nervaluate Evaluator.evaluate():    {timed(with_nervaluate, args.repeat):.1f}")


if __name__ == "__main__":
    main()
