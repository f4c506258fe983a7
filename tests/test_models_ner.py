"""The trained NER models: gazetteer and CRF."""

from __future__ import annotations

import sys

import pytest

from harness.models import MODELS, MissingDependency, TaskContext
from harness.models.crf import training_sequences
from harness.models.gazetteer import build_gazetteer
from harness.tasks.ner.records import Entity, NerExample


def _ex(text: str, *names: tuple[str, str]) -> NerExample:
    ents = []
    for name, label in names:
        start = text.index(name)
        ents.append(Entity(start, start + len(name), label, name))
    return NerExample(text, tuple(ents))


LABELS = ("person", "location")


def test_gazetteer_longest_match_and_tokenized_names() -> None:
    train = (
        _ex("New York is big .", ("New York", "location")),
        _ex("York said hello .", ("York", "person")),
        _ex("Alice lives here .", ("Alice", "person")),
    )
    model = MODELS.get("gazetteer")(TaskContext("ner", "toy", LABELS, train))
    text = "Alice's trip to New York met York ."
    (pred,) = model.predict([NerExample(text, ())])
    assert pred.value == (
        Entity(0, 5, "person", "Alice"),
        Entity(16, 24, "location", "New York"),
        Entity(29, 33, "person", "York"),
    )
    (none,) = model.predict([NerExample("alice and new york", ())])
    assert none.value == ()


def test_gazetteer_keeps_most_frequent_label_and_only_known_labels() -> None:
    train = (
        _ex("Jordan .", ("Jordan", "location")),
        _ex("Jordan !", ("Jordan", "person")),
        _ex("Jordan ?", ("Jordan", "person")),
        _ex("Mars .", ("Mars", "planet")),
        _ex("X .", ("X", "person")),
    )
    names = build_gazetteer(train, LABELS)
    assert names == {("Jordan",): "person"}


def _repetitive() -> tuple[NerExample, ...]:
    people = ["Alice", "Bob", "Carol", "Dave"]
    places = ["Paris", "Rome", "Oslo", "Lima"]
    out = []
    for i in range(16):
        p, c = people[i % 4], places[(i // 4) % 4]
        out.append(_ex(f"I met {p} in {c} today .", (p, "person"), (c, "location")))
        out.append(_ex(f"We visited {c} with {p} .", (c, "location"), (p, "person")))
    return tuple(out)


def test_crf_tags_a_seen_entity_in_a_seen_context() -> None:
    model = MODELS.get("crf")(TaskContext("ner", "toy", LABELS, _repetitive()))
    (pred,) = model.predict([NerExample("I met Alice in Paris today .", ())])
    assert pred.value == (Entity(6, 11, "person", "Alice"), Entity(15, 20, "location", "Paris"))


def test_crf_trains_deterministically() -> None:
    texts = ["I met Zed in Kyiv today .", "We visited Rome with Alice .", "nothing here", ""]
    runs = []
    for _ in range(2):
        model = MODELS.get("crf")(TaskContext("ner", "toy", LABELS, _repetitive(), seed=7))
        runs.append(
            (
                [p.value for p in model.predict([NerExample(t, ()) for t in texts])],
                model.model.state_features_,
            )
        )  # type: ignore[attr-defined]
    assert runs[0] == runs[1]
    assert runs[0][0][3] == ()


def test_crf_training_drops_overlapping_and_unknown_entities() -> None:
    ex = NerExample(
        "New York City",
        (
            Entity(0, 8, "location", "New York"),
            Entity(4, 13, "location", "York City"),
            Entity(0, 3, "planet", "New"),
        ),
    )
    xs, ys, dropped = training_sequences([ex], LABELS)
    assert dropped == 2
    assert ys == [["B-location", "I-location", "O"]]
    assert len(xs[0]) == 3 and xs[0][0]["lower"] == "new" and xs[0][0]["BOS"]


def test_crf_missing_package_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn_crfsuite", None)
    with pytest.raises(MissingDependency, match="pip install sklearn-crfsuite"):
        MODELS.get("crf")(TaskContext("ner", "toy", LABELS, _repetitive()))
