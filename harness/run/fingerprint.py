"""Fingerprints: everything that determines a case result, and its digest.

A stored result is reused only when the fingerprint of the case as the suite declares
it now equals the one it was computed under. The parts: the case key, the model's
factory name, parameters and version (a ``version`` the factory declares, else a
hash of the source of the module that defines it), the content hash of every data
file the case reads (source, train split, label set), ``max_examples``, the seed,
the task's metric version and the store schema. A model that cannot promise the same
answers twice (temperature above 0 and no seed) gets the run's id as a part, so it
is evaluated again in every run, unless the suite sets ``reuse = true`` on it.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.records import REAL, CaseKey
from harness.core.spec import DatasetSpec, ModelSpec, Suite
from harness.core.textsafe import json_dumps
from harness.models.factories import resolve_factory
from harness.store.files import STORE_SCHEMA
from harness.tasks import TASKS

_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}


@dataclass(frozen=True)
class Fingerprint:
    """The inputs of one case result (``parts``, JSON-form) and their digest."""

    parts: Mapping[str, Any]
    digest: str


def file_digest(path: Path) -> str:
    """The content hash of a file (or of every file under a folder: a datasets-format
    source); ``missing`` when there is none (memoised by size and mtime)."""
    if path.is_dir():
        h = hashlib.blake2b(digest_size=16)
        for sub in sorted(p for p in path.rglob("*") if p.is_file()):
            h.update(f"{sub.relative_to(path)}\0{file_digest(sub)}\0".encode())
        return h.hexdigest()
    try:
        st = path.stat()
    except OSError:
        return "missing"
    memo = (str(path), st.st_size, st.st_mtime_ns)
    if memo not in _FILE_DIGESTS:
        h = hashlib.blake2b(digest_size=16)
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        _FILE_DIGESTS[memo] = h.hexdigest()
    return _FILE_DIGESTS[memo]


def factory_version(factory: Any) -> str:
    """A factory's declared ``version``, else the hash of its defining module's source."""
    declared = getattr(factory, "version", None)
    if declared is not None:
        return f"declared:{declared}"
    module = sys.modules.get(getattr(factory, "__module__", "") or "")
    try:
        source = inspect.getsource(module) if module is not None else ""
    except (OSError, TypeError):
        source = ""
    if not source:
        # No source to hash (a lambda in an interactive session, a C extension):
        # the qualified name is all there is.
        return f"name:{getattr(factory, '__module__', '')}.{getattr(factory, '__qualname__', '')}"
    return "source:" + hashlib.blake2b(source.encode(), digest_size=12).hexdigest()


def deterministic(model: ModelSpec) -> bool:
    """Whether a model promises the same answers for the same inputs (see module doc)."""
    if model.reuse is not None:
        return model.reuse
    params = dict(model.params)
    temperature = params.get("temperature", 0)
    hot = isinstance(temperature, int | float) and float(temperature) > 0
    return not (hot and params.get("seed") is None)


def _data_files(spec: DatasetSpec, suite: Suite, generator: str) -> dict[str, str]:
    """Role -> path (relative to the data directory) or URI of what a case reads."""
    files = {"source": spec.source_path(generator)}
    if spec.train:
        files["train"] = spec.train
    if spec.labels:
        files["labels"] = spec.labels
    return files


def _digest_of(data_dir: Path | None, path: str) -> str:
    if path.startswith("hf://"):
        # A hub source is pinned by the revision in its URI; the URI is its identity.
        return "uri"
    if data_dir is None:
        return "missing"
    return file_digest(data_dir / path)


def case_fingerprint(
    suite: Suite,
    key: CaseKey,
    data_dir: Path | None,
    max_examples: int,
    seed: int,
    run_id: str = "",
) -> Fingerprint:
    """The fingerprint of ``key`` as ``suite`` declares it, on the data in ``data_dir``."""
    spec = suite.dataset(key.dataset)
    model = suite.model(key.model)
    task = TASKS.get(key.task)
    files = _data_files(spec, suite, key.generator)
    parts: dict[str, Any] = {
        "store_schema": STORE_SCHEMA,
        "case": key.to_dict(),
        "model": {
            "factory": model.factory,
            "params": json.loads(json.dumps(dict(model.params), sort_keys=True, default=str)),
            # A registered name, a ``module:attr`` path or an entry point: whatever
            # callable it resolves to is what made the result.
            "version": factory_version(resolve_factory(model.factory)),
        },
        "data": {role: {"path": p, "hash": _digest_of(data_dir, p)} for role, p in files.items()},
        "score_range": list(spec.score_range) if task.uses_score_range else None,
        "max_examples": max_examples,
        "seed": seed,
        "task": {"name": key.task, "metric_version": task.metric_version},
        "real": key.generator == REAL,
    }
    # A factory that reads files of its own (``import``: another harness's logs) names
    # them, so a changed log is a changed input.
    reads = getattr(resolve_factory(model.factory), "case_files", None)
    if reads is not None:
        parts["model"]["files"] = {
            str(p): file_digest(p)
            for p in reads(dict(model.params), key.dataset, key.generator, data_dir)
        }
    if not deterministic(model):
        parts["run"] = run_id
    text = json_dumps(parts, sort_keys=True)  # lone surrogates escaped, not a crash
    return Fingerprint(parts, hashlib.blake2b(text.encode(), digest_size=10).hexdigest())
