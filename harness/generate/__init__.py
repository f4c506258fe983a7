"""Writing synthetic benchmarks with an LLM, per task, resumable, with provenance.

``generate(...)`` imitates one dataset with one chat backend and writes
``synthetic/<dataset>/<generator>.jsonl`` plus ``<generator>.provenance.json`` in the
data directory. See ``docs/generate.md`` for the procedures and the formats.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from harness.backends import build_client
from harness.backends.cache import safe_endpoint
from harness.core.spec import DatasetSpec
from harness.data import label_set, load_source, load_train
from harness.generate.engine import BackendInfo, run_generation
from harness.generate.plans import GENERATORS
from harness.generate.writer import GenerateError, provenance_path, read_provenance
from harness.quality.distribution import keys_for, label_counts
from harness.tasks.kit.generation.base import GenContext, GenSettings
from harness.tasks.kit.generation.templates import load_template


def output_path(data_dir: Path, spec: DatasetSpec, generator: str) -> Path:
    """Where a generated source goes: the dataset's synthetic path in the data directory."""
    return Path(data_dir) / spec.synthetic.format(dataset=spec.name, generator=generator)


def build_context(
    data_dir: Path,
    spec: DatasetSpec,
    settings: GenSettings,
    templates_dir: str | Path | None = None,
) -> GenContext:
    """The examples to show (train split, else the test split), labels and templates."""
    data_dir = Path(data_dir)
    real = load_source(data_dir, spec, "real").examples
    pool, split = load_train(data_dir, spec), "train"
    if not pool:
        # Similarity datasets have no train split: the shown examples come from the test
        # set, as in the paper. The quality report's contamination figures show the cost.
        pool, split = real, "test"
    factory = GENERATORS.get(spec.task)
    names: tuple[str, ...] = factory.template_names  # type: ignore[attr-defined]
    own_dir = getattr(factory, "template_dir", None)  # a task's own packaged templates
    return GenContext(
        task=spec.task,
        dataset=spec.name,
        labels=label_set(data_dir, spec),
        pool=tuple(pool),
        pool_split=split,
        real_counts=Counter(label_counts(real, keys_for(spec.task))),
        score_range=spec.score_range,
        settings=settings,
        templates={n: load_template(n, templates_dir or own_dir) for n in names},
    )


def backend_info(client: Any, name: str, model: str) -> BackendInfo:
    """Who answers, without secrets (the endpoint loses user info and query)."""
    b = client.backend
    return BackendInfo(name=name, model=model, provider=str(getattr(b, "provider", "")),
                       endpoint=safe_endpoint(str(getattr(b, "endpoint", ""))),
                       revision=str(getattr(b, "revision", "")))


def generate(
    data_dir: Path,
    spec: DatasetSpec,
    generator: str,
    backend_params: dict[str, Any],
    settings: GenSettings,
    *,
    out: Path | None = None,
    templates_dir: str | Path | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Generate (or finish) one synthetic source; returns its provenance dict.

    ``backend_params`` are a suite model's LLM parameters (``backend``, ``model``,
    ``base_url``, ``api_key_env``, ``concurrency``, ``cache`` ...), see docs/llm.md.
    """
    ctx = build_context(data_dir, spec, settings, templates_dir)
    client, defaults = build_client(backend_params, who=f"generator {generator!r}")
    info = backend_info(client, str(backend_params.get("backend", "openai")), defaults.model)
    gen = GENERATORS.get(spec.task)(ctx)
    path = Path(out) if out is not None else output_path(data_dir, spec, generator)
    return run_generation(gen, ctx, client, info, path, generator_name=generator,
                          overwrite=overwrite, progress=progress, defaults=defaults)


__all__ = [
    "GENERATORS",
    "BackendInfo",
    "GenContext",
    "GenSettings",
    "GenerateError",
    "backend_info",
    "build_context",
    "generate",
    "output_path",
    "provenance_path",
    "read_provenance",
    "run_generation",
]
