"""Plugin overhead: 2,000 trivial parametrized tests with the plugin loaded vs disabled.

Runs both variants alternately in one process tree (so the machine's noise hits both
alike) and prints the median wall time of each and their ratio. Target: <= 5%.

    python bench/bench_plugin_overhead.py [--rounds 5] [--cases 2000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEST = """
import pytest

@pytest.mark.parametrize("i", range({n}))
def test_trivial(i):
    assert i >= 0
"""


def run(folder: Path, disable: bool) -> float:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)]
    if disable:
        cmd[3:3] = ["-p", "no:synthbench"]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=folder)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cases", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "test_trivial.py").write_text(TEST.format(n=args.cases))
        (folder / "pytest.ini").write_text("[pytest]\n")
        run(folder, False)  # warm the file system and bytecode caches
        with_plugin, without = [], []
        for _ in range(args.rounds):
            without.append(run(folder, True))
            with_plugin.append(run(folder, False))
    a, b = statistics.median(with_plugin), statistics.median(without)
    print(f"{args.cases} trivial cases, {args.rounds} rounds (median wall time)")
    print(f"  bare pytest (-p no:synthbench): {b:.3f} s")
    print(f"  with pytest-synthbench:         {a:.3f} s")
    print(f"  overhead: {100 * (a / b - 1):+.1f}%")


if __name__ == "__main__":
    main()
