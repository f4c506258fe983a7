"""Local transformers pipelines as models: zero-shot classification and token classification.

``hf-zero-shot`` (intent): an NLI model scores "This example is {label}." for every
candidate label; the paper's ``facebook/bart-large-mnli`` baseline is one suite
entry away::

    [models.bart-mnli]
    factory = "hf-zero-shot"
    params = {model = "facebook/bart-large-mnli", revision = "d7645e1"}

``hf-token-classification`` (ner): a token-classification model with
``aggregation_strategy`` (default "simple"); its entity groups are mapped to the
dataset's labels by ``label_map`` (default: lower-cased, kept when in the label set;
groups outside the set are not entities of the dataset and are dropped).

Both: ``device = "auto"`` (CUDA when present), ``batch_size``, ``trust_remote_code``
off unless set. Models load once per process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.backends.hf_local import load_pipeline, require
from harness.core.records import Example, Prediction
from harness.core.values import strict_bool
from harness.models import MODELS, Predictor, TaskContext
from harness.tasks.intent.records import IntentExample
from harness.tasks.ner.records import Entity, NerExample


def readable(label: str) -> str:
    """``atis_ground_service`` -> ``ground service``: NLI models read words, not ids."""
    words = label.replace("_", " ").replace("-", " ").split()
    if len(words) > 1 and words[0].lower() in ("atis",):
        words = words[1:]
    return " ".join(words)


@dataclass
class ZeroShot:
    pipe: Any
    labels: tuple[str, ...]
    hypothesis: str
    batch_size: int

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        names = [readable(lab) for lab in self.labels]
        back = dict(zip(names, self.labels, strict=True))
        texts = [ex.text for ex in examples if isinstance(ex, IntentExample)]
        if len(texts) != len(examples):
            raise TypeError("hf-zero-shot predicts intent examples only")
        outs = self.pipe(
            texts,
            candidate_labels=names,
            hypothesis_template=self.hypothesis,
            batch_size=self.batch_size,
        )
        if isinstance(outs, dict):
            outs = [outs]
        return [Prediction(back[o["labels"][0]]) for o in outs]


@dataclass
class TokenClassifier:
    pipe: Any
    labels: tuple[str, ...]
    label_map: Mapping[str, str] = field(default_factory=dict)
    batch_size: int = 8

    def _label(self, group: str) -> str | None:
        if group in self.label_map:
            return self.label_map[group]
        low = group.lower()
        return low if (not self.labels or low in self.labels) else None

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        texts = [ex.text for ex in examples if isinstance(ex, NerExample)]
        if len(texts) != len(examples):
            raise TypeError("hf-token-classification predicts NER examples only")
        outs = self.pipe(texts, batch_size=self.batch_size) if texts else []
        preds = []
        for text, ents in zip(texts, outs, strict=True):
            spans = []
            for e in ents:
                label = self._label(str(e.get("entity_group", e.get("entity", ""))))
                start, end = int(e["start"]), int(e["end"])
                if label is None or start >= end:
                    continue
                spans.append(Entity(start, end, label, text[start:end]))
            preds.append(Prediction(tuple(sorted(set(spans)))))
        return preds


@MODELS.register("hf-zero-shot", tasks=("intent",), requires=("transformers", "torch"))
def hf_zero_shot(
    ctx: TaskContext,
    model: str = "facebook/bart-large-mnli",
    revision: str = "",
    device: str = "auto",
    batch_size: int = 16,
    trust_remote_code: bool = False,
    hypothesis: str = "This example is {}.",
) -> Predictor:
    """Zero-shot intent classification with an NLI model."""
    require("torch", "hf-zero-shot")
    if not ctx.labels:
        raise ValueError(f"hf-zero-shot: dataset {ctx.dataset!r} has no label set")
    pipe = load_pipeline(
        "zero-shot-classification", model, revision, device,
        strict_bool("hf-zero-shot: trust_remote_code", trust_remote_code),
    )
    return ZeroShot(pipe, tuple(ctx.labels), hypothesis, int(batch_size))


@MODELS.register("hf-token-classification", tasks=("ner",), requires=("transformers", "torch"))
def hf_token_classification(
    ctx: TaskContext,
    model: str = "",
    revision: str = "",
    device: str = "auto",
    batch_size: int = 8,
    trust_remote_code: bool = False,
    aggregation_strategy: str = "simple",
    label_map: Mapping[str, str] | None = None,
) -> Predictor:
    """NER with a token-classification model; spans come from the tokenizer's offsets."""
    require("torch", "hf-token-classification")
    if not model:
        raise ValueError("hf-token-classification: parameter 'model' is required")
    remote = strict_bool("hf-token-classification: trust_remote_code", trust_remote_code)
    pipe = load_pipeline("token-classification", model, revision, device, remote)
    pipe_agg = _with_aggregation(pipe, aggregation_strategy)
    return TokenClassifier(pipe_agg, tuple(ctx.labels), dict(label_map or {}), int(batch_size))


def _with_aggregation(pipe: Any, strategy: str) -> Any:
    """The pipeline called with ``aggregation_strategy`` on every call."""

    def call(texts: list[str], **kw: Any) -> Any:
        return pipe(texts, aggregation_strategy=strategy, **kw)

    return call
