"""MiniLM encoding throughput: our ``Embedder`` against sentence-transformers' ``encode``.

Usage::

    SYNTHBENCH_DATA_DIR=../shared/data python bench/bench_embeddings.py [--n 2000] [--rounds 2]

Both encode the same ``--n`` distinct sentences (the real test sets' texts, in file
order, or seeded made-up sentences when no data directory is set) with the same
loaded model and batch size. Each round splits them into ``--slices`` interleaved
slices that the two encode in turn, so bursts of load from other processes hit both
alike; wall and CPU seconds per round are summed over the slices, and the ratio is
given per round. Also reported: the same ``Embedder`` again over every slice (warm
per-process cache) against its cold pass.
Target (issue 3): our cold encode within 10% of sentence-transformers' time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

from harness.models.embeddings import BATCH_SIZE, Embedder, get_embedder


def sentences(n: int) -> list[str]:
    """``n`` distinct sentences: real test texts when the data directory is set."""
    root = os.environ.get("SYNTHBENCH_DATA_DIR")
    out: dict[str, None] = {}
    if root:
        for path in sorted(Path(root, "real").glob("*/test.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                for key in ("text", "text1", "text2"):
                    if key in row:
                        out[row[key]] = None
    rng = random.Random(0)
    vocab = ["the", "flight", "music", "weather", "table", "rain", "party", "election", "novel"]
    while len(out) < n:
        out[" ".join(rng.choice(vocab) for _ in range(rng.randint(4, 30)))] = None
    return list(out)[:n]


def _r(times: list[float]) -> list[float]:
    return [round(t, 3) for t in times]


def main() -> None:
    """Print seconds and sentences per second of each way of encoding."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--slices", type=int, default=10, help="interleaved slices per round")
    args = parser.parse_args()

    import torch

    texts = sentences(args.n)
    t0 = time.perf_counter()
    model = get_embedder().model
    print(f"model load: {time.perf_counter() - t0:.2f}s; torch threads: {torch.get_num_threads()}")
    mean = sum(len(t) for t in texts) / len(texts)
    print(f"{len(texts)} sentences, mean {mean:.0f} chars, batch {BATCH_SIZE}")
    model.encode(texts[:64], batch_size=BATCH_SIZE)  # warm-up: first-call allocations

    # The machine is shared: load from other processes comes in bursts of seconds.
    # Both methods therefore encode the same slices in turn (order alternating),
    # so a burst hits both alike; per method the slice times add up to one pass
    # over all sentences. CPU time is reported too: it is less sensitive to load.
    slices = [texts[i :: args.slices] for i in range(args.slices)]
    wall = {"st": [0.0] * args.rounds, "cold": [0.0] * args.rounds, "warm": [0.0] * args.rounds}
    cpu = {"st": [0.0] * args.rounds, "cold": [0.0] * args.rounds, "warm": [0.0] * args.rounds}

    def timed(kind: str, r: int, fn: Callable[[], object]) -> None:
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall[kind][r] += time.perf_counter() - w0
        cpu[kind][r] += time.process_time() - c0

    for r in range(args.rounds):
        ours = Embedder(model)  # a cold cache every round
        for i, part in enumerate(slices):

            def st(part: list[str] = part) -> object:
                return model.encode(
                    part, batch_size=BATCH_SIZE, normalize_embeddings=True, show_progress_bar=False
                )

            def cold(part: list[str] = part, ours: Embedder = ours) -> object:
                return ours.encode(part)

            for kind, fn in [("st", st), ("cold", cold)][:: 1 if (r + i) % 2 == 0 else -1]:
                timed(kind, r, fn)
        assert ours.encoded == len(texts)
        for part in slices:
            timed("warm", r, lambda part=part, ours=ours: ours.encode(part))

    n = len(texts)
    names = {
        "st": "sentence-transformers encode",
        "cold": "Embedder.encode, cold cache ",
        "warm": "Embedder.encode, warm cache ",
    }
    for kind, name in names.items():
        best = min(wall[kind])
        print(
            f"{name}: wall {best:8.3f}s {n / best:9.0f} sent/s  cpu {min(cpu[kind]):8.3f}s"
            f"   wall per round {_r(wall[kind])}"
        )
    for label, table in (("wall", wall), ("cpu", cpu)):
        ratios = [c / s for c, s in zip(table["cold"], table["st"], strict=True)]
        print(f"{label}: cold / sentence-transformers per round {_r(ratios)} (target <= 1.10)")
    print(f"warm speed-up over cold (wall) = {min(wall['cold']) / min(wall['warm']):.0f}x")


if __name__ == "__main__":
    main()
