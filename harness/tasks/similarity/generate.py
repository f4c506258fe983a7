"""Similarity generation (the paper's procedure): for a score of the scale, show k
real pairs with that score (rounded to the whole point) and ask for a new pair at
that score. Scores are the whole points of the dataset's score range, drawn in the
real test set's proportions or uniformly over the scores that have examples."""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from harness.tasks.kit.generation.answers import json_value, strip_fences, unquote
from harness.tasks.kit.generation.base import (
    Accepted,
    Ask,
    GenContext,
    Messages,
    Outcome,
    Rejected,
    plan_rng,
    weighted_keys,
)
from harness.tasks.kit.generation.grammar import TEXT_CHAR
from harness.tasks.similarity.quality import distribution_keys
from harness.tasks.similarity.records import SimilarityExample

_PREFIX = re.compile(r"^\s*(?:[-*]|\d[.)]|(?:sentence|text)\s*\d\s*[:.)-])\s*", re.IGNORECASE)


def parse_pair(answer: str) -> tuple[str, str] | None:
    """``{"text1", "text2"}`` JSON, a two-item list, or two non-empty lines."""
    obj = json_value(answer)
    if isinstance(obj, dict):
        t1, t2 = obj.get("text1"), obj.get("text2")
        if isinstance(t1, str) and isinstance(t2, str) and t1.strip() and t2.strip():
            return t1.strip(), t2.strip()
        return None
    if (isinstance(obj, list) and len(obj) == 2
            and all(isinstance(t, str) and t.strip() for t in obj)):
        return obj[0].strip(), obj[1].strip()
    if obj is not None:
        return None
    lines = [unquote(_PREFIX.sub("", ln)) for ln in strip_fences(answer).splitlines()]
    lines = [ln for ln in lines if ln]
    return (lines[0], lines[1]) if len(lines) == 2 else None


class SimilarityGenerator:
    template_names: tuple[str, ...] = ("similarity",)
    #: The packaged templates, beside this module.
    template_dir = Path(__file__).parent / "templates"

    def __init__(self, ctx: GenContext) -> None:
        self.ctx = ctx
        low, high = ctx.score_range
        self.scale = [str(s) for s in range(math.ceil(low), math.floor(high) + 1)]
        self.by_score: dict[str, list[list[Any]]] = defaultdict(list)
        for ex in ctx.pool:
            assert isinstance(ex, SimilarityExample)
            key = distribution_keys(ex)[0]
            if key in self.scale:
                self.by_score[key].append([ex.text1, ex.text2, ex.score])
        self.keys, self.weights = weighted_keys(
            list(self.by_score), ctx.real_counts, ctx.settings.labels
        )

    def prepare(self, ask: Ask, state: dict[str, Any]) -> dict[str, Any]:
        return {"scores_without_examples": sorted(set(self.scale) - set(self.by_score))}

    def plan(self, index: int) -> dict[str, Any]:
        rng = plan_rng(self.ctx, index)
        score = rng.choices(self.keys, self.weights)[0]
        pairs = self.by_score[score]
        shots = rng.sample(pairs, min(self.ctx.settings.shots, len(pairs)))
        return {"score": score, "shots": shots}

    def messages(self, plan: dict[str, Any]) -> Messages:
        low, high = self.ctx.score_range
        examples = "\n".join(json.dumps({"text1": t1, "text2": t2}, ensure_ascii=False)
                             for t1, t2, _ in plan["shots"])
        return self.ctx.templates["similarity"].render(
            k=len(plan["shots"]), dataset=self.ctx.dataset, score=plan["score"],
            low=f"{low:g}", high=f"{high:g}", examples=examples,
        )

    def constraint(self, plan: dict[str, Any]) -> dict[str, Any]:
        return {"grammar": pair_grammar()} if self.ctx.settings.constrain else {}

    def accept(self, plan: dict[str, Any], answer: str) -> Outcome:
        pair = parse_pair(answer)
        if pair is None:
            return Rejected("format", "no text1/text2 pair in the answer")
        return Accepted({"text1": pair[0], "text2": pair[1], "score": float(plan["score"])})

    def shown(self, plan: dict[str, Any]) -> list[Any]:
        return [(t1, t2) for t1, t2, _ in plan["shots"]]


def pair_grammar(max_chars: int = 200) -> str:
    """``{"text1": "...", "text2": "..."}``: a similarity pair as one JSON object."""
    return (
        'root ::= "{\\"text1\\": " text ", \\"text2\\": " text "}"\n'
        f'text ::= "\\"" {TEXT_CHAR}{{1,{max_chars}}} "\\""\n'
    )
