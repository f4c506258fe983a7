"""``gazetteer``: exact look-up of the entity names seen in the train split.

Every train entity's surface form, as a token sequence (``harness.tasks.ner.tokenize``,
so ``Obama's`` still yields ``Obama``), is stored with its most frequent label (ties:
alphabetically first). A text is scanned left to right; at each token the longest
stored sequence that starts there is tagged and the scan resumes after it, so
matches never overlap. Matching is case-sensitive (``may`` is not ``May``);
``min_chars`` drops stored names shorter than that, such as single letters.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from harness.core.records import Example, Prediction
from harness.models import MODELS, Predictor, TaskContext
from harness.models.support import most_common, need_train, ner_texts
from harness.tasks.ner.records import Entity, NerExample
from harness.tasks.ner.tokenize import tokenize


def _words(text: str) -> tuple[str, ...]:
    return tuple(text[s:e] for s, e in tokenize(text))


def build_gazetteer(
    train: Sequence[NerExample], labels: Sequence[str] = (), min_chars: int = 2
) -> dict[tuple[str, ...], str]:
    """Token sequence of every train entity name -> its most frequent label."""
    keep = set(labels)
    seen: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for ex in train:
        for ent in ex.entities:
            name = ex.text[ent.start : ent.end]
            if (keep and ent.label not in keep) or len(name.strip()) < min_chars:
                continue
            key = _words(name)
            if key:
                seen[key][ent.label] += 1
    return {key: str(most_common(counts.elements())) for key, counts in seen.items()}


@dataclass
class Gazetteer:
    names: dict[tuple[str, ...], str]
    longest: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.longest = max((len(k) for k in self.names), default=0)

    def tag(self, text: str) -> tuple[Entity, ...]:
        """Longest-match, left-to-right, non-overlapping look-up in ``text``."""
        tokens = tokenize(text)
        words = [text[s:e] for s, e in tokens]
        found = []
        i = 0
        while i < len(tokens):
            for n in range(min(self.longest, len(tokens) - i), 0, -1):
                label = self.names.get(tuple(words[i : i + n]))
                if label is not None:
                    start, end = tokens[i][0], tokens[i + n - 1][1]
                    found.append(Entity(start, end, label, text[start:end]))
                    i += n
                    break
            else:
                i += 1
        return tuple(found)

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        return [Prediction(self.tag(text)) for text in ner_texts(examples)]


@MODELS.register("gazetteer", tasks=("ner",), requires=())
def gazetteer(ctx: TaskContext, min_chars: int = 2) -> Predictor:
    """Longest-match look-up of the train split's entity names."""
    train = need_train(ctx, NerExample, "gazetteer")
    return Gazetteer(build_gazetteer(train, ctx.labels, int(min_chars)))
