"""The case store: durable, content-addressed case results and the view over them.

``files`` (case files, atomic writes, schema), ``fingerprint`` (what determines a
result), ``runs`` (what each run selected and settled), ``view`` (the suite's cells
and their results), ``shard`` (a deterministic share of the suite), ``gc`` (pruning).
"""

from __future__ import annotations

from harness.store.files import (
    CASES,
    STORE_SCHEMA,
    CaseFileError,
    Stored,
    StoreError,
    atomic_write_text,
    case_path,
    open_store,
    read_case,
    read_head,
    write_case,
)

__all__ = [
    "CASES",
    "STORE_SCHEMA",
    "CaseFileError",
    "StoreError",
    "Stored",
    "atomic_write_text",
    "case_path",
    "open_store",
    "read_case",
    "read_head",
    "write_case",
]
