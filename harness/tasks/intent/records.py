"""The intent task's record: a text and its label."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IntentExample:
    text: str
    label: str
