"""NER span repair: each rule by hand, and properties over generated records."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.data import repair_entities
from harness.tasks.ner import repair as rp
from harness.tasks.ner.records import Entity

TEXT = "The Costa Book Awards went to Anna. Later anna won again."


def E(start: int, end: int, label: str, text: str) -> Entity:
    return Entity(start, end, label, text)


def test_matching_span_is_kept_untouched() -> None:
    ent = E(4, 21, "award", "Costa Book Awards")
    assert TEXT[4:21] == "Costa Book Awards"
    out = repair_entities(TEXT, [ent])
    assert out.entities == (ent,)
    assert out.repaired == out.dropped == 0


def test_case_only_mismatch_keeps_span_and_takes_text_from_it() -> None:
    out = repair_entities(TEXT, [E(0, 21, "award", "the costa book awards")])
    assert out.entities == (E(0, 21, "award", "The Costa Book Awards"),)
    assert out.counts[rp.CASE] == 1 and out.repaired == 1


def test_wrong_offsets_are_relocated_to_nearest_exact_occurrence() -> None:
    # "Anna" occurs at 30 (exact) and "anna" at 42 (case only): exact wins even if farther.
    out = repair_entities(TEXT, [E(41, 45, "person", "Anna")])
    assert out.entities == (E(30, 34, "person", "Anna"),)
    assert out.counts[rp.RELOCATED] == 1


def test_relocation_prefers_nearest_of_several_exact_occurrences() -> None:
    text = "Rome and Paris and Rome"
    out = repair_entities(text, [E(17, 21, "location", "Rome")])
    assert out.entities == (E(19, 23, "location", "Rome"),)


def test_relocation_falls_back_to_case_insensitive_and_skips_placed_spans() -> None:
    text = "anna met ANNA"
    placed = E(0, 4, "person", "anna")
    out = repair_entities(text, [placed, E(0, 0 + 3, "person", "Anna")])
    # "Anna" has no exact occurrence; of the case-insensitive ones, 0-4 is taken.
    assert out.entities == (placed, E(9, 13, "person", "ANNA"))
    assert out.counts[rp.RELOCATED] == 1


def test_unlocatable_entity_is_dropped_and_counted() -> None:
    out = repair_entities(TEXT, [E(0, 3, "person", "Zorro")])
    assert out.entities == ()
    assert out.counts[rp.UNLOCATED] == 1 and out.dropped == 1


def test_out_of_range_offsets_are_relocated_not_crashing() -> None:
    out = repair_entities("Paris", [E(10, 20, "location", "Paris"), ])
    assert out.entities == (E(0, 5, "location", "Paris"),)


def test_label_outside_label_set_is_dropped() -> None:
    out = repair_entities(TEXT, [E(30, 34, "villain", "Anna")], labels={"person"})
    assert out.entities == () and out.counts[rp.LABEL] == 1


def test_empty_entity_is_dropped() -> None:
    out = repair_entities(TEXT, [E(0, 0, "person", "")])
    assert out.entities == () and out.counts[rp.EMPTY] == 1


def test_overlap_keeps_the_first_in_record_order() -> None:
    first = E(4, 21, "award", "Costa Book Awards")
    second = E(10, 14, "else", "Book")
    out = repair_entities(TEXT, [first, second])
    assert out.entities == (first,)
    assert out.counts[rp.OVERLAP] == 1
    out = repair_entities(TEXT, [second, first])
    assert out.entities == (second,)


@st.composite
def records(draw: st.DrawFn) -> tuple[str, list[Entity]]:
    text = draw(st.text(alphabet="abAB .", min_size=0, max_size=30))
    ents = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(st.integers(-2, len(text) + 2))
        end = draw(st.integers(-2, len(text) + 2))
        etext = draw(st.text(alphabet="abAB", max_size=4))
        ents.append(Entity(start, end, draw(st.sampled_from(["x", "y", "z"])), etext))
    return text, ents


@settings(max_examples=300, deadline=None)
@given(records())
def test_repaired_entities_point_at_their_text_and_never_overlap(
    rec: tuple[str, list[Entity]],
) -> None:
    text, ents = rec
    out = repair_entities(text, ents, labels={"x", "y"})
    for e in out.entities:
        assert 0 <= e.start < e.end <= len(text)
        assert text[e.start : e.end] == e.text
        assert e.label in {"x", "y"}
    spans = sorted((e.start, e.end) for e in out.entities)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    # Every input entity is accounted for: kept (maybe repaired) or dropped.
    assert len(out.entities) + out.dropped == len(ents)


@settings(max_examples=200, deadline=None)
@given(records())
def test_repair_is_idempotent(rec: tuple[str, list[Entity]]) -> None:
    text, ents = rec
    once = repair_entities(text, ents)
    twice = repair_entities(text, once.entities)
    assert twice.entities == once.entities
    assert twice.repaired == twice.dropped == 0
