"""Wall time of the default suite with -n 0 and -n 2, and the workers' peak memory.

    SYNTHBENCH_DATA_DIR=../shared/data python bench/bench_suite.py [-- extra pytest args]

Peak memory per worker is read from each pytest process's ru_maxrss via psutil
polling (the children of the run), reported as the largest resident set seen.
"""

from __future__ import annotations

import subprocess
import sys
import time

import psutil


def run(args: list[str]) -> tuple[float, float, int]:
    cmd = [sys.executable, "-m", "pytest", "benchmarks/", "-q", "-p", "no:cacheprovider", *args]
    start = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [proc, *proc.children(recursive=True)]
            peak = max([peak, *(p.memory_info().rss for p in procs if p.is_running())])
        except psutil.Error:
            pass
        time.sleep(0.2)
    out = proc.stdout.read().decode() if proc.stdout else ""
    tail = [ln for ln in out.splitlines() if " passed" in ln or " failed" in ln]
    print(f"  pytest {' '.join(args) or '(serial)'}: {tail[-1] if tail else out[-400:]}")
    return time.perf_counter() - start, peak / 2**20, proc.returncode


def main() -> None:
    extra = sys.argv[1:]
    for label, args in (("-n 0", ["-n", "0"]), ("-n 2", ["-n", "2"])):
        wall, peak, rc = run([*args, *extra])
        print(f"{label}: {wall:.1f} s wall, largest process {peak:.0f} MiB, exit {rc}")


if __name__ == "__main__":
    main()
