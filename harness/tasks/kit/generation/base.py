"""What a per-task generator is, what it is given, and what one answer comes to.

A generator turns a plan index into a deterministic *plan* (what to ask for, which
real examples to show), a plan into chat messages, and an answer into a record or
a counted rejection. Plans depend on (seed, dataset, index) only, never on what
was generated before, so a resumed run asks exactly what an uninterrupted one
would, and two generator LLMs given the same seed are asked the same questions.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from harness.core.records import Example
from harness.tasks.kit.generation.templates import PromptTemplate

Messages = list[dict[str, str]]
#: Request fields beyond the messages (a decoding ``grammar``); JSON-able values.
Fields = Mapping[str, Any]


class Ask(Protocol):
    """Sends a batch of message lists (each request carrying ``fields``); gives each
    answer text, or None for a failed request."""

    def __call__(self, batch: Sequence[Messages], fields: Fields | None = None
                 ) -> list[str | None]: ...


LABEL_MODES = ("real", "uniform")
#: ``constrain``: "" (free text) or "grammar" (llama.cpp GBNF,
#: ``harness.tasks.kit.generation.grammar``).
CONSTRAIN = ("", "grammar")


@dataclass(frozen=True)
class GenSettings:
    """The parameters of a run; all of them go into the provenance."""

    n: int = 200
    shots: int = 1
    seed: int = 0
    labels: str = "real"
    temperature: float = 1.0
    max_tokens: int = 256
    max_attempts: int = 3
    window: int = 8
    entities_per_label: int = 20
    domain: str = ""
    constrain: str = ""

    def __post_init__(self) -> None:
        if self.n < 1 or self.shots < 0 or self.max_attempts < 1 or self.window < 1:
            raise ValueError("n, max_attempts and window must be >= 1 and shots >= 0")
        if self.labels not in LABEL_MODES:
            raise ValueError(f"labels must be one of {', '.join(LABEL_MODES)}, got {self.labels!r}")
        if self.constrain not in CONSTRAIN:
            raise ValueError(f"constrain must be '' or 'grammar', got {self.constrain!r}")

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class GenContext:
    """What a generator may use: the real examples to show (``pool``, from the train
    split when there is one), the real test set's label counts (only to draw labels
    in its proportions), the label set and the templates."""

    task: str
    dataset: str
    labels: tuple[str, ...]
    pool: tuple[Example, ...]
    pool_split: str
    real_counts: Counter[str]
    score_range: tuple[float, float]
    settings: GenSettings
    templates: dict[str, PromptTemplate]


@dataclass(frozen=True)
class Accepted:
    record: dict[str, Any]
    repairs: int = 0


@dataclass(frozen=True)
class Rejected:
    reason: str
    detail: str = ""


Outcome = Accepted | Rejected


class TaskGenerator(Protocol):
    """One task's generation procedure (see the module docstring).

    A task offers one as its ``generator`` attribute: the class (or any factory
    ``GenContext -> TaskGenerator``) with ``template_names`` and, optionally,
    ``template_dir`` (where its packaged template files are; the built-in ones
    ``harness/tasks/<task>/templates/``).
    """

    #: Names of the templates it renders (``<name>.txt`` files).
    template_names: tuple[str, ...]

    def prepare(self, ask: Ask, state: dict[str, Any]) -> dict[str, Any]:
        """A first stage whose result is kept in the provenance (NER entity lists);
        ``state`` is what an earlier run stored. Returns the state to store."""
        ...

    def plan(self, index: int) -> dict[str, Any]:
        """The deterministic, JSON-able plan of one index."""
        ...

    def messages(self, plan: dict[str, Any]) -> Messages:
        ...

    def constraint(self, plan: dict[str, Any]) -> dict[str, Any]:
        """Request fields of the plan's request under ``settings.constrain`` ({} for none).

        Optional: a generator without it sends none and cannot run under a grammar."""
        ...

    def accept(self, plan: dict[str, Any], answer: str) -> Outcome:
        ...

    def shown(self, plan: dict[str, Any]) -> list[Any]:
        """The dedup keys of the real examples shown: copying one is rejected."""
        ...


GeneratorFactory = Callable[[GenContext], TaskGenerator]


def plan_rng(ctx: GenContext, index: int, stage: str = "plan") -> random.Random:
    """The random source of one plan: seeded by (seed, dataset, stage, index) only.

    A string seed is hashed by ``random`` with SHA-512: the same in every process.
    """
    return random.Random(f"{ctx.settings.seed}:{ctx.dataset}:{stage}:{index}")


def request_seed(seed: int, dataset: str, index: int, attempt: int) -> int:
    """The sampling seed sent with one attempt (providers that honour it reproduce it)."""
    digest = hashlib.sha256(f"{seed}:{dataset}:{index}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def weighted_keys(
    available: Sequence[str], real_counts: Counter[str], mode: str
) -> tuple[list[str], list[float]]:
    """Keys to draw from and their weights: the real test proportions, or uniform.

    Keys the real test set lacks get no weight in ``real`` mode; with no real counts
    at all, ``real`` falls back to uniform.
    """
    keys = sorted(available)
    if mode == "real" and any(real_counts.get(k, 0) for k in keys):
        weights = [float(real_counts.get(k, 0)) for k in keys]
    else:
        weights = [1.0] * len(keys)
    return keys, weights


def bullet_list(items: Sequence[str]) -> str:
    return "\n".join(f"- {t}" for t in items)
