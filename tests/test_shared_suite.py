"""One end-to-end run of a selection of the default suite on the shared data.

Skipped (with the reason) unless SYNTHBENCH_DATA_DIR points at the data. The
selection keeps to fast methods so the test suite stays quick; the full suite is
the main job (`pytest benchmarks/ -n auto`).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
# Resolved now: pytester runs each test in its own temporary working directory.
_ENV = os.environ.get("SYNTHBENCH_DATA_DIR", "")
DATA = Path(_ENV).resolve() if _ENV else None
SELECTION = (
    "(dataset_snips and (model_tfidf_logreg or model_tfidf_centroid or model_majority))"
    " or (dataset_headlines and (model_jaccard or model_tfidf_cosine or model_bm25))"
    " or (dataset_crossner_politics"
    " and (model_gazetteer or model_crf or model_capitalised_majority))"
)

pytestmark = pytest.mark.skipif(
    DATA is None or not DATA.is_dir(),
    reason="set SYNTHBENCH_DATA_DIR to the benchmark data (../shared/data here) to run this",
)


def test_selection_of_default_suite_on_shared_data(pytester: pytest.Pytester) -> None:
    shutil.copy(ROOT / "benchmarks" / "suite.toml", pytester.path / "suite.toml")
    shutil.copy(ROOT / "benchmarks" / "test_benchmark.py", pytester.path / "test_benchmark.py")
    pytester.makeini("[pytest]\nsynth_suite = suite.toml\nsynth_report_dir = out\n")
    assert DATA is not None
    manifest = json.loads((DATA / "manifest.json").read_text())
    result = pytester.runpytest_subprocess(
        "-n",
        "2",
        "--strict-markers",
        "-m",
        SELECTION,
        f"--synth-data-dir={DATA}",
        "--synth-max-examples=150",
    )
    # The suite's 3 gates are tests of the run too: each covers cells outside this
    # selection with no stored result, so none is judged (skipped, exit status 0).
    result.assert_outcomes(passed=3 * 7 * 3, skipped=3)
    assert result.ret == 0
    report = json.loads((pytester.path / "out" / "report.json").read_text())
    groups = {g["dataset"]: g for g in report["groups"]}
    assert set(groups) == {"snips", "headlines", "crossner_politics"}
    for g in groups.values():
        assert len(g["scores"]["real"]) == 3
        assert g["agreement"]["gpt-4o"]["n_models"] == 3
        assert set(g["agreement"]) >= {"gpt-4o", "llama-3-8b", "mean"}
    # The loader's repairs reach the report with the counts the data's manifest states.
    ner = groups["crossner_politics"]["data"]
    for gen, info in manifest["synthetic"]["crossner_politics"].items():
        assert ner[gen]["repaired_entities"] == info["entity_offsets_not_matching_text"]
    # Majority-class guessing is the worst intent method on the real data.
    snips = groups["snips"]["scores"]["real"]
    assert snips["majority"] < min(snips["tfidf-logreg"], snips["tfidf-centroid"])
