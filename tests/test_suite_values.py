"""Suite values are checked for type and meaning when the suite is read (issue 15.3)."""

from __future__ import annotations

import tomllib

import pytest

from harness.core.values import strict_bool
from harness.run.suite import ConfigError, parse_suite
from tests.synth_fixtures import suite_text


def _parse(extra: str) -> None:
    parse_suite(tomllib.loads(suite_text(extra)), "suite.toml")


@pytest.mark.parametrize(("extra", "message"), [
    ('[datasets.d2]\ntask = "intent"\ntest = "real/x.jsonl"\n'
     'synthetic = "synthetic/{ds}/{generator}.jsonl"',
     r"datasets\.d2\.synthetic: unknown field \{ds\}"),
    ('[datasets.d2]\ntask = "intent"\ntest = "real/x.jsonl"\nsynthetic = "s/{dataset/{generator}"',
     r"datasets\.d2\.synthetic: not a valid template"),
    ('[models.x]\nfactory = "hf-zero-shot"\nparams = {trust_remote_code = "false"}',
     r"models\.x\.params\.trust_remote_code: expected bool, got str 'false'"),
    ('[models.x]\nfactory = "hf-token-classification"\nparams = {batch_size = "8"}',
     r"models\.x\.params\.batch_size: expected int"),
    ('[models.x]\nfactory = "tfidf-logreg"\nparams = {C = "big"}', r"models\.x\.params\.C"),
    ('[models.x]\nfactory = "tfidf-logreg"\nparams = {max_iterations = 3}',
     r"models\.x\.params\.max_iterations: unknown parameter; known: C, max_iter"),
    ('[models.x]\nfactory = "llm"\nparams = {model = "m", temperature = "hot"}',
     r"models\.x\.params\.temperature: expected float"),
    ('[models.x]\nfactory = "llm"\nparams = {model = "m", backend = "transformers", '
     'trust_remote_code = 1}', r"models\.x\.params\.trust_remote_code: expected bool"),
    ('[models.x]\nfactory = "llm"\nparams = {model = "m", concurrency = 2.5}',
     r"models\.x\.params\.concurrency: expected int"),
    ('[generators.g9]\nkind = "generate"\nparams = {model = "m"}\ngenerate = {n = 5.5}',
     r"generators\.g9\.generate\.n: expected int"),
    ('[generators.g9]\nkind = "generate"\nparams = {model = "m", timeout = "soon"}',
     r"generators\.g9\.params\.timeout: expected float"),
    ('[datasets.d2]\ntask = "intent"\ntest = "../../../etc/passwd"',
     r"datasets\.d2\.test: '\.\./\.\./\.\./etc/passwd' is outside the data directory"),
    ('[datasets.d2]\ntask = "intent"\ntest = "real/x.jsonl"\ntrain = "/etc/passwd"',
     r"datasets\.d2\.train: '/etc/passwd' is outside"),
    ('[datasets.d2]\ntask = "ner"\ntest = "real/x.jsonl"\nlabels = "real/../../l.json"',
     r"datasets\.d2\.labels: .* is outside"),
    ('[generators."../../../up"]\nmodel_id = "x"\n',
     # refused as a name now, before any path is filled with it
     r"generators\.\.\./\.\./\.\./up: the generator name '\.\./\.\./\.\./up' may not be "
     r"\. or \.\. or hold /"),
])
def test_accepted_means_usable(extra: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _parse(extra)


def test_paths_outside_the_data_directory_when_the_suite_says_so() -> None:
    text = suite_text('[datasets.d2]\ntask = "intent"\ntest = "/abs/test.jsonl"')
    text = text.replace("[run]\n", '[run]\ndata_paths = "any"\n')
    suite = parse_suite(tomllib.loads(text), "suite.toml")
    assert suite.dataset("d2").test == "/abs/test.jsonl"
    with pytest.raises(ConfigError, match=r"run\.data_paths: expected \"confined\" or \"any\""):
        parse_suite(tomllib.loads(text.replace('"any"', '"anywhere"')), "suite.toml")


def test_well_typed_values_pass() -> None:
    _parse('[models.x]\nfactory = "hf-zero-shot"\nparams = {trust_remote_code = false, '
           'batch_size = 4}\n[models.y]\nfactory = "llm"\n'
           'params = {model = "m", temperature = 0, seed = 3, concurrency = 2}')


def test_backends_no_longer_coerce_strings_to_true() -> None:
    from harness.backends.transformers_chat import transformers_backend

    with pytest.raises(ValueError, match="trust_remote_code: expected true or false"):
        transformers_backend("m", trust_remote_code="false")  # type: ignore[arg-type]
    assert strict_bool("x", False) is False
