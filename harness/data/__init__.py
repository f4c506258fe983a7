"""The data layer: locating, reading, validating and repairing benchmark data.

``load_source`` gives the examples of one (dataset, generator) source with every
repair and duplicate counted; ``synthbench data fetch`` (``harness.cli.data``)
downloads and converts the paper's public release. See ``docs/data.md``.
"""

from __future__ import annotations

from harness.data.errors import DataError, DataMissing
from harness.data.jsonl import read_jsonl
from harness.data.labels import label_set
from harness.data.loader import clear_cache, load_source, load_train, sample_indices
from harness.data.location import ENV_VAR, resolve_data_dir
from harness.tasks.ner.repair import Repair, repair_entities

__all__ = [
    "ENV_VAR",
    "DataError",
    "DataMissing",
    "Repair",
    "clear_cache",
    "label_set",
    "load_source",
    "load_train",
    "read_jsonl",
    "repair_entities",
    "resolve_data_dir",
    "sample_indices",
]
