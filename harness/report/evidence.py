"""The example browser's evidence: per (task, dataset), the examples worth reading.

Read from the per-case result files through ``harness.store`` (gold, prediction,
correct, raw answer, error per example). Only a few examples per source are kept,
so ``report.html`` stays small:

* **disagree**: examples on which the models' order on the real data is inverted: a
  model that scores higher on real data gets the example wrong (or further off) while
  a lower-scoring one gets it right. Ranked by the number of inverted pairs.
* **invalid**: examples on which some model gave no valid answer (with its raw answer
  and error).
* **misleading**: the examples the statistics' item diagnostics (``items`` of the
  group, ``harness.analysis.items``) list for a synthetic source whose influence is negative:
  the source ranks the models more like real data without them. Their influence is
  shown (Spearman; Pearson where leaving the example out moves no rank). Listed
  examples with zero or positive influence are not marked: they mislead nobody.

Each example shows its input: the text (intent), both texts (similarity), or the
text with its entities (NER), from the case files (``Outcome.text``, or the NER
gold); results stored before texts were kept show none.

An example is "wrong" by the task's own ``correct`` flag; for similarity, where there
is none, a model is "further off" when the rank of its prediction is further from the
gold rank by more than ``RANK_MARGIN`` of the examples.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.records import CaseKey, Outcome
from harness.core.textsafe import scrub
from harness.report.figures import Group
from harness.report.model import Report, as_report
from harness.store.files import case_name, iter_case_files, read_case

#: Examples kept per source and reason; the page states the caps.
PER_SOURCE = 8
RANK_MARGIN = 0.25
#: Long golds (NER texts with spans) and raw answers are cut to this many characters.
TEXT_LIMIT = 400


@dataclass(frozen=True)
class Influence:
    """An item diagnostic's influence of one example: its value and which coefficient."""

    value: float
    kind: str = "Spearman"


@dataclass(frozen=True)
class Example:
    source: str
    index: int
    gold: str
    #: model -> (prediction text, correct flag or None, raw answer, error)
    answers: Mapping[str, tuple[str, bool | None, str, str]]
    flags: tuple[str, ...]
    inversions: int
    #: The item diagnostics' influence when the example is a misleading one.
    influence: Influence | None = None
    #: The example's input texts (two for similarity); () when the store has none.
    text: tuple[str, ...] = ()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, int | bool):
        return str(value)
    if isinstance(value, Mapping) and "text" in value:
        spans = value.get("entities", [])
        text = str(value["text"])
        marked = "; ".join(
            f"{text[s[0] : s[1]]!s} ({s[2]})"
            for s in spans
            if isinstance(s, list | tuple) and len(s) >= 3 and isinstance(s[0], int)
        )
        return _cut(f"{text} | {marked}" if marked else text)
    if isinstance(value, list) and all(isinstance(s, list | tuple) for s in value):
        return _cut("; ".join(":".join(str(x) for x in s) for s in value))
    return _cut(str(value))


def _cut(text: str) -> str:
    """Shortened, and safe to write: a lone surrogate (from a case file) becomes U+FFFD."""
    text = scrub(text)[0]
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "\u2026"


def _spans_text(pred: Any, gold: Any) -> str:
    """NER predictions as the spans' text, read from the gold example's text."""
    if isinstance(gold, Mapping) and isinstance(pred, list):
        text = str(gold.get("text", ""))
        return _cut(
            "; ".join(
                f"{text[s[0] : s[1]]} ({s[2]})"
                for s in pred
                if isinstance(s, list | tuple) and len(s) >= 3 and isinstance(s[0], int)
            )
        )
    return _text(pred)


def _ranks(values: Sequence[float | None]) -> list[float | None]:
    """Percentile ranks of the defined values (ties share their mean rank)."""
    defined = sorted((v, i) for i, v in enumerate(values) if v is not None)
    out: list[float | None] = [None] * len(values)
    n = len(defined)
    k = 0
    while k < n:
        j = k
        while j + 1 < n and defined[j + 1][0] == defined[k][0]:
            j += 1
        for _, i in defined[k : j + 1]:
            out[i] = ((k + j) / 2) / max(n - 1, 1)
        k = j + 1
    return out


def _errors(outcomes: Sequence[Outcome]) -> list[float | None]:
    """Per example, how wrong a model is: 1/0 by ``correct``, else the rank distance."""
    if any(o.correct is not None for o in outcomes):
        return [None if o.correct is None else (0.0 if o.correct else 1.0) for o in outcomes]
    num = [o.prediction if isinstance(o.prediction, int | float) else None for o in outcomes]
    gold = [o.gold if isinstance(o.gold, int | float) else None for o in outcomes]
    rp, rg = _ranks(num), _ranks(gold)
    return [None if p is None or g is None else abs(p - g) for p, g in zip(rp, rg, strict=True)]


def _input_text(outcomes: Sequence[Outcome]) -> tuple[str, ...]:
    """The example's texts: stored with any model's outcome, else the NER gold's text."""
    for o in outcomes:
        if o.text:
            return tuple(_cut(t) for t in o.text)
    for o in outcomes:
        if isinstance(o.gold, Mapping) and isinstance(o.gold.get("text"), str):
            return (_cut(o.gold["text"]),)
    return ()


