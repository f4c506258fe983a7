"""Export and import through real pytest runs: a suite mixing imported and evaluated
models gives the figures of the same suite with every model evaluated."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import harness.analysis.intervals  # noqa: F401

# Imported here, not inside a test: pytester restores sys.modules after each test,
# and numpy cannot be imported twice in one process.
import harness.interop.cells  # noqa: F401
import harness.report.finish  # noqa: F401
from harness.interop.export import export_store
from tests.synth_fixtures import GENERATORS

TASK_OF = {"toy-intent": "intent", "toy-sim": "similarity", "toy-ner": "ner"}
SOURCES = ("real", *GENERATORS)
N_CASES = len(TASK_OF) * len(SOURCES) * 4

#: The parts of Every Eval Ever's v0.2.0 schemas an export must satisfy, written from
#: the published schema (required keys, types, the uncertainty block).
AGGREGATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["schema_version", "evaluation_id", "retrieved_timestamp", "source_metadata",
                 "model_info", "evaluation_results"],
    "properties": {
        "schema_version": {"const": "0.2.0"},
        "source_metadata": {
            "type": "object",
            "required": ["source_type", "source_organization_name", "evaluator_relationship"],
            "properties": {
                "source_type": {"enum": ["documentation", "evaluation_run"]},
                "evaluator_relationship": {
                    "enum": ["first_party", "third_party", "collaborative", "other"]},
            },
        },
        "model_info": {"type": "object", "required": ["name", "id"]},
        "evaluation_results": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object",
                "required": ["evaluation_name", "source_data", "metric_config", "score_details"],
                "properties": {
                    "source_data": {"type": "object", "required": ["dataset_name", "source_type"],
                                    "properties": {"source_type": {"const": "other"}}},
                    "metric_config": {"type": "object",
                                      "required": ["lower_is_better", "min_score", "max_score"]},
                    "score_details": {
                        "type": "object", "required": ["score"],
                        "properties": {
                            "score": {"type": "number"},
                            "uncertainty": {
                                "type": "object",
                                "properties": {
                                    "standard_error": {"type": "object", "required": ["value"]},
                                    "confidence_interval": {
                                        "type": "object", "required": ["lower", "upper"],
                                        "properties": {"confidence_level": {
                                            "type": "number", "minimum": 0, "maximum": 1}}},
                                    "num_samples": {"type": "integer"},
                                    "num_bootstrap_samples": {"type": "integer"},
                                },
                            },
                        },
                    },
                },
            },
        },
        "detailed_evaluation_results": {
            "type": "object", "properties": {"format": {"enum": ["jsonl", "json"]}}},
    },
}
INSTANCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["schema_version", "evaluation_id", "model_id", "evaluation_name", "sample_id",
                 "interaction_type", "input", "answer_attribution", "evaluation", "output"],
    "properties": {
        "schema_version": {"const": "instance_level_eval_0.2.0"},
        "sample_id": {"type": ["integer", "string"]},
        "interaction_type": {"const": "single_turn"},
        "input": {"type": "object", "required": ["raw", "reference"],
                  "properties": {"raw": {"type": "string"}, "reference": {"type": "string"}}},
        "output": {"type": "object", "required": ["raw"]},
        "answer_attribution": {"type": "array", "items": {
            "type": "object",
            "required": ["turn_idx", "source", "extracted_value", "extraction_method",
                         "is_terminal"]}},
        "evaluation": {"type": "object", "required": ["score", "is_correct"],
                       "properties": {"score": {"type": ["number", "boolean"]},
                                      "is_correct": {"type": "boolean"}}},
    },
}


def _report(p: pytest.Pytester, folder: str) -> dict[str, Any]:
    return json.loads((p.path / folder / "report.json").read_text())


def _figures(report: dict[str, Any]) -> dict[str, Any]:
    """Scores, agreement, bias and every interval, per group."""
    keep = ("scores", "agreement", "bias", "ci")
    return {g["dataset"]: {k: g.get(k) for k in keep} for g in report["groups"]}


def _import_models(export: Path) -> str:
    """``fair`` from its Every Eval Ever instances, ``poor`` from its Inspect logs."""
    blocks = []
    for model, fmt in (("fair", "eee"), ("poor", "inspect")):
        files = {}
        for ds, task in TASK_OF.items():
            for src in SOURCES:
                if fmt == "eee":
                    f = next((export / "eee" / f"{ds}__{src}" / model).glob("*.jsonl"))
                else:
                    f = next((export / "inspect").glob(f"{task}-{ds}-{src}-{model}.*"))
                files[f"{ds}/{src}"] = str(f.resolve())
        body = ", ".join(f'"{k}" = "{v}"' for k, v in files.items())
        blocks.append(
            f'[models.{model}]\nfactory = "import"\n'
            f'params = {{ format = "{fmt}", answer = "value", files = {{ {body} }} }}\n'
        )
    return "\n".join(blocks)


def test_export_then_import_gives_the_same_figures(synth_project: pytest.Pytester) -> None:
    p = synth_project
    first = p.runpytest_subprocess("--synth-formats=none", "--synth-export=eee,inspect,hub")
    first.assert_outcomes(passed=N_CASES)
    first.stdout.fnmatch_lines(["export: eee: 96 file(s) in *", "export: hub: 48 file(s) in *"])
    evaluated = _report(p, "out")
    export = p.path / "out" / "export"
    if importlib.util.find_spec("inspect_ai") is not None:
        from inspect_ai.log import read_eval_log

        logs = sorted((export / "inspect").glob("*.eval"))
        assert len(logs) == N_CASES
        log = read_eval_log(str(logs[0]))
        assert log.samples and log.samples[0].scores is not None
        assert log.eval.metadata["synthbench"]["model"] in ("best", "good", "fair", "poor")
    # The evaluated suite, with two of its models replaced by imports of their exports.
    suite = (p.path / "suite.toml").read_text()
    for model in ("fair", "poor"):
        start = suite.index(f"[models.{model}]")
        end = suite.find("[models.", start + 1)
        suite = suite[:start] + (suite[end:] if end != -1 else "")
    (p.path / "mixed.toml").write_text(suite + "\n" + _import_models(export))
    # The evaluated run had one process; the mixed one has two workers (the runner's
    # import path in one process is tests/test_interop_import.py's).
    mixed = p.runpytest_subprocess(
        "--synth-formats=none", "--synth-suite=mixed.toml", "--synth-report-dir=mixed", "-n", "2"
    )
    mixed.assert_outcomes(passed=N_CASES)
    # Same names, so even the intervals that resample models (seeded by name) agree.
    assert _figures(_report(p, "mixed")) == _figures(evaluated)


def test_exports_follow_the_formats_and_carry_the_reports_intervals(
    synth_project: pytest.Pytester,
) -> None:
    p = synth_project
    p.runpytest_subprocess("--synth-formats=none", "-k", "toy-intent").assert_outcomes(
        passed=16, deselected=N_CASES - 16
    )
    report = _report(p, "out")
    done = export_store(p.path / "out", ("eee", "hub", "inspect"), p.path / "exp")
    assert len(done.left_out) == N_CASES - 16  # the deselected cells, each with its reason
    assert all("not selected" in why for _, why in done.left_out)
    group = next(g for g in report["groups"] if g["dataset"] == "toy-intent")
    aggregates = sorted((p.path / "exp" / "eee").rglob("*.json"))
    assert len(aggregates) == 16
    for path in aggregates:
        agg = json.loads(path.read_text())
        jsonschema.validate(agg, AGGREGATE_SCHEMA)
        src, model = path.parent.parent.name.split("__")[1], path.parent.name
        primary = agg["evaluation_results"][0]
        ci = group["ci"]["scores"][src][model]
        unc = primary["score_details"]["uncertainty"]
        assert primary["score_details"]["score"] == pytest.approx(group["scores"][src][model])
        assert unc["confidence_interval"]["lower"] == ci["low"]
        assert unc["confidence_interval"]["upper"] == ci["high"]
        assert unc["standard_error"]["value"] == ci["se"]
        assert unc["num_bootstrap_samples"] == 100
        lines = path.with_suffix(".jsonl").read_text().splitlines()
        assert len(lines) == agg["detailed_evaluation_results"]["total_rows"] == 16
        for line in lines:
            inst = json.loads(line)
            jsonschema.validate(inst, INSTANCE_SCHEMA)
            assert inst["evaluation_id"] == agg["evaluation_id"]
            assert inst["evaluation"]["is_correct"] == (
                inst["metadata"]["synthbench"]["prediction"] == inst["input"]["reference"])
    hub = p.path / "exp" / "hub" / "good" / ".eval_results" / "toy-intent__gen-b.yaml"
    (entry,) = yaml.safe_load(hub.read_text())
    assert entry["dataset"] == {"id": "toy-intent", "task_id": "gen-b"}
    assert entry["value"] == pytest.approx(group["scores"]["gen-b"]["good"], abs=1e-6)
    manifest = json.loads(done.manifest.read_text())
    assert len(manifest["cells"]) == 16 and len(manifest["left_out"]) == N_CASES - 16


def test_export_command_fails_on_a_partial_store_and_names_the_cells(
    synth_project: pytest.Pytester,
) -> None:
    p = synth_project
    p.runpytest_subprocess("--synth-formats=none", "-k", "toy-sim and best")
    cmd = (sys.executable, "-m", "harness", "export", str(p.path / "out"), "--out", "e")
    done = p.run(*cmd, "--format", "hub")
    assert done.ret == 1
    assert len(list((p.path / "e" / "hub").rglob("*.yaml"))) == 4
    done.stderr.fnmatch_lines([
        "not exported: intent-toy-intent-real-best: not selected in this run, *",
        "synthbench export: 44 cell(s) have no ok result; the export covers the others only",
    ])
    bad = p.run(*cmd, "--format", "csv")
    assert bad.ret == 2
    bad.stderr.fnmatch_lines(["synthbench export: unknown export format csv; known: eee, hub, "
                              "inspect"])


def test_an_undefined_score_is_said_and_stays_out_of_number_fields(
    synth_project: pytest.Pytester,
) -> None:
    """A constant similarity model has no Spearman: no Hub entry, no Every Eval Ever
    primary result (JSON has no NaN; a null score breaks the schema), and the manifest
    and the command say so."""
    p = synth_project
    p.makeconftest(
        "from harness import Prediction, model\n\n"
        "class Flat:\n"
        "    def predict(self, examples):\n"
        "        return [Prediction(2.5) for _ in examples]\n\n"
        "@model('flat', tasks=('similarity',))\n"
        "def flat(ctx):\n"
        "    return Flat()\n"
    )
    (p.path / "suite.toml").write_text(
        (p.path / "suite.toml").read_text() + '\n[models.flat]\nfactory = "flat"\n')
    p.runpytest_subprocess("--synth-formats=none", "-k", "toy-sim and real").assert_outcomes(
        passed=5, deselected=N_CASES + 4 - 5)
    cmd = (sys.executable, "-m", "harness", "export", str(p.path / "out"), "--out", "e")
    done = p.run(*cmd, "--format", "eee,hub")
    done.stderr.fnmatch_lines(["note: similarity-toy-sim-real-flat: its primary score is "
                               "undefined*"])
    manifest = json.loads((p.path / "e" / "manifest.json").read_text())
    assert manifest["undefined_scores"] == [
        {"task": "similarity", "dataset": "toy-sim", "generator": "real", "model": "flat"}]
    assert not (p.path / "e" / "hub" / "flat").exists()
    assert len(list((p.path / "e" / "hub").rglob("*.yaml"))) == 4
    (agg,) = (p.path / "e" / "eee" / "toy-sim__real" / "flat").glob("*.json")
    results = json.loads(agg.read_text())["evaluation_results"]
    assert [r["evaluation_name"] for r in results] == ["toy-sim/real/invalid_rate"]
    for path in (p.path / "e" / "eee").rglob("*.json"):
        for r in json.loads(path.read_text())["evaluation_results"]:
            assert math.isfinite(r["score_details"]["score"])


def test_a_mistyped_export_format_stops_the_run_before_it_starts(
    synth_project: pytest.Pytester,
) -> None:
    p = synth_project
    p.makeini("[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\n"
              "synth_report_dir = out\nsynth_export = inspect,csv\n")
    r = p.runpytest_subprocess()
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    r.stderr.fnmatch_lines(["*--synth-export: unknown export format csv; known: eee, hub, "
                            "inspect*"])
    assert not (p.path / "out" / "cases").exists()
