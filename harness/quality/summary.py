"""The per-source quality figures of the pytest report (cheap: no embeddings).

``add_quality`` puts ``group["quality"][generator]`` into each report group whose
dataset the suite knows and whose source file is readable: the figures a reader
needs to see why a generator's data ranks models differently. Near-duplicate search
needs MiniLM and is left to ``synthbench data check``. Results are cached per file
state, in the process and in the cache folder, so re-rendering a report or a rerun
with unchanged data costs nothing.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.config import DatasetSpec


def compact(q: Mapping[str, Any]) -> dict[str, Any]:
    """The few figures of a quality dict that fit a report table."""
    labels = q["labels"]
    con = q.get("contamination") or {}
    return {
        "rows": q["rows"],
        "malformed": q["malformed"],
        "duplicates": q["duplicates"]["count"],
        "label_coverage": labels.get("coverage"),
        "label_tvd": labels.get("tvd"),
        "distinct_1": q["distinct_1"],
        "distinct_2": q["distinct_2"],
        "mean_words": q["length"]["mean"],
        "task_problems": sum(q["checks"]["problems"].values()),
        "exact_test_matches": con.get("exact"),
    }


@functools.lru_cache(maxsize=256)
def _cached(
    data_dir: str, spec: DatasetSpec, generator: str, inputs: tuple[tuple[str, int, int], ...]
) -> dict[str, Any]:
    # On disk too, beside the report's figures: a run whose cases are all computed
    # afresh (``--synth-fresh``) still reads unchanged data files, and re-checking
    # the default suite's 42 sources took 2.4 s of its report (measured).
    from harness.report import figurecache

    payload = {
        "kind": "quality-summary",
        "code": figurecache.code_version(),
        "data_dir": data_dir,
        "spec": repr(spec),
        "generator": generator,
        "inputs": inputs,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    stored = figurecache.load(key)
    if stored is not None:
        return stored
    from harness.quality.report import check_source

    summary = compact(check_source(Path(data_dir), spec, generator))
    figurecache.save(key, summary)
    return summary


def _inputs(data_dir: Path, spec: DatasetSpec, source: Path) -> tuple[tuple[str, int, int], ...]:
    """Every file a source's summary reads, by state: the source, the real splits and
    the label file (``harness.data.labels`` reads the same)."""
    from harness.data.labels import SIBLING_SPLITS, stat_key

    test = data_dir / spec.test
    files = [source, test, *(test.parent / name for name in SIBLING_SPLITS)]
    files += [data_dir / name for name in (spec.train, spec.labels) if name]
    out = []
    for path in files:
        try:
            out.append(stat_key(path))
        except OSError:  # absent: its absence is the state
            out.append((str(path), -1, -1))
    return tuple(out)


def source_summary(data_dir: Path, spec: DatasetSpec, generator: str) -> dict[str, Any] | None:
    """``compact(check_source(...))`` without embeddings; None when the file is not local."""
    path_text = spec.source_path(generator)
    if path_text.startswith("hf://"):
        return None  # resolving could mean a download; `synthbench data check` does that
    path = Path(data_dir) / path_text
    if not path.is_file():
        return None
    return _cached(str(data_dir), spec, generator, _inputs(Path(data_dir), spec, path))


def add_quality(groups: list[dict[str, Any]], run: Mapping[str, Any]) -> None:
    """Add ``quality`` to each group from the run's suite and data directory, if known."""
    data_dir, suite_path = run.get("data_dir"), run.get("suite")
    if not data_dir or not suite_path or not Path(str(suite_path)).is_file():
        return
    from harness.config import ConfigError, load_suite

    try:
        suite = load_suite(str(suite_path), resolve_models=False)
    except ConfigError:
        return
    specs = {d.name: d for d in suite.datasets}
    for g in groups:
        spec = specs.get(g.get("dataset", ""))
        if spec is None:
            continue
        gens = sorted(set(g.get("scores", {})) | set(g.get("data", {})))
        out = {}
        for gen in gens:
            try:
                summary = source_summary(Path(str(data_dir)), spec, gen)
            except (OSError, ValueError):  # a malformed file is reported by its cases
                summary = None
            if summary is not None:
                out[gen] = summary
        g["quality"] = out
