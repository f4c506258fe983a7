"""Sources of kind ``generate`` and ``hub`` in a pytest run.

``prepare_source`` is called by the runner before it loads a source:

* ``hub``: the ``hf://`` file is resolved through the Hub cache and the returned spec
  points at the local copy (a file that cannot be had raises ``HubMissing``, a
  ``DataMissing``: the cases are skipped with the reason).
* ``generate``, by ``--synth-generate``: ``never`` reads what is there; ``missing``
  generates (or finishes) the set when it is absent or incomplete; ``always``
  regenerates it once per test run. Under xdist one worker generates while the
  others wait on a file lock next to the output, then all read the same file.
  "Once per run" is told by ``PYTEST_XDIST_TESTRUNUID`` (shared by a run's workers)
  or, without xdist, by a per-process id.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from pathlib import Path

from harness.core.records import REAL
from harness.core.spec import DatasetSpec, GeneratorSpec, Suite
from harness.data.hf_datasets import convert, is_datasets_source
from harness.data.hub import is_repo_uri, resolve
from harness.generate import GenSettings, generate, output_path, read_provenance

MODES = ("never", "missing", "always")
_PROCESS_RUN = uuid.uuid4().hex
#: How long a worker waits for another one's generation (seconds).
LOCK_TIMEOUT = 6 * 3600.0


def _run_id() -> str:
    return os.environ.get("PYTEST_XDIST_TESTRUNUID") or _PROCESS_RUN


def _generator(suite: Suite, name: str) -> GeneratorSpec | None:
    return next((g for g in suite.generators if g.name == name), None)


def _local_source(spec: DatasetSpec, generator: str, path: str, data_dir: Path) -> str:
    """A single hf:// file from the Hub cache; a datasets-format source as converted JSONL."""
    if path.startswith("hf://") and not is_repo_uri(path):
        path = str(resolve(path))
    if generator != REAL and is_datasets_source(path, spec, data_dir):
        path = str(convert(path, spec, spec.split, data_dir))
    return path


def prepare_source(
    suite: Suite, spec: DatasetSpec, generator: str, data_dir: Path, mode: str = "missing",
    *, progress: bool = False,
) -> DatasetSpec:
    """The spec to load ``generator``'s source with (see the module docstring)."""
    if mode not in MODES:
        raise ValueError(f"--synth-generate: expected one of {', '.join(MODES)}, got {mode!r}")
    path = spec.source_path(generator)
    local = _local_source(spec, generator, path, Path(data_dir))
    if local != path:
        others = tuple((g, p) for g, p in spec.sources if g != generator)
        return dataclasses.replace(spec, sources=(*others, (generator, local)))
    gspec = _generator(suite, generator)
    if gspec is not None and gspec.kind == "generate" and mode != "never":
        ensure_generated(spec, gspec, Path(data_dir), mode, progress=progress)
    return spec


def ensure_generated(
    spec: DatasetSpec, gspec: GeneratorSpec, data_dir: Path, mode: str, *, progress: bool = False
) -> bool:
    """Generate ``gspec``'s copy of ``spec`` if ``mode`` asks for it; True when it ran."""
    from filelock import FileLock

    out = output_path(data_dir, spec, gspec.name)
    out.parent.mkdir(parents=True, exist_ok=True)
    marker = out.with_name(f".{out.stem}.run")
    with FileLock(str(out.with_name(f".{out.name}.lock")), timeout=LOCK_TIMEOUT):
        if mode == "always":
            done_this_run = marker.is_file() and marker.read_text() == _run_id()
            if done_this_run:
                return False
        else:
            prov = read_provenance(out) if out.is_file() else None
            if prov is not None and prov.get("complete"):
                return False
            if out.is_file() and prov is None:
                return False  # a plain file someone put there: read it as it is
        settings = GenSettings(**dict(gspec.generate))
        generate(data_dir, spec, gspec.name, dict(gspec.params), settings,
                 overwrite=mode == "always", progress=progress)
        marker.write_text(_run_id())
        return True
