"""The per-source quality figures of the pytest report (cheap: no embeddings).

``QualityInputs.of`` gives a report group's ``quality[generator]`` for each source
of a dataset the suite knows whose data is readable (any format the loader reads:
JSONL, CSV, Parquet, JSON, ``save_to_disk`` folders, ``hf://`` sources from the Hub
cache), and its ``quality_missing[generator]``: the reason for a source
that has none (an ``hf://`` source not in the Hub cache, since the report does not
download; a missing or malformed file): the figures a reader needs to see why a
generator's data ranks models differently. Near-duplicate search
needs MiniLM and is left to ``synthbench data check``. Results are cached per file
state, in the process and in the cache folder, so re-rendering a report or a rerun
with unchanged data costs nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.spec import ConfigError, DatasetSpec
from harness.data.hf_datasets import fingerprint
from harness.data.hub import is_repo_uri, parse, parse_repo
from harness.data.labels import SIBLING_SPLITS, stat_key
from harness.quality.report import check_source
from harness.report import figurecache
from harness.report.sections import RunSection
from harness.run.suite import load_suite


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
    # Upward, so kept in the function and listed in tests/test_layers.py's allowance:
    # the report's figure cache; this summary and quality_inputs build report groups and
    # move into harness/report/ with the typed report.

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
    summary = compact(check_source(Path(data_dir), spec, generator))
    figurecache.save(key, summary)
    return summary


def _state(path: Path) -> tuple[str, int, int]:
    """A file's or folder's state: a folder (CSV/Parquet files, a ``save_to_disk``
    folder) by every file in it, since editing one leaves the folder's mtime alone."""
    if path.is_dir():
        return (str(path.resolve()), -2, int(fingerprint(path)[:15], 16))
    return stat_key(path)


def _inputs(data_dir: Path, spec: DatasetSpec, source: Path) -> tuple[tuple[str, int, int], ...]:
    """Every file a source's summary reads, by state: the source, the real splits and
    the label file (``harness.data.labels`` reads the same)."""
    test = data_dir / spec.test
    files = [source, test, *(test.parent / name for name in SIBLING_SPLITS)]
    files += [data_dir / name for name in (spec.train, spec.labels) if name]
    out = []
    for path in files:
        try:
            out.append(_state(path))
        except OSError:  # absent: its absence is the state
            out.append((str(path), -1, -1))
    return tuple(out)


#: Why a source has no quality figures in the report, when it is an hf:// source.
HUB_REASON = ("an hf:// source that is not in the Hub cache: the report does not "
              "download; `synthbench data check` reports it")


def _from_hub_cache(uri: str) -> Path | None:
    """The Hub cache's copy of an ``hf://`` file or repository, never downloading
    (a run that read the source has cached it); None when it is not there."""
    try:
        if is_repo_uri(uri):
            from huggingface_hub import snapshot_download

            repo, revision = parse_repo(uri)
            return Path(snapshot_download(repo, repo_type="dataset", revision=revision,
                                          local_files_only=True))
        from huggingface_hub import hf_hub_download

        hp = parse(uri)
        return Path(hf_hub_download(hp.repo_id, hp.path, repo_type="dataset",
                                    revision=hp.revision, local_files_only=True))
    except Exception:  # noqa: BLE001 - not cached or not a Hub URI: no figures, reason given
        return None


def _local_spec(spec: DatasetSpec, generator: str) -> DatasetSpec | None:
    """``spec`` with its hf:// test set and ``generator``'s hf:// source replaced by
    their copies in the Hub cache; None when one is not cached."""
    test = spec.test
    if test.startswith("hf://"):
        found = _from_hub_cache(test)
        if found is None:
            return None
        test = str(found)
    sources = []
    for name, path in spec.sources:
        if name == generator and path.startswith("hf://"):
            found = _from_hub_cache(path)
            if found is None:
                return None
            path = str(found)
        sources.append((name, path))
    return dataclasses.replace(spec, test=test, sources=tuple(sources))


def source_summary(data_dir: Path, spec: DatasetSpec, generator: str) -> dict[str, Any] | None:
    """``compact(check_source(...))`` without embeddings; None when there is nothing
    local to read (``missing_reason`` says why). Any format the loader reads; an
    hf:// source from the Hub cache only (the report does not download)."""
    local = _local_spec(spec, generator)
    if local is None:
        return None
    path = Path(data_dir) / local.source_path(generator)
    if not path.exists():
        return None
    return _cached(str(data_dir), local, generator, _inputs(Path(data_dir), local, path))


def missing_reason(data_dir: Path, spec: DatasetSpec, generator: str) -> str:
    """Why ``source_summary`` gave no figures for a source."""
    if _local_spec(spec, generator) is None:
        return HUB_REASON
    return f"no file at {Path(data_dir) / spec.source_path(generator)}"


@dataclass(frozen=True)
class QualityInputs:
    """What the quality figures of a run's groups are read from: its data folder and
    its suite's datasets."""

    data_dir: Path
    specs: Mapping[str, DatasetSpec]

    def of(
        self, dataset: str, sources: Iterable[str]
    ) -> tuple[dict[str, dict[str, Any]], dict[str, str]] | None:
        """``(quality, quality_missing)`` of a group: each source's summary, and why a
        source has none; None for a dataset the suite does not know."""
        spec = self.specs.get(dataset)
        if spec is None:
            return None
        out = {}
        missing = {}
        for gen in sorted(set(sources)):
            try:
                summary = source_summary(self.data_dir, spec, gen)
                why = "" if summary is not None else missing_reason(self.data_dir, spec, gen)
            except (OSError, ValueError) as exc:  # malformed: its cases report it too
                summary, why = None, " ".join(str(exc).split())[:300]
            if summary is not None:
                out[gen] = summary
            else:
                missing[gen] = why
        return out, missing


def quality_inputs(run: RunSection | Mapping[str, Any]) -> QualityInputs | None:
    """The run's suite and data folder, when both are known and the suite parses.

    ``run`` is the typed run section or its JSON form (the session's run record, read
    and checked as ``Report.run`` is).
    """
    if not isinstance(run, RunSection):
        run = RunSection.from_dict(run, "run")
    data_dir, suite_path = run.data_dir, run.suite
    if not data_dir or not suite_path or not Path(str(suite_path)).is_file():
        return None
    # Upward (the suite parser), kept here and allowed in tests/test_layers.py until
    # quality_inputs moves into harness/report/ with the typed report.

    try:
        suite = load_suite(str(suite_path), resolve_models=False)
    except ConfigError:
        return None
    return QualityInputs(Path(str(data_dir)), {d.name: d for d in suite.datasets})
