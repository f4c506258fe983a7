"""MiniLM encoding throughput: the encoder backends against sentence-transformers' ``encode``.

Usage::

    SYNTHBENCH_DATA_DIR=../shared/data python bench/bench_embeddings.py [--n 2000] [--rounds 2]

All encode the same ``--n`` distinct sentences (the real test sets' texts, in file
order, or seeded made-up sentences when no data directory is set): sentence-
transformers' own ``encode`` (torch), and our ``onnx`` (fp32) and ``onnx-int8``
backends, each at its default batch size unless a method is written
``backend@batch``. The reference is torch at its *best* batch size: the default
methods run torch at 16, 32 and 64, and each round's ratio is taken against the
fastest of them in that round, so a batch size that suits one runtime is not held
against the other.

Each round splits the sentences into ``--slices`` interleaved slices that every
method encodes in turn (order rotating), so bursts of load from other processes hit
all alike; wall and CPU seconds per round are summed over the slices. Also
reported: an ``Embedder`` over a fresh embedding store, cold then warm (a new
process's view: only the store, no per-process dict), against its cold pass.

Targets (issue 14): ONNX fp32 at least 1.5x torch's throughput; embeddings within
cosine 0.9999 of torch's (printed: the minimum over all sentences).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from harness.models.embedding_store import STORE_NAME, EmbeddingStore
from harness.models.embeddings import Embedder, model_dir
from harness.models.encoders import ENCODERS, Encoder


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


def make(method: str) -> Encoder:
    """The encoder a method names: ``backend`` or ``backend@batch``."""
    backend, _, batch = method.partition("@")
    encoder = ENCODERS.get(backend)(model_dir())
    if batch:
        # Both backends read ``batch_size`` at every call; the network is unchanged.
        encoder.batch_size = int(batch)  # type: ignore[attr-defined]
    return encoder


def main() -> None:
    """Print seconds and sentences per second of each way of encoding."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--slices", type=int, default=10, help="interleaved slices per round")
    parser.add_argument(
        "--backends",
        default="torch@16,torch@32,torch@64,onnx,onnx-int8",
        help="comma-separated methods: backend or backend@batch",
    )
    args = parser.parse_args()
    import numpy as np

    texts = sentences(args.n)
    kinds = [b.strip() for b in args.backends.split(",") if b.strip()]
    encoders = {}
    for kind in kinds:
        t0 = time.perf_counter()
        encoders[kind] = make(kind)
        encoders[kind].encode(texts[:64])  # warm-up: first-call allocations
        batch = getattr(encoders[kind], "batch_size", "?")
        print(f"{kind}: batch {batch}, load + warm-up {time.perf_counter() - t0:.2f}s")
    mean = sum(len(t) for t in texts) / len(texts)
    print(
        f"{len(texts)} sentences, mean {mean:.0f} chars, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )

    # The machine is shared: load from other processes comes in bursts of seconds.
    # Every method therefore encodes the same slices in turn (order rotating), so a
    # burst hits all alike; per method the slice times add up to one pass over all
    # sentences. CPU time is reported too: it is less sensitive to load.
    slices = [texts[i :: args.slices] for i in range(args.slices)]
    names = [*kinds, "store-cold", "store-warm"]
    wall = {k: [0.0] * args.rounds for k in names}
    cpu = {k: [0.0] * args.rounds for k in names}
    vectors: dict[str, list[np.ndarray]] = {k: [] for k in kinds}

    def timed(kind: str, r: int, fn: Callable[[], object]) -> object:
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall[kind][r] += time.perf_counter() - w0
        cpu[kind][r] += time.process_time() - c0
        return out

    store_backend = next((k for k in kinds if k.startswith("onnx")), kinds[0])
    for r in range(args.rounds):
        for i, part in enumerate(slices):
            turn = kinds[(r + i) % len(kinds) :] + kinds[: (r + i) % len(kinds)]
            for kind in turn:
                out = timed(kind, r, lambda part=part, e=encoders[kind]: e.encode(part))
                if r == 0:
                    vectors[kind].append(np.asarray(out))
        with tempfile.TemporaryDirectory() as tmp, EmbeddingStore(Path(tmp) / STORE_NAME) as st:
            cold = Embedder(encoders[store_backend], st)
            for part in slices:
                timed("store-cold", r, lambda part=part, e=cold: e.encode(part))
            for part in slices:
                warm = Embedder(encoders[store_backend], st)  # a new process: store only
                timed("store-warm", r, lambda part=part, e=warm: e.encode(part))
                assert warm.encoded == 0

    n = len(texts)
    for kind in names:
        best = min(wall[kind])
        print(
            f"{kind:>11}: wall {best:8.3f}s {n / best:9.0f} sent/s  cpu {min(cpu[kind]):8.3f}s"
            f"   wall per round {_r(wall[kind])}"
        )
    torches = [k for k in kinds if k.partition("@")[0] == "torch"]
    if torches:
        # Per round, the reference is the fastest torch batch size of that round.
        best_torch = {
            label: [min(table[k][r] for k in torches) for r in range(args.rounds)]
            for label, table in (("wall", wall), ("cpu", cpu))
        }
        fastest = [min(torches, key=lambda k, r=r: wall[k][r]) for r in range(args.rounds)]
        print(f"fastest torch method per round (wall): {fastest}")
        ref = np.concatenate(vectors[torches[0]])
        for kind in kinds:
            if kind in torches:
                continue
            for label, table in (("wall", wall), ("cpu", cpu)):
                ratios = [t / o for t, o in zip(best_torch[label], table[kind], strict=True)]
                print(
                    f"{kind} speed-up over the best torch ({label}) per round: {_r(ratios)}, "
                    f"median {statistics.median(ratios):.3f}"
                )
            cos = (np.concatenate(vectors[kind]) * ref).sum(axis=1)
            print(f"{kind} cosine to {torches[0]}: min {cos.min():.6f}, mean {cos.mean():.6f}")
    speed = min(wall["store-cold"]) / min(wall["store-warm"])
    print(f"warm store speed-up over cold ({store_backend}, wall) = {speed:.0f}x")


if __name__ == "__main__":
    main()
