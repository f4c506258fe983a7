"""A mistake in ``--synth-suite`` is reported as itself: one message naming the file and
key, and no line about markers (the case markers are never registered when the suite
cannot be read, and nothing may complain about them)."""

from __future__ import annotations

import pytest

from tests.synth_fixtures import BENCH_TEST

SUITES = {
    "factory": ('[models.x]\nfactory = "nope"\n', "models.x.factory: unknown model factory"),
    "toml": ('[models.x\nfactory = "nope"\n', "not valid TOML"),
    "task": (
        '[datasets.d]\ntask = "nope"\ntest = "t.jsonl"\n[models.m]\nfactory = "majority"\n',
        "datasets.d.task: unknown task 'nope'",
    ),
}


@pytest.mark.parametrize("kind", sorted(SUITES))
@pytest.mark.parametrize("select", [(), ("-m", "task_intent and model_x")])
def test_a_suite_error_says_only_what_is_wrong(
    pytester: pytest.Pytester, kind: str, select: tuple[str, ...]
) -> None:
    text, message = SUITES[kind]
    pytester.makefile(".toml", suite=text)
    pytester.makepyfile(test_bench=BENCH_TEST)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--strict-markers", "--synth-suite", "suite.toml", *select
    )
    assert result.ret != 0
    output = result.stdout.str() + result.stderr.str()
    assert message in output
    assert "marker" not in output.lower(), output
