"""Similarity for the ``llm`` model: a rating on the dataset's scale, in tags."""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.records import Example, Prediction, SimilarityExample
from harness.tasks.kit.chat import ChatIO, ChatOptions, Message, TaskContext
from harness.tasks.kit.prompts.build import scale_template, similarity_messages
from harness.tasks.kit.prompts.grammar import rating_grammar
from harness.tasks.kit.prompts.parse import parse_rating


def chat_io(ctx: TaskContext, options: ChatOptions) -> ChatIO:
    """The scale's template (``options.scale``, else from the dataset's score range)."""
    template, low, high = scale_template(ctx.score_range, options.scale)

    def prompt(ex: Example) -> Sequence[Message]:
        assert isinstance(ex, SimilarityExample)
        return similarity_messages(ex.text1, ex.text2, template)

    def parse(ex: Example, raw: str) -> Prediction:
        return parse_rating(raw, low, high)

    return ChatIO(prompt, parse, rating_grammar(high))
