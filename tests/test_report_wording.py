"""Small things a reader meets: no Python ``None`` in a table, a separator between
generator and model, "the 1 model" rather than "all 1 models"."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.quality.render import render_quality
from harness.quality.report import check_source
from harness.quality.text import length_stats
from harness.report.figures import ReportFormatError, as_group
from harness.report.render.cells import all_models, family_preference_note
from harness.report.render.html import _group, _quality_table
from harness.report.render.terminal import render_group
from harness.report.render.verdict import build_card
from harness.run.suite import DatasetSpec
from tests.synth_fixtures import write_data_dir


def test_undefined_quality_figures_read_n_a_not_none(tmp_path: Path) -> None:
    group = {
        "task": "similarity", "dataset": "d", "metric": "spearman", "scores": {},
        "agreement": {}, "bias": {},
        # the report's compact summary of a similarity source: no labels, no contamination
        "quality": {"real": {"rows": 3, "label_coverage": None, "exact_test_matches": None}},
        "data": {"real": {"duplicates": 0, "notes": []}},
    }  # fmt: skip
    table = _quality_table(as_group(group))
    assert "None" not in table
    assert table.count("<td>n/a</td>") == 2
    # A loader's counts are whole numbers: the report's reader refuses a null one, so
    # the table never meets it.
    with pytest.raises(ReportFormatError, match=r"data\['real'\]\.duplicates"):
        as_group({**group, "data": {"real": {"duplicates": None, "notes": []}}})
    # `synthbench data check` on a source without a single valid text
    write_data_dir(tmp_path, n=4)
    q = check_source(tmp_path, DatasetSpec("toy-intent", "intent", "real/toy-intent/test.jsonl"),
                     "real")  # fmt: skip
    q["length"] = length_stats([])
    text = render_quality(q)
    assert "None" not in text and "median -" in text


def test_missing_cells_separate_generator_and_model() -> None:
    group = {"task": "intent", "dataset": "d", "metric": "f1", "scores": {}, "agreement": {},
             "bias": {}, "missing": [{"generator": "gpt-4o", "model": "boom"}]}  # fmt: skip
    assert "missing cells: gpt-4o x boom" in render_group(group)
    assert "gpt-4oxboom" not in render_group(group)


def test_one_model_is_not_all_1_models() -> None:
    assert all_models(1, "that is a generator", "that are generators") == (
        "the 1 model that is a generator"
    )
    assert all_models(3, "that is a generator", "that are generators") == (
        "all 3 models that are generators"
    )
    fp = {"models": 1, "p_value": 0.5, "statistic": 0.1, "exact": True, "permutations": 2}
    note = family_preference_note(
        {"task": "intent", "dataset": "d", "metric": "f1", "scores": {}, "agreement": {},
         "bias": {}, "ci": {"family_preference": fp}}  # fmt: skip
    )
    assert note.startswith("family preference of the 1 model with a family:")
    sp = {"models": 1, "p_value": 0.25, "statistic": 0.2, "permutations": 1000, "exact": False}
    group = {"task": "intent", "dataset": "d", "metric": "f1", "scores": {}, "agreement": {},
             "bias": {}, "ci": {"self_preference": sp}}  # fmt: skip
    page = _group(as_group(group), build_card({"schema": 1, "groups": [group]}, group), 0, [])
    assert "self-preference of the 1 model that is a generator:" in page
    assert "all 1 models" not in page
