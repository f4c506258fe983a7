"""NER for the ``llm`` model: JSON lists of entity strings per label, located in the text.

The messages (after the paper's prompt) and the answer grammar; the parser is
``harness.tasks.ner.parse``."""

from __future__ import annotations

import json
from collections.abc import Sequence

from harness.core.records import Example, Prediction
from harness.tasks.kit.chat import ChatIO, ChatOptions, Message, TaskContext
from harness.tasks.kit.prompts import render
from harness.tasks.kit.prompts.grammar import literal
from harness.tasks.ner.parse import parse_entities
from harness.tasks.ner.records import NerExample


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


def ner_messages(text: str, labels: Sequence[str]) -> tuple[Message, ...]:
    """JSON lists of entity strings per label."""
    fmt = json.dumps({lab: [] for lab in labels})
    listing = "\n".join(f"{i}. {lab}" for i, lab in enumerate(labels, start=1))
    return (
        Message("system", render("ner.system")),
        Message("user", render("ner", labels=listing, json_format=fmt, text=text)),
    )
def entities_grammar(labels: Sequence[str], max_chars: int = 60) -> str:
    """``{"label": ["entity", ...], ...}`` with every label once, in order.

    Strings are short, single-line and free of quotes and backslashes, so a small
    model cannot run on inside one string until ``max_tokens`` cuts the JSON off.
    """
    pairs = ' "," ws '.join(f'{literal(_json_key(lab))} ws ":" ws list' for lab in labels)
    char = r'[^"\\\n\x00-\x1f]'
    return (
        f'root ::= "{{" ws {pairs} ws "}}"\n'
        'list ::= "[" ws ( string ( ws "," ws string )* )? ws "]"\n'
        f'string ::= "\\"" {char}{{1,{max_chars}}} "\\""\n'
        "ws ::= [ \\n]{0,2}\n"
    )


def _json_key(label: str) -> str:
    return json.dumps(label)
