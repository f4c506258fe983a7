"""Round trips through the real tools, offline: logs written by inspect_ai (its mockllm
model) and lm-evaluation-harness (a tiny model the test defines, over a JSONL task the
test writes), imported as suite cells; their scores equal the tools' own metrics and
the task's metric on the same predictions (scikit-learn)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sklearn.metrics import f1_score

from harness.core.records import Dataset
from harness.data import load_source
from harness.interop import inspect_log
from harness.interop.importer import import_model
from harness.models.base import TaskContext, predict_data
from harness.run.runner import outcomes_of, score_outcomes
from harness.run.suite import DatasetSpec
from harness.tasks import TASKS
from harness.tasks.intent.records import IntentExample
from tests.synth_fixtures import INTENT_LABELS, write_data_dir

SPEC = DatasetSpec("toy-intent", "intent", "real/toy-intent/test.jsonl")


def _pick(text: str) -> str:
    """A deterministic, imperfect answer for a text (no hash(): same in every process)."""
    digest = hashlib.sha256(text.encode()).digest()
    return INTENT_LABELS[digest[0] % len(INTENT_LABELS)]


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Dataset]:
    root = write_data_dir(tmp_path_factory.mktemp("interop") / "data", n=12)
    return root, load_source(root, SPEC, "real")


def _imported(root: Path, data: Dataset, fmt: str, path: Path, **params: Any) -> list[Any]:
    ctx = TaskContext("intent", "toy-intent", INTENT_LABELS, data_dir=root)
    pred = import_model(ctx, format=fmt, files={"toy-intent/real": str(path)}, **params)
    task = TASKS.get("intent")
    outcomes = outcomes_of(task, data, predict_data(pred, data))
    return [outcomes, score_outcomes(task, outcomes, data.labels)]


def _macro_f1(golds: list[str], preds: list[str]) -> float:
    return float(f1_score(golds, preds, labels=sorted(set(golds)), average="macro",
                          zero_division=0))


# --------------------------------------------------------------------------- inspect


@pytest.fixture(scope="module")
def inspect_logs(toy: tuple[Path, Dataset], tmp_path_factory: pytest.TempPathFactory
                 ) -> dict[str, Path]:
    """One ``.eval`` and one ``.json`` log of mockllm answering the toy intent source."""
    pytest.importorskip("inspect_ai")
    from inspect_ai import Task
    from inspect_ai import eval as inspect_eval
    from inspect_ai.dataset import MemoryDataset, Sample
    from inspect_ai.model import ModelOutput, ModelUsage, get_model
    from inspect_ai.scorer import exact
    from inspect_ai.solver import generate

    _, data = toy
    examples = [ex for ex in data.examples if isinstance(ex, IntentExample)]
    out = {}
    for fmt in ("eval", "json"):
        samples = [Sample(input=ex.text, target=ex.label, id=i + 1)
                   for i, ex in enumerate(examples)]
        # mockllm answers in call order; which sample got which answer is read back
        # from the log, never assumed.
        answers = [ModelOutput.from_content("mockllm/model", _pick(ex.text)) for ex in examples]
        for a in answers:  # with usage given, mockllm counts no tokens (tiktoken downloads)
            a.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        model = get_model("mockllm/model", custom_outputs=answers)
        log_dir = tmp_path_factory.mktemp(f"inspect-{fmt}")
        (log,) = inspect_eval(
            Task(dataset=MemoryDataset(samples), solver=generate(), scorer=exact()),
            model=model, log_dir=str(log_dir), log_format=fmt, display="none",
        )
        assert log.status == "success"
        out[fmt] = Path(log.location)
    return out


@pytest.fixture(params=["inspect_ai", "plain"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Read logs with inspect_ai's reader, and with the plain one used without it."""
    if request.param == "plain":
        monkeypatch.setattr(inspect_log, "available", lambda: False)
    yield request.param


