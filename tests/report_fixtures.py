"""A report dict shaped like the default suite's (six datasets, six generators, long names).

Built by hand, with fixed figures, so the renderers' snapshot tests do not move when
the bootstrap or a model changes; the shape follows ``report.json`` (docs/reports.md).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.core.names import ENSEMBLES
from harness.core.records import CaseKey, CaseResult
from harness.report.figures import AGREEMENT_FIGURES
from harness.report.model import REPORT_SCHEMA, CaseRow, Cases, Report

GENERATORS = ("gpt-4o", "gpt-4o-mini", "llama-3-70b", "llama-3-8b", "mixtral-8x22b", "mixtral-8x7b")
GROUPS = (
    ("intent", "atis", "macro_f1", ("majority", "tfidf-centroid", "tfidf-logreg", "minilm-knn")),
    ("intent", "snips", "macro_f1", ("majority", "tfidf-centroid", "tfidf-logreg", "minilm-knn")),
    ("ner", "crossner_literature", "f1", ("caps-baseline", "crf", "spacy-sm", "gazetteer")),
    ("ner", "crossner_politics", "f1", ("caps-baseline", "crf", "spacy-sm", "gazetteer")),
    ("similarity", "headlines", "spearman", ("jaccard", "tfidf-cosine", "minilm-cosine", "bm25")),
    ("similarity", "tweet-news", "spearman", ("jaccard", "tfidf-cosine", "minilm-cosine", "bm25")),
)


def _ci(v: float, half: float = 0.1, **extra: Any) -> dict[str, Any]:
    return {"value": v, "low": round(v - half, 4), "high": round(min(1.0, v + half), 4), **extra}


def _group(k: int, task: str, dataset: str, metric: str, models: tuple[str, ...]) -> dict[str, Any]:
    real = {m: round(0.2 + 0.15 * j + 0.01 * k, 4) for j, m in enumerate(models)}
    scores: dict[str, dict[str, float]] = {"real": real}
    for g, gen in enumerate(GENERATORS):
        # Generator g swaps two models' order when g is odd: agreement varies by generator.
        row = {m: round(v - 0.05 * ((g + k) % 3), 4) for m, v in real.items()}
        if g % 2:
            a, b = models[1], models[2]
            row[a], row[b] = row[b], row[a]
        scores[gen] = row
    scores["mean"] = {m: round(sum(scores[g][m] for g in GENERATORS) / 6, 4) for m in models}
    rho = [0.8 if g % 2 else 1.0 for g in range(len(GENERATORS))]
    if k == 5:
        rho = [-0.2, 0.4, 0.2, 0.0, -0.2, 0.4]  # tweet-news: near chance
    agreement = {
        gen: {
            "spearman": r,
            "kendall": r * 0.9,
            "pearson": r,
            "mae": 0.05,
            "mse": 0.004,
            "n_models": 4,
        }
        for gen, r in zip(GENERATORS, rho, strict=True)
    }
    mean_rho = 0.2 if k == 5 else 1.0
    agreement["mean"] = {
        "spearman": mean_rho,
        "kendall": mean_rho,
        "pearson": 0.9,
        "mae": 0.03,
        "mse": 0.002,
        "n_models": 4,
    }
    ci_agreement = {
        gen: {
            c: _ci(float(a[c]), 0.4 if k == 5 else 0.2, p_value=0.04 if c == "spearman" else None)
            for c in ("spearman", "kendall", "pearson", "mae", "mse")
        }
        | {"n_models": 4}
        for gen, a in agreement.items()
    }
    bias: dict[str, Any] = {}
    ci_bias: dict[str, Any] = {}
    if task == "intent":
        bias = {"minilm-knn": {"generator": "gpt-4o", "value": 0.08}}
        ci_bias = {"minilm-knn": {"generator": "gpt-4o", **_ci(0.08, 0.03)}}
    data = {
        gen: {
            "duplicates": 2 + g,
            "repaired_entities": 3 if task == "ner" else 0,
            "dropped_entities": 0,
            "dropped_records": 0,
            "notes": [f"{2 + g} duplicate texts (kept)"],
        }
        for g, gen in enumerate(GENERATORS)
    }
    quality = {
        gen: {
            "label_tvd": 0.1 * (g + 1) / 3,
            "distinct_2": 0.5,
            "mean_words": 9.0,
            "duplicates": 2 + g,
        }
        for g, gen in enumerate(GENERATORS)
    }
    return {
        "task": task,
        "dataset": dataset,
        "metric": metric,
        "scores": scores,
        "agreement": agreement,
        "bias": bias,
        "missing": [],
        "data": data,
        "quality": quality,
        "ci": {
            "scores": {s: {m: _ci(v, 0.05) for m, v in row.items()} for s, row in scores.items()},
            "agreement": ci_agreement,
            "bias": ci_bias,
            "paired": {},
        },
    }


def _cases(groups: list[dict[str, Any]]) -> dict[str, Any]:
    """The cases the groups' scores came from: one ``ok`` case per (source, model) score,
    ensembles left out (they are no case); ``cases.counts`` is counted from them."""
    rows = tuple(
        CaseRow(
            CaseResult(
                CaseKey(g["task"], g["dataset"], source, model),
                "ok",
                g["metric"],
                {g["metric"]: score},
                n_examples=100,
            ),
            "evaluated",
            "fixture",
        )
        for g in groups
        for source, row in g["scores"].items()
        if source not in ENSEMBLES
        for model, score in row.items()
    )
    return Cases(rows, ()).to_dict()


def suite_report(evil: str = "") -> dict[str, Any]:
    """The fixed report; ``evil`` is appended to a model name and a generator's notes."""
    groups = [_group(k, *g) for k, g in enumerate(GROUPS)]
    if evil:
        g = groups[0]
        for row in [*g["scores"].values(), *g["ci"]["scores"].values()]:
            row["majority" + evil] = row.pop("majority")
        g["data"]["gpt-4o"]["notes"].append(evil)
    gates = [
        {
            "name": "intent classifiers always answer",
            "kind": "max_invalid_rate",
            "status": "passed",
            "description": "invalid rate <= 0 (interval) on task=intent",
            "reason": "12 cells pass",
            "checks": [
                {"cell": "intent/atis/real/majority", "status": "passed", "reason": ""},
                {"cell": "intent/snips/real/majority", "status": "passed", "reason": ""},
            ],
        },
        {
            "name": "atis ensemble ranks models better than chance",
            "kind": "min_agreement",
            "status": "passed",
            "description": "spearman >= 0 (interval) on dataset=atis generator=mean",
            "reason": "1 cell passes",
            "checks": [{"cell": "intent/atis/mean", "status": "passed", "reason": ""}],
        },
        {
            "name": "tweet-news ensemble ranks like real",
            "kind": "min_agreement",
            "status": "failed",
            "description": "spearman >= 0.5 (interval) on dataset=tweet-news generator=mean",
            "reason": "similarity/tweet-news/mean: lower bound -0.200 < 0.5",
            "checks": [
                {
                    "cell": "similarity/tweet-news/mean",
                    "status": "failed",
                    "reason": "lower bound -0.200 < 0.5",
                }
            ],
        },
    ]
    for gate, threshold in zip(gates, (0.0, 0.0, 0.5), strict=True):
        # The declaration as a verdict carries it (harness.gates.Verdict.to_dict).
        declared = {"threshold": threshold, "on": "interval", "optional": False,
                    "allow_missing": 0, "selectors": {}}
        gate.update({**declared, **gate, "rule": "threshold", "where": "suite.toml"})
    return {
        "schema": 1,
        "groups": groups,
        "cases": _cases(groups),
        "bootstrap": {
            "method": "percentile",
            "level": 0.95,
            "resamples": 1000,
            "seed": 13,
            "permutations": 1000,
        },
        "gates": {
            "status": "failed",
            "counts": {"passed": 2, "failed": 1, "skipped": 0},
            "gates": gates,
        },
    }


