"""The NER task's records: a text and its labelled character spans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, order=True)
class Entity:
    """A labelled character span of a text; ``end`` is exclusive."""

    start: int
    end: int
    label: str
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "label": self.label, "text": self.text}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Entity:
        return cls(int(d["start"]), int(d["end"]), str(d["label"]), str(d.get("text", "")))


@dataclass(frozen=True, slots=True)
class NerExample:
    text: str
    entities: tuple[Entity, ...]
