"""Saved baseline runs: the figures a later run's ``max_drop`` gates compare against.

``--synth-save-baseline NAME`` writes ``<baseline dir>/NAME.json`` (default
``benchmarks/baselines/``), a small file meant to be committed. Per case it keeps
the primary score, its interval and standard error, the fingerprint of the gold
examples, and the bootstrap replicates of the score (quantised to 1e-4, base64).

``--synth-compare NAME`` reads it back. Where a cell's examples, resample count and
seed are unchanged, the new run draws exactly the same resamples (they are seeded
by source name), so ``baseline - current`` is a *paired* bootstrap difference.
Otherwise the difference gets a normal-approximation interval from both standard
errors (unpaired, wider), and the check says so.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np

from harness.analysis.intervals import BootstrapSettings, GroupReplicates
from harness.analysis.resampling import interval
from harness.core.families import Families
from harness.gates.model import Drop
from harness.store.files import atomic_write_text

BASELINE_SCHEMA = 1
_SCALE = 10_000
_NAN = -32768
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class BaselineError(ValueError):
    """An unreadable or unsuitable baseline file; the message names the file."""


def baseline_path(directory: Path, name: str) -> Path:
    """``directory/NAME.json``; a name is letters, digits, ``.``, ``_`` and ``-``."""
    if not _NAME.match(name):
        raise BaselineError(f"baseline name {name!r}: use letters, digits, '.', '_' and '-'")
    return directory / f"{name}.json"


def _pack(reps: np.ndarray) -> str:
    q = np.where(np.isfinite(reps), np.clip(np.rint(reps * _SCALE), -32767, 32767), _NAN)
    return base64.b64encode(q.astype("<i2").tobytes()).decode("ascii")


def _unpack(text: str) -> np.ndarray:
    q = np.frombuffer(base64.b64decode(text), dtype="<i2").astype(np.float64)
    return np.where(q == _NAN, np.nan, q / _SCALE)


def baseline_doc(
    name: str,
    reps: Mapping[tuple[str, str], GroupReplicates],
    settings: BootstrapSettings,
    same_as: Mapping[str, str],
    created: str = "",
    families: Families | None = None,
) -> dict[str, Any]:
    """The baseline file's content from a run's replicates (cells sorted: stable bytes).

    With suite families the ``mean-lfo`` rows are saved too (``max_drop`` can read them).
    """
    cells = []
    for (task, dataset), rep in sorted(reps.items()):
        for gen, block in rep.sources(same_as, families).items():
            for j, model in enumerate(rep.models):
                col = block[:, j]
                if np.isnan(col[0]):
                    continue
                ci = interval(float(col[0]), col[1:], settings.level)
                cells.append(
                    {
                        "task": task,
                        "dataset": dataset,
                        "generator": gen,
                        "model": model,
                        "metric": rep.metric,
                        "value": ci["value"],
                        "low": ci["low"],
                        "high": ci["high"],
                        "se": ci["se"],
                        "fingerprint": rep.fingerprint_of(gen),
                        "reps": _pack(col[1:]),
                    }
                )
    return {
        "schema": BASELINE_SCHEMA,
        "name": name,
        "created": created,
        "bootstrap": settings.to_dict(),
        "cells": cells,
    }


def save_baseline(path: Path, doc: Mapping[str, Any]) -> None:
    """Write the baseline atomically, one cell per line (reviewable diffs)."""
    head = {k: v for k, v in doc.items() if k != "cells"}
    lines = [json.dumps(c, sort_keys=True) for c in doc["cells"]]
    text = json.dumps(head, sort_keys=True)[:-1] + ', "cells": [\n' + ",\n".join(lines) + "\n]}\n"
    atomic_write_text(path, text)


def load_baseline(path: Path) -> dict[str, Any]:
    """Read a baseline file; errors name the file and what is wrong."""
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise BaselineError(
            f"{path}: no such baseline; write it with --synth-save-baseline {path.stem}"
        ) from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: not JSON: {exc.msg} (line {exc.lineno})") from None
    except (ValueError, RecursionError, OSError) as exc:  # not UTF-8, too deep, huge int
        why = f"{type(exc).__name__}: {exc}"
        raise BaselineError(f"{path}: not a readable baseline ({why})") from None
    if not isinstance(doc, dict) or doc.get("schema") != BASELINE_SCHEMA:
        raise BaselineError(f"{path}: not a baseline of schema {BASELINE_SCHEMA}")
    cells = doc.get("cells", [])
    if not isinstance(cells, list):
        raise BaselineError(f"{path}: key 'cells': expected a list of cells")
    for i, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise BaselineError(f"{path}: cells[{i}]: expected an object")
        for key in ("task", "dataset", "generator", "model", "value"):
            if key not in cell:
                raise BaselineError(f"{path}: cells[{i}] lacks key {key!r}")
        for key in ("task", "dataset", "generator", "model"):
            if not isinstance(cell[key], str):
                raise BaselineError(f"{path}: cells[{i}].{key}: expected a string")
        for key in ("value", "se"):
            v = cell.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                raise BaselineError(f"{path}: cells[{i}].{key}: expected a number or null")
    if not isinstance(doc.get("bootstrap", {}), dict):
        raise BaselineError(f"{path}: key 'bootstrap': expected an object")
    return doc


class SavedComparison:
    """``baseline - current`` per cell, paired where the resamples are the same."""

    def __init__(
        self,
        doc: Mapping[str, Any],
        reps: Mapping[tuple[str, str], GroupReplicates],
        settings: BootstrapSettings,
        same_as: Mapping[str, str],
        families: Families | None = None,
    ) -> None:
        self.same_as = dict(same_as)
        self.families = families
        self.name = str(doc.get("name", ""))
        self.cells = {
            (c["task"], c["dataset"], c["generator"], c["model"]): c for c in doc["cells"]
        }
        boot = doc.get("bootstrap", {})
        self.same_draws = (
            boot.get("resamples") == settings.resamples
            and boot.get("seed") == settings.seed
            and boot.get("scheme", 1) == settings.to_dict()["scheme"]
        )
        self.reps = reps
        self.settings = settings

    def _current(self, rep: GroupReplicates, generator: str, model: str) -> np.ndarray | None:
        block = rep.sources(self.same_as, self.families).get(generator)
        if block is None or model not in rep.models:
            return None
        col = block[:, rep.models.index(model)]
        return None if np.isnan(col[0]) else col

    def __call__(self, task: str, dataset: str, generator: str, model: str) -> Drop | str:
        base = self.cells.get((task, dataset, generator, model))
        if base is None:
            return f"cell not in baseline {self.name!r}"
        if base.get("value") is None:
            return f"score undefined in baseline {self.name!r}"
        rep = self.reps.get((task, dataset))
        col = self._current(rep, generator, model) if rep is not None else None
        if rep is None or col is None:
            return "no current score with per-example outcomes"
        if base.get("metric") not in (None, rep.metric):
            return f"baseline metric {base.get('metric')!r} differs from {rep.metric!r}"
        level = self.settings.level
        paired = (
            self.same_draws
            and "reps" in base
            and base.get("fingerprint") == rep.fingerprint_of(generator)
        )
        if paired:
            base_reps = _unpack(base["reps"])
            if base_reps.size == col.size - 1:
                # Both sides on the same 1e-4 grid: identical runs differ by exactly 0.
                current = _unpack(_pack(col[1:]))
                diff = interval(float(base["value"]) - float(col[0]), base_reps - current, level)
                return Drop(diff["value"], diff["low"], diff["high"], "paired")
        cur = interval(float(col[0]), col[1:], level)
        if cur["se"] is None or base.get("se") is None:
            return "no standard error to compare with"
        value = float(base["value"]) - float(col[0])
        half = NormalDist().inv_cdf(0.5 + level / 2) * math.hypot(float(base["se"]), cur["se"])
        why = (
            "examples changed"
            if base.get("fingerprint") != rep.fingerprint_of(generator)
            else "resampling changed"
        )
        return Drop(value, value - half, value + half, f"unpaired normal interval ({why})")
