"""A prediction outside the task's label set is invalid (intent labels, NER entity types).

The metrics of valid predictions are unchanged; an out-of-set answer is counted in
``invalid_rate``, kept in ``raw`` with the reason in ``error``, and enters each
metric as docs/metrics.md says (intent: a wrong answer of no class; NER: no entity).
"""

from __future__ import annotations

import json

import pytest
from sklearn.metrics import accuracy_score, f1_score

from harness.core.records import Dataset, Prediction
from harness.run.runner import outcomes_of, score_outcomes
from harness.tasks import TASKS
from harness.tasks.intent.records import IntentExample
from harness.tasks.ner.records import Entity, NerExample

LABELS = ("book", "play", "weather")
TEXTS = ("book a table", "play jazz now", "weather in rome", "book flights", "play it")
GOLD = ("book", "play", "weather", "book", "play")


def _intent(labels: tuple[str, ...] = LABELS) -> Dataset:
    examples = tuple(IntentExample(t, g) for t, g in zip(TEXTS, GOLD, strict=True))
    return Dataset("intent", "d", "real", examples, labels)


def test_out_of_set_intent_answers_are_invalid_and_scored_as_wrong() -> None:
    task = TASKS.get("intent")
    data = _intent()
    answers = ("book", "dance", "weather", "xyz", "play")
    out = outcomes_of(task, data, [Prediction(a) for a in answers])
    assert [o.valid for o in out] == [True, False, True, False, True]
    bad = out[1]
    assert bad.prediction is None and bad.raw == '"dance"' and not bad.correct
    assert bad.error == "'dance' is not one of the dataset's 3 labels"
    metrics = score_outcomes(task, out, data.labels)
    assert metrics["invalid_rate"] == pytest.approx(2 / 5)
    # Independent: sklearn on the answers as given, the out-of-set ones simply wrong.
    assert metrics["accuracy"] == pytest.approx(accuracy_score(GOLD, answers))
    expected = f1_score(GOLD, answers, labels=sorted(set(GOLD)), average="macro", zero_division=0)
    assert metrics["macro_f1"] == pytest.approx(expected)
    # Without a label set there is nothing to check against: the answers stand.
    free = outcomes_of(task, _intent(()), [Prediction(a) for a in answers])
    assert all(o.valid for o in free)


def test_a_model_that_never_answers_with_a_label_has_invalid_rate_one() -> None:
    task = TASKS.get("intent")
    data = _intent()
    preds = [Prediction(t.split()[-1] + "!") for t in TEXTS]
    metrics = score_outcomes(task, outcomes_of(task, data, preds), data.labels)
    assert metrics["invalid_rate"] == 1.0 and metrics["accuracy"] == 0.0
    assert metrics["macro_f1"] == 0.0


def _ner() -> Dataset:
    text = "Ada met Alan in Paris"
    ents = (Entity(0, 3, "person", "Ada"), Entity(16, 21, "location", "Paris"))
    return Dataset("ner", "d", "real", (NerExample(text, ents),) * 2, ("location", "person"))


def test_ner_span_with_a_foreign_type_makes_the_prediction_invalid() -> None:
    task = TASKS.get("ner")
    data = _ner()
    good = (Entity(0, 3, "person", "Ada"), Entity(16, 21, "location", "Paris"))
    foreign = (Entity(0, 3, "person", "Ada"), Entity(8, 12, "ORG", "Alan"))
    out = outcomes_of(task, data, [Prediction(good), Prediction(foreign)])
    assert out[0].valid and out[0].correct
    assert not out[1].valid and out[1].prediction is None
    assert json.loads(out[1].raw or "") == [[0, 3, "person"], [8, 12, "ORG"]]
    assert "entity type 'ORG' is not in the dataset's label set" in (out[1].error or "")
    metrics = score_outcomes(task, out, data.labels)
    assert metrics["invalid_rate"] == 0.5
    # The invalid example predicts no entity: its 2 gold entities are missed.
    assert metrics["precision"] == 1.0 and metrics["recall"] == 0.5
    assert metrics["f1"] == pytest.approx(2 * 2 / (2 * 2 + 0 + 2))


def test_metric_versions_changed_so_stored_results_are_recomputed() -> None:
    assert TASKS.get("intent").metric_version == 2
    assert TASKS.get("ner").metric_version == 2
