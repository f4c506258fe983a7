"""TF-IDF intent models and the lexical similarity models (TF-IDF cosine, BM25)."""

from __future__ import annotations

import math

import pytest

from harness.models import MODELS, TaskContext
from harness.models.lexical_similarity import Bm25Corpus
from harness.tasks.intent.records import IntentExample
from harness.tasks.similarity.records import SimilarityExample

TRAIN = [
    ("play some jazz music", "PlayMusic"),
    ("play the new album by adele", "PlayMusic"),
    ("play rock songs on spotify", "PlayMusic"),
    ("put on music by queen", "PlayMusic"),
    ("what is the weather in paris", "GetWeather"),
    ("will it rain tomorrow in london", "GetWeather"),
    ("weather forecast for berlin", "GetWeather"),
    ("is it going to be sunny today", "GetWeather"),
    ("book a table for two at an italian restaurant", "BookRestaurant"),
    ("reserve a restaurant for four people tonight", "BookRestaurant"),
    ("book a table at a sushi place", "BookRestaurant"),
    ("i need a restaurant reservation for friday", "BookRestaurant"),
]
QUERIES = [
    IntentExample("play jazz on spotify", "PlayMusic"),
    IntentExample("what is the weather tomorrow in berlin", "GetWeather"),
    IntentExample("book a restaurant table for six", "BookRestaurant"),
]


def _ctx(seed: int = 0) -> TaskContext:
    train = tuple(IntentExample(t, lab) for t, lab in TRAIN)
    return TaskContext(
        "intent", "toy", ("BookRestaurant", "GetWeather", "PlayMusic"), train, seed=seed
    )


@pytest.mark.parametrize("name", ["tfidf-logreg", "tfidf-centroid"])
def test_tfidf_intent_models_classify_obvious_queries(name: str) -> None:
    preds = MODELS.get(name)(_ctx(), **({"k": 3} if name == "tfidf-centroid" else {})).predict(
        QUERIES
    )
    assert [p.value for p in preds] == [q.label for q in QUERIES]


def test_tfidf_logreg_trains_deterministically() -> None:
    extra = [
        IntentExample(t, "PlayMusic") for t in ("rain music", "table weather", "unseen words", "")
    ]
    first = MODELS.get("tfidf-logreg")(_ctx(seed=3))
    second = MODELS.get("tfidf-logreg")(_ctx(seed=3))
    assert [p.value for p in first.predict(QUERIES + extra)] == [
        p.value for p in second.predict(QUERIES + extra)
    ]
    assert (first.classifier.coef_ == second.classifier.coef_).all()  # type: ignore[attr-defined]


def test_tfidf_centroid_uses_only_k_shots() -> None:
    # With k=1 only one example per label is seen; the draw is fixed by the seed.
    a = MODELS.get("tfidf-centroid")(_ctx(seed=5), k=1)
    b = MODELS.get("tfidf-centroid")(_ctx(seed=5), k=1)
    assert len(a.vectorizer.vocabulary_) < 20  # type: ignore[attr-defined]
    assert a.vectorizer.vocabulary_ == b.vectorizer.vocabulary_  # type: ignore[attr-defined]


def _pairs(*pairs: tuple[str, str]) -> list[SimilarityExample]:
    return [SimilarityExample(a, b, 0.0) for a, b in pairs]


@pytest.mark.parametrize("name", ["tfidf-cosine", "char-tfidf-cosine"])
def test_tfidf_cosine_identical_is_one_and_disjoint_is_zero(name: str) -> None:
    model = MODELS.get(name)(TaskContext("similarity", "toy"))
    identical, partial, disjoint = (
        p.value
        for p in model.predict(
            _pairs(
                ("the cat sat on the mat", "the cat sat on the mat"),
                ("the cat sat", "a cat slept"),
                ("dog", "xq"),
            )
        )
    )
    assert identical == pytest.approx(1.0)
    assert disjoint == pytest.approx(0.0)
    assert 0.0 < partial < 1.0


def test_char_tfidf_sees_shared_stems_that_words_miss() -> None:
    pairs = _pairs(("runners running", "the runner runs"), ("x", "y"))
    word = MODELS.get("tfidf-cosine")(TaskContext("similarity", "toy")).predict(pairs)
    char = MODELS.get("char-tfidf-cosine")(TaskContext("similarity", "toy")).predict(pairs)
    assert word[0].value == 0.0
    assert char[0].value > 0.3


def test_bm25_hand_computed_value() -> None:
    # Corpus {[a, b], [a, c]}: N=2, avgdl=2, df(a)=2. Only "a" is shared, tf=1, |d|=avgdl:
    # idf(a) * 1 * (k1 + 1) / (1 + k1) = idf(a) = log(1 + 0.5 / 2.5), in both directions.
    (pred,) = MODELS.get("bm25")(TaskContext("similarity", "toy")).predict(_pairs(("a b", "a c")))
    assert pred.value == pytest.approx(math.log(1.2))


def test_bm25_orders_identical_over_partial_over_disjoint() -> None:
    model = MODELS.get("bm25")(TaskContext("similarity", "toy"))
    same, part, none = (
        p.value
        for p in model.predict(
            _pairs(("red apple pie", "red apple pie"), ("red apple", "green apple"), ("sky", "sea"))
        )
    )
    assert same > part > none == 0.0


def test_bm25_corpus_idf_and_empty_document() -> None:
    corpus = Bm25Corpus([["a"], ["b"], ["a", "b"]])
    assert corpus.idf("a") == pytest.approx(math.log(1 + 1.5 / 2.5))
    assert corpus.idf("unseen") == pytest.approx(math.log(1 + 3.5 / 0.5))
    assert corpus.score(["a"], [], 1.5, 0.75) == 0.0


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="bm25"):
        MODELS.get("bm25")(TaskContext("similarity", "toy"), b=2.0)
    with pytest.raises(ValueError, match="ngram_min"):
        MODELS.get("char-tfidf-cosine")(TaskContext("similarity", "toy"), ngram_min=3, ngram_max=2)
