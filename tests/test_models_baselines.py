"""Floor baselines, the capitalised-span chunker and the shared helpers of the model zoo."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.models import MODELS, TaskContext
from harness.models.baselines import jaccard_score, length_ratio_score
from harness.models.spans import capitalised_spans
from harness.models.support import most_common, readable_label, sample_per_label
from harness.tasks.intent.records import IntentExample
from harness.tasks.ner.records import Entity, NerExample
from harness.tasks.similarity.records import SimilarityExample


def _intent_ctx(train: list[tuple[str, str]], labels: tuple[str, ...] = ()) -> TaskContext:
    exs = tuple(IntentExample(t, lab) for t, lab in train)
    return TaskContext("intent", "toy", labels or tuple(sorted({lab for _, lab in train})), exs)


def test_majority_predicts_the_most_frequent_train_label() -> None:
    model = MODELS.get("majority")(_intent_ctx([("a", "x"), ("b", "y"), ("c", "y")]))
    preds = model.predict([IntentExample("anything", "x"), IntentExample("else", "x")])
    assert [p.value for p in preds] == ["y", "y"]


def test_majority_breaks_ties_alphabetically_and_needs_a_train_split() -> None:
    model = MODELS.get("majority")(_intent_ctx([("a", "b-label"), ("b", "a-label")]))
    assert model.predict([IntentExample("q", "b-label")])[0].value == "a-label"
    with pytest.raises(ValueError, match="no IntentExample train examples"):
        MODELS.get("majority")(TaskContext("intent", "toy", ("x",), ()))


def test_length_ratio_hand_values() -> None:
    assert length_ratio_score("a b", "a b c d") == 0.5
    assert length_ratio_score("one two three", "four five six") == 1.0
    assert length_ratio_score("", "") == 1.0
    assert length_ratio_score("", "word") == 0.0
    pred = MODELS.get("length-ratio")(TaskContext("similarity", "toy")).predict(
        [SimilarityExample("x y z w", "x", 0.0)]
    )
    assert pred[0].value == 0.25


def test_jaccard_hand_values() -> None:
    assert jaccard_score("The cat sat.", "the cat sat") == 1.0
    assert jaccard_score("a b", "b c") == pytest.approx(1 / 3)
    assert jaccard_score("a b", "c d") == 0.0
    model = MODELS.get("jaccard")(TaskContext("similarity", "toy"))
    assert [p.value for p in model.predict([SimilarityExample("a b c", "a b c", 5.0)])] == [1.0]


@given(st.text(max_size=40), st.text(max_size=40))
def test_jaccard_and_length_ratio_are_symmetric_in_unit_interval(a: str, b: str) -> None:
    for fn in (jaccard_score, length_ratio_score):
        assert fn(a, b) == fn(b, a)
        assert 0.0 <= fn(a, b) <= 1.0
        assert fn(a, a) == 1.0


def _spans(text: str) -> list[str]:
    return [text[s:e] for s, e in capitalised_spans(text)]


def test_chunker_joins_connectors_and_skips_function_words() -> None:
    assert _spans(
        "In Kenya , the Communist Party of the Russian Federation met Nigel Farage ."
    ) == [
        "Kenya",
        "Communist Party of the Russian Federation",
        "Nigel Farage",
    ]
    # A connector needs a capitalised token on both sides.
    assert _spans("the fall of the city of Rome") == ["Rome"]
    assert _spans("He said The") == []
    assert _spans("") == []


def test_capitalised_majority_tags_every_capitalised_span_with_the_top_label() -> None:
    train = (
        NerExample(
            "Alice met Bob", (Entity(0, 5, "person", "Alice"), Entity(10, 13, "person", "Bob"))
        ),
        NerExample("Paris", (Entity(0, 5, "location", "Paris"),)),
    )
    ctx = TaskContext("ner", "toy", ("person", "location"), train)
    text = "Carol flew to New York with Dave ."
    (pred,) = MODELS.get("capitalised-majority")(ctx).predict([NerExample(text, ())])
    assert pred.value == (
        Entity(0, 5, "person", "Carol"),
        Entity(14, 22, "person", "New York"),
        Entity(28, 32, "person", "Dave"),
    )


def test_readable_label() -> None:
    assert readable_label("atis_ground_service") == "ground service"
    assert readable_label("PlayMusic") == "play music"
    assert readable_label("SearchScreeningEvent") == "search screening event"
    assert readable_label("atis_flight#atis_airfare") == "flight and airfare"
    assert readable_label("political party") == "political party"


def test_sample_per_label_is_seeded_and_bounded() -> None:
    exs = [IntentExample(f"t{i}", "a" if i % 3 else "b") for i in range(60)]
    one = sample_per_label(exs, 5, seed=1)
    assert one == sample_per_label(list(exs), 5, seed=1)
    assert {lab: len(v) for lab, v in one.items()} == {"a": 5, "b": 5}
    assert all(ex.label == lab for lab, v in one.items() for ex in v)
    assert one != sample_per_label(exs, 5, seed=2)
    assert sum(len(v) for v in sample_per_label(exs, 0, seed=1).values()) == 60


def test_most_common_ties() -> None:
    assert most_common(["b", "a", "b", "a"]) == "a"
    assert most_common([]) is None
