"""The default suite: wall time cold and warm, -n 0 and -n 2, phases, and the floor.

    SYNTHBENCH_DATA_DIR=../shared/data python bench/bench_suite.py \\
        [--base ../wt/base] [--max-examples N] [-k EXPR] [--repeat R] [-- pytest args]

Runs, in one invocation, each in a fresh results directory:

- ``base -n 0``: the tree at ``--base`` (a git worktree of the commit before issue 14),
  cold, when given;
- ``cold -n 0`` and ``cold -n 2``: this tree, each with an empty embedding store;
- ``warm -n 2``: this tree again on the store the ``cold -n 2`` run filled (results
  are not reused: a fresh results directory, and ``--synth-fresh`` when the plugin
  has it).

The exported ONNX graphs are kept in one folder for all runs and exported before the
first timed run (a once-per-machine cost, like installing a package). ``--repeat``
repeats the set, alternating its order, so slow drifts in the machine's load hit all.

Phases (this tree's cold ``-n 0`` run, seconds summed over processes, from
``harness.core.phases``): load, model build, predict, score, of which MiniLM encoding and
spaCy; analysis and reports are timed by re-running ``synthbench report`` on the
run's results, with the run's cache folder (figures and plots reused) and with an
empty one (everything computed: the serial tail of a cold run). The floor: the
distinct texts the run had to encode (the vectors the cold run left in the store)
at the encoder's throughput measured here, plus the spaCy and CRF seconds of that
run; printed with each run's distance from it.
The largest process is the largest resident set seen among the run's processes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
# This tree's harness, whatever is installed (the runs set their own PYTHONPATH).
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


@dataclass(frozen=True)
class Run:
    label: str
    tree: Path
    workers: int
    cache: Path
    results: Path
    phases: Path


@dataclass(frozen=True)
class Timing:
    wall: float
    peak_mib: float
    exit: int
    tail: str


def execute(run: Run, extra: list[str], onnx_dir: Path) -> Timing:
    cmd = [sys.executable, "-m", "pytest", "benchmarks/", "-q", "-p", "no:cacheprovider"]
    cmd += ["-n", str(run.workers), f"--synth-report-dir={run.results}", *extra]
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(run.tree),
        SYNTHBENCH_CACHE_DIR=str(run.cache),
        SYNTHBENCH_PHASES_DIR=str(run.phases),
        SYNTHBENCH_ONNX_DIR=str(onnx_dir),
    )
    start = time.perf_counter()
    proc = psutil.Popen(
        cmd, cwd=run.tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    peak = 0
    while proc.poll() is None:
        try:
            procs = [proc, *proc.children(recursive=True)]
            peak = max([peak, *(p.memory_info().rss for p in procs if p.is_running())])
        except psutil.Error:
            pass
        time.sleep(0.2)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    tail = [ln for ln in out.splitlines() if " passed" in ln or " failed" in ln]
    return Timing(wall, peak / 2**20, proc.returncode, tail[-1] if tail else out[-400:])


def has_fresh_option(tree: Path) -> bool:
    return "--synth-fresh" in (tree / "harness" / "plugin.py").read_text(encoding="utf-8")


def phase_table(folder: Path) -> dict[str, dict[str, float]]:
    from harness.core.phases import read

    return read(folder) if folder.is_dir() else {}


def report_seconds(results: Path, tree: Path, cache: Path | None) -> float:
    """Wall seconds of re-analysing and re-rendering a results directory (md + html).

    ``cache``: the cache folder to use (the run's own: its figures and plots are
    reused); None: an empty one, so everything is computed, as at the end of a cold
    run (the serial tail that ``-n 2`` cannot share out).
    """
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "harness", "report", str(results), "--json", f"{tmp}/r.json"]
        cmd += ["--md", f"{tmp}/r.md", "--html", f"{tmp}/r.html"]
        env = dict(os.environ, PYTHONPATH=str(tree), SYNTHBENCH_CACHE_DIR=str(cache or tmp))
        start = time.perf_counter()
        subprocess.run(cmd, cwd=tree, env=env, check=False, capture_output=True)
        return time.perf_counter() - start


def encoder_throughput(onnx_dir: Path, n: int = 1000) -> tuple[str, float]:
    """Sentences per second of this tree's default encoder on ``n`` real test texts."""
    os.environ["SYNTHBENCH_ONNX_DIR"] = str(onnx_dir)
    from bench_embeddings import sentences

    from harness.models.embeddings import model_dir
    from harness.models.encoders import ENCODERS, default_backend

    encoder = ENCODERS.get(default_backend())(model_dir())
    texts = sentences(n)
    encoder.encode(texts[:64])
    start = time.perf_counter()
    encoder.encode(texts)
    return encoder.name, len(texts) / (time.perf_counter() - start)


