"""``hf-text-classification`` (intent): a fine-tuned sequence classifier, local or Hub.

::

    [models.bert-snips]
    factory = "hf-text-classification"
    params = { model = "org/bert-snips", revision = "abc123" }

The model's own label names (``config.id2label``) are mapped to the dataset's labels:
``label_map`` first (model label -> dataset label), then an exact match, then a match
ignoring case and punctuation (``PlayMusic`` = ``play_music``). Each text gets the
best-scoring model label that maps to a dataset label, so a model with extra classes
still answers in the dataset's terms. A model none of whose labels map is refused at
build time with both lists, since every answer would otherwise be wrong.

``revision`` pins a Hub model; ``trust_remote_code`` stays off unless set; the
pipeline loads once per process.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.backends.hf_local import load_pipeline, require
from harness.core.records import Example, Prediction
from harness.models import MODELS, Predictor, TaskContext
from harness.tasks.intent.records import IntentExample


def _norm(label: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", label.lower())


def map_labels(
    model_labels: Sequence[str], dataset_labels: Sequence[str], label_map: Mapping[str, str]
) -> dict[str, str]:
    """Model label -> dataset label, for the model labels that have one (see above)."""
    known = set(dataset_labels)
    by_norm: dict[str, str] = {}
    for lab in dataset_labels:
        by_norm.setdefault(_norm(lab), lab)
    out: dict[str, str] = {}
    for m in model_labels:
        if m in label_map:
            target = label_map[m]
            if target not in known:
                raise ValueError(
                    f"hf-text-classification: label_map maps {m!r} to {target!r}, which is "
                    f"not a label of the dataset; its labels: {', '.join(dataset_labels)}"
                )
            out[m] = target
        elif m in known:
            out[m] = m
        elif _norm(m) in by_norm:
            out[m] = by_norm[_norm(m)]
    return out


@dataclass
class TextClassifier:
    pipe: Any
    mapping: Mapping[str, str]
    batch_size: int

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        texts = [ex.text for ex in examples if isinstance(ex, IntentExample)]
        if len(texts) != len(examples):
            raise TypeError("hf-text-classification predicts intent examples only")
        if not texts:
            return []
        outs = self.pipe(texts, top_k=None, batch_size=self.batch_size, truncation=True)
        preds = []
        for scores in outs:
            mapped = [s for s in scores if s["label"] in self.mapping]
            best = max(mapped, key=lambda s: float(s["score"]))
            preds.append(Prediction(self.mapping[best["label"]], raw=str(best["label"])))
        return preds


@MODELS.register(
    "hf-text-classification", tasks=("intent",), requires=("transformers", "torch")
)
def hf_text_classification(
    ctx: TaskContext,
    model: str = "",
    revision: str = "",
    device: str = "auto",
    batch_size: int = 16,
    trust_remote_code: bool = False,
    label_map: Mapping[str, str] | None = None,
) -> Predictor:
    """Intent classification with a fine-tuned sequence classifier (see the module doc)."""
    require("torch", "hf-text-classification")
    if not model:
        raise ValueError("hf-text-classification: parameter 'model' is required")
    if not ctx.labels:
        raise ValueError(f"hf-text-classification: dataset {ctx.dataset!r} has no label set")
    pipe = load_pipeline("text-classification", model, revision, device, bool(trust_remote_code))
    model_labels = [str(v) for v in pipe.model.config.id2label.values()]
    mapping = map_labels(model_labels, ctx.labels, dict(label_map or {}))
    if not mapping:
        raise ValueError(
            f"hf-text-classification: none of {model!r}'s labels ({', '.join(model_labels)}) "
            f"match a label of dataset {ctx.dataset!r} ({', '.join(ctx.labels)}); "
            f"give params.label_map = {{ MODEL_LABEL = DATASET_LABEL, ... }}"
        )
    return TextClassifier(pipe, mapping, int(batch_size))
