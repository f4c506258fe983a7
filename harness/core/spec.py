"""The suite's spec types: what a suite file says, as frozen values.

They live at the bottom floor because nearly every layer reads them (a dataset's
paths, a model's factory name, a generator's kind); ``harness.run.suite`` parses
``suite.toml`` into them and is the only place that builds them from a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.core.families import Families
from harness.core.records import REAL


class ConfigError(ValueError):
    """An invalid suite file; the message names file and key."""


@dataclass(frozen=True)
class GeneratorSpec:
    """A source of evaluation data: ``real`` or one LLM that wrote a synthetic copy."""

    name: str
    model_id: str = ""
    #: ``file`` (read from the data directory), ``generate`` (written by
    #: ``harness.generate`` when missing, see docs/generate.md) or ``hub`` (``uri``).
    kind: str = "file"
    #: hub: ``hf://datasets/ORG/NAME/PATH@REVISION``; ``{dataset}`` is filled in.
    uri: str = ""
    #: generate: the chat backend's parameters (``backend``, ``model``, ...).
    params: Mapping[str, Any] = field(default_factory=dict)
    #: generate: generation settings (``n``, ``shots``, ``seed``, ``labels``, ...).
    generate: Mapping[str, Any] = field(default_factory=dict)


#: The kinds of a generator's source.
SOURCE_KINDS = ("file", "generate", "hub")


@dataclass(frozen=True)
class DatasetSpec:
    """Where one dataset's sources live, relative to the data directory.

    ``synthetic`` is a template with ``{dataset}`` and ``{generator}`` fields.
    """

    name: str
    task: str
    test: str
    train: str = ""
    labels: str = ""
    synthetic: str = "synthetic/{dataset}/{generator}.jsonl"
    score_range: tuple[float, float] = (0.0, 5.0)
    generators: tuple[str, ...] = ()

    #: ``(generator, path or hf:// URI)`` pairs that replace the ``synthetic`` template.
    sources: tuple[tuple[str, str], ...] = ()
    #: Datasets-format sources (``harness.data.hf_datasets``): the split of ``test``
    #: and of ``train``, and ``(task field, dataset column)`` pairs.
    split: str = "test"
    train_split: str = "train"
    columns: tuple[tuple[str, str], ...] = ()

    def source_path(self, generator: str) -> str:
        if generator == REAL:
            return self.test
        for name, path in self.sources:
            if name == generator:
                return path
        return self.synthetic.format(dataset=self.name, generator=generator)


@dataclass(frozen=True)
class ModelSpec:
    """A method under evaluation: a registered factory plus its parameters.

    ``same_as`` names the generator that is the same LLM, for the bias factor;
    ``family`` the suite family it belongs to (its ``same_as`` generator's by default).
    """

    name: str
    factory: str
    tasks: tuple[str, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
    same_as: str = ""
    #: Reuse stored results: None lets the store decide (not for temperature > 0 without
    #: a seed, ``harness.run.fingerprint``), True or False says so.
    reuse: bool | None = None
    family: str = ""


@dataclass(frozen=True)
class Suite:
    path: str
    generators: tuple[GeneratorSpec, ...]
    datasets: tuple[DatasetSpec, ...]
    models: tuple[ModelSpec, ...]
    seed: int = 0
    max_examples: int = 0
    raw: Mapping[str, Any] = field(default_factory=dict)
    #: ``[families]``: family -> generators, and the family of every model that has one.
    families: Families = field(default_factory=Families)

    def generator_names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.generators)

    def dataset(self, name: str) -> DatasetSpec:
        for d in self.datasets:
            if d.name == name:
                return d
        raise KeyError(name)

    def model(self, name: str) -> ModelSpec:
        for m in self.models:
            if m.name == name:
                return m
        raise KeyError(name)

    def same_as(self) -> dict[str, str]:
        return {m.name: m.same_as for m in self.models if m.same_as}
