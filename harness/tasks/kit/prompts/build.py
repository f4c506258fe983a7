"""Helpers for a task's chat messages: label lists in the shapes small models copy.

The tasks' own messages are in ``harness/tasks/<name>/chat.py``."""

from __future__ import annotations

from collections.abc import Sequence


def numbered(labels: Sequence[str]) -> str:
    return "\n".join(f"{i}: {lab}" for i, lab in enumerate(labels, start=1))


def bulleted(labels: Sequence[str]) -> str:
    """One ``- label`` a line: small models copy a bullet's label, where with numbers
    they often answer the number or "1: label" (the parser takes those too)."""
    return "\n".join(f"- {lab}" for lab in labels)
