"""Invalid-answer rates of the ``llm`` model's prompts on SmolLM2-135M (real server).

    SYNTHBENCH_DATA_DIR=../shared/data python bench/llm_invalid_rates.py --n 30
    ... --param constrain=grammar          # llama.cpp grammar-constrained decoding

For each task (intent: snips, similarity: headlines, NER: crossner_politics) a seeded
sample of ``--n`` real test examples is sent through the ordinary ``llm`` model
(response cache off, temperature 0) and the script prints the invalid rate (answers
that do not parse, plus failed requests), the task score on the sample, and the
most common reasons. Run it before and after a prompt change, in one checkout each.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.data import load_source  # noqa: E402
from harness.models import MODELS  # noqa: E402
from harness.run.runner import RunSettings, _context, outcomes_of, score_outcomes  # noqa: E402
from harness.run.suite import load_suite  # noqa: E402
from harness.tasks import TASKS  # noqa: E402

DATASETS = ("snips", "headlines", "crossner_politics")


def _value(text: str) -> object:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--param", action="append", default=[], help="KEY=VALUE for the llm model")
    args = ap.parse_args()
    data_dir = Path(os.environ["SYNTHBENCH_DATA_DIR"])
    suite = load_suite(Path(__file__).resolve().parents[1] / "benchmarks" / "suite.toml")
    params: dict[str, object] = {
        "backend": "llama-cpp",
        "model": "smollm2",
        "temperature": 0.0,
        "seed": 0,
        "cache": "off",
        "concurrency": 2,
    }
    for kv in args.param:
        k, _, v = kv.partition("=")
        params[k] = _value(v)
    settings = RunSettings(data_dir=data_dir, results_dir=Path("/tmp"), seed=args.seed)
    print(f"params: {params}")
    for name in args.datasets.split(","):
        spec = suite.dataset(name)
        data = load_source(data_dir, spec, "real", max_examples=args.n, seed=args.seed)
        model = MODELS.get("llm")(_context(spec, settings), **params)
        t = time.perf_counter()
        preds = model.predict(data.examples)
        wall = time.perf_counter() - t
        task = TASKS.get(spec.task)
        outs = outcomes_of(task, data, preds)
        invalid = [o for o in outs if o.error]
        score = score_outcomes(task, outs, data.labels)
        reasons = collections.Counter(o.error.split(":", 2)[-1][:50].strip() for o in invalid)
        print(
            f"{spec.task:10s} {name:18s} n={len(outs)} invalid={len(invalid)}/{len(outs)} "
            f"({len(invalid) / len(outs):.0%}) {task.primary}={score[task.primary]:.3f} "
            f"wall={wall:.0f}s"
        )
        for why, k in reasons.most_common(3):
            print(f"    {k:3d} x {why}")


if __name__ == "__main__":
    main()
