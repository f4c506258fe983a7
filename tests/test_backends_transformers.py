"""The local transformers backend and pipeline models, on tiny random models built here.

Every model and tokenizer is created by the test, saved to tmp_path with
``save_pretrained`` and loaded back through ``from_pretrained(path)``, the path a
hub id takes too. Fully offline.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from harness.backends import build_client  # noqa: E402
from harness.backends.hf_local import fingerprint, pick_device  # noqa: E402
from harness.models import MODELS, TaskContext  # noqa: E402
from harness.tasks.intent.records import IntentExample  # noqa: E402
from harness.tasks.ner.records import NerExample  # noqa: E402

WORDS = (
    "play",
    "music",
    "get",
    "weather",
    "book",
    "restaurant",
    "ada",
    "met",
    "alan",
    "in",
    "paris",
    "rome",
    "user",
    "assistant",
    "system",
    ":",
    "the",
    "a",
    "is",
    "this",
    "example",
    "intent",
    "text",
    ".",
    "of",
    "play_music",
    "get_weather",
)
CHAT_TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }} : {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant :{% endif %}"
)


def _tokenizer(path: Path):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(("[UNK]", "[PAD]", "[EOS]", "[CLS]", "[SEP]") + WORDS)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        eos_token="[EOS]",
        cls_token="[CLS]",
        sep_token="[SEP]",
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(path)
    return len(vocab)


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory) -> Path:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    path = tmp_path_factory.mktemp("tiny-gpt2")
    n = _tokenizer(path)
    torch.manual_seed(0)
    cfg = GPT2Config(
        vocab_size=n,
        n_embd=16,
        n_layer=1,
        n_head=2,
        n_positions=256,
        bos_token_id=2,
        eos_token_id=2,
        pad_token_id=1,
    )
    GPT2LMHeadModel(cfg).save_pretrained(path)
    return path


def _bert(path: Path, head: str, labels: list[str]) -> Path:
    import torch
    import transformers

    n = _tokenizer(path)
    torch.manual_seed(0)
    cfg = transformers.BertConfig(
        vocab_size=n,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=256,
        pad_token_id=1,
        id2label=dict(enumerate(labels)),
        label2id={lab: i for i, lab in enumerate(labels)},
    )
    getattr(transformers, head)(cfg).save_pretrained(path)
    return path


def _chat(model: Path, tmp_path: Path, **params):
    return build_client(
        {
            "backend": "transformers",
            "model": str(model),
            "max_tokens": 6,
            "cache_dir": str(tmp_path / "cache"),
            **params,
        }
    )


def test_chat_generation_is_deterministic_and_cached(tiny_lm, tmp_path):
    client, d = _chat(tiny_lm, tmp_path, batch_size=2)
    reqs = [
        d.request([{"role": "user", "content": t}])
        for t in ("play music", "get the weather in paris", "book a restaurant")
    ]
    first = client.complete_many(reqs)
    assert all(c.ok and isinstance(c.text, str) for c in first)
    assert all(c.completion_tokens > 0 and not c.cached for c in first)
    again = client.complete_many(reqs)
    assert [c.cached for c in again] == [True] * 3
    assert [c.text for c in again] == [c.text for c in first]
    # Batched greedy decoding (left padding) agrees with one request at a time.
    solo, d2 = _chat(tiny_lm, tmp_path, cache="off", batch_size=1)
    assert [c.text for c in solo.complete_many(reqs)] == [c.text for c in first]


def test_seeded_sampling_repeats(tiny_lm, tmp_path):
    client, d = _chat(tiny_lm, tmp_path, cache="off", temperature=1.0, max_tokens=12)
    req = d.request([{"role": "user", "content": "ada met alan"}], seed=5)
    a, b = client.complete_many([req, req])
    assert a.ok and a.text == b.text


def test_llm_model_on_a_local_backend(tiny_lm, tmp_path):
    ctx = TaskContext("intent", "toy", labels=("play_music", "get_weather"))
    model = MODELS.get("llm")(
        ctx, backend="transformers", model=str(tiny_lm), max_tokens=3, cache_dir=str(tmp_path / "c")
    )
    preds = model.predict(
        [IntentExample("play music", "play_music"), IntentExample("get weather", "get_weather")]
    )
    assert len(preds) == 2
    for p in preds:  # a random model: either a label, or counted as unparseable with its text
        assert p.raw is not None
        assert (p.value in ctx.labels) or (p.value is None and p.error.startswith("unparseable"))


def test_zero_shot_pipeline_model(tmp_path):
    path = _bert(
        tmp_path / "nli",
        "BertForSequenceClassification",
        ["entailment", "neutral", "contradiction"],
    )
    ctx = TaskContext("intent", "toy", labels=("play_music", "get_weather", "book_restaurant"))
    model = MODELS.get("hf-zero-shot")(ctx, model=str(path), batch_size=2)
    exs = [IntentExample(t, "play_music") for t in ("play music", "the weather", "book a table")]
    preds = model.predict(exs)
    assert len(preds) == 3 and all(p.value in ctx.labels for p in preds)
    assert model.predict(exs) == preds


def test_token_classification_pipeline_model(tmp_path):
    path = _bert(
        tmp_path / "ner", "BertForTokenClassification", ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    )
    ctx = TaskContext("ner", "toy", labels=("person", "location"))
    model = MODELS.get("hf-token-classification")(
        ctx, model=str(path), label_map={"PER": "person", "LOC": "location"}
    )
    text = "ada met alan in paris"
    [p] = model.predict([NerExample(text, ())])
    assert isinstance(p.value, tuple)
    for e in p.value:
        assert e.label in ctx.labels and text[e.start : e.end] == e.text and e.start < e.end


def test_trust_remote_code_off_and_device_auto(monkeypatch, tmp_path):
    import transformers

    from harness.backends import hf_local

    seen = {}

    def fake_pipeline(task, **kw):
        seen.update(kw, task=task)
        return lambda *a, **k: []

    monkeypatch.setattr(transformers, "pipeline", fake_pipeline)
    hf_local.load_pipeline.cache_clear()
    MODELS.get("hf-token-classification")(
        TaskContext("ner", "toy", labels=("person",)), model="some/model"
    )
    assert seen["trust_remote_code"] is False and seen["task"] == "token-classification"
    assert seen["device"] == pick_device("auto")
    hf_local.load_pipeline.cache_clear()


def test_fingerprint_changes_when_weights_change(tmp_path):
    (tmp_path / "w.bin").write_bytes(b"1")
    a = fingerprint(str(tmp_path))
    (tmp_path / "w.bin").write_bytes(b"22")
    assert fingerprint(str(tmp_path)) != a
    assert fingerprint("org/model", "abc123") == "abc123"