def _gold_text(gold: Any) -> str:
    """The gold value; for NER only its entities, since the text is shown beside it."""
    if isinstance(gold, Mapping) and isinstance(gold.get("text"), str):
        return _spans_text(gold.get("entities", []), gold) or "(no entities)"
    return _text(gold)


def _source_examples(
    source: str,
    per_model: Mapping[str, Sequence[Outcome]],
    real_scores: Mapping[str, float],
    margin: float,
    items: Mapping[int, Influence | None] | None = None,
) -> list[Example]:
    items = items or {}
    models = sorted(per_model)
    n = min((len(v) for v in per_model.values()), default=0)
    errors = {m: _errors(per_model[m]) for m in models}
    ordered = sorted((m for m in models if m in real_scores), key=lambda m: -real_scores[m])
    picked: list[Example] = []
    for i in range(n):
        inv = 0
        for a_pos, a in enumerate(ordered):
            for b in ordered[a_pos + 1 :]:
                if real_scores[a] <= real_scores[b]:
                    continue
                ea, eb = errors[a][i], errors[b][i]
                if ea is not None and eb is not None and ea > eb + margin:
                    inv += 1
        bad = any(not per_model[m][i].valid for m in models)
        first = per_model[models[0]][i]
        item = items.get(first.index) is not None
        flags = (
            *(("disagree",) if inv else ()),
            *(("invalid",) if bad else ()),
            *(("misleading",) if item else ()),
        )
        if not flags:
            continue
        answers = {
            _cut(m): (
                _spans_text(o.prediction, o.gold),
                o.correct,
                _cut(o.raw or ""),
                _cut(o.error or ""),
            )
            for m in models
            for o in [per_model[m][i]]
        }
        influence = items.get(first.index)
        picked.append(
            Example(
                _cut(source),
                first.index,
                _gold_text(first.gold),
                answers,
                flags,
                inv,
                influence,
                _input_text([per_model[m][i] for m in models]),
            )
        )
    disagree = sorted((e for e in picked if "disagree" in e.flags), key=lambda e: -e.inversions)
    invalid = [e for e in picked if "invalid" in e.flags]
    keep = {id(e) for e in disagree[:PER_SOURCE]} | {id(e) for e in invalid[:PER_SOURCE]}
    keep |= {id(e) for e in picked if "misleading" in e.flags}  # at most items.TOP
    return [e for e in picked if id(e) in keep]


def _number(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value == value
    return float(value) if ok else None


def misleading(spearman: float | None, pearson: float | None) -> Influence | None:
    """The influence that makes a listed example misleading, or None when it is not.

    Negative Spearman influence misleads; at zero (with a handful of models, leaving
    one example out often moves no rank) a negative Pearson influence does. Zero,
    positive or undefined: not misleading, not marked.
    """
    if spearman is not None and spearman < 0:
        return Influence(spearman, "Spearman")
    if (spearman is None or spearman == 0) and pearson is not None and pearson < 0:
        return Influence(pearson, "Pearson")
    return None


def _item_influences(group: Group) -> dict[str, dict[int, Influence | None]]:
    """source -> {example index: influence, None if not misleading} from the items."""
    out: dict[str, dict[int, Influence | None]] = {}
    for source, rows in (group.items or {}).items():
        for row in rows:
            influence = misleading(_number(row.influence), _number(row.influence_pearson))
            out.setdefault(source, {})[row.i] = influence
    return out


def group_evidence(
    results_dir: Path, report: Report | Mapping[str, Any]
) -> dict[tuple[str, str], list[Example]]:
    """(task, dataset) -> the kept examples of every source, real first."""
    report = as_report(report)
    cases: dict[tuple[str, str], dict[str, dict[str, list[Outcome]]]] = {}
    # The store keeps results of older inputs beside the current ones: read only the
    # files the report's cases name (by key and fingerprint).
    named = {
        case_name(row.result.key, row.result.fingerprint)
        for row in report.cases.rows
        if row.result.fingerprint
    }
    for path in iter_case_files(results_dir):
        if named and path.name not in named:
            continue
        try:
            result, outcomes = read_case(path)
        except (OSError, ValueError):
            continue  # the report already names unreadable cases
        key: CaseKey = result.key
        cases.setdefault((key.task, key.dataset), {}).setdefault(key.generator, {})[key.model] = (
            outcomes
        )
    out: dict[tuple[str, str], list[Example]] = {}
    for group in report.groups:
        gk = group.key
        sources = cases.get(gk, {})
        real = {
            m: float(v)
            for m, v in group.scores.get("real", {}).items()
            if isinstance(v, int | float)
        }
        # Right/wrong errors are 0 or 1, so the margin changes nothing for them: one
        # rule for every task, whether it has a per-example verdict or rank distances.
        margin = RANK_MARGIN
        examples: list[Example] = []
        items = _item_influences(group)
        for source in sorted(sources, key=lambda s: (s != "real", s)):
            examples += _source_examples(source, sources[source], real, margin, items.get(source))
        out[gk] = examples
    return out
