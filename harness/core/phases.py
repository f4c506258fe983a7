"""Per-process phase timings for ``bench/bench_suite.py`` (off unless asked for).

With ``$SYNTHBENCH_PHASES_DIR`` set, each process adds the seconds it spends per
phase (``load``, ``build``, ``predict``, ``score`` from the runner; ``encode`` and
``spacy`` from inside the models), per model factory, and rewrites its own file
``<dir>/<pid>.json`` after each case (xdist workers may end without running exit
handlers). Unset, ``add`` only adds to a dict and ``flush`` returns at once.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ENV_PHASES_DIR = "SYNTHBENCH_PHASES_DIR"

_TOTALS: dict[str, dict[str, float]] = {}


def add(phase: str, seconds: float, model: str = "") -> None:
    per = _TOTALS.setdefault(phase, {})
    per[model] = per.get(model, 0.0) + seconds


@contextmanager
def timed(phase: str, model: str = "") -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        add(phase, time.perf_counter() - t0, model)


def flush() -> None:
    """Write this process's totals when ``$SYNTHBENCH_PHASES_DIR`` is set."""
    folder = os.environ.get(ENV_PHASES_DIR)
    if not folder:
        return
    path = Path(folder) / f"{os.getpid()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(_TOTALS), encoding="utf-8")
    os.replace(tmp, path)


def read(folder: Path) -> dict[str, dict[str, float]]:
    """The sum over every process's file in ``folder``: phase -> model -> seconds."""
    out: dict[str, dict[str, float]] = {}
    for path in sorted(folder.glob("*.json")):
        for phase, per in json.loads(path.read_text(encoding="utf-8")).items():
            dst = out.setdefault(phase, {})
            for model, s in per.items():
                dst[model] = dst.get(model, 0.0) + float(s)
    return out
