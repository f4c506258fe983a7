"""Intent generation (the paper's procedure): for a label, show k real utterances of
it and ask for a new utterance with that intent. Labels are drawn in the real test
set's proportions (``labels = "real"``) or uniformly over the labels that have
examples to show."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from harness.tasks.intent.records import IntentExample
from harness.tasks.kit.generation.answers import one_line
from harness.tasks.kit.generation.base import (
    Accepted,
    Ask,
    GenContext,
    Messages,
    Outcome,
    Rejected,
    bullet_list,
    plan_rng,
    weighted_keys,
)
from harness.tasks.kit.generation.grammar import line_grammar


class IntentGenerator:
    template_names: tuple[str, ...] = ("intent",)
    #: The packaged templates, beside this module.
    template_dir = Path(__file__).parent / "templates"

    def __init__(self, ctx: GenContext) -> None:
        self.ctx = ctx
        self.by_label: dict[str, list[str]] = defaultdict(list)
        for ex in ctx.pool:
            assert isinstance(ex, IntentExample)
            self.by_label[ex.label].append(ex.text)
        self.keys, self.weights = weighted_keys(
            list(self.by_label), ctx.real_counts, ctx.settings.labels
        )

    def prepare(self, ask: Ask, state: dict[str, Any]) -> dict[str, Any]:
        # Real test labels with no example to show cannot be generated: say so.
        missing = sorted(set(self.ctx.real_counts) - set(self.by_label))
        return {"labels_without_examples": missing}

    def plan(self, index: int) -> dict[str, Any]:
        rng = plan_rng(self.ctx, index)
        label = rng.choices(self.keys, self.weights)[0]
        texts = self.by_label[label]
        shots = rng.sample(texts, min(self.ctx.settings.shots, len(texts)))
        return {"label": label, "shots": shots}

    def messages(self, plan: dict[str, Any]) -> Messages:
        return self.ctx.templates["intent"].render(
            k=len(plan["shots"]), dataset=self.ctx.dataset, label=plan["label"],
            examples=bullet_list(plan["shots"]),
        )

    def constraint(self, plan: dict[str, Any]) -> dict[str, Any]:
        return {"grammar": line_grammar()} if self.ctx.settings.constrain else {}

    def accept(self, plan: dict[str, Any], answer: str) -> Outcome:
        text = one_line(answer)
        if text is None:
            return Rejected("format", "no utterance in the answer")
        return Accepted({"text": text, "label": plan["label"]})

    def shown(self, plan: dict[str, Any]) -> list[Any]:
        return list(plan["shots"])

