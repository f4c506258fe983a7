"""The case store: durable, content-addressed case results and the view over them.

``files`` (case files, atomic writes, schema), ``runs`` (what each run selected and
settled), ``view`` (the suite's cells and their results), ``gc`` (pruning). What
determines a result (``harness.run.fingerprint``) and a share of the suite
(``harness.run.shard``) read tasks and model factories, so they live in the run.
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
