"""The chat messages of the three evaluation tasks, after the paper's prompts."""

from __future__ import annotations

import json
from collections.abc import Sequence

from harness.backends.base import Message
from harness.tasks.kit.prompts import render


def numbered(labels: Sequence[str]) -> str:
    return "\n".join(f"{i}: {lab}" for i, lab in enumerate(labels, start=1))


def bulleted(labels: Sequence[str]) -> str:
    """One ``- label`` a line: small models copy a bullet's label, where with numbers
    they often answer the number or "1: label" (the parser takes those too)."""
    return "\n".join(f"- {lab}" for lab in labels)


def intent_messages(text: str, labels: Sequence[str]) -> tuple[Message, ...]:
    """Choose one of the candidate labels. The text comes first and the instruction
    last: measured on SmolLM2-135M, an instruction far above the answer is forgotten."""
    return (
        Message("system", render("intent.system")),
        Message("user", render("intent", labels=bulleted(labels), text=text)),
    )


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


def ner_messages(text: str, labels: Sequence[str]) -> tuple[Message, ...]:
    """JSON lists of entity strings per label."""
    fmt = json.dumps({lab: [] for lab in labels})
    listing = "\n".join(f"{i}. {lab}" for i, lab in enumerate(labels, start=1))
    return (
        Message("system", render("ner.system")),
        Message("user", render("ner", labels=listing, json_format=fmt, text=text)),
    )
