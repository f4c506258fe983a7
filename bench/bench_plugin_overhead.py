"""Plugin overhead on real benchmark cases: what pytest-synthbench adds per ``synth_case``.

A tiny project (one intent dataset of 20 rows, ``--generators`` synthetic sources and
``--models`` trivial ``majority`` models, so (generators + 1) x models cases) runs
through the plugin, and each case's own work (``run_case``: load, predict, score,
write the case file) is timed by the runner itself (``duration`` in report.json).
A bare pytest run of the same number of trivial tests measures pytest's own cost per
test. What remains is the plugin: collection and parametrization from the suite,
record streaming, the controller's analysis and the report files.

    python bench/bench_plugin_overhead.py [--rounds 3] [--generators 24] [--models 20]

Prints the median wall time of each variant and the plugin's cost per case in ms.
(The earlier version of this script timed 2,000 trivial tests in a project without a
suite, i.e. a dormant plugin: it is kept as the last line for comparison.)
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELS = ("play_music", "get_weather", "book_restaurant")

TRIVIAL = """
import pytest

@pytest.mark.parametrize("i", range({n}))
def test_trivial(i):
    assert i >= 0
"""

BENCH = """
from harness import CaseKey
def test_benchmark(synth_case: CaseKey, synth_evaluate) -> None:
    assert synth_evaluate(synth_case).n_examples > 0
"""


def _rows(rng: random.Random, n: int, tag: str) -> str:
    return "".join(
        json.dumps({"text": f"{tag} {i} {rng.random():.4f}", "label": LABELS[i % 3]}) + "\n"
        for i in range(n)
    )


def make_suite_project(folder: Path, generators: int, models: int) -> int:
    """Write data, suite and test file; returns the number of cases."""
    rng = random.Random(0)
    data = folder / "data"
    for split in ("test", "train"):
        (data / "real/toy").mkdir(parents=True, exist_ok=True)
        (data / f"real/toy/{split}.jsonl").write_text(_rows(rng, 20, split))
    gens = [f"g{i}" for i in range(generators)]
    (data / "synthetic/toy").mkdir(parents=True, exist_ok=True)
    for g in gens:
        (data / f"synthetic/toy/{g}.jsonl").write_text(_rows(rng, 20, g))
    suite = ["[run]", "seed = 0", "", "[generators]"]
    suite += [f'"{g}" = {{ model_id = "toy/{g}" }}' for g in gens]
    suite += ["", "[datasets.toy]", 'task = "intent"', 'test = "real/toy/test.jsonl"',
              'train = "real/toy/train.jsonl"', ""]
    for m in range(models):
        suite += [f"[models.m{m}]", 'factory = "majority"', ""]
    (folder / "suite.toml").write_text("\n".join(suite))
    (folder / "test_bench.py").write_text(BENCH)
    (folder / "pytest.ini").write_text(
        "[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\nsynth_report_dir = out\n"
        "synth_formats = none\n"
    )
    return (generators + 1) * models


def run(folder: Path, *extra: str) -> float:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, str(folder)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=folder)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"pytest failed in {folder}:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
    return took


def case_seconds(folder: Path, cases: int) -> float:
    """The runner's own time over all cases, from report.json (``duration`` per case)."""
    report = json.loads((folder / "out/report.json").read_text())
    rows = report["cases"]["all"]
    ok = [r for r in rows if r["status"] == "ok"]
    if len(ok) != cases:
        raise SystemExit(f"expected {cases} ok cases, report.json has {len(ok)} of {len(rows)}")
    return sum(float(r["duration"]) for r in ok)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--generators", type=int, default=24)
    ap.add_argument("--models", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        suite_dir, bare_dir = Path(tmp) / "suite", Path(tmp) / "bare"
        suite_dir.mkdir()
        bare_dir.mkdir()
        n = make_suite_project(suite_dir, args.generators, args.models)
        (bare_dir / "test_trivial.py").write_text(TRIVIAL.format(n=n))
        (bare_dir / "pytest.ini").write_text("[pytest]\n")
        run(suite_dir)  # warm file system and bytecode caches
        walls, inside, bare, dormant = [], [], [], []
        for _ in range(args.rounds):
            bare.append(run(bare_dir, "-p", "no:synthbench"))
            dormant.append(run(bare_dir))
            walls.append(run(suite_dir))
            inside.append(case_seconds(suite_dir, n))
    wall, work, base = statistics.median(walls), statistics.median(inside), statistics.median(bare)
    plugin = wall - work - base
    print(f"{n} synth_case cases ({args.generators + 1} sources x {args.models} majority "
          f"models, 20 rows each), {args.rounds} rounds, median wall time")
    print(f"  suite run through the plugin:        {wall:.3f} s")
    print(f"  of which inside run_case (the work): {work:.3f} s")
    print(f"  bare pytest, {n} trivial tests:     {base:.3f} s")
    # Includes the plugin's fixed costs (import, suite, report.json): run two sizes to
    # separate them from the per-case part.
    print(f"  plugin overhead: {plugin:.3f} s = {1000 * plugin / n:.2f} ms per case, fixed "
          f"costs included ({100 * plugin / base:+.1f}% of bare pytest's own time)")
    print(f"  dormant plugin (no suite), same {n} trivial tests: {statistics.median(dormant):.3f}"
          f" s vs {base:.3f} s bare ({100 * (statistics.median(dormant) / base - 1):+.1f}%)")


if __name__ == "__main__":
    main()