def stored_texts(cache: Path, encoder: str) -> int:
    from harness.models.embedding_store import store_stats

    st = store_stats(cache)
    return st.encoders.get(encoder, 0) if st else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, help="tree of the commit before this work")
    ap.add_argument("--max-examples", type=int, default=0, help="--synth-max-examples")
    ap.add_argument("-k", default="", help="pytest -k expression (a stated subset)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("extra", nargs="*", help="more pytest arguments (after --)")
    args = ap.parse_args()
    extra = list(args.extra)
    if args.max_examples:
        extra.append(f"--synth-max-examples={args.max_examples}")
    if args.k:
        extra += ["-k", args.k]
    print(f"load average before: {os.getloadavg()}; pytest extra: {extra or '(none)'}")

    work = Path(tempfile.mkdtemp(prefix="bench-suite-"))
    onnx_dir = work / "onnx"
    t0 = time.perf_counter()
    name, speed = encoder_throughput(onnx_dir)
    setup = time.perf_counter() - t0
    print(f"encoder {name}: {speed:.0f} sentences/s (export + load + measure {setup:.0f} s)")
    fresh = ["--synth-fresh"] if has_fresh_option(ROOT) else []
    print(f"warm run: fresh results directory{' and --synth-fresh' if fresh else ''}")

    walls: dict[str, list[float]] = {}
    for r in range(args.repeat):
        d = work / f"r{r}"

        def mk(label: str, tree: Path, n: int, cache: str, d: Path = d) -> Run:
            return Run(label, tree, n, d / cache, d / f"out-{label}", d / f"phases-{label}")

        runs = [mk("cold -n 0", ROOT, 0, "cache0"), mk("cold -n 2", ROOT, 2, "cache2")]
        if args.base:
            runs.insert(0, mk("base -n 0", args.base.resolve(), 0, "cache-base"))
        if r % 2:
            runs.reverse()
        runs.append(mk("warm -n 2", ROOT, 2, "cache2"))
        for run in runs:
            more = fresh if run.label.startswith("warm") else []
            t = execute(run, [*extra, *more], onnx_dir)
            walls.setdefault(run.label, []).append(t.wall)
            print(
                f"[{r}] {run.label}: {t.wall:.1f} s wall, largest process {t.peak_mib:.0f} MiB,"
                f" exit {t.exit}: {t.tail}",
                flush=True,
            )
        if r == 0:
            cold0 = next(x for x in runs if x.label == "cold -n 0")
            show_phases(cold0, name, speed, walls)
    print("ratios (per repeat):")
    for a, b in (
        ("cold -n 2", "base -n 0"),
        ("warm -n 2", "cold -n 2"),
        ("cold -n 0", "cold -n 2"),
        ("cold -n 0", "base -n 0"),
    ):
        if a in walls and b in walls:
            ratio = [x / y for x, y in zip(walls[a], walls[b], strict=True)]
            print(f"  {a} / {b}: {[round(x, 3) for x in ratio]}")
    from compare_scores import compare

    first = work / "r0"
    outs = sorted(first.glob("out-*"))
    ref = next((o for o in outs if o.name == "out-base -n 0"), outs[0] if outs else None)
    for out in outs:
        if ref is not None and out != ref and (out / "report.json").is_file():
            print("scores: " + compare(ref, out))
    cold, warm = first / "out-cold -n 2", first / "out-warm -n 2"
    if (cold / "report.json").is_file() and (warm / "report.json").is_file():
        print("scores: " + compare(cold, warm))
    print(f"load average after: {os.getloadavg()}; work folder {work}")


def show_phases(run: Run, encoder: str, speed: float, walls: dict[str, list[float]]) -> None:
    table = phase_table(run.phases)
    total = {phase: sum(per.values()) for phase, per in table.items()}
    print(f"phases of '{run.label}' (seconds, summed over processes):")
    for phase in ("load", "build", "predict", "score", "encode", "spacy"):
        print(f"  {phase:>8}: {total.get(phase, 0.0):8.1f}")
    warm = report_seconds(run.results, run.tree, run.cache)
    cold = report_seconds(run.results, run.tree, None)
    print(
        f"  analysis and reports (synthbench report, md + html): {cold:.1f} with empty "
        f"caches, {warm:.1f} with the run's"
    )
    crf = table.get("build", {}).get("crf", 0.0) + table.get("predict", {}).get("crf", 0.0)
    n = stored_texts(run.cache, encoder)
    floor = n / speed + total.get("spacy", 0.0) + crf
    print(
        f"floor: {n} distinct texts at {speed:.0f}/s = {n / speed:.1f} s, + spaCy"
        f" {total.get('spacy', 0.0):.1f} s + CRF {crf:.1f} s = {floor:.1f} s"
    )
    for label, ws in walls.items():
        print(f"  {label}: {ws[-1]:.1f} s = {ws[-1] / floor:.2f}x the floor")
    print(json.dumps({"phases": table}, indent=None)[:2000])


if __name__ == "__main__":
    main()
