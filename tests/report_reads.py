"""What counts as a string-key read of report.json's figures, for
``bench/report_keys.py`` (the counts) and ``tests/test_report_reads.py`` (none in the
report's consumers).

A read is ``x["key"]`` (loaded, not assigned) or ``x.get("key", ...)`` whose key is one
of the keys ``report.json`` has (its whole vocabulary, every level). The count is an
upper bound: a key of that vocabulary read from another dict (a case record, a TOML
table) matches too.
"""

from __future__ import annotations

import ast
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.synth_fixtures import finish_store, toy_store

#: The typed report's JSON reader and writer: string keys belong there.
EXEMPT = (
    "harness/report/figures.py",
    "harness/report/model.py",
    "harness/report/verdicts.py",
    "harness/report/sections.py",
    "harness/report/reading.py",
    "harness/report/robustfigures.py",
    "harness/report/referencefigures.py",
    "harness/report/generatorfigures.py",
)

def vocabulary(doc: Any) -> set[str]:
    """Every key of every object in ``doc``, except those that name data: the sources,
    models, cells and datasets under the keys that are maps by name."""
    keys: set[str] = set()
    by_name = {"scores", "agreement", "bias", "family_bias", "data", "quality",
               "quality_missing", "invalid_rate", "items", "sources", "same_as",
               "generators", "models", "states", "counts", "excluded", "undefined",
               "invalid_samples", "paired", "per_model", "methods", "described"}

    def walk(x: Any, names: bool) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if not names:
                    keys.add(k)
                walk(v, k in by_name and not names)
        elif isinstance(x, list):
            for v in x:
                walk(v, False)

    walk(doc, False)
    return keys


def toy_report() -> dict[str, Any]:
    """The toy suite's report.json with families, bias factors, intervals and gates."""
    gates = (
        "min_agreement generator=mean threshold=0.0",
        "max_bias threshold=0.5",
        "min_effective_examples threshold=1 optional=true",
    )
    with tempfile.TemporaryDirectory() as tmp:
        store, record = toy_store(Path(tmp), '\n[families]\nab = ["gen-a", "gen-b"]\n')
        done = finish_store(store, record, resamples=20, gate_options=gates)
        return done.report.to_dict()


def reads(tree: ast.AST, vocab: set[str]) -> Iterator[tuple[int, str]]:
    """``(line, key)`` of every ``x["key"]`` (loaded) and ``x.get("key", ...)`` in
    ``tree`` whose key is in ``vocab``."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and isinstance(node.slice, ast.Constant)
            and node.slice.value in vocab
        ):
            yield node.lineno, str(node.slice.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in vocab
        ):
            yield node.lineno, str(node.args[0].value)