@pytest.mark.parametrize("fmt", ["eval", "json"])
def test_inspect_logs_import_with_inspects_own_scores(
    toy: tuple[Path, Dataset], inspect_logs: dict[str, Path], fmt: str, reader: str
) -> None:
    from inspect_ai.log import read_eval_log

    root, data = toy
    log = read_eval_log(str(inspect_logs[fmt]))
    assert log.samples is not None
    answer_of = {s.input: s.output.completion for s in log.samples}
    for answer in ("chat", "value"):
        outcomes, metrics = _imported(root, data, "inspect", inspect_logs[fmt], answer=answer)
        golds = [o.gold for o in outcomes]
        preds = [answer_of[ex.text] for ex in data.examples]  # type: ignore[union-attr]
        assert [o.prediction for o in outcomes] == preds
        # inspect's exact() scorer and its mean, computed by inspect_ai itself:
        assert log.results is not None
        assert metrics["accuracy"] == pytest.approx(
            log.results.scores[0].metrics["mean"].value)
        assert metrics["macro_f1"] == pytest.approx(_macro_f1(golds, preds))


def test_inspect_export_reads_back(tmp_path: Path, toy: tuple[Path, Dataset]) -> None:
    """An exported log is an EvalLog inspect_ai reads: samples, scores, metadata."""
    pytest.importorskip("inspect_ai")
    from inspect_ai.log import read_eval_log, read_eval_log_samples

    from harness.core.records import CaseKey, CaseResult
    from harness.interop.cells import CellExport, Interval, ModelInfo

    root, data = toy
    outcomes, metrics = _imported(root, data, "eee", _eee_log(tmp_path, data))
    key = CaseKey("intent", "toy-intent", "real", "m")
    result = CaseResult(key, "ok", "macro_f1", metrics, len(outcomes), fingerprint="f00")
    cell = CellExport(key, result, tuple(outcomes), data.examples,
                      ModelInfo("m", "import", "org/model", "gen-a"), data.path, "run1",
                      interval=Interval(0.1, 0.9, 0.2, 0.95, 100))
    (path,) = inspect_log.write([cell], tmp_path / "inspect")
    # What `inspect view` lists and opens: the log directory's eval logs.
    from inspect_ai.log import list_eval_logs

    assert [Path(i.name).name for i in list_eval_logs(str(tmp_path / "inspect"))] == [path.name]
    log = read_eval_log(str(path))
    assert log.eval.model == "org/model"
    assert log.eval.metadata["synthbench"]["source"] == "real"
    assert log.eval.metadata["synthbench"]["same_as"] == "gen-a"
    scores = log.results.scores[0].metrics  # type: ignore[union-attr]
    assert scores["macro_f1"].value == metrics["macro_f1"]
    assert (scores["ci_low"].value, scores["ci_high"].value, scores["stderr"].value) == (
        0.1, 0.9, 0.2)
    samples = list(read_eval_log_samples(str(path)))
    assert len(samples) == len(data.examples)
    for s, ex, o in zip(samples, data.examples, outcomes, strict=True):
        assert s.input == ex.text and s.target == o.gold  # type: ignore[union-attr]
        assert s.output.completion == o.raw
        assert s.scores is not None
        assert s.scores["synthbench"].value == ("C" if o.correct else "I")


def _eee_log(tmp: Path, data: Dataset) -> Path:
    rows = [
        {"sample_id": i, "evaluation_name": "toy", "input": {"raw": ex.text,  # type: ignore[union-attr]
         "reference": ex.label}, "output": {"raw": _pick(ex.text)}}  # type: ignore[union-attr]
        for i, ex in enumerate(data.examples)
    ]
    path = tmp / "eee.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


# --------------------------------------------------------------------------- lm-eval


