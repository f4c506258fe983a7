"""The report's figures kept on disk by their inputs: a rerun with nothing changed
recomputes no analysis, quality summary, bootstrap or item diagnostics.

On the default suite a warm rerun (every case reused) spent most of its time
recomputing figures from the same case files: the analysis and data-quality
summaries, the 1,000-resample bootstrap, the permutation tests and the leave-one-out
item diagnostics. They are a pure function of

* every cell's result: its case key, the fingerprint of its inputs, its status and the
  run that computed it (a re-evaluation, even with the same inputs, is a new entry),
  and the cells without one;
* the settings that shape them: resamples, level, seed, ``same_as``, families,
  published score rows, the suite file's bytes and the data directory (the quality
  summaries read the data files);
* the code: every source file of ``harness`` and the numpy and scipy versions.

So they are stored under a hash of all of that, in the cache folder (``figures/``).
What a run changes (case states, run ids, the ``run`` section, gates) is not part of
them and is built fresh each time. A file that cannot be read or written only costs
the computation; ``SYNTHBENCH_FIGURE_CACHE=0`` turns it off.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.backends.cache import resolve_cache_dir
from harness.core.textsafe import json_dumps

ENV_SWITCH = "SYNTHBENCH_FIGURE_CACHE"
#: Bump when what is stored changes shape.
VERSION = 1
_ERRORS = "surrogatepass"


@functools.cache
def code_version() -> str:
    """Every source file of the ``harness`` package, and numpy's and scipy's versions."""
    import numpy
    import scipy

    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(f"{numpy.__version__}/{scipy.__version__}".encode())
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _file_digest(path: str | None) -> str:
    if not path:
        return ""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def figures_key(
    cells: Sequence[Mapping[str, Any]],
    settings: Mapping[str, Any],
    run: Mapping[str, Any],
) -> str:
    """The key of the figures of ``cells`` (one JSON-able description per suite cell)."""
    payload = {
        "version": VERSION,
        "code": code_version(),
        "cells": list(cells),
        "settings": dict(settings),
        "suite": _file_digest(run.get("suite")),
        "data_dir": str(run.get("data_dir", "")),
    }
    text = json_dumps(payload, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8", _ERRORS)).hexdigest()


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH) != "0"


def _path(key: str) -> Path:
    return resolve_cache_dir() / "figures" / f"{key}.json"


def load(key: str) -> dict[str, Any] | None:
    """The stored figures of ``key``, or None (absent, unreadable, or switched off)."""
    if not enabled():
        return None
    try:
        raw = _path(key).read_bytes().decode("utf-8", _ERRORS)
        value = json.loads(raw)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def save(key: str, value: Mapping[str, Any]) -> None:
    """Store ``value`` (written whole under a unique name, then renamed)."""
    if not enabled():
        return
    path = _path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(json_dumps(dict(value)).encode("utf-8", _ERRORS))
        os.replace(tmp, path)
    except OSError:
        pass
