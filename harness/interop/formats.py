"""The registries of log formats: readers (import) and writers (export), one module each.

A new format is a new module that registers a ``LogReader`` in ``READERS`` or an
``ExportWriter`` in ``WRITERS`` at import time, plus its name in the tuple below;
nothing branches on format names. Modules are imported on the first lookup, so an
optional package (inspect_ai) loads only when its format is used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.core.registry import Registry
from harness.interop.logs import ImportedLog

if TYPE_CHECKING:
    from harness.interop.cells import CellExport


@dataclass(frozen=True)
class ReadOptions:
    """What selects one source inside a log: its task (lm-eval task, Every Eval Ever
    ``evaluation_name``), its filter (lm-eval) and its epoch (Inspect)."""

    task: str = ""
    filter: str = ""
    epoch: int = 1


@dataclass(frozen=True)
class LogReader:
    """Reads one tool's log file into an ``ImportedLog``."""

    name: str
    read: Callable[[Path, ReadOptions], ImportedLog]
    #: What the suite's path points at, for messages and docs.
    describes: str


@dataclass(frozen=True)
class ExportWriter:
    """Writes the cells of a store in one format under ``out``; returns the files."""

    name: str
    write: Callable[[Sequence[CellExport], Path], list[Path]]
    describes: str


READERS: Registry[LogReader] = Registry(
    "import format",
    modules=("harness.interop.lmeval", "harness.interop.inspect_log", "harness.interop.eee"),
)
WRITERS: Registry[ExportWriter] = Registry(
    "export format",
    modules=("harness.interop.inspect_log", "harness.interop.eee", "harness.interop.hub"),
)
