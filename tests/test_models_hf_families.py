"""The Hugging Face families users have, each on a tiny random model saved by the test.

Each prediction is checked against an independent computation with plain
transformers (logits, mean pooling), not just for its shape.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("sentence_transformers")

import torch  # noqa: E402
import transformers  # noqa: E402

from harness.models import MODELS, TaskContext  # noqa: E402
from harness.models.factories import resolve  # noqa: E402
from harness.models.hf_text_classification import map_labels  # noqa: E402
from harness.tasks.intent.records import IntentExample  # noqa: E402
from harness.tasks.similarity.records import SimilarityExample  # noqa: E402
from tests.hf_tiny import save_bert, save_sentence_transformer  # noqa: E402

TEXTS = ["play this song", "get the weather in paris", "book a table for two", "the cat sat"]
PAIRS = [
    ("the cat sat on the mat", "the cat sat"),
    ("play music", "book a table"),
    ("rain in rome", "weather in rome"),
    ("ada met alan", "alan met ada"),
]


def test_every_family_is_registered_for_its_task() -> None:
    expected = {
        "hf-text-classification": ("intent",),
        "hf-zero-shot": ("intent",),
        "hf-token-classification": ("ner",),
        "sentence-transformers": ("similarity",),
        "cross-encoder": ("similarity",),
    }
    for name, tasks in expected.items():
        assert resolve(name).tasks == tasks


def test_label_names_map_exactly_then_ignoring_case_and_punctuation() -> None:
    got = map_labels(
        ["PlayMusic", "get_weather", "LABEL_2", "Book-Restaurant"],
        ["play_music", "get_weather", "book_restaurant"],
        {"LABEL_2": "book_restaurant"},
    )
    assert got == {
        "PlayMusic": "play_music",
        "get_weather": "get_weather",
        "LABEL_2": "book_restaurant",
        "Book-Restaurant": "book_restaurant",
    }
    with pytest.raises(ValueError, match="not a label of the dataset"):
        map_labels(["A"], ["x"], {"A": "y"})


def test_text_classification_takes_the_best_mapped_label(tmp_path: Path) -> None:
    # The model has a class the dataset lacks ("Other"): answers stay in the dataset's terms.
    labels = ["PlayMusic", "GetWeather", "Other", "BookRestaurant"]
    path = save_bert(tmp_path / "clf", "BertForSequenceClassification", labels)
    ctx = TaskContext("intent", "toy", labels=("book_restaurant", "get_weather", "play_music"))
    model = MODELS.get("hf-text-classification")(ctx, model=str(path), batch_size=2)
    preds = model.predict([IntentExample(t, "play_music") for t in TEXTS])

    tok = transformers.AutoTokenizer.from_pretrained(path)
    net = transformers.AutoModelForSequenceClassification.from_pretrained(path).eval()
    with torch.no_grad():
        logits = net(**tok(TEXTS, return_tensors="pt", padding=True)).logits.numpy()
    logits[:, labels.index("Other")] = -np.inf
    expected = [labels[i] for i in logits.argmax(axis=1)]
    assert [p.raw for p in preds] == expected
    names = {"PlayMusic": "play_music", "GetWeather": "get_weather"}
    names["BookRestaurant"] = "book_restaurant"
    assert [p.value for p in preds] == [names[e] for e in expected]


def test_text_classification_refuses_a_model_with_no_matching_label(tmp_path: Path) -> None:
    path = save_bert(tmp_path / "clf", "BertForSequenceClassification", ["LABEL_0", "LABEL_1"])
    ctx = TaskContext("intent", "toy", labels=("play_music",))
    with pytest.raises(ValueError, match=r"none of .* labels \(LABEL_0, LABEL_1\).*label_map"):
        MODELS.get("hf-text-classification")(ctx, model=str(path))


def _mean_pooled(bert: Path, texts: list[str]) -> np.ndarray:
    tok = transformers.AutoTokenizer.from_pretrained(bert)
    net = transformers.AutoModel.from_pretrained(bert).eval()
    enc = tok(texts, return_tensors="pt", padding=True)
    with torch.no_grad():
        hidden = net(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).float()
    vec = ((hidden * mask).sum(1) / mask.sum(1)).numpy()
    return vec / np.linalg.norm(vec, axis=1, keepdims=True)


def test_sentence_transformers_bi_encoder_is_the_cosine_of_mean_pooled_bert(
    tmp_path: Path,
) -> None:
    path = save_sentence_transformer(tmp_path / "st")
    ctx = TaskContext("similarity", "toy")
    model = MODELS.get("sentence-transformers")(ctx, model=str(path), batch_size=3)
    preds = model.predict([SimilarityExample(a, b, 0.0) for a, b in PAIRS])
    left = _mean_pooled(tmp_path / "st-bert", [a for a, _ in PAIRS])
    right = _mean_pooled(tmp_path / "st-bert", [b for _, b in PAIRS])
    assert [p.value for p in preds] == pytest.approx(list((left * right).sum(1)), abs=1e-5)


def test_cross_encoder_is_the_sigmoid_of_the_pair_logit(tmp_path: Path) -> None:
    path = save_bert(tmp_path / "ce", "BertForSequenceClassification", ["score"])
    ctx = TaskContext("similarity", "toy")
    model = MODELS.get("cross-encoder")(ctx, model=str(path), batch_size=2)
    preds = model.predict([SimilarityExample(a, b, 0.0) for a, b in PAIRS])
    tok = transformers.AutoTokenizer.from_pretrained(path)
    net = transformers.AutoModelForSequenceClassification.from_pretrained(path).eval()
    enc = tok([a for a, _ in PAIRS], [b for _, b in PAIRS], return_tensors="pt", padding=True)
    with torch.no_grad():
        logit = net(**enc).logits[:, 0]
    assert [p.value for p in preds] == pytest.approx(torch.sigmoid(logit).tolist(), abs=1e-5)
    # Pair order matters to a cross-encoder; the scores are not a constant.
    assert len({round(p.value, 6) for p in preds}) > 1


def test_hub_families_keep_remote_code_off_and_pass_the_revision(monkeypatch) -> None:
    import sentence_transformers

    from harness.models import hf_sentence

    seen: dict = {}

    class Fake:
        def __init__(self, model, **kw):
            seen.update(model=model, **kw)

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", Fake)
    hf_sentence._bi_encoder.cache_clear()
    MODELS.get("sentence-transformers")(
        TaskContext("similarity", "toy"), model="org/st", revision="abc123", device="cpu"
    )
    assert seen == {
        "model": "org/st",
        "revision": "abc123",
        "device": "cpu",
        "trust_remote_code": False,
    }
    hf_sentence._bi_encoder.cache_clear()
