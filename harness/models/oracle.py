"""``oracle``: a deterministic, offline model that peeks at the gold with set noise.

Not a method to rank, a fixture you can ship: it lets the plugin, the reports and
the gates be exercised end to end with no model weights and no network (as
inspect_ai's mock model does), and with a *known* quality ordering, since a higher
``accuracy`` gives a better model on every source. Its noise is a hash of the
example text and ``salt``, so every process and every run agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from harness.core.records import Example, Prediction
from harness.models import MODELS, Predictor, TaskContext
from harness.tasks.intent.records import IntentExample
from harness.tasks.ner.records import NerExample
from harness.tasks.similarity.records import SimilarityExample


def _unit(*parts: str) -> float:
    """A uniform number in [0, 1) from text, identical in every process (no hash())."""
    # surrogatepass: a lone surrogate in a data text must not crash the hash.
    raw = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(raw, digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(frozen=True)
class Oracle:
    ctx: TaskContext
    accuracy: float
    invalid: float
    salt: str

    def _one(self, ex: Example) -> Prediction:
        if isinstance(ex, IntentExample):
            key = ex.text
        elif isinstance(ex, SimilarityExample):
            key = ex.text1 + "\x1e" + ex.text2
        else:
            key = cast(Any, ex).text
        if _unit(self.salt, "invalid", key) < self.invalid:
            return Prediction(None, raw="(oracle: no answer)", error="unparseable: oracle invalid")
        hit = _unit(self.salt, "hit", key) < self.accuracy
        if isinstance(ex, IntentExample):
            if hit or not self.ctx.labels:
                return Prediction(ex.label)
            others = [lab for lab in self.ctx.labels if lab != ex.label] or [ex.label]
            return Prediction(others[int(_unit(self.salt, "wrong", key) * len(others))])
        if isinstance(ex, SimilarityExample):
            lo, hi = self.ctx.score_range
            noise = (_unit(self.salt, "noise", key) - 0.5) * (hi - lo) * (1.0 - self.accuracy) * 2
            return Prediction(min(hi, max(lo, ex.score + noise)))
        assert isinstance(ex, NerExample)
        kept = tuple(
            e for e in ex.entities if _unit(self.salt, "ent", key, str(e.start)) < self.accuracy
        )
        return Prediction(kept)

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        return [self._one(ex) for ex in examples]


@MODELS.register("oracle", tasks=("intent", "similarity", "ner"))
def oracle(
    ctx: TaskContext, accuracy: float = 0.8, invalid: float = 0.0, salt: str = ""
) -> Predictor:
    """Gold answers kept with probability ``accuracy``; ``invalid`` share unanswered."""
    if not 0.0 <= accuracy <= 1.0 or not 0.0 <= invalid <= 1.0:
        raise ValueError(
            f"oracle: accuracy and invalid must lie in [0, 1], got {accuracy}, {invalid}"
        )
    return Oracle(ctx, float(accuracy), float(invalid), salt)