def _task_yaml(name: str, data_file: Path, kind: str) -> str:
    head = (f"task: {name}\ndataset_path: json\ndataset_kwargs:\n  data_files:\n"
            f"    test: {data_file}\ntest_split: test\noutput_type: {kind}\n"
            'doc_to_text: "{{text}}"\n')
    if kind == "multiple_choice":
        labels = repr(list(INTENT_LABELS))  # single quotes inside the YAML string
        return head + (f"doc_to_choice: {labels}\n"
                       f'doc_to_target: "{{{{{labels}.index(label)}}}}"\n'
                       "metric_list:\n  - metric: acc\n")
    return head + ('doc_to_target: "{{label}}"\ngeneration_kwargs:\n  until: ["\\n"]\n'
                   "metric_list:\n  - metric: exact_match\n")


@pytest.fixture(scope="module")
def lmeval_logs(toy: tuple[Path, Dataset], tmp_path_factory: pytest.TempPathFactory
                ) -> tuple[Path, dict[str, Any]]:
    """lm-eval's own run (generate_until and multiple_choice) of a tiny test model."""
    pytest.importorskip("lm_eval")
    mp = pytest.MonkeyPatch()  # module scope: undone when the module's tests end
    mp.setenv("HF_DATASETS_OFFLINE", "1")
    mp.setenv("HF_HUB_OFFLINE", "1")
    from lm_eval import simple_evaluate
    from lm_eval.api.model import LM
    from lm_eval.loggers import EvaluationTracker
    from lm_eval.tasks import TaskManager

    class Tiny(LM):  # type: ignore[misc]
        """Answers _pick(text); log-likelihoods that make the same choice."""

        def loglikelihood(self, requests: Any, disable_tqdm: bool = False) -> list[Any]:
            return [(0.0 if r.args[1].strip() == _pick(r.args[0]) else -1.0 - i % 3, False)
                    for i, r in enumerate(requests)]

        def loglikelihood_rolling(self, requests: Any, disable_tqdm: bool = False) -> Any:
            raise NotImplementedError

        def generate_until(self, requests: Any, disable_tqdm: bool = False) -> list[str]:
            return [_pick(r.args[0]) for r in requests]

    root, _ = toy
    work = tmp_path_factory.mktemp("lmeval")
    source = root / SPEC.test
    for name, kind in (("toy_gen", "generate_until"), ("toy_mc", "multiple_choice")):
        (work / f"{name}.yaml").write_text(_task_yaml(name, source, kind))
    try:
        res = simple_evaluate(model=Tiny(), tasks=["toy_gen", "toy_mc"],
                              task_manager=TaskManager(include_path=str(work)), log_samples=True)
    finally:
        mp.undo()
    assert res is not None
    samples = res.pop("samples")
    tracker = EvaluationTracker(output_path=str(root / "imports" / "lmeval"))
    tracker.general_config_tracker.model_name = "tiny/model"
    tracker.general_config_tracker.model_name_sanitized = "tiny__model"
    tracker.save_results_aggregated(results=res, samples=samples)
    for name in res["configs"]:
        tracker.save_results_samples(task_name=name, samples=samples[name])
    return root / "imports" / "lmeval" / "tiny__model", res["results"]


@pytest.mark.parametrize(("task", "metric"), [("toy_gen", "exact_match,none"),
                                              ("toy_mc", "acc,none")])
def test_lmeval_logs_import_with_lmevals_own_scores(
    toy: tuple[Path, Dataset], lmeval_logs: tuple[Path, dict[str, Any]], task: str, metric: str
) -> None:
    root, data = toy
    folder, results = lmeval_logs
    (samples_file,) = folder.glob(f"samples_{task}_*.jsonl")
    (results_file,) = folder.glob("results_*.json")
    expected = [_pick(ex.text) for ex in data.examples]  # type: ignore[union-attr]
    for path in (samples_file, Path(f"{results_file}#{task}")):
        outcomes, metrics = _imported(root, data, "lm-eval", path)
        golds = [o.gold for o in outcomes]
        assert [o.prediction for o in outcomes] == expected
        assert metrics["accuracy"] == pytest.approx(float(results[task][metric]))
        assert metrics["macro_f1"] == pytest.approx(_macro_f1(golds, expected))
