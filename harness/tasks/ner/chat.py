"""NER for the ``llm`` model: JSON lists of entity strings per label, located in the text."""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.records import Example, NerExample, Prediction
from harness.tasks.kit.chat import ChatIO, ChatOptions, Message, TaskContext
from harness.tasks.kit.prompts.build import ner_messages
from harness.tasks.kit.prompts.grammar import entities_grammar
from harness.tasks.kit.prompts.parse import parse_entities


def chat_io(ctx: TaskContext, options: ChatOptions) -> ChatIO:
    """Every occurrence of a named string becomes an entity (``parse_entities``)."""
    labels = tuple(ctx.labels)
    if not labels:
        raise ValueError(f"llm: dataset {ctx.dataset!r} has no entity label set")

    def prompt(ex: Example) -> Sequence[Message]:
        assert isinstance(ex, NerExample)
        return ner_messages(ex.text, labels)

    def parse(ex: Example, raw: str) -> Prediction:
        assert isinstance(ex, NerExample)
        return parse_entities(raw, ex.text, labels, options.fuzzy_threshold)

    return ChatIO(prompt, parse, entities_grammar(labels))
