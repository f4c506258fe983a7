"""The ``import`` model: logs of other harnesses matched to a suite's sources and scored.

Logs here are written by the tests in each tool's file format (the real tools write
them in tests/test_interop_tools.py); scores are checked against scikit-learn.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sklearn.metrics import f1_score

from harness.core.records import Dataset
from harness.data import load_source
from harness.interop.formats import READERS, ReadOptions
from harness.interop.importer import import_model, match_samples
from harness.interop.logs import ImportMismatch, ImportMissing
from harness.models.base import TaskContext, predict_data
from harness.run.runner import outcomes_of, score_outcomes
from harness.run.suite import DatasetSpec
from harness.tasks import TASKS
from harness.tasks.intent.records import IntentExample
from tests.synth_fixtures import INTENT_LABELS, write_data_dir

SPEC = DatasetSpec("toy-intent", "intent", "real/toy-intent/test.jsonl")
SIM = DatasetSpec("toy-sim", "similarity", "real/toy-sim/test.jsonl")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_data_dir(tmp_path / "data", n=12)


def _answer(i: int, gold: str) -> str:
    """A deterministic answer: right for two thirds of the examples."""
    return gold if i % 3 else INTENT_LABELS[(INTENT_LABELS.index(gold) + 1) % 4]


def _eee_lines(data: Dataset, answers: list[str], name: str = "toy") -> list[dict[str, Any]]:
    out = []
    for i, (ex, a) in enumerate(zip(data.examples, answers, strict=True)):
        assert isinstance(ex, IntentExample)
        out.append({
            "schema_version": "instance_level_eval_0.2.0", "evaluation_id": "e/1",
            "model_id": "org/model", "evaluation_name": name, "sample_id": f"s{i}",
            "interaction_type": "single_turn", "input": {"raw": ex.text, "reference": ex.label},
            "output": {"raw": f"The intent is {a}."},
            "answer_attribution": [{"turn_idx": 0, "source": "output.raw", "extracted_value": a,
                                    "extraction_method": "regex", "is_terminal": True}],
            "evaluation": {"score": float(a == ex.label), "is_correct": a == ex.label},
        })
    return out


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _ctx(data_dir: Path, spec: DatasetSpec = SPEC) -> TaskContext:
    return TaskContext(spec.task, spec.name, INTENT_LABELS if spec.task == "intent" else (),
                       data_dir=data_dir)


@pytest.mark.parametrize("answer", ["chat", "value"])
def test_imported_score_equals_the_metric_of_the_same_predictions(
    data_dir: Path, answer: str
) -> None:
    data = load_source(data_dir, SPEC, "real")
    answers = [_answer(i, ex.label) for i, ex in enumerate(data.examples)]  # type: ignore[union-attr]
    _write_jsonl(data_dir / "imports/real.jsonl", _eee_lines(data, answers))
    pred = import_model(_ctx(data_dir), format="eee", answer=answer,
                        files={"toy-intent/real": "imports/real.jsonl"})
    task = TASKS.get("intent")
    outcomes = outcomes_of(task, data, predict_data(pred, data))
    metrics = score_outcomes(task, outcomes, data.labels)
    golds = [ex.label for ex in data.examples]  # type: ignore[union-attr]
    assert [o.prediction for o in outcomes] == answers
    assert metrics["macro_f1"] == pytest.approx(
        f1_score(golds, answers, labels=sorted(set(golds)), average="macro", zero_division=0)
    )
    assert metrics["accuracy"] == pytest.approx(sum(a == g for a, g in zip(answers, golds,
                                                                          strict=True)) / 12)


def test_an_example_without_a_sample_is_named_with_the_file(data_dir: Path) -> None:
    data = load_source(data_dir, SPEC, "real")
    answers = [ex.label for ex in data.examples]  # type: ignore[union-attr]
    log = _write_jsonl(data_dir / "imports/short.jsonl", _eee_lines(data, answers)[:-2])
    read = READERS.get("eee").read(log, ReadOptions())
    with pytest.raises(ImportMismatch) as err:
        match_samples(read, data, {})
    text = str(err.value)
    assert str(log) in text and "2 of 12 examples" in text
    assert repr(data.examples[-1].text) in text  # type: ignore[union-attr]


def test_a_sample_of_other_data_is_named_by_its_id(data_dir: Path) -> None:
    data = load_source(data_dir, SPEC, "real")
    rows = _eee_lines(data, [ex.label for ex in data.examples])  # type: ignore[union-attr]
    stray = dict(rows[0], sample_id="stray-7", input={"raw": "not in the data", "reference": "x"})
    log = _write_jsonl(data_dir / "imports/extra.jsonl", [*rows, stray])
    with pytest.raises(ImportMismatch, match=r"extra\.jsonl: 1 sample\(s\) match no example.*"
                       r"stray-7"):
        match_samples(READERS.get("eee").read(log, ReadOptions()), data, {})
    # A seeded sample of the source leaves samples out by design: no error then.
    part = load_source(data_dir, SPEC, "real", max_examples=5, seed=1)
    got = match_samples(READERS.get("eee").read(log, ReadOptions()), part, {})
    assert [s.record["input"] for s in got] == [ex.text for ex in part.examples]  # type: ignore[union-attr]


def test_a_sample_without_the_fields_to_match_is_named(data_dir: Path) -> None:
    data = load_source(data_dir, SIM, "real")
    rows = [{"sample_id": 3, "evaluation_name": "sim", "input": {"raw": "a", "reference": "1"},
             "output": {"raw": "2"}, "metadata": {"first": "a"}}]
    log = _write_jsonl(data_dir / "imports/sim.jsonl", rows)
    with pytest.raises(ImportMismatch, match=r"sample 3 has no field 'text1' or 'text2'.*"
                       r"params\.fields"):
        match_samples(READERS.get("eee").read(log, ReadOptions()), data, {})


def test_fields_rename_the_matched_texts(data_dir: Path) -> None:
    data = load_source(data_dir, SIM, "real")
    rows = [
        {"sample_id": i, "evaluation_name": "sim", "input": {"raw": "?", "reference": "0"},
         "output": {"raw": f"<similarity_rating>{i % 5}</similarity_rating>"},
         "metadata": {"pair": {"a": ex.text1, "b": ex.text2}}}  # type: ignore[union-attr]
        for i, ex in enumerate(data.examples)
    ]
    _write_jsonl(data_dir / "imports/sim.jsonl", rows)
    pred = import_model(_ctx(data_dir, SIM), format="eee",
                        files={"toy-sim/real": "imports/sim.jsonl"},
                        fields={"text1": "pair.a", "text2": "pair.b"})
    got = predict_data(pred, data)
    assert [p.value for p in got] == [float(i % 5) for i in range(len(data.examples))]


def test_unreadable_answers_are_invalid_and_name_the_sample(data_dir: Path) -> None:
    data = load_source(data_dir, SIM, "real")
    rows = [
        {"sample_id": f"q{i}", "evaluation_name": "sim", "input": {"raw": "?", "reference": "0"},
         "output": {"raw": "no idea" if i == 0 else str(i % 5)}, "error": None,
         "metadata": {"text1": ex.text1, "text2": ex.text2}}  # type: ignore[union-attr]
        for i, ex in enumerate(data.examples)
    ]
    rows[1]["output"] = None
    rows[1]["error"] = "timeout"
    _write_jsonl(data_dir / "imports/sim.jsonl", rows)
    pred = import_model(_ctx(data_dir, SIM), format="eee", answer="value",
                        files={"toy-sim/real": "imports/sim.jsonl"})
    got = predict_data(pred, data)
    assert got[0].value is None and "sim.jsonl: sample q0" in str(got[0].error)
    assert "cannot read 'no idea'" in str(got[0].error)
    assert got[1].value is None and got[1].error == "sim.jsonl: sample q1: timeout"
    assert [p.value for p in got[2:]] == [i % 5 for i in range(2, len(data.examples))]


def test_a_source_without_a_log_is_missing_and_says_how_to_declare_it(data_dir: Path) -> None:
    data = load_source(data_dir, SPEC, "gen-a")
    pred = import_model(_ctx(data_dir), format="eee", files={"toy-intent/real": "imports/x.jsonl"})
    with pytest.raises(ImportMissing, match=r'params\.files\."toy-intent/gen-a"'):
        predict_data(pred, data)
    real = load_source(data_dir, SPEC, "real")
    with pytest.raises(ImportMissing, match=r"log file not found: .*imports/x\.jsonl"):
        predict_data(pred, real)


def test_bad_parameters_are_refused() -> None:
    ctx = TaskContext("intent", "toy-intent", INTENT_LABELS)
    with pytest.raises(ValueError, match="unknown format 'helm'; known: eee, inspect, lm-eval"):
        import_model(ctx, format="helm", files={})
    with pytest.raises(ValueError, match="answer must be one of chat, value"):
        import_model(ctx, format="eee", files={}, answer="json")
    with pytest.raises(ValueError, match="'dataset/source'"):
        import_model(ctx, format="eee", files={"real": "x.jsonl"})


def _lmeval_rows(data: Dataset, kind: str) -> list[dict[str, Any]]:
    rows = []
    for i, ex in enumerate(data.examples):
        assert isinstance(ex, IntentExample)
        base = {"doc_id": i, "doc": {"text": ex.text, "label": ex.label}, "target": ex.label,
                "filter": "none", "metrics": ["acc"]}
        if kind == "multiple_choice":
            # log-likelihood highest for the answer _answer() picks
            pick = _answer(i, ex.label)
            base["arguments"] = {f"gen_args_{j}": {"arg_0": ex.text, "arg_1": f" {lab}"}
                                 for j, lab in enumerate(INTENT_LABELS)}
            base["filtered_resps"] = [[str(-1.0 if lab == pick else -5.0 - j), "False"]
                                      for j, lab in enumerate(INTENT_LABELS)]
        else:
            base["filtered_resps"] = [_answer(i, ex.label)]
        rows.append(base)
    return rows


@pytest.mark.parametrize("kind", ["multiple_choice", "generate_until"])
def test_lmeval_samples_with_their_results_file(data_dir: Path, kind: str) -> None:
    data = load_source(data_dir, SPEC, "real")
    out = data_dir / "lmeval" / "org__model"
    date = "2026-01-02T03-04-05.678901"
    _write_jsonl(out / f"samples_toy_real_{date}.jsonl", _lmeval_rows(data, kind))
    (out / f"results_{date}.json").write_text(json.dumps({
        "model_name": "org/model", "configs": {"toy_real": {"output_type": kind}}}))
    log = READERS.get("lm-eval").read(out / f"results_{date}.json", ReadOptions("toy_real"))
    assert log.model == "org/model" and log.meta["output_type"] == kind
    got = match_samples(log, data, {})
    assert [s.answer for s in got] == [_answer(i, ex.label)  # type: ignore[union-attr]
                                       for i, ex in enumerate(data.examples)]


def test_lmeval_refuses_a_task_without_answers(data_dir: Path) -> None:
    out = data_dir / "lmeval"
    date = "2026-01-02T03-04-05.678901"
    _write_jsonl(out / f"samples_ppl_{date}.jsonl", [{"doc_id": 0, "doc": {"text": "a"}}])
    (out / f"results_{date}.json").write_text(json.dumps(
        {"configs": {"ppl": {"output_type": "loglikelihood_rolling"}}}))
    with pytest.raises(ImportMismatch, match="output type 'loglikelihood_rolling'"):
        READERS.get("lm-eval").read(out / f"samples_ppl_{date}.jsonl", ReadOptions())
    with pytest.raises(ImportMismatch, match="add '#TASK'"):
        READERS.get("lm-eval").read(out / f"results_{date}.json", ReadOptions())


def test_a_changed_log_changes_the_fingerprint(data_dir: Path) -> None:
    from harness.core.records import CaseKey
    from harness.run.fingerprint import case_fingerprint
    from harness.run.suite import parse_suite

    log = data_dir / "imports/real.jsonl"
    _write_jsonl(log, [{"sample_id": 0}])
    suite = parse_suite({
        "datasets": {"toy-intent": {"task": "intent", "test": SPEC.test}},
        "models": {"m": {"factory": "import", "tasks": ["intent"], "params": {
            "format": "eee", "files": {"toy-intent/real": "imports/real.jsonl"}}}},
    })
    key = CaseKey("intent", "toy-intent", "real", "m")
    before = case_fingerprint(suite, key, data_dir, 0, 0)
    _write_jsonl(log, [{"sample_id": 1}])
    after = case_fingerprint(suite, key, data_dir, 0, 0)
    assert before.digest != after.digest
    assert str(log) in after.parts["model"]["files"]


def test_files_that_are_no_logs_are_named(data_dir: Path) -> None:
    bad = data_dir / "imports" / "bad.jsonl"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(b'{"sample_id": 1}\n\xff\xfe\n')
    with pytest.raises(ImportMismatch, match=r"bad\.jsonl: not UTF-8 text"):
        READERS.get("eee").read(bad, ReadOptions())
    bad.write_text('{"sample_id": 1}\n[1, 2]\n')
    with pytest.raises(ImportMismatch, match=r"bad\.jsonl:2: not an Every Eval Ever instance"):
        READERS.get("eee").read(bad, ReadOptions())
    bad.write_text('{"doc": 1}\n')
    with pytest.raises(ImportMismatch, match=r"bad\.jsonl:1: not an lm-eval sample"):
        READERS.get("lm-eval").read(bad, ReadOptions())


def test_the_runner_skips_an_undeclared_source_and_fails_a_mismatched_log(
    data_dir: Path, tmp_path: Path
) -> None:
    from harness.core.records import CaseKey
    from harness.run.runner import RunSettings, run_case
    from harness.run.suite import parse_suite

    data = load_source(data_dir, SPEC, "real")
    rows = _eee_lines(data, [ex.label for ex in data.examples])  # type: ignore[union-attr]
    _write_jsonl(data_dir / "imports/real.jsonl", rows[:-1])
    suite = parse_suite({
        "generators": {"gen-a": {}},
        "datasets": {"toy-intent": {"task": "intent", "test": SPEC.test}},
        "models": {"m": {"factory": "import", "tasks": ["intent"], "params": {
            "format": "eee", "files": {"toy-intent/real": "imports/real.jsonl"}}}},
    })
    settings = RunSettings(data_dir, tmp_path / "store")
    skipped = run_case(CaseKey("intent", "toy-intent", "gen-a", "m"), suite, settings)
    assert skipped.status == "skipped" and skipped.extra["skip"] == "data"
    assert 'params.files."toy-intent/gen-a"' in skipped.reason
    failed = run_case(CaseKey("intent", "toy-intent", "real", "m"), suite, settings)
    assert failed.status == "error" and "1 of 12 examples" in failed.reason
    assert failed.extra["data_error"].endswith("real.jsonl")
    assert not (tmp_path / "store" / "cases").exists()  # a failure is never stored


@pytest.mark.parametrize(("params", "message"), [
    ({"format": "eee", "files": "x.jsonl"}, "models.m.params.files: expected dict"),
    ({"format": "eee", "files": {}, "epochs": 2}, "models.m.params.epochs: unknown parameter"),
    ({"files": {}}, "missing a required argument: 'format'"),
])
def test_the_suite_checks_an_imports_parameters(params: dict[str, Any], message: str) -> None:
    from harness.run.suite import ConfigError, parse_suite

    with pytest.raises(ConfigError, match=message):
        parse_suite({"datasets": {"d": {"task": "intent", "test": "t.jsonl"}},
                     "models": {"m": {"factory": "import", "params": params}}})
