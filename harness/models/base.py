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

# The shared error types live in the core; re-exported here for models and old callers.
from harness.core.errors import MissingDependency as MissingDependency
from harness.core.errors import NotConfigured as NotConfigured
from harness.core.records import Dataset, Example, Prediction

# The context lives in the task kit (a task's chat prompt reads it too); named here for models.
from harness.tasks.kit.context import TaskContext as TaskContext


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
