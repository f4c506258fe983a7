"""The case store on the default suite: warm rerun, one new model, shards into one store.

    SYNTHBENCH_DATA_DIR=../shared/data python bench/bench_store.py [--max-examples N]

In one invocation, on the same machine (ratios mean more than absolutes here):

1. cold run (a first run on this machine: empty case store and an empty cache folder,
   so no stored response, embedding, spaCy entity or figure; ``-n 0``) and warm rerun
   (nothing changed): walls and ratio. The ONNX graph is exported before the cold run
   into a folder of its own (``SYNTHBENCH_ONNX_DIR``): a once-per-machine cost, like
   installing a package, as in ``bench_suite.py``;
2. the suite plus one new model: how many cases were evaluated, and the wall;
3. two shards with ``-n 2`` into one fresh store, then ``synthbench report`` over it:
   is the report byte-identical to the cold ``-n 0`` one? Compared: ``report.json``
   without what names a run (``run``, ``store.runs``, per-case ``run``, ``state`` and
   ``duration``), and ``report.md`` without its ``generated`` line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: The runs' environment: ``main`` points the cache folder and ONNX graphs at its own.
ENV = dict(os.environ)
NEW_MODEL = '\n[models.tfidf-centroid-k3]\nfactory = "tfidf-centroid"\nparams = { k = 3 }\n'


def pytest(store: Path, *args: str, suite: Path | None = None) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "pytest", "benchmarks/", "-q", "-p", "no:cacheprovider"]
    cmd += ["-p", "no:randomly", f"--synth-report-dir={store}", *args]
    if suite is not None:
        cmd.append(f"--synth-suite={suite}")
    start = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=ENV)
    wall = time.perf_counter() - start
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("store:") or " passed" in ln]
    return wall, "\n    ".join(lines[-2:])


def stable(report: dict[str, Any]) -> str:
    out = {k: v for k, v in report.items() if k != "run"}
    out["store"] = {k: v for k, v in report["store"].items() if k not in ("runs", "states")}
    for part in ("all", "not_ok"):
        out["cases"][part] = [
            {k: v for k, v in c.items() if k not in ("run", "state", "duration")}
            for c in report["cases"][part]
        ]
    return json.dumps(out, indent=1, sort_keys=True)


def markdown(path: Path) -> str:
    return "\n".join(ln for ln in path.read_text().splitlines() if "generated 20" not in ln)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-examples", type=int, default=0, help="0: every example")
    args = ap.parse_args()
    common = [f"--synth-max-examples={args.max_examples}"]
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        ENV.update(SYNTHBENCH_CACHE_DIR=str(t / "cache"), SYNTHBENCH_ONNX_DIR=str(t / "onnx"))
        # Only the graph export here: this process keeps its one vector in memory.
        os.environ.update(
            SYNTHBENCH_ONNX_DIR=ENV["SYNTHBENCH_ONNX_DIR"], SYNTHBENCH_EMBEDDINGS="off"
        )
        sys.path.insert(0, str(ROOT))
        from harness.models.embeddings import get_embedder

        get_embedder().encode(["export the graph before the cold run"])
        cold, cold_out = pytest(t / "a", "-n", "0", *common)
        print(f"cold -n 0: {cold:.1f} s\n    {cold_out}")
        for name in ("report.json", "report.md"):
            (t / f"cold.{name}").write_bytes((t / "a" / name).read_bytes())
        warm, warm_out = pytest(t / "a", "-n", "0", *common)
        print(f"warm -n 0: {warm:.1f} s ({100 * warm / cold:.1f}% of cold)\n    {warm_out}")
        suite = t / "suite.toml"
        suite.write_text((ROOT / "benchmarks/suite.toml").read_text() + NEW_MODEL)
        new, new_out = pytest(t / "a", "-n", "0", *common, suite=suite)
        ran = re.search(r"store: (\d+) case\(s\) run now, (\d+) reused", new_out)
        counts = f"{ran.group(1)} evaluated, {ran.group(2)} reused" if ran else "?"
        print(f"one new model: {new:.1f} s ({100 * new / cold:.1f}% of cold), {counts}")
        print(f"    {new_out}")
        for i in (1, 2):
            wall, out = pytest(t / "b", "-n", "2", f"--synth-shard={i}/2", *common)
            print(f"shard {i}/2 -n 2 into one store: {wall:.1f} s\n    {out}")
        cmd = [sys.executable, "-m", "harness", "report", str(t / "b"), "--out", str(t / "c")]
        subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False, env=ENV)
        cold_json = json.loads((t / "cold.report.json").read_text())
        for label, folder in (("last shard's session", t / "b"), ("synthbench report", t / "c")):
            same_json = stable(json.loads((folder / "report.json").read_text())) == stable(
                cold_json
            )
            same_md = markdown(folder / "report.md") == markdown(t / "cold.report.md")
            print(
                f"two shards (-n 2) vs -n 0, {label}: report.json identical: {same_json}, "
                f"report.md identical: {same_md}"
            )


if __name__ == "__main__":
    main()
