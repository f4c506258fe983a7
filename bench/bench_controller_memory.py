"""Controller memory with 10,000 case records.

Feeds SynthSession the test reports of 10,000 cases (each carrying its compact case
record, as workers send them) and measures the memory the session holds, with
tracemalloc, plus the time to build the final report from them.

    python bench/bench_controller_memory.py [--cases 10000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

from harness.core.records import CaseKey, CaseResult, DataIssues
from harness.plugin.session import PROPERTY, SynthSession
from harness.run.suite import parse_suite


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000)
    args = ap.parse_args()
    n_models = 50
    n_gens = 10
    n_sets = max(1, args.cases // (n_models * n_gens))
    gens = {f"gen-{g}": {"model_id": f"x/{g}"} for g in range(n_gens - 1)}
    suite = parse_suite(
        {
            "generators": gens,
            "datasets": {
                f"d{d}": {"task": "intent", "test": f"real/d{d}/test.jsonl"} for d in range(n_sets)
            },
            "models": {
                f"m{m}": {"factory": "oracle", "params": {"accuracy": m / n_models}}
                for m in range(n_models)
            },
        }
    )
    keys = [
        CaseKey("intent", f"d{d}", g, f"m{m}")
        for d in range(n_sets)
        for g in ["real", *gens]
        for m in range(n_models)
    ][: args.cases]
    reports = []
    for i, k in enumerate(keys):
        r = CaseResult(
            k,
            "ok",
            "macro_f1",
            {"macro_f1": (i % 97) / 97, "accuracy": 0.5, "invalid_rate": 0.0},
            200,
            0,
            data=DataIssues(rows=200, kept=200),
        )
        reports.append(
            SimpleNamespace(
                user_properties=[(PROPERTY, json.dumps(r.to_dict()))],
                nodeid=f"t.py::test[{k.id}]",
                failed=False,
                longrepr=None,
            )
        )
    with tempfile.TemporaryDirectory() as tmp:
        session = SynthSession(suite, Path(tmp))
        tracemalloc.start()
        base = tracemalloc.take_snapshot()
        start = time.perf_counter()
        for rep in reports:
            session.add_report(rep)  # type: ignore[arg-type]
        ingest = time.perf_counter() - start
        held = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(base, "filename"))
        tracemalloc.stop()
        start = time.perf_counter()
        session.finish()
        finish = time.perf_counter() - start
    print(
        f"{len(keys)} case records: session holds {held / 2**20:.1f} MiB "
        f"({held / len(keys):.0f} B per case); ingest {ingest:.2f} s; report {finish:.2f} s"
    )


if __name__ == "__main__":
    main()
