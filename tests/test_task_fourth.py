"""A fourth task from outside ``harness/``: plugin, report and ``synthbench data check``.

The toy binary-sentiment task, its record type and a model live in a package that
the test installs (a module plus a dist-info with entry points); nothing in
``harness/`` names it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

TOY_PACKAGE = """
from dataclasses import dataclass

from harness import Prediction, model, task
from harness.tasks import RecordError


@dataclass(frozen=True)
class SentimentExample:
    text: str
    positive: bool


@task("sentiment")
class Sentiment:
    name = "sentiment"
    primary = "accuracy"
    text_fields = ("text",)

    def parse_record(self, obj):
        if not isinstance(obj.get("text"), str):
            raise RecordError("field 'text': expected a string", "text")
        if not isinstance(obj.get("positive"), bool):
            raise RecordError("field 'positive': expected true or false", "positive")
        return SentimentExample(obj["text"], obj["positive"])

    def dedup_key(self, example):
        return example.text.lower()

    def gold(self, example):
        return example.positive

    def encode(self, value):
        return bool(value)

    def correct(self, gold, pred):
        return pred is not None and pred == gold

    def score(self, golds, preds, labels=()):
        n = len(golds)
        if not n:
            return {"accuracy": float("nan"), "invalid_rate": float("nan")}
        hits = sum(1 for g, p in zip(golds, preds) if p is not None and p == g)
        return {"accuracy": hits / n, "invalid_rate": sum(p is None for p in preds) / n}

    def distribution_keys(self, example):
        return ["positive" if example.positive else "negative"]

    def quality_check(self, example, labels, score_range):
        return ["shouting"] if example.text.isupper() else []


@model("word-rule", tasks=("sentiment",))
def build(ctx, word: str = "good"):
    class Rule:
        def predict(self, examples):
            return [Prediction(word in ex.text) for ex in examples]

    return Rule()
"""

SUITE = """
[generators]
"gen-a" = { model_id = "toy/a" }
"gen-b" = { model_id = "toy/b" }

[datasets.toy-sent]
task = "sentiment"
test = "real/toy-sent/test.jsonl"

[models.good]
factory = "word-rule"

[models.great]
factory = "word-rule"
params = { word = "great" }

[models.nice]
factory = "word-rule"
params = { word = "nice" }
"""


def _rows(tag: str, n: int, shout: int = 0) -> list[dict]:
    words = ("good great", "bad awful", "nice good", "dull bad")
    rows = [{"text": f"{tag} {i} {words[i % 4]}", "positive": i % 4 in (0, 2)} for i in range(n)]
    for r in rows[:shout]:
        r["text"] = r["text"].upper()
    return rows


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    site = pytester.path / "site"
    info = site / "toy_sentiment-0.1.dist-info"
    info.mkdir(parents=True)
    (site / "toy_sentiment.py").write_text(TOY_PACKAGE)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-sentiment\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[synthbench.tasks]\nsentiment = toy_sentiment\n\n"
        "[synthbench.models]\nword-rule = toy_sentiment:build\n"
    )
    paths = [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    data = pytester.path / "data"
    for rel, rows in (
        ("real/toy-sent/test.jsonl", _rows("real", 40)),
        ("synthetic/toy-sent/gen-a.jsonl", _rows("gen-a", 24, shout=3)),
        ("synthetic/toy-sent/gen-b.jsonl", _rows("gen-b", 20)),
    ):
        path = data / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    pytester.makefile(".toml", suite=SUITE)
    pytester.makeini("[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\n")
    pytester.makepyfile(
        test_bench="def test_benchmark(synth_case, synth_evaluate):\n"
        "    assert synth_evaluate(synth_case).n_examples > 0\n"
    )
    return pytester


def test_a_fourth_task_runs_through_plugin_report_and_data_check(project: pytest.Pytester) -> None:
    r = project.runpytest_subprocess("-n", "2")
    r.assert_outcomes(passed=9)
    r.stdout.fnmatch_lines(["sentiment / toy-sent  (accuracy)*"])
    report = json.loads((Path(project.path) / ".synthbench" / "report.json").read_text())
    [group] = report["groups"]
    assert group["task"] == "sentiment" and group["metric"] == "accuracy"
    real = group["scores"]["real"]
    # "good" is in 2 of the 4 phrasings, both positive: right on 3 of 4 rows; "great"
    # and "nice" on one positive phrasing each: right on 2 of 4.
    assert real == {"good": 1.0, "great": 0.75, "nice": 0.75}
    lo, hi = (
        group["ci"]["scores"]["real"]["great"]["low"],
        group["ci"]["scores"]["real"]["great"]["high"],
    )
    assert lo <= 0.75 <= hi and lo < hi  # the bootstrap ran through the task's own score
    quality = group["quality"]["gen-a"]
    # Label coverage comes from the task's distribution keys, problems from its check.
    assert quality["label_coverage"] == 1.0 and quality["label_tvd"] == 0.0
    assert quality["task_problems"] == 3

    check = project.run(
        "python",
        "-m",
        "harness",
        "data",
        "check",
        "--suite",
        "suite.toml",
        "--data-dir",
        "data",
        "--no-embed",
        "--json",
        "check.json",
    )
    assert check.ret == 0, check.stderr.str()
    out = json.loads((Path(project.path) / "check.json").read_text())
    text = json.dumps(out)
    assert '"shouting": 3' in text and '"positive": 12' in text and "toy-sent" in text
