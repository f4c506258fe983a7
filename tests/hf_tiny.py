"""Tiny random transformers models that tests build and save themselves (never downloaded).

A word-level tokenizer over a small vocabulary and a one-layer BERT with a chosen
head, saved with ``save_pretrained`` so they load back through ``from_pretrained``,
the path a Hub id takes too.
"""

from __future__ import annotations

from pathlib import Path

WORDS = (
    "play", "music", "get", "weather", "book", "restaurant", "ada", "met", "alan", "in",
    "paris", "rome", "the", "a", "is", "this", "song", "rain", "table", "for", "two",
    "cat", "dog", "sat", "on", "mat", "ran", ".",
)  # fmt: skip


def save_tokenizer(path: Path) -> int:
    """A BERT-style fast tokenizer saved to ``path``; returns its vocabulary size."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    specials = ("[UNK]", "[PAD]", "[CLS]", "[SEP]", "[MASK]")
    vocab = {w: i for i, w in enumerate(specials + WORDS)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    fast.save_pretrained(path)
    return len(vocab)


def save_bert(path: Path, head: str, labels: list[str] | None = None, seed: int = 0) -> Path:
    """A one-layer random BERT with ``head`` (e.g. ``BertForSequenceClassification``)."""
    import torch
    import transformers

    n = save_tokenizer(path)
    torch.manual_seed(seed)
    extra = {}
    if labels is not None:
        extra = {
            "id2label": dict(enumerate(labels)),
            "label2id": {lab: i for i, lab in enumerate(labels)},
        }
    cfg = transformers.BertConfig(
        vocab_size=n,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        pad_token_id=1,
        **extra,
    )
    getattr(transformers, head)(cfg).save_pretrained(path)
    return path


def save_sentence_transformer(path: Path, seed: int = 0) -> Path:
    """A sentence-transformers folder: the tiny BERT plus mean pooling."""
    from sentence_transformers import SentenceTransformer, models

    bert = save_bert(path.parent / (path.name + "-bert"), "BertModel", seed=seed)
    word = models.Transformer(str(bert), max_seq_length=32)
    pool = models.Pooling(word.get_word_embedding_dimension(), pooling_mode="mean")
    SentenceTransformer(modules=[word, pool], device="cpu").save(str(path))
    return path
