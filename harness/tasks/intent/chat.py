"""Intent for the ``llm`` model: choose one of the dataset's labels."""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.records import Example, IntentExample, Prediction
from harness.tasks.kit.chat import ChatIO, ChatOptions, Message, TaskContext
from harness.tasks.kit.prompts.build import intent_messages
from harness.tasks.kit.prompts.grammar import intent_grammar
from harness.tasks.kit.prompts.parse import parse_intent


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
