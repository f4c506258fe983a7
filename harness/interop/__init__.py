"""Other harnesses' results in, this one's out.

Import: the ``import`` model (``importer.py``) makes logged answers of
lm-evaluation-harness (``lmeval.py``), Inspect (``inspect_log.py``) and Every Eval
Ever (``eee.py``) cells of a suite, scored by the task's own metric. Export:
``export.py`` writes a store's cells as Inspect logs, Every Eval Ever files and Hub
``.eval_results`` YAML (``hub.py``); ``cli.py`` is ``synthbench export``. Formats live
in two registries (``formats.py``), one module per format. See docs/interop.md.
"""

from __future__ import annotations

from harness.interop.formats import READERS, WRITERS, ExportWriter, LogReader, ReadOptions
from harness.interop.logs import ImportedLog, ImportMismatch, ImportMissing, LoggedSample

__all__ = [
    "READERS",
    "WRITERS",
    "ExportWriter",
    "ImportMismatch",
    "ImportMissing",
    "ImportedLog",
    "LogReader",
    "LoggedSample",
    "ReadOptions",
]
