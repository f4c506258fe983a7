"""``crf``: a linear-chain CRF (sklearn-crfsuite) trained on the train split's BIO tags.

Tokens and BIO tags come from ``harness.tasks.ner.tokenize`` (the same tokenizer the
NER metric uses): a train text is cut at its entity boundaries and tagged with
``spans_to_bio``; a test text is tokenized plainly and the predicted tags go back
to character spans with ``bio_to_spans``. A train example whose spans overlap (BIO
cannot express that) keeps the earlier of two overlapping entities; the count of
dropped entities is kept on the predictor as ``dropped_train_entities``.

Features are the classic word-shape set of the CoNLL CRF baselines: the lower-cased
word, 2- and 3-letter suffixes, capitalisation, digits, punctuation, and the same
for the neighbouring words. Training is L-BFGS with L1 and L2 penalties, which is
deterministic: training twice on the same data gives the same model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.core.records import Example, Prediction
from harness.models import MODELS, MissingDependency, Predictor, TaskContext
from harness.models.support import need_train, ner_texts
from harness.tasks.ner.records import Entity, NerExample
from harness.tasks.ner.tokenize import bio_to_spans, spans_to_bio, tokenize


def _shape(word: str) -> dict[str, Any]:
    return {
        "lower": word.lower(),
        "suffix3": word[-3:].lower(),
        "suffix2": word[-2:].lower(),
        "title": word.istitle(),
        "upper": word.isupper(),
        "digit": word.isdigit(),
        "punct": not any(c.isalnum() for c in word),
    }


def sentence_features(words: Sequence[str]) -> list[dict[str, Any]]:
    """One feature dict per word: its own shape and its neighbours' (prefixed -1:, +1:)."""
    shapes = [_shape(w) for w in words]
    feats = []
    for i, shape in enumerate(shapes):
        f: dict[str, Any] = {"bias": 1.0, **shape, "prefix3": words[i][:3].lower()}
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < len(words):
                near = shapes[j]
                f.update(
                    {
                        f"{offset:+d}:{k}": v
                        for k, v in near.items()
                        if k in ("lower", "title", "upper", "punct")
                    }
                )
            elif abs(offset) == 1:
                f["BOS" if offset < 0 else "EOS"] = True
        feats.append(f)
    return feats


def _non_overlapping(ex: NerExample, keep: set[str]) -> tuple[list[tuple[int, int, str]], int]:
    spans: list[tuple[int, int, str]] = []
    dropped = 0
    for ent in sorted(ex.entities):
        inside = ex.text[ent.start : ent.end]
        overlaps = bool(spans) and ent.start < spans[-1][1]
        if (keep and ent.label not in keep) or not inside.strip() or overlaps:
            dropped += 1
        else:
            spans.append((ent.start, ent.end, ent.label))
    return spans, dropped


def training_sequences(
    train: Sequence[NerExample], labels: Sequence[str] = ()
) -> tuple[list[list[dict[str, Any]]], list[list[str]], int]:
    """Features and BIO tags of every train text, and the number of entities dropped."""
    keep = set(labels)
    xs, ys, dropped = [], [], 0
    for ex in train:
        spans, lost = _non_overlapping(ex, keep)
        dropped += lost
        tokens = tokenize(ex.text, [p for s in spans for p in s[:2]])
        if not tokens:
            continue
        xs.append(sentence_features([ex.text[s:e] for s, e in tokens]))
        ys.append(spans_to_bio(tokens, spans))
    return xs, ys, dropped


@dataclass
class Crf:
    model: Any
    labels: frozenset[str]
    dropped_train_entities: int = 0

    def tag(self, texts: Sequence[str]) -> list[tuple[Entity, ...]]:
        """Entities of each text, decoded from the CRF's BIO tags."""
        tokenized = [tokenize(t) for t in texts]
        feats = [
            sentence_features([t[s:e] for s, e in toks])
            for t, toks in zip(texts, tokenized, strict=True)
        ]
        todo = [i for i, f in enumerate(feats) if f]
        tags = self.model.predict([feats[i] for i in todo]) if todo else []
        out: list[tuple[Entity, ...]] = [() for _ in texts]
        for i, seq in zip(todo, tags, strict=True):
            spans = bio_to_spans(tokenized[i], seq)
            out[i] = tuple(
                Entity(s, e, lab, texts[i][s:e])
                for s, e, lab in spans
                if not self.labels or lab in self.labels
            )
        return out

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        return [Prediction(ents) for ents in self.tag(ner_texts(examples))]


@MODELS.register("crf", tasks=("ner",), requires=("sklearn_crfsuite",))
def crf(ctx: TaskContext, c1: float = 0.1, c2: float = 0.1, max_iterations: int = 100) -> Predictor:
    """A CRF on word-shape features, trained on the real train split."""
    try:
        import sklearn_crfsuite
    except ImportError:
        raise MissingDependency("sklearn-crfsuite", model="crf") from None
    train = need_train(ctx, NerExample, "crf")
    xs, ys, dropped = training_sequences(train, ctx.labels)
    model = sklearn_crfsuite.CRF(
        algorithm="lbfgs",
        c1=float(c1),
        c2=float(c2),
        max_iterations=int(max_iterations),
        all_possible_transitions=True,
    )
    model.fit(xs, ys)
    return Crf(model, frozenset(ctx.labels), dropped)