def rewrite_case(path: Path, lines: list[dict[str, Any]]) -> None:
    """Rewrite a case file's lines (head first) as a run would: the head's outcome digest
    recomputed over the outcome lines as written, so the report's checks accept it.

    For tests that put hostile content into stored outcomes; a test that edits lines
    *without* this is testing that the report refuses the file.
    """
    import hashlib
    import json

    head, *outcomes = lines
    body = "".join(json.dumps(o) + "\n" for o in outcomes)
    head = {**head, "outcomes_sha256": hashlib.sha256(body.encode("utf-8")).hexdigest()}
    path.write_text(json.dumps(head) + "\n" + body, encoding="utf-8")


def typed_report(d: Mapping[str, Any]) -> Report:
    """A hand-built report dict (only the keys its test reads) as the typed ``Report``:
    every key it leaves out gets the value a report without that figure has (None, 0,
    empty), then ``Report.from_dict`` reads it as it reads ``report.json``."""
    d = copy.deepcopy(dict(d))
    d.setdefault("schema", REPORT_SCHEMA)
    for g in d.setdefault("groups", []):
        for key in ("scores", "agreement", "bias"):
            g.setdefault(key, {})
        g.setdefault("metric", "")
        for a in g["agreement"].values():
            for name in AGREEMENT_FIGURES:
                a.setdefault(name, None)
            a.setdefault("n_models", 0)
        for a in (g.get("ci") or {}).get("agreement", {}).values():
            a.setdefault("n_models", 0)
    cases = d.setdefault("cases", {})
    for c in cases.get("all", []):
        for key, value in (("status", "ok"), ("metrics", {}), ("n_examples", 0), ("n_invalid", 0)):
            c.setdefault(key, value)
        c.setdefault("state", "computed")
        c.setdefault("run", "")
    for m in cases.get("missing", []):
        m.setdefault("reason", "")
    return Report.from_dict(d, "hand-built report")
