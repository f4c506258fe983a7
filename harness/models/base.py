"""The interface of a model (a method under evaluation) and its build context.

A model is registered as a *factory*: ``factory(ctx, **params) -> Predictor``.
The harness builds one predictor per (model, dataset) per worker process and reuses
it for every source of that dataset, so training on the real train split (TF-IDF +
logistic regression, CRF, prototypes) happens once per worker, not once per case.
Heavy shared resources (the MiniLM encoder, spaCy) are loaded once per process by
the model modules themselves (``functools.cache``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from harness.core.extras import DISTRIBUTIONS, install_line
from harness.core.records import Dataset, Example, Prediction

# The context lives in the task kit (a task's chat prompt reads it too); named here for models.
from harness.tasks.kit.context import TaskContext as TaskContext


class MissingDependency(RuntimeError):
    """An optional package a model needs is not installed: its cases are skipped."""

    def __init__(self, package: str, model: str = "") -> None:
        who = f"model {model!r} " if model else ""
        module = {d: m for m, d in DISTRIBUTIONS.items()}.get(package, package.replace("-", "_"))
        line = install_line(module)
        also = f" (the extra that brings it; or pip install {package})" if "[" in line else ""
        super().__init__(f"{who}needs the package {package!r}: {line}{also}")
        self.package = package


class NotConfigured(RuntimeError):
    """A model lacks run-time configuration (endpoint, API key): its cases are skipped.

    The message names what to set, e.g. the environment variable of the key.
    """


class Predictor(Protocol):
    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        """One ``Prediction`` per example, in order; batch internally."""
        ...


def predict_data(predictor: Predictor, data: Dataset) -> list[Prediction]:
    """The predictions for one source.

    A predictor whose answers depend on the source, not only on each example (the
    ``import`` model: one log per source), has ``predict_source(data)``; any other
    gets the examples.
    """
    own = getattr(predictor, "predict_source", None)
    if own is not None:
        return list(own(data))
    return predictor.predict(data.examples)


ModelFactory = Callable[..., Predictor]
"""``factory(ctx: TaskContext, **params) -> Predictor``; registered with
``@MODELS.register(name, tasks=("intent",))``."""


def params_key(params: dict[str, Any]) -> str:
    """A stable text form of a parameter dict, for per-process caches."""
    import json

    return json.dumps(params, sort_keys=True, default=str)
