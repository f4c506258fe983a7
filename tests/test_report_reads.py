"""The report's consumers read the typed report by attribute, never report.json's keys.

Gates, renderers, the report package, the commands and the plugin read ``Report`` and
its parts by attribute (issue 23); string keys belong to the readers and writers
(``tests.report_reads.EXEMPT``). A key of report.json's vocabulary read in a consumer
fails this test, unless the file reads that key from another dict, listed in
``OTHER_DICTS`` with the dict it is. A listed read that is gone fails too, so the list
never outlives its reason.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.report_reads import EXEMPT, reads, toy_report, vocabulary

REPO = Path(__file__).resolve().parents[1]
#: The report's consumers.
CONSUMERS = ("harness/report", "harness/gates", "harness/cli", "harness/plugin")

#: file -> (the dict it reads that is not report.json, the keys it reads there).
OTHER_DICTS: Mapping[str, tuple[str, frozenset[str]]] = {
    "harness/gates/parse.py": (
        "the suite's [[gates]] tables and --synth-gate options",
        frozenset({"threshold", "allow_missing", "kind", "on", "optional", "coefficient",
                   "gates"}),
    ),
    "harness/report/finish.py": (
        "the analysis' JSON form of the groups while they are built (the writer)",
        frozenset({"task", "dataset", "groups"}),
    ),
    "harness/report/quality.py": (
        "the quality check's own figures, before they become a QualitySummary",
        frozenset({"rows", "count", "duplicates", "mean", "checks", "exact"}),
    ),
    "harness/report/render/card.py": (
        "a generated set's provenance.json",
        frozenset({"counts", "model", "name", "seed"}),
    ),
    "harness/cli/card.py": ("the suite's [generators] table", frozenset({"generators"})),
    "harness/cli/generate.py": ("a generated set's provenance.json", frozenset({"counts"})),
    "harness/cli/report.py": (
        "score-row JSONL (--scores) and the --gates TOML file",
        frozenset({"task", "dataset", "generator", "model", "metric", "gates"}),
    ),
    "harness/plugin/hooks.py": (
        "the suite TOML's gates and the store's count per state (a map by state name)",
        frozenset({"gates", "missing"}),
    ),
}


@pytest.fixture(scope="module")
def found() -> dict[str, set[str]]:
    """file -> the report.json keys it reads by string."""
    vocab = vocabulary(toy_report())
    out: dict[str, set[str]] = {}
    for area in CONSUMERS:
        for path in sorted((REPO / area).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            if rel in EXEMPT:
                continue
            keys = {k for _, k in reads(ast.parse(path.read_text(encoding="utf-8")), vocab)}
            if keys:
                out[rel] = keys
    return out


def test_consumers_read_no_report_key(found: dict[str, set[str]]) -> None:
    unexpected = {
        rel: sorted(keys - OTHER_DICTS.get(rel, ("", frozenset()))[1])
        for rel, keys in found.items()
    }
    assert not {rel: keys for rel, keys in unexpected.items() if keys}, (
        "read the typed Report by attribute (harness.report.model), or, if this dict is "
        "not report.json, list it in OTHER_DICTS with what it is"
    )


def test_every_listed_read_is_still_there(found: dict[str, set[str]]) -> None:
    stale = {
        rel: sorted(keys - found.get(rel, set())) for rel, (_, keys) in OTHER_DICTS.items()
    }
    assert not {rel: keys for rel, keys in stale.items() if keys}, "drop them from OTHER_DICTS"


def test_the_check_sees_a_string_key_read() -> None:
    """A planted ``group["agreement"]`` and ``ci.get("scores")`` are found; an attribute
    read and an assignment are not."""
    vocab = vocabulary(toy_report())
    code = 'a = group["agreement"]\nb = ci.get("scores")\nc = group.agreement\nd["bias"] = 1\n'
    assert sorted(reads(ast.parse(code), vocab)) == [(1, "agreement"), (2, "scores")]
