"""Unsupervised lexical similarity of text pairs: TF-IDF cosine and BM25.

The similarity datasets have no train split, so the corpus statistics (IDF, average
length) come from the texts of the source being scored, both sides of every pair:
only the inputs, never the gold scores. A source is scored in one ``predict`` call
(the runner passes all of its examples), so a pair's score depends on that source.

- ``tfidf-cosine``: cosine of word TF-IDF vectors (sublinear tf).
- ``char-tfidf-cosine``: cosine of character 2-4-gram TF-IDF vectors taken within
  word boundaries (``char_wb``), robust to inflection and typos.
- ``bm25``: Okapi BM25 (``k1``, ``b``) of each text as the query against the other as
  the document, averaged over both directions (BM25 is not symmetric).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.core.records import Example, Prediction
from harness.models import MODELS, MissingDependency, Predictor, TaskContext
from harness.models.support import words
from harness.tasks.similarity.records import SimilarityExample


def _pairs(examples: Sequence[Example]) -> list[SimilarityExample]:
    out = []
    for ex in examples:
        assert isinstance(ex, SimilarityExample), f"a similarity model got {type(ex).__name__}"
        out.append(ex)
    return out


@dataclass(frozen=True)
class TfidfCosine:
    """Cosine of TF-IDF vectors fitted on the texts of the pairs being scored."""

    options: dict[str, Any]

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        from sklearn.feature_extraction.text import TfidfVectorizer

        pairs = _pairs(examples)
        if not pairs:
            return []
        texts = [p.text1 for p in pairs] + [p.text2 for p in pairs]
        vectorizer = TfidfVectorizer(sublinear_tf=True, **self.options)
        try:
            matrix = vectorizer.fit_transform(texts)
        except ValueError:  # empty vocabulary: every text is punctuation or blank
            return [Prediction(0.0) for _ in pairs]
        n = len(pairs)
        # Rows are L2-normalised, so the row-wise dot product is the cosine.
        sims = matrix[:n].multiply(matrix[n:]).sum(axis=1)
        return [Prediction(float(s)) for s in sims.A1]


def _require_sklearn(model: str) -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise MissingDependency("scikit-learn", model=model) from None


@MODELS.register("tfidf-cosine", tasks=("similarity",), requires=("sklearn",))
def tfidf_cosine(ctx: TaskContext) -> Predictor:
    """Cosine of word TF-IDF vectors."""
    _require_sklearn("tfidf-cosine")
    return TfidfCosine({"analyzer": "word"})


@MODELS.register("char-tfidf-cosine", tasks=("similarity",), requires=("sklearn",))
def char_tfidf_cosine(ctx: TaskContext, ngram_min: int = 2, ngram_max: int = 4) -> Predictor:
    """Cosine of character n-gram TF-IDF vectors (``char_wb``)."""
    _require_sklearn("char-tfidf-cosine")
    if not 1 <= int(ngram_min) <= int(ngram_max):
        raise ValueError(
            f"char-tfidf-cosine: need 1 <= ngram_min <= ngram_max, got {ngram_min}, {ngram_max}"
        )
    return TfidfCosine({"analyzer": "char_wb", "ngram_range": (int(ngram_min), int(ngram_max))})


class Bm25Corpus:
    """Document frequencies and average length of a bag of tokenised texts."""

    def __init__(self, docs: Sequence[Sequence[str]]) -> None:
        self.n = len(docs)
        self.df = Counter(t for d in docs for t in set(d))
        self.avgdl = sum(len(d) for d in docs) / self.n if self.n else 0.0

    def idf(self, term: str) -> float:
        """Okapi IDF with the +1 inside the log, so it is never negative."""
        df = self.df.get(term, 0)
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))

    def score(self, query: Sequence[str], doc: Sequence[str], k1: float, b: float) -> float:
        """BM25 of ``query`` against ``doc`` (each query occurrence counts)."""
        if not doc or self.avgdl == 0:
            return 0.0
        tf = Counter(doc)
        norm = k1 * (1.0 - b + b * len(doc) / self.avgdl)
        return sum(self.idf(t) * tf[t] * (k1 + 1.0) / (tf[t] + norm) for t in query if t in tf)


@dataclass(frozen=True)
class Bm25:
    k1: float
    b: float

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        pairs = _pairs(examples)
        left = [words(p.text1) for p in pairs]
        right = [words(p.text2) for p in pairs]
        corpus = Bm25Corpus(left + right)
        return [
            Prediction(
                0.5 * (corpus.score(a, b, self.k1, self.b) + corpus.score(b, a, self.k1, self.b))
            )
            for a, b in zip(left, right, strict=True)
        ]


@MODELS.register("bm25", tasks=("similarity",), requires=())
def bm25(ctx: TaskContext, k1: float = 1.5, b: float = 0.75) -> Predictor:
    """Symmetrised Okapi BM25 overlap of the two texts."""
    if float(k1) < 0 or not 0.0 <= float(b) <= 1.0:
        raise ValueError(f"bm25: need k1 >= 0 and 0 <= b <= 1, got k1={k1}, b={b}")
    return Bm25(float(k1), float(b))
