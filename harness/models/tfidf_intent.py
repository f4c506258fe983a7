"""Intent classification with word TF-IDF features (scikit-learn).

- ``tfidf-logreg``: word uni- and bigram TF-IDF, multinomial logistic regression
  trained on the whole train split (lbfgs, ``random_state=ctx.seed``: deterministic).
- ``tfidf-centroid``: the few-shot counterpart, from the same ``k`` examples per label
  that ``minilm-prototypes`` draws: TF-IDF fitted on those examples only, one
  normalised centroid per label, the label of the most cosine-similar centroid.
  A text that shares no word with any shot scores 0 everywhere and gets the first
  label in sorted order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.core.records import Example, Prediction
from harness.models import MODELS, MissingDependency, Predictor, TaskContext
from harness.models.support import intent_texts, need_train, sample_per_label
from harness.tasks.intent.records import IntentExample


def _require_sklearn(model: str) -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise MissingDependency("scikit-learn", model=model) from None


def _allowed(ctx: TaskContext, train: Sequence[IntentExample]) -> list[IntentExample]:
    keep = set(ctx.labels)
    return [ex for ex in train if not keep or ex.label in keep]


@dataclass
class Pipeline:
    """A fitted vectorizer and a fitted classifier with ``predict``."""

    vectorizer: Any
    classifier: Any

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        texts = intent_texts(examples)
        if not texts:
            return []
        labels = self.classifier.predict(self.vectorizer.transform(texts))
        return [Prediction(str(lab)) for lab in labels]


@MODELS.register("tfidf-logreg", tasks=("intent",), requires=("sklearn",))
def tfidf_logreg(ctx: TaskContext, C: float = 10.0, max_iter: int = 2000) -> Predictor:
    """Logistic regression on word 1-2-gram TF-IDF of the whole train split."""
    _require_sklearn("tfidf-logreg")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    train = _allowed(ctx, need_train(ctx, IntentExample, "tfidf-logreg"))
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    features = vectorizer.fit_transform([ex.text for ex in train])
    if len({ex.label for ex in train}) < 2:
        raise ValueError(
            f"tfidf-logreg: the train split of {ctx.dataset!r} has fewer than 2 labels"
        )
    classifier = LogisticRegression(C=float(C), max_iter=int(max_iter), random_state=ctx.seed)
    classifier.fit(features, [ex.label for ex in train])
    return Pipeline(vectorizer, classifier)


@dataclass
class Centroids:
    vectorizer: Any
    labels: list[str]
    matrix: Any  # (labels, features) dense, rows L2-normalised

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        texts = intent_texts(examples)
        if not texts:
            return []
        sims = self.vectorizer.transform(texts) @ self.matrix.T
        return [Prediction(self.labels[int(i)]) for i in sims.argmax(axis=1)]


@MODELS.register("tfidf-centroid", tasks=("intent",), requires=("sklearn",))
def tfidf_centroid(ctx: TaskContext, k: int = 5) -> Predictor:
    """Nearest TF-IDF centroid of ``k`` train examples per label (seeded draw)."""
    _require_sklearn("tfidf-centroid")
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    train = _allowed(ctx, need_train(ctx, IntentExample, "tfidf-centroid"))
    shots = sample_per_label(train, int(k), ctx.seed)
    labels = sorted(shots)
    vectorizer = TfidfVectorizer(sublinear_tf=True)
    vectorizer.fit([ex.text for lab in labels for ex in shots[lab]])
    rows = [
        np.asarray(vectorizer.transform([ex.text for ex in shots[lab]]).mean(axis=0))[0]
        for lab in labels
    ]
    matrix = np.stack(rows)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return Centroids(vectorizer, labels, matrix)
