"""Similarity for the ``llm`` model: a rating on the dataset's scale, in tags.

The messages (after the paper's prompt), the answer grammar and the parser."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from harness.core.records import Example, Prediction
from harness.tasks.kit.chat import ChatIO, ChatOptions, Message, TaskContext
from harness.tasks.kit.prompts import render
from harness.tasks.kit.prompts.parse import first_fenced_block, short, unparseable
from harness.tasks.similarity.records import SimilarityExample


def chat_io(ctx: TaskContext, options: ChatOptions) -> ChatIO:
    """The scale's template (``options.scale``, else from the dataset's score range)."""
    template, low, high = scale_template(ctx.score_range, options.scale)

    def prompt(ex: Example) -> Sequence[Message]:
        assert isinstance(ex, SimilarityExample)
        return similarity_messages(ex.text1, ex.text2, template)

    def parse(ex: Example, raw: str) -> Prediction:
        return parse_rating(raw, low, high)

    return ChatIO(prompt, parse, rating_grammar(high))


def scale_template(score_range: tuple[float, float], scale: str = "") -> tuple[str, float, float]:
    """The template and rating bounds: ``scale`` "0-4"/"0-5", else from the dataset's range."""
    if not scale:
        scale = "0-4" if score_range[1] <= 4 else "0-5"
    if scale not in ("0-4", "0-5"):
        raise ValueError(f"similarity scale must be '0-4' or '0-5', got {scale!r}")
    hi = float(scale[-1])
    return f"similarity_0_{scale[-1]}", 0.0, hi


def similarity_messages(text1: str, text2: str, template: str) -> tuple[Message, ...]:
    """A rating with the scale's guidelines, in ``<similarity_rating>`` tags."""
    return (
        Message("system", render("similarity.system")),
        Message("user", render(template, text1=text1, text2=text2)),
    )


def rating_grammar(high: float) -> str:
    """``<similarity_rating>N</similarity_rating>`` with N in [0, high], one decimal at most."""
    top = int(high)
    below = f"[0-{top - 1}]" if top > 1 else '"0"'
    number = f'({below} ("." [0-9])? | "{top}" (".0")?)'
    return f'root ::= "<similarity_rating>" {number} "</similarity_rating>"\n'


# One way to read each run of blanks: ``<\s*/?\s*`` matched "<" and n blanks n ways.
_TAG = re.compile(
    r"<\s*(?:/\s*)?similarity_rating\s*>(.*?)<\s*(?:/\s*)?similarity_rating\s*>",
    re.DOTALL | re.IGNORECASE,
)
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def parse_rating(raw: str, low: float, high: float) -> Prediction:
    """A number in [low, high]: inside ``<similarity_rating>`` tags, else the first number."""
    m = _TAG.search(raw)
    region = m.group(1) if m else first_fenced_block(raw)
    num = _NUMBER.search(region)
    if num is None:
        return unparseable(raw, f"no number in {short(raw)!r}")
    value = float(num.group(0))
    if not math.isfinite(value) or not low <= value <= high:
        return unparseable(raw, f"rating {num.group(0)} outside {low:g}-{high:g}")
    return Prediction(value, raw=raw)


