"""Export a store's cells in other harnesses' formats: ``<out>/<format>/...``.

``export_store`` is the one entry: the command ``synthbench export`` and the session
option ``--synth-export`` call it. Every ok cell is written in every format asked for;
the cells without an ok result are listed with their reasons in ``manifest.json``
and in ``StoreExported.left_out``, and the command fails when there are any (an
export of a partial run says so, as a gate over missing cells does).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.core.records import CaseKey
from harness.core.textsafe import json_dumps
from harness.interop.cells import ExportError, collect
from harness.interop.formats import WRITERS
from harness.store.files import atomic_write_text

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class StoreExported:
    """What an export wrote, per format, and the cells it left out (with reasons)."""

    written: tuple[tuple[str, tuple[Path, ...]], ...]
    left_out: tuple[tuple[CaseKey, str], ...]
    manifest: Path
    #: Exported cells whose primary score is undefined (a constant prediction's
    #: Spearman): no Hub entry and no Every Eval Ever primary result, said here.
    undefined: tuple[CaseKey, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.left_out


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"inspect,eee"`` (or a list of such) -> the format names, each checked."""
    items = [text] if isinstance(text, str) else list(text)
    names = tuple(f.strip() for item in items for f in item.split(",") if f.strip())
    known = WRITERS.names()
    unknown = [f for f in names if f not in known]
    if unknown or not names:
        raise ExportError(
            f"unknown export format {', '.join(unknown) or '(none given)'}; "
            f"known: {', '.join(known)}"
        )
    return tuple(dict.fromkeys(names))


def export_store(
    store: Path,
    formats: Sequence[str],
    out: Path,
    data_dir: Path | None = None,
    suite: Path | None = None,
) -> StoreExported:
    """Write every ok cell of ``store`` in ``formats`` under ``out`` (module docstring)."""
    created = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    found = collect(store, data_dir, suite, created)
    written = []
    for name in formats:
        files = WRITERS.get(name).write(found.cells, out / name)
        written.append((name, tuple(files)))
    undefined = tuple(
        c.key for c in found.cells
        if c.result.score is None or not math.isfinite(c.result.score)
    )
    manifest = out / MANIFEST
    doc = {
        "store": str(store),
        "created": created,
        "cells": [c.key.to_dict() for c in found.cells],
        "formats": {name: [str(p.relative_to(out)) for p in files] for name, files in written},
        "left_out": [{**k.to_dict(), "reason": why} for k, why in found.left_out],
        "undefined_scores": [k.to_dict() for k in undefined],
    }
    atomic_write_text(manifest, json_dumps(doc, indent=1) + "\n")
    return StoreExported(tuple(written), found.left_out, manifest, undefined)
