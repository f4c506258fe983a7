"""Failed requests are not results (issue 20.3).

A loopback server refuses a key (401) for some requests of the first run: those cases
are ``incomplete`` (no score, never reused), the refusal stops the model's later
requests in that process, and the reason names model, backend and key variable. The
next run, with the server answering, asks only what was not answered (the cache holds
the rest, and never a failure) and the cases are ok. Failures are counted apart from
unparseable answers, per case and in the report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.backends.base import Completion
from harness.core.failures import RequestFailures, count_failures
from harness.core.records import Prediction
from harness.models.llm import LLMPredictor
from harness.tasks.intent.records import IntentExample
from tests.llm_server import LLMServer
from tests.synth_fixtures import BENCH_TEST, write_data_dir

N = 8  # examples per source
KEY_ENV = "SYNTH_FAILURES_KEY"

SUITE = """
[run]
seed = 1

[generators]
"gen-a" = {{ model_id = "toy/gen-a" }}
"gen-b" = {{ model_id = "toy/gen-b" }}

[datasets.toy-intent]
task = "intent"
test = "real/toy-intent/test.jsonl"
train = "real/toy-intent/train.jsonl"
generators = ["gen-a", "gen-b"]

[models.keyed]
factory = "llm"
[models.keyed.params]
backend = "openai"
model = "toy-llm"
base_url = "{url}"
api_key_env = "{env}"
concurrency = 1
max_retries = 0
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    server = LLMServer(default_answer="play_music").start()
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setenv("SYNTHBENCH_CACHE_DIR", str(pytester.path / "cache"))
    monkeypatch.setenv(KEY_ENV, "sk-test-0123456789")
    write_data_dir(pytester.path / "data", n=N)
    pytester.makefile(".toml", suite=SUITE.format(url=server.base_url, env=KEY_ENV))
    pytester.makeini(
        "[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\nsynth_report_dir = out\n"
        "synth_bootstrap = 50\nsynth_formats = md,html\naddopts = -p no:randomly\n"
    )
    pytester.makepyfile(test_bench=BENCH_TEST)
    yield pytester, server
    server.stop()


def _report(project: pytest.Pytester) -> dict:
    return json.loads((project.path / "out" / "report.json").read_text())


@pytest.mark.parametrize("workers", [[], ["-n", "2", "-p", "xdist"]], ids=["n0", "n2"])
def test_refused_key_leaves_incomplete_cases_that_the_next_run_completes(
    project, workers: list[str]
) -> None:
    pytester, server = project
    # The 4th example of each source is refused; with one request in flight the
    # examples before it are answered (and cached), the ones after it never sent.
    server.fault("gen-b 3 ", "401")
    server.fault("gen-a 3 ", "401")
    first = pytester.runpytest_subprocess(*workers, "-rA")
    first.assert_outcomes(failed=2)
    out = first.stdout.str()
    assert "PASSED" not in out
    first.stdout.fnmatch_lines(["*llm requests: * failed (auth *) in 2 incomplete case(s)*"])
    first.stdout.fnmatch_lines(
        [f"*incomplete: model 'keyed': HTTP 401: authentication failed; check the "
         f"environment variable {KEY_ENV} (backend openai, endpoint {server.base_url})*"]
    )
    refused = [r for r in server.received if r.fault == "401"]
    answered = [r for r in server.received if r.fault == ""]
    # Stopped at once: at most one refusal per process, nothing sent after it there.
    assert 1 <= len(refused) <= (2 if workers else 1)
    assert len(answered) <= 2 * 3
    report = _report(pytester)
    assert report["cases"]["counts"] == {"incomplete": 2}
    for case in report["cases"]["not_ok"]:
        assert case["status"] == "incomplete" and not case["metrics"]
        extra = case["extra"]
        assert extra["failures"] == {"auth": extra["failed_requests"]}
        assert extra["failed_requests"] == case["n_invalid"] >= N - 3
        assert "unparseable" not in extra
    assert not list((pytester.path / "out" / "cases").glob("*")), "a failure was stored"
    md = (pytester.path / "out" / "report.md").read_text()
    assert "requests failed" in md and "auth" in md
    html = (pytester.path / "out" / "report.html").read_text()
    assert "requests failed (auth " in html

    server.reset()  # the key is right now: every request is answered
    second = pytester.runpytest_subprocess(*workers, "-rA")
    second.assert_outcomes(passed=2)
    assert "(reused)" not in second.stdout.str()
    # Only what the first run did not receive is asked again; the rest is cached.
    assert server.count == 2 * N - len(answered)
    asked = {r.text for r in server.received}
    assert not asked & {r.text for r in answered}
    report = _report(pytester)
    assert report["cases"]["counts"] == {"ok": 2}
    assert report["cache"]["hits"] == len(answered)
    assert report["cache"]["misses"] == 2 * N - len(answered)
    assert all("failed_requests" not in c.get("extra", {}) for c in report["cases"]["all"])

    third = pytester.runpytest_subprocess(*workers, "-rA")
    third.assert_outcomes(passed=2)
    assert third.stdout.str().count("PASSED (reused)") == 2
    assert server.count == 2 * N - len(answered)


