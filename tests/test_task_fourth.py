"""A fourth task from outside ``harness/``: plugin, report, ``synthbench data check``,
the ``llm`` model and ``synthbench generate``.

The toy binary-sentiment task (its record type, chat prompt and answer parser,
generation plan and template), a model and a chat backend live in a package that the
test installs (modules plus a dist-info with entry points); nothing in ``harness/``
names it, and it imports only the public kit (``harness.kit``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

TOY_PACKAGE = """
from dataclasses import dataclass
from pathlib import Path

from harness.kit import (
    Accepted,
    Capability,
    ChatIO,
    Message,
    Prediction,
    RecordError,
    Rejected,
    Reply,
    RetryDecision,
    backend,
    model,
    plan_rng,
    task,
)


@dataclass(frozen=True)
class SentimentExample:
    text: str
    positive: bool


class SentimentGenerator:
    \"\"\"One review per plan, positive and negative in turn, after one real review.\"\"\"

    template_names = ("sentiment_review",)
    template_dir = Path(__file__).parent / "toy_sentiment_templates"

    def __init__(self, ctx):
        self.ctx = ctx
        self.pool = {p: [ex.text for ex in ctx.pool if ex.positive == p] for p in (True, False)}

    def prepare(self, ask, state):
        return {}

    def plan(self, index):
        positive = index % 2 == 0
        return {"positive": positive, "shot": plan_rng(self.ctx, index).choice(self.pool[positive])}

    def messages(self, plan):
        polarity = "positive" if plan["positive"] else "negative"
        template = self.ctx.templates["sentiment_review"]
        return template.render(polarity=polarity, example=plan["shot"])

    def accept(self, plan, answer):
        text = answer.strip()
        if not text:
            return Rejected("format", "an empty answer")
        return Accepted({"text": text, "positive": plan["positive"]})

    def shown(self, plan):
        return [plan["shot"].lower()]  # dedup keys, as Sentiment.dedup_key makes them


def _read_yes_no(example, raw):
    word = raw.strip().lower()
    if word in ("yes", "no"):
        return Prediction(word == "yes", raw=raw)
    return Prediction(None, raw=raw, error="unparseable: not yes or no")


@task("sentiment")
class Sentiment:
    name = "sentiment"
    primary = "accuracy"
    capabilities = frozenset(
        {Capability.CHAT, Capability.GENERATE, Capability.DISTRIBUTION, Capability.QUALITY}
    )
    text_fields = ("text",)
    generator = SentimentGenerator

    def chat_io(self, ctx, options):
        def prompt(example):
            return (Message("user", f"Review: {example.text}\\nIs it positive? Answer yes or no."),)

        return ChatIO(prompt, _read_yes_no)

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


class ReviewBot:
    \"\"\"A stand-in chat endpoint: writes reviews, and judges them by their words.\"\"\"

    provider = "toy"
    endpoint = "local"

    def __init__(self, model):
        self.revision = model

    async def acomplete(self, request):
        text = request.messages[-1].content
        if text.startswith("Review: "):
            review = text.splitlines()[0]
            if "dull" in review:
                return Reply("it depends")  # not yes or no: an invalid prediction
            return Reply("yes" if ("good" in review or "nice" in review) else "no")
        word = "lovely" if "a positive" in text else "boring"
        return Reply(f"a {word} film, take {request.seed}")

    def classify(self, exc):
        return RetryDecision(retry=False, reason=f"{type(exc).__name__}: {exc}")

    async def aclose(self):
        pass


@backend("review-bot")
def review_bot(model):
    return ReviewBot(model)
"""

TEMPLATE = """=== system ===
You write short film reviews.
=== user ===
Here is a real review: $example
Write a $polarity review of another film, one line.
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

[models.chatty]
factory = "llm"
params = { backend = "review-bot", model = "rb-1", cache = "off" }
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
    (site / "toy_sentiment_templates").mkdir()
    (site / "toy_sentiment_templates" / "sentiment_review.txt").write_text(TEMPLATE)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-sentiment\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[synthbench.tasks]\nsentiment = toy_sentiment\n\n"
        "[synthbench.models]\nword-rule = toy_sentiment:build\n\n"
        "[synthbench.backends]\nreview-bot = toy_sentiment:review_bot\n"
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
    r.assert_outcomes(passed=12)
    r.stdout.fnmatch_lines(["sentiment / toy-sent  (accuracy)*"])
    report = json.loads((Path(project.path) / ".synthbench" / "report.json").read_text())
    [group] = report["groups"]
    assert group["task"] == "sentiment" and group["metric"] == "accuracy"
    real = group["scores"]["real"]
    # "good" is in both positive phrasings of the 4 and in no negative one: right on
    # every row; "great" and "nice" in one positive phrasing each: right on 3 of 4. The
    # LLM (through the task's own prompt and parser) says yes to both positive ones, no
    # to "bad awful" and an unparseable answer to "dull bad": 3 of 4, one invalid.
    assert real == {"chatty": 0.75, "good": 1.0, "great": 0.75, "nice": 0.75}
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
        sys.executable,
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


def test_a_fourth_task_is_generated_with_its_own_plan_and_template(
    project: pytest.Pytester,
) -> None:
    import hashlib

    r = project.run(
        sys.executable, "-m", "harness", "generate", "--suite", "suite.toml", "--data-dir", "data",
        "--task", "sentiment", "--dataset", "toy-sent", "--generator", "gen-c",
        "--backend", "review-bot", "--model", "rb-1", "--param", "cache=off",
        "--n", "6", "--no-progress",
    )  # fmt: skip
    assert r.ret == 0, r.stderr.str()
    out = Path(project.path) / "data" / "synthetic" / "toy-sent"
    rows = [json.loads(line) for line in (out / "gen-c.jsonl").read_text().splitlines()]
    # The plan alternates polarity; the stand-in backend writes "lovely" only when the
    # task's own template asked for a positive review.
    assert [(r["positive"], r["text"].split()[1]) for r in rows] == [
        (i % 2 == 0, "lovely" if i % 2 == 0 else "boring") for i in range(6)
    ]
    prov = json.loads((out / "gen-c.provenance.json").read_text())
    template = Path(project.path) / "site" / "toy_sentiment_templates" / "sentiment_review.txt"
    assert prov["task"] == "sentiment"
    assert prov["templates"] == {
        "sentiment_review": hashlib.sha256(template.read_bytes()).hexdigest()
    }


def test_the_toy_package_imports_only_the_public_kit() -> None:
    """What docs/extending.md points at: the kit's one import surface, nothing internal."""
    import ast

    import harness
    import harness.kit

    imports = [n for n in ast.walk(ast.parse(TOY_PACKAGE)) if isinstance(n, ast.ImportFrom)]
    assert {n.module for n in imports if (n.module or "").startswith("harness")} == {"harness.kit"}
    names = {a.name for n in imports if n.module == "harness.kit" for a in n.names}
    assert names <= set(harness.kit.__all__) and set(harness.kit.__all__) <= set(harness.__all__)
    for name in harness.kit.__all__:  # every public name resolves, from both
        assert getattr(harness, name) is getattr(harness.kit, name)
