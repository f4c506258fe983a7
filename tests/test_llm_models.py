"""The ``llm`` model on the loopback server: predictions, invalid and error counts,
the cache across runs, skips without a key, and a key that never reaches an artifact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.models import MODELS, NotConfigured, TaskContext
from harness.tasks.intent.records import IntentExample
from harness.tasks.ner.records import Entity, NerExample
from harness.tasks.similarity.records import SimilarityExample
from tests.llm_server import LLMServer, llm_server
from tests.synth_fixtures import BENCH_TEST, GENERATORS, suite_text, write_data_dir

# pytest finds fixtures among a module's attributes: this re-exports the server fixture.
FIXTURES = (llm_server,)

LABELS = ("play_music", "get_weather", "book_restaurant")
FAST = {"retry_base_delay": 0.01, "retry_max_delay": 0.05}


def _llm(server: LLMServer, ctx: TaskContext, tmp_path: Path, **params):
    base = {
        "backend": "openai",
        "model": "m",
        "base_url": server.base_url,
        "api_key_env": "",
        "cache_dir": str(tmp_path / "cache"),
        "max_retries": 2,
        **FAST,
    }
    base.update(params)
    return MODELS.get("llm")(ctx, **base)


def test_intent_counts_are_exact(llm_server, tmp_path):
    ctx = TaskContext("intent", "toy", labels=LABELS)
    examples = [IntentExample(f"utterance <u{i}>", LABELS[i % 3]) for i in range(12)]
    answers = {f"<u{i}>": LABELS[i % 3] for i in range(12)}
    answers["<u1>"] = "  GET_WEATHER.\n"  # case, whitespace, punctuation
    answers["<u2>"] = "```\nbook_restaurnat\n```"  # fenced near miss: fuzzy match
    answers["<u3>"] = "banana"  # outside the label set: invalid
    answers["<u4>"] = "I cannot help with that"  # unparseable: invalid
    llm_server.answers.update(answers)
    llm_server.fault("<u5>", "500", "500", "500")  # fails after 2 retries: error
    llm_server.fault("<u6>", "429", "drop")  # recovers on the third attempt
    preds = _llm(llm_server, ctx, tmp_path).predict(examples)
    assert len(preds) == 12
    assert [p.value for p in preds] == [
        "play_music",
        "get_weather",
        "book_restaurant",
        None,
        None,
        None,
        "play_music",
        "get_weather",
        "book_restaurant",
        "play_music",
        "get_weather",
        "book_restaurant",
    ]
    invalid = [i for i, p in enumerate(preds) if not p.valid]
    assert invalid == [3, 4, 5]
    assert [p.error.split(":")[0] for p in (preds[3], preds[4])] == ["unparseable"] * 2
    assert preds[5].error is not None and preds[5].error.startswith("request failed after 3")
    assert preds[5].raw is None
    assert preds[3].raw == "banana" and preds[2].raw == answers["<u2>"]
    assert len(llm_server.requests_matching("<u6>")) == 3
    # Prompts list every candidate label and the text.
    prompt = llm_server.requests_matching("<u0>")[0].text
    assert all(lab in prompt for lab in LABELS) and "utterance <u0>" in prompt


def test_second_run_is_served_by_the_cache(llm_server, tmp_path):
    ctx = TaskContext("intent", "toy", labels=LABELS)
    examples = [IntentExample(f"utterance <u{i}>", "play_music") for i in range(20)]
    llm_server.default_answer = "play_music"
    first = _llm(llm_server, ctx, tmp_path).predict(examples)
    seen = llm_server.count
    assert seen == 20
    second = _llm(llm_server, ctx, tmp_path).predict(examples)
    assert llm_server.count == seen  # not a single request reached the server
    assert second == first
    # Another model id must not share the answers.
    _llm(llm_server, ctx, tmp_path, model="other").predict(examples[:3])
    assert llm_server.count == seen + 3


def test_similarity_scale_and_invalid_ratings(llm_server, tmp_path):
    ctx = TaskContext("similarity", "toy", score_range=(0.0, 5.0))
    examples = [SimilarityExample(f"a <s{i}>", "b", 1.0) for i in range(4)]
    llm_server.answers.update(
        {
            "<s0>": "<similarity_rating>4</similarity_rating>",
            "<s1>": "</similarity_rating>\n2.5\n</similarity_rating>",
            "<s2>": "<similarity_rating>9</similarity_rating>",
            "<s3>": "They are quite similar.",
        }
    )
    preds = _llm(llm_server, ctx, tmp_path).predict(examples)
    assert [p.value for p in preds] == [4.0, 2.5, None, None]
    assert "outside 0-5" in (preds[2].error or "")
    assert "0 to 5" in llm_server.requests_matching("<s0>")[0].text
    ctx4 = TaskContext("similarity", "toy", score_range=(0.0, 4.0))
    _llm(llm_server, ctx4, tmp_path).predict(examples[:1])
    assert "0 to 4" in llm_server.received[-1].text


def test_ner_answers_become_every_occurrence(llm_server, tmp_path):
    ctx = TaskContext("ner", "toy", labels=("person", "location"))
    text = "Ada met Ada Lovelace in Paris <n0>."
    examples = [NerExample(text, ()), NerExample("nothing here <n1>", ())]
    llm_server.answers.update(
        {
            "<n0>": '```json\n{"Person": ["Ada Lovelace", "Ada"], '
            '"location": ["Paris", "Rome"]}\n```',
            "<n1>": "no entities, sorry",
        }
    )
    preds = _llm(llm_server, ctx, tmp_path).predict(examples)
    assert preds[0].value == (
        Entity(0, 3, "person", "Ada"),
        Entity(8, 20, "person", "Ada Lovelace"),
        Entity(24, 29, "location", "Paris"),
    )
    assert preds[1].value is None and preds[1].error.startswith("unparseable")
    assert '"person": []' in llm_server.requests_matching("<n0>")[0].text


def test_factory_without_key_raises_not_configured(monkeypatch, tmp_path):
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    ctx = TaskContext("intent", "toy", labels=LABELS)
    with pytest.raises(NotConfigured, match="set NO_SUCH_KEY_VAR"):
        MODELS.get("llm")(ctx, model="m", api_key_env="NO_SUCH_KEY_VAR", cache_dir=str(tmp_path))


def test_the_grammar_sent_is_the_tasks_own(llm_server, tmp_path):
    from harness.tasks.intent.chat import intent_grammar
    from harness.tasks.ner.chat import entities_grammar
    from harness.tasks.similarity.chat import rating_grammar

    cases = (
        (TaskContext("intent", "toy", labels=LABELS), IntentExample("<g0>", "play_music")),
        (
            TaskContext("similarity", "toy", score_range=(0.0, 4.0)),
            SimilarityExample("<g1>", "b", 1.0),
        ),
        (TaskContext("ner", "toy", labels=("person",)), NerExample("<g2> Ann", ())),
    )
    want = (intent_grammar(LABELS), rating_grammar(4.0), entities_grammar(("person",)))
    for (ctx, ex), grammar in zip(cases, want, strict=True):
        _llm(llm_server, ctx, tmp_path, constrain="grammar").predict([ex])
        assert llm_server.received[-1].body["grammar"] == grammar
    _llm(llm_server, cases[0][0], tmp_path, model="plain").predict([cases[0][1]])
    assert "grammar" not in llm_server.received[-1].body


def test_a_task_without_a_chat_prompt_is_refused_by_name(monkeypatch):
    from harness.core.registry import Entry
    from harness.tasks import TASKS
    from harness.tasks.kit.taskbase import TaskBase

    class Plain(TaskBase):
        name, primary = "plain-test-task", "accuracy"

    TASKS.names()  # load the registry before patching it
    monkeypatch.setitem(TASKS._entries, Plain.name, Entry(Plain.name, Plain(), {}))
    assert "plain-test-task" not in MODELS.entry("llm").meta["tasks"]
    assert "intent" in MODELS.entry("llm").meta["tasks"]
    ctx = TaskContext("plain-test-task", "toy")
    with pytest.raises(ValueError, match="task 'plain-test-task' has no chat prompt.*intent"):
        MODELS.get("llm")(ctx, model="m", api_key_env="")


# ---------------------------------------------------------------- end to end

SENTINEL = "sk-SENTINEL-7f3a9c2e51d04b8a"


def _toy_responder(body: dict) -> str:
    text = json.dumps(body)
    if "similarity_rating" in text:
        return "<similarity_rating>3</similarity_rating>"
    if "JSON" in text:
        return '```json\n{"person": ["Ada Lovelace", "Alan Turing"], "location": ["Paris"]}\n```'
    return "play_music"


def _llm_suite(url: str) -> str:
    return suite_text(
        '\n[models.llm-a]\nfactory = "llm"\nsame_as = "gen-c"\n'
        f'params = {{ backend = "openai", model = "toy-llm", base_url = "{url}", '
        'api_key_env = "SYNTH_SENTINEL_KEY", max_tokens = 64, concurrency = 4 }\n'
    )


@pytest.fixture
def llm_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    server = LLMServer(responder=_toy_responder).start()
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("SYNTHBENCH_CACHE_DIR", str(pytester.path / "cache"))
    write_data_dir(pytester.path / "data", n=12)
    pytester.makefile(".toml", suite=_llm_suite(server.base_url))
    pytester.makeini(
        "[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\nsynth_report_dir = out\n"
    )
    pytester.makepyfile(test_bench=BENCH_TEST)
    yield pytester, server
    server.stop()


N_LLM = 3 * (1 + len(GENERATORS))  # datasets x sources


def test_suite_run_uses_cache_and_never_stores_the_key(llm_project, monkeypatch):
    project, server = llm_project
    monkeypatch.setenv("SYNTH_SENTINEL_KEY", SENTINEL)
    first = project.runpytest_subprocess(
        "-n", "2", "-p", "xdist", "-m", "model_llm_a", "--log-level=DEBUG", "-rA"
    )
    first.assert_outcomes(passed=N_LLM)
    requests = server.count
    assert requests == N_LLM * 12
    first_report = json.loads((project.path / "out" / "report.json").read_text())
    assert first_report["cache"]["misses"] == requests and first_report["cache"]["hits"] == 0
    assert all(r.headers.get("authorization") == f"Bearer {SENTINEL}" for r in server.received)
    # --synth-fresh: the stored case results would otherwise be reused without a request.
    second = project.runpytest_subprocess(
        "-m", "model_llm_a", "--synth-fresh", "--log-level=DEBUG", "-rA"
    )
    second.assert_outcomes(passed=N_LLM)
    assert server.count == requests  # the whole second run came from the cache
    report = json.loads((project.path / "out" / "report.json").read_text())
    assert report["cases"]
    # The report counts this run's cache use, summed over processes: all hits now.
    assert report["cache"]["hits"] == requests and report["cache"]["misses"] == 0
    # The key is nowhere: not in the cache, the results, the report, or any output.
    outputs = "\n".join(first.outlines + first.errlines + second.outlines + second.errlines)
    assert SENTINEL not in outputs and SENTINEL[-8:] not in outputs
    scanned = 0
    for path in project.path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert SENTINEL.encode() not in data, path
            assert SENTINEL[-8:].encode() not in data, path
            scanned += 1
    assert scanned >= N_LLM + 3  # case files, report, cache database at least
    assert (project.path / "cache" / "responses.sqlite").exists()


def test_suite_run_without_key_skips_with_the_variable(llm_project, monkeypatch):
    project, server = llm_project
    monkeypatch.delenv("SYNTH_SENTINEL_KEY", raising=False)
    result = project.runpytest_subprocess("-m", "model_llm_a", "-rs")
    # Every selected case skipped: an empty run, which fails saying why (issue 20).
    result.assert_outcomes(skipped=N_LLM, failed=1)
    result.stdout.fnmatch_lines(["*set SYNTH_SENTINEL_KEY*"])
    result.stdout.fnmatch_lines(["every selected suite case was skipped*SYNTH_SENTINEL_KEY*"])
    assert server.count == 0
