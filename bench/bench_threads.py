"""Threads per xdist worker, chosen by measurement: MiniLM (ONNX) and spaCy throughput
for every (processes, threads per process) layout on this machine's cores.

Usage::

    SYNTHBENCH_DATA_DIR=../shared/data python bench/bench_threads.py [--n 600] [--rounds 2]

For P = 1 .. cores concurrent processes (the xdist workers) and T = 1 .. cores
threads in each (``OMP_NUM_THREADS``, which ONNX Runtime and BLAS follow), every
process encodes the same ``--n`` sentences (store off) and runs spaCy's NER pipes
on them; the figure is the total throughput of the P processes (sentences per second
summed), best of ``--rounds``. The plugin's rule (``harness/plugin/hooks.py``,
``_share_cores``) gives each of N workers ``cores // N`` threads; the last lines say
whether a layout with more threads per worker beat it, and by how much. Processes
start together behind a barrier so their encodes overlap.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_embeddings import sentences  # noqa: E402


def _work(kind: str, texts: list[str], threads: int, barrier: object, out: object) -> None:
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    os.environ["SYNTHBENCH_EMBEDDINGS"] = "off"
    if kind == "minilm":
        from harness.models.embeddings import model_dir
        from harness.models.encoders import ENCODERS

        enc = ENCODERS.get("onnx")(model_dir())
        enc.encode(texts[:16])  # warm-up: session and tokenizer

        def run() -> None:
            enc.encode(texts)
    else:
        import torch  # spaCy's thinc may use torch's threads too

        torch.set_num_threads(threads)
        from harness.models.spacy_ner import load_pipeline

        nlp = load_pipeline("spacy").nlp
        list(nlp.pipe(texts[:16]))

        def run() -> None:
            list(nlp.pipe(texts, batch_size=64))

    barrier.wait()  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    run()
    out.put(time.perf_counter() - t0)  # type: ignore[attr-defined]


def layout(kind: str, texts: list[str], procs: int, threads: int) -> float:
    """Sentences per second summed over ``procs`` processes of ``threads`` threads."""
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(procs), ctx.Queue()
    ps = [
        ctx.Process(target=_work, args=(kind, texts, threads, barrier, out)) for _ in range(procs)
    ]
    for p in ps:
        p.start()
    times = [out.get(timeout=900) for _ in ps]
    for p in ps:
        p.join()
    return sum(len(texts) / t for t in times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    texts = sentences(args.n)
    print(f"cores {args.cores}, {len(texts)} sentences, load {os.getloadavg()[0]:.2f}")
    for kind in ("minilm", "spacy"):
        best: dict[tuple[int, int], float] = {}
        for procs in range(1, args.cores + 1):
            for threads in range(1, args.cores + 1):
                rate = max(layout(kind, texts, procs, threads) for _ in range(args.rounds))
                best[(procs, threads)] = rate
                print(f"{kind:6} processes {procs} x threads {threads}: {rate:8.1f} sentences/s")
        for procs in range(1, args.cores + 1):
            rule = max(1, args.cores // procs)
            top = max((t for p, t in best if p == procs), key=lambda t: best[(procs, t)])
            gain = best[(procs, top)] / best[(procs, rule)]
            print(
                f"{kind:6} {procs} worker(s): rule {rule} thread(s) {best[(procs, rule)]:.1f}/s;"
                f" best {top} thread(s) {best[(procs, top)]:.1f}/s ({gain:.2f}x the rule)"
            )
    print(f"load after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
