"""The one benchmark case body: every (task, dataset, generator, model) of the suite.

The plugin parametrizes ``synth_case`` from ``benchmarks/suite.toml``; the case fails
only if evaluation itself breaks (scores are judged by the suite's gates, after the
session, on all cases together).
"""

from collections.abc import Callable

from harness import CaseKey, CaseResult
def test_benchmark(synth_case: CaseKey, synth_evaluate: Callable[[CaseKey], CaseResult]) -> None:
    result = synth_evaluate(synth_case)
    assert result.n_examples > 0, f"{synth_case.id}: no examples were evaluated"
