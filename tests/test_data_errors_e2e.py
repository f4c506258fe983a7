"""Bad data in a real pytest run: one clear line per file, no traceback (issues 13, 15.6)."""

from __future__ import annotations

import json

import pytest

from tests.synth_fixtures import BENCH_TEST, suite_text, write_data_dir


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    write_data_dir(pytester.path / "data", n=8)
    pytester.makefile(".toml", suite=suite_text())
    pytester.makeini(
        "[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\nsynth_report_dir = out\n"
    )
    pytester.makepyfile(test_bench=BENCH_TEST)
    return pytester


def test_a_bad_line_is_one_line_per_file_not_a_traceback_per_model(
    project: pytest.Pytester,
) -> None:
    bad = project.path / "data/synthetic/toy-intent/gen-a.jsonl"
    lines = bad.read_text().splitlines()
    lines[2] = '{"text": "x", "label": 3}'
    bad.write_text("\n".join(lines) + "\n")
    empty = project.path / "data/synthetic/toy-sim/gen-b.jsonl"
    empty.write_text("")
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-k", "toy-intent or toy-sim")
    out = result.stdout.str()
    assert result.ret == 1
    assert "Traceback" not in out and "harness/" not in out.replace("harness/__", "")
    summary = out[out.index("synthbench"):]
    intent_lines = [x for x in summary.splitlines() if x.startswith("data error")]
    assert len(intent_lines) == 2, summary  # one per file, whatever the number of models
    assert any("gen-a.jsonl:3: field 'label'" in x and "(4 cases)" in x for x in intent_lines)
    assert any("gen-b.jsonl: no records (the file is empty)" in x for x in intent_lines)
    report = json.loads((project.path / "out/report.json").read_text())
    errors = [c for c in report["cases"]["all"] if c["status"] == "error"]
    assert len(errors) == 8  # 4 models x 2 bad files; every other case still ran
    assert report["cases"]["counts"]["ok"] > 0


CSV_TICKETS = """
[datasets.tickets]
task = "intent"
test = "tickets/test.csv"
synthetic = "tickets/{generator}.csv"
columns = { text = "utterance", label = "intent" }
generators = ["real", "gen-a", "gen-b"]
"""


def test_csv_sources_in_a_run_empty_cells_dropped_and_bad_files_named(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression (issue 24.7): an empty CSV cell failed every case of its source, and a
    CSV `datasets` cannot read was a DatasetGenerationError naming no file."""
    pytest.importorskip("datasets")
    monkeypatch.setenv("SYNTHBENCH_CACHE_DIR", str(project.path / "cache"))
    folder = project.path / "data" / "tickets"
    folder.mkdir()
    rows = "".join(f"ticket {i} words,{['refund', 'delivery'][i % 2]}\n" for i in range(12))
    # An empty text cell on line 4: a generation failure, dropped and counted.
    (folder / "test.csv").write_text("utterance,intent\nfirst,refund\nsecond,delivery\n,refund\n"
                                     + rows)
    (folder / "gen-a.csv").write_text("utterance,intent\n" + rows)
    (folder / "gen-b.csv").write_text('utterance,intent\nfine,refund\n"never closed,refund\n')
    project.makefile(".toml", suite=suite_text(CSV_TICKETS))
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-k", "tickets")
    out = result.stdout.str()
    assert "Traceback" not in out and "DatasetGenerationError" not in out
    result.assert_outcomes(passed=8, failed=4)  # 4 models x (real, gen-a) ok; gen-b named
    assert any(f"{folder / 'gen-b.csv'}:3: a quoted field starts on this line" in x
               and "(4 cases)" in x for x in out.splitlines())
    report = json.loads((project.path / "out/report.json").read_text())
    group = next(g for g in report["groups"] if g["dataset"] == "tickets")
    assert group["data"]["real"]["rows"] == 15 and group["data"]["real"]["dropped_records"] == 1
    assert group["quality"]["gen-a"]["rows"] == 12
