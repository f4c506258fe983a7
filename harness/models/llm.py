"""``llm``: a chat LLM prompted zero-shot, for every task that has a chat prompt.

The task gives the prompt, the answer parser and the grammar (its ``chat_io``,
``harness.tasks.kit.chat``; intent, similarity and NER in ``harness/tasks/<name>/chat.py``).

Suite entry (OpenAI-compatible server; the key comes from the named variable)::

    [models.gpt4o-mini]
    factory = "llm"
    same_as = "gpt-4o-mini"          # the generator that is the same LLM: bias factor
    params = {backend = "openai", model = "gpt-4o-mini", api_key_env = "OPENAI_API_KEY",
              temperature = 0.0, max_tokens = 512, concurrency = 8, rpm = 500}

Parameters are those of ``harness.backends.build`` plus ``fuzzy_threshold`` (0-100,
near-miss label names), ``scale`` (similarity: "0-4" or "0-5"; default from the
dataset's score range) and ``constrain`` ("grammar": llama.cpp grammar-constrained
decoding to the answer's shape, the task's grammar). Every prediction keeps
the raw answer; an answer that does not parse, or a request that failed after its
retries, is an invalid prediction with the reason in ``error``, so each case's
invalid rate is exact. A failed request (and an unparseable answer cut off at
``max_tokens``) also carries its kind in ``Prediction.failure``: the runner counts
those apart from unparseable answers and stores a case with failed requests as
``incomplete`` (``harness.core.failures``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.backends import build_client
from harness.backends.base import CUT_OFF, LENGTH, Completion, Message
from harness.core.records import Example, Prediction
from harness.models import MODELS, Predictor, TaskContext
from harness.tasks import TASKS
from harness.tasks.kit.chat import ChatOptions, ChatTasks, chat_io
from harness.tasks.kit.prompts.parse import DEFAULT_THRESHOLD

Prompt = Callable[[Example], Sequence[Message]]
Parse = Callable[[Example, str], Prediction]


@dataclass
class LLMPredictor:
    """Prompts every example, sends them as one concurrent batch, parses the answers."""

    client: Any  # ChatClient
    defaults: Any  # RequestDefaults
    prompt: Prompt
    parse: Parse
    #: Request fields every request of this task carries (a decoding grammar).
    extra: Mapping[str, Any] = field(default_factory=dict)

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        requests = [self.defaults.request(self.prompt(ex), **self.extra) for ex in examples]
        completions = self.client.complete_many(requests)
        return [self._prediction(ex, c) for ex, c in zip(examples, completions, strict=True)]

    def _prediction(self, ex: Example, c: Completion) -> Prediction:
        if not c.ok:
            return Prediction(None, raw=None, error=c.error or "request failed", failure=c.failure)
        pred = self.parse(ex, c.text or "")
        if not pred.valid and c.finish_reason in CUT_OFF:
            # Not the model's whole answer: a request-level failure, not an unparseable one.
            why = f"cut off at max_tokens (finish_reason {c.finish_reason!r}); {pred.error}"
            return Prediction(None, raw=pred.raw, error=why, failure=LENGTH)
        return pred


CONSTRAIN = ("", "grammar")


def _constraint(ctx: TaskContext, constrain: str, grammar: str) -> dict[str, Any]:
    """The request fields of ``constrain``: "" (none) or "grammar" (llama.cpp GBNF)."""
    if constrain not in CONSTRAIN:
        raise ValueError(f"llm: constrain must be one of '', 'grammar'; got {constrain!r}")
    if not constrain:
        return {}
    if not grammar:
        raise ValueError(f"llm: task {ctx.task!r} has no answer grammar; leave constrain unset")
    return {"grammar": grammar}


#: Every task with a chat prompt (``chat_io``), the built-in ones and any registered later.
@MODELS.register("llm", tasks=ChatTasks(), backend_default="openai")
def llm(
    ctx: TaskContext,
    fuzzy_threshold: float = DEFAULT_THRESHOLD,
    scale: str = "",
    constrain: str = "",
    **params: Any,
) -> Predictor:
    """A zero-shot chat LLM through any registered backend (see the module docstring)."""
    if not 0 <= float(fuzzy_threshold) <= 100:
        raise ValueError(f"llm: fuzzy_threshold must lie in [0, 100], got {fuzzy_threshold}")
    io = chat_io(TASKS.get(ctx.task), ctx, ChatOptions(float(fuzzy_threshold), str(scale)))
    extra = _constraint(ctx, str(constrain), io.grammar)
    client, defaults = build_client(params, who="llm")
    return LLMPredictor(client, defaults, io.prompt, io.parse, extra)