def test_server_errors_make_a_case_incomplete_and_are_counted_apart(project) -> None:
    pytester, server = project
    server.answers["gen-b 1 "] = "no idea"  # unparseable: invalid, but an answer
    server.fault("gen-b 2 ", "500")  # no retries: a failed request
    server.fault("gen-a 5 ", "drop")
    result = pytester.runpytest_subprocess("-rA")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*incomplete: 1 of 8 requests failed (1 http; first: *HTTP 500*"])
    cases = {c["generator"]: c for c in _report(pytester)["cases"]["not_ok"]}
    assert cases["gen-b"]["extra"] == {
        "failed_requests": 1, "failures": {"http": 1}, "unparseable": 1
    }
    assert cases["gen-b"]["n_invalid"] == 2
    assert cases["gen-a"]["extra"] == {"failed_requests": 1, "failures": {"connection": 1}}
    server.reset()
    again = pytester.runpytest_subprocess("-rA")
    again.assert_outcomes(passed=2)
    assert server.count == 2  # the two failed examples, nothing else
    ok = {c["generator"]: c for c in _report(pytester)["cases"]["all"]}
    assert ok["gen-b"]["extra"] == {"unparseable": 1} and ok["gen-b"]["n_invalid"] == 1


# ---------------------------------------------------------------- units


class _Client:
    def __init__(self, completions: list[Completion]) -> None:
        self.completions = completions

    def complete_many(self, requests):
        return self.completions


class _Defaults:
    def request(self, messages, **extra):
        return None


def test_cut_off_answers_that_do_not_parse_are_request_failures_not_unparseable():
    from harness.tasks.intent.chat import parse_intent

    labels = ("a_label", "b_label")
    completions = [
        Completion("a_label", finish_reason="stop"),
        Completion("b_labe", finish_reason="length"),  # cut, parses (fuzzy): valid
        Completion("I think it is", finish_reason="length"),  # cut, does not parse
        Completion("no idea", finish_reason="stop"),  # unparseable
        Completion(None, error="request failed after 1 attempt: timed out", kind="timeout"),
        Completion(None, error="batch x: expired"),  # no kind: "other"
    ]
    pred = LLMPredictor(
        _Client(completions), _Defaults(), lambda ex: [], lambda ex, raw: parse_intent(raw, labels)
    )
    preds = pred.predict([IntentExample(str(i), "a_label") for i in range(len(completions))])
    assert [p.failure for p in preds] == ["", "", "length", "", "timeout", "other"]
    assert preds[1].value == "b_label"
    assert preds[2].raw == "I think it is" and "cut off at max_tokens" in (preds[2].error or "")
    counted = count_failures(preds, n_invalid=sum(not p.valid for p in preds))
    assert counted.kinds == {"length": 1, "timeout": 1, "other": 1}
    assert counted.failed == 2 and counted.unparseable == 1 and counted.incomplete
    assert counted.extra() == {
        "failed_requests": 2,
        "failures": {"length": 1, "other": 1, "timeout": 1},
        "unparseable": 1,
    }
    only_cut = count_failures([preds[2], Prediction(None, error="unparseable: x")], 2)
    assert not only_cut.incomplete and only_cut.extra() == {
        "failures": {"length": 1}, "unparseable": 1
    }


def test_a_refused_key_stops_the_clients_later_requests(tmp_path: Path) -> None:
    from harness.backends import build_client

    with LLMServer(default_answer="x") as server:
        params = {
            "backend": "openai", "model": "m", "base_url": server.base_url,
            "api_key_env": "", "cache_dir": str(tmp_path), "concurrency": 1,
            "max_retries": 3, "retry_base_delay": 0.01,
        }
        client, d = build_client(params)
        server.fault("<q2>", "401")
        reqs = [d.request([{"role": "user", "content": f"<q{i}>"}]) for i in range(6)]
        done = client.complete_many(reqs)
        assert [c.failure for c in done] == ["", "", "auth", "auth", "auth", "auth"]
        assert server.count == 3  # the refusal is not retried and nothing follows it
        assert done[3].error is not None and done[3].error.startswith("not sent: HTTP 401")
        # Another client with the same credentials (another dataset of the model) sends
        # nothing either; answers received before the refusal stay cached.
        other, d2 = build_client({**params, "temperature": 0.0})
        again = other.complete_many(reqs)
        assert server.count == 3
        assert [c.cached for c in again[:2]] == [True, True]
        assert all(c.failure == "auth" for c in again[2:])


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["auth", "http", "timeout", "length", "empty"]),
                    st.integers(1, 10**6)),
    st.integers(0, 10**6),
)
def test_counts_read_back_from_a_case_record_are_the_counts_written(
    kinds: dict[str, int], unparseable: int
) -> None:
    """A report reads a case's failure counts back from the record's ``extra``: what
    ``RequestFailures.extra`` wrote, ``from_extra`` reads, through JSON."""
    written = RequestFailures(kinds, unparseable)
    read = RequestFailures.from_extra(json.loads(json.dumps(written.extra())))
    assert (read.kinds, read.unparseable) == (kinds, unparseable)
    assert read.failed == written.failed


def test_counts_this_harness_did_not_write_are_left_out() -> None:
    read = RequestFailures.from_extra({"failures": {"auth": "3", "http": 2}, "unparseable": 1.5})
    assert (read.kinds, read.unparseable) == ({"http": 2}, 0)
    assert RequestFailures.from_extra({"failures": [1]}).kinds == {}
