"""Frozen records that flow through the harness, and their plain-dict forms.

Everything that crosses a process boundary (xdist worker -> controller, worker ->
results directory -> ``synthbench report``) is a plain dict made by ``to_dict`` and
read back by ``from_dict``; ``SCHEMA_VERSION`` is written with it so a reader can
refuse a record it does not understand instead of misreading it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

SCHEMA_VERSION = 1

#: The generator name of the human-annotated test split.
REAL = "real"
#: The pseudo-generator of the ensemble that averages every synthetic source.
ENSEMBLE = "mean"


# --------------------------------------------------------------------------- examples


#: One example of any task: the task's own record type (``harness.tasks.<name>.records``
#: for the built-in ones), made by its ``parse_record``. The harness passes it to the
#: task and the models without reading its fields.
Example: TypeAlias = object


# --------------------------------------------------------------------------- predictions


@dataclass(frozen=True, slots=True)
class Prediction:
    """One model answer for one example.

    ``value`` is ``None`` when the model gave no usable answer (unparseable output,
    a label outside the label set, a failed request); such predictions count as
    wrong *and* are counted in the case's invalid rate, so they are never hidden.
    ``raw`` keeps an LLM's raw text for audit; ``error`` says why ``value`` is None.
    ``failure`` names a request-level failure (``harness.backends.base.FAILURE_KINDS``:
    no answer, or one cut off), "" for an answer that was read (valid or not).
    """

    value: Any
    raw: str | None = None
    error: str | None = None
    failure: str = ""

    @property
    def valid(self) -> bool:
        return self.value is not None


# --------------------------------------------------------------------------- data issues


@dataclass(frozen=True, slots=True)
class DataIssues:
    """What a loader had to do to a source: every count is reported, never silent."""

    rows: int = 0
    kept: int = 0
    duplicates: int = 0
    repaired_entities: int = 0
    dropped_entities: int = 0
    dropped_records: int = 0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "kept": self.kept,
            "duplicates": self.duplicates,
            "repaired_entities": self.repaired_entities,
            "dropped_entities": self.dropped_entities,
            "dropped_records": self.dropped_records,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DataIssues:
        return cls(
            rows=int(d.get("rows", 0)),
            kept=int(d.get("kept", 0)),
            duplicates=int(d.get("duplicates", 0)),
            repaired_entities=int(d.get("repaired_entities", 0)),
            dropped_entities=int(d.get("dropped_entities", 0)),
            dropped_records=int(d.get("dropped_records", 0)),
            notes=tuple(d.get("notes", ())),
        )


@dataclass(frozen=True, slots=True)
class Dataset:
    """The examples of one source of one dataset, as loaded and validated."""

    task: str
    name: str
    generator: str
    examples: tuple[Example, ...]
    labels: tuple[str, ...] = ()
    path: str = ""
    issues: DataIssues = field(default_factory=DataIssues)

    def __len__(self) -> int:
        return len(self.examples)


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True, slots=True, order=True)
class CaseKey:
    task: str
    dataset: str
    generator: str
    model: str

    @property
    def id(self) -> str:
        """The readable pytest id: ``ner-crossner_politics-gpt-4o-spacy``.

        Names may hold ``-``, so two keys can share an id; ``id_clashes`` finds them and
        the suite refuses such names (the store never addresses a case by this id).
        """
        return f"{self.task}-{self.dataset}-{self.generator}-{self.model}"

    def to_dict(self) -> dict[str, str]:
        return {
            "task": self.task,
            "dataset": self.dataset,
            "generator": self.generator,
            "model": self.model,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CaseKey:
        try:
            return cls(str(d["task"]), str(d["dataset"]), str(d["generator"]), str(d["model"]))
        except KeyError as exc:
            raise ValueError(f"case record lacks key {exc.args[0]!r}") from None


def id_clashes(keys: Iterable[CaseKey]) -> dict[str, list[CaseKey]]:
    """Case ids shared by more than one key (``a``/``a-b`` with ``b-c``/``c``), with the keys."""
    by_id: dict[str, list[CaseKey]] = {}
    for key in keys:
        by_id.setdefault(key.id, []).append(key)
    return {i: ks for i, ks in by_id.items() if len(set(ks)) > 1}


@dataclass(frozen=True, slots=True)
class Outcome:
    """The per-example result, kept so intervals and paired tests can resample."""

    index: int
    gold: Any
    prediction: Any
    correct: bool | None
    raw: str | None = None
    error: str | None = None
    #: The example's input texts (the task's text fields), for people reading results
    #: (the report's example browser); None where the gold holds them (NER) or for
    #: results written before they were kept. Never used in scoring.
    text: tuple[str, ...] | None = None

    @property
    def valid(self) -> bool:
        return self.prediction is not None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "i": self.index,
            "gold": self.gold,
            "pred": self.prediction,
            "correct": self.correct,
        }
        if self.raw is not None:
            d["raw"] = self.raw
        if self.error is not None:
            d["error"] = self.error
        if self.text is not None:
            d["text"] = list(self.text)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Outcome:
        text = d.get("text")
        return cls(
            index=int(d["i"]),
            gold=d["gold"],
            prediction=d.get("pred"),
            correct=d.get("correct"),
            raw=d.get("raw"),
            error=d.get("error"),
            text=tuple(str(t) for t in text) if isinstance(text, list) else None,
        )


@dataclass(frozen=True, slots=True)
class CaseResult:
    """The compact record of one finished case (outcomes live in the results file).

    ``status`` is ``ok``, ``skipped`` (with ``reason``), ``error`` (with ``reason``) or
    ``incomplete`` (some requests failed: no metrics, counts in ``extra``, asked again
    by the next run; ``harness.core.failures``).
    ``metrics`` holds the primary metric under its own name plus the secondary ones.
    """

    key: CaseKey
    status: str
    primary: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    n_examples: int = 0
    n_invalid: int = 0
    reason: str = ""
    duration: float = 0.0
    data: DataIssues | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: The digest of everything that determined this result (``harness.run.fingerprint``);
    #: empty for records that have no stored outcomes (errors, skips).
    fingerprint: str = ""

    @property
    def score(self) -> float | None:
        return self.metrics.get(self.primary)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            **self.key.to_dict(),
            "status": self.status,
            "primary": self.primary,
            # JSON has no NaN: an undefined metric (e.g. Spearman of constant
            # predictions) travels as null and comes back as NaN.
            "metrics": {k: (None if math.isnan(v) else v) for k, v in self.metrics.items()},
            "n_examples": self.n_examples,
            "n_invalid": self.n_invalid,
            "reason": self.reason,
            "duration": round(self.duration, 6),
        }
        if self.data is not None:
            d["data"] = self.data.to_dict()
        if self.extra:
            d["extra"] = dict(self.extra)
        if self.fingerprint:
            d["fingerprint"] = self.fingerprint
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CaseResult:
        schema = d.get("schema")
        if schema != SCHEMA_VERSION:
            raise ValueError(
                f"case record has schema {schema!r}, this harness reads schema {SCHEMA_VERSION}"
            )
        return cls(
            key=CaseKey.from_dict(d),
            status=str(d["status"]),
            primary=str(d.get("primary", "")),
            metrics={
                str(k): math.nan if v is None else float(v) for k, v in d.get("metrics", {}).items()
            },
            n_examples=int(d.get("n_examples", 0)),
            n_invalid=int(d.get("n_invalid", 0)),
            reason=str(d.get("reason", "")),
            duration=float(d.get("duration", 0.0)),
            data=DataIssues.from_dict(d["data"]) if "data" in d else None,
            extra=dict(d.get("extra", {})),
            fingerprint=str(d.get("fingerprint", "")),
        )
