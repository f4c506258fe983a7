"""Intent for the ``llm`` model: choose one of the dataset's labels.

The messages (after the paper's prompt), the answer grammar and the parser."""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.records import Example, Prediction
from harness.tasks.intent.records import IntentExample
from harness.tasks.kit.chat import ChatIO, ChatOptions, Message, TaskContext
from harness.tasks.kit.prompts import render
from harness.tasks.kit.prompts.build import bulleted
from harness.tasks.kit.prompts.grammar import literal
from harness.tasks.kit.prompts.parse import DEFAULT_THRESHOLD, match_label, short, unparseable


def chat_io(ctx: TaskContext, options: ChatOptions) -> ChatIO:
    """The labels listed in the prompt; the answer matched to one (near misses too)."""
    labels = tuple(ctx.labels)
    if not labels:
        raise ValueError(f"llm: dataset {ctx.dataset!r} has no label set to choose from")

    def prompt(ex: Example) -> Sequence[Message]:
        assert isinstance(ex, IntentExample)
        return intent_messages(ex.text, labels)

    def parse(ex: Example, raw: str) -> Prediction:
        return parse_intent(raw, labels, options.fuzzy_threshold)

    return ChatIO(prompt, parse, intent_grammar(labels))


def intent_messages(text: str, labels: Sequence[str]) -> tuple[Message, ...]:
    """Choose one of the candidate labels. The text comes first and the instruction
    last: measured on SmolLM2-135M, an instruction far above the answer is forgotten."""
    return (
        Message("system", render("intent.system")),
        Message("user", render("intent", labels=bulleted(labels), text=text)),
    )


def intent_grammar(labels: Sequence[str]) -> str:
    """Exactly one of the labels, nothing else."""
    return "root ::= " + " | ".join(literal(lab) for lab in labels) + "\n"


def parse_intent(
    raw: str, labels: Sequence[str], threshold: float = DEFAULT_THRESHOLD
) -> Prediction:
    """One of ``labels``, or an invalid prediction naming the answer."""
    lab = match_label(raw, labels, threshold)
    if lab is None:
        return unparseable(raw, f"{short(raw)!r} is not one of the {len(labels)} labels")
    return Prediction(lab, raw=raw)


