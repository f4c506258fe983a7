"""Repairing NER entity spans whose offsets do not point at their text.

Generated NER records were annotated by searching each entity's text in the
generated sentence case-insensitively, so some spans point at a differently cased
copy ("the Costa Book Awards" for "The Costa Book Awards"), and a few at nothing
useful. The rules, applied per record:

1. An entity whose label is outside the dataset's label set is dropped (``label``).
2. An entity with empty text is dropped (``empty``): nothing says what it marks.
3. A span whose text equals the entity text ignoring case is kept, and the entity
   text becomes the text at the span (``case``).
4. Otherwise the entity text is searched in the sentence, exactly and then ignoring
   case; of the occurrences that overlap no entity already placed, the one nearest
   the original start is taken (``relocated``); with none, the entity is dropped
   (``unlocated``).
5. Entities that still overlap: the first in record order is kept, the others are
   dropped (``overlap``).

``case`` + ``relocated`` + ``unlocated`` is the number of entities whose offsets did
not match their text, which is what the data manifest counts per file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field

from harness.tasks.ner.records import Entity

CASE = "case"
RELOCATED = "relocated"
UNLOCATED = "unlocated"
LABEL = "label"
EMPTY = "empty"
OVERLAP = "overlap"

REPAIRED_REASONS = (CASE, RELOCATED)
DROPPED_REASONS = (UNLOCATED, LABEL, EMPTY, OVERLAP)
#: The reasons whose entities had offsets that did not point at their text.
OFFSET_REASONS = (CASE, RELOCATED, UNLOCATED)


@dataclass(frozen=True)
class Repair:
    """The entities of one record after repair, and how many met each rule."""

    entities: tuple[Entity, ...]
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def repaired(self) -> int:
        return sum(self.counts[r] for r in REPAIRED_REASONS)

    @property
    def dropped(self) -> int:
        return sum(self.counts[r] for r in DROPPED_REASONS)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _occurrences(text: str, needle: str, ignore_case: bool) -> Iterator[tuple[int, int]]:
    """Every (possibly overlapping) occurrence of ``needle`` in ``text`` as a span."""
    pattern = re.compile(re.escape(needle), re.IGNORECASE if ignore_case else 0)
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        yield m.start(), m.end()
        pos = m.start() + 1


def _locate(
    text: str, ent: Entity, placed: Sequence[tuple[int, int]]
) -> tuple[int, int] | None:
    for ignore_case in (False, True):
        free = [
            span
            for span in _occurrences(text, ent.text, ignore_case)
            if not any(_overlaps(span, p) for p in placed)
        ]
        if free:
            # Nearest to where the annotator pointed; ties go to the earlier one.
            return min(free, key=lambda s: (abs(s[0] - ent.start), s[0]))
    return None


def repair_entities(
    text: str, entities: Sequence[Entity], labels: Collection[str] = ()
) -> Repair:
    """Apply the module's rules to one record; ``labels`` empty means any label."""
    counts: Counter[str] = Counter()
    slots: list[Entity | None] = []
    pending: list[int] = []
    for ent in entities:
        if labels and ent.label not in labels:
            counts[LABEL] += 1
            continue
        if not ent.text.strip():
            counts[EMPTY] += 1
            continue
        in_bounds = 0 <= ent.start < ent.end <= len(text)
        at_span = text[ent.start : ent.end] if in_bounds else ""
        if in_bounds and at_span == ent.text:
            slots.append(ent)
        elif in_bounds and at_span.lower() == ent.text.lower():
            counts[CASE] += 1
            slots.append(Entity(ent.start, ent.end, ent.label, at_span))
        else:
            pending.append(len(slots))
            slots.append(None)
    originals = [e for e in entities if (not labels or e.label in labels) and e.text.strip()]
    placed = [(e.start, e.end) for e in slots if e is not None]
    for i in pending:
        ent = originals[i]
        span = _locate(text, ent, placed)
        if span is None:
            counts[UNLOCATED] += 1
            continue
        counts[RELOCATED] += 1
        placed.append(span)
        slots[i] = Entity(span[0], span[1], ent.label, text[span[0] : span[1]])
    kept: list[Entity] = []
    for slot in slots:
        if slot is None:
            continue
        ent = slot
        if any(_overlaps((ent.start, ent.end), (k.start, k.end)) for k in kept):
            counts[OVERLAP] += 1
            continue
        kept.append(ent)
    return Repair(tuple(kept), counts)


def _plural(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


_DROP_NOTES = (
    (OVERLAP, "dropped for overlapping an earlier one"),
    (EMPTY, "with empty text dropped"),
    (LABEL, "with a label outside the label set dropped"),
)


def repair_notes(counts: Counter[str]) -> list[str]:
    """The data issues' notes of a source's repairs (``counts`` summed over its records)."""
    offsets = sum(counts[r] for r in OFFSET_REASONS)
    notes = [
        f"{_plural(offsets, 'entity span')} with offsets not matching the text: "
        f"{counts[CASE]} repaired by case, {counts[RELOCATED]} relocated, "
        f"{counts[UNLOCATED]} dropped"
    ]
    for reason, why in _DROP_NOTES:
        if counts[reason]:
            notes.append(f"{_plural(counts[reason], 'entity', 'entities')} {why}")
    return notes
