"""``llm``: a chat LLM prompted zero-shot, for intent, similarity and NER.

Suite entry (OpenAI-compatible server; the key comes from the named variable)::

    [models.gpt4o-mini]
    factory = "llm"
    same_as = "gpt-4o-mini"          # the generator that is the same LLM: bias factor
    params = {backend = "openai", model = "gpt-4o-mini", api_key_env = "OPENAI_API_KEY",
              temperature = 0.0, max_tokens = 512, concurrency = 8, rpm = 500}

Parameters are those of ``harness.backends.build`` plus ``fuzzy_threshold`` (0-100,
near-miss label names), ``scale`` (similarity: "0-4" or "0-5"; default from the
dataset's score range) and ``constrain`` ("grammar": llama.cpp grammar-constrained
decoding to the answer's shape, ``harness.prompts.grammar``). Every prediction keeps
the raw answer; an answer that does not parse, or a request that failed after its
retries, is an invalid prediction with the reason in ``error``, so each case's
invalid rate is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.backends.base import Completion, Message
from harness.models import MODELS, Predictor, TaskContext
from harness.prompts import grammar
from harness.prompts.build import intent_messages, ner_messages, scale_template, similarity_messages
from harness.prompts.parse import DEFAULT_THRESHOLD, parse_entities, parse_intent, parse_rating
from harness.records import Example, IntentExample, NerExample, Prediction, SimilarityExample

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
            return Prediction(None, raw=None, error=c.error or "request failed")
        return self.parse(ex, c.text or "")


def _task_io(ctx: TaskContext, threshold: float, scale: str) -> tuple[Prompt, Parse]:
    labels = tuple(ctx.labels)
    if ctx.task == "intent":
        if not labels:
            raise ValueError(f"llm: dataset {ctx.dataset!r} has no label set to choose from")

        def intent_prompt(ex: Example) -> Sequence[Message]:
            assert isinstance(ex, IntentExample)
            return intent_messages(ex.text, labels)

        return intent_prompt, lambda ex, raw: parse_intent(raw, labels, threshold)
    if ctx.task == "similarity":
        template, low, high = scale_template(ctx.score_range, scale)

        def sim_prompt(ex: Example) -> Sequence[Message]:
            assert isinstance(ex, SimilarityExample)
            return similarity_messages(ex.text1, ex.text2, template)

        return sim_prompt, lambda ex, raw: parse_rating(raw, low, high)
    if ctx.task == "ner":
        if not labels:
            raise ValueError(f"llm: dataset {ctx.dataset!r} has no entity label set")

        def ner_prompt(ex: Example) -> Sequence[Message]:
            assert isinstance(ex, NerExample)
            return ner_messages(ex.text, labels)

        def ner_parse(ex: Example, raw: str) -> Prediction:
            assert isinstance(ex, NerExample)
            return parse_entities(raw, ex.text, labels, threshold)

        return ner_prompt, ner_parse
    raise ValueError(f"llm: unsupported task {ctx.task!r}; supported: intent, similarity, ner")


CONSTRAIN = ("", "grammar")


def _constraint(ctx: TaskContext, constrain: str, scale: str) -> dict[str, Any]:
    """The request fields of ``constrain``: "" (none) or "grammar" (llama.cpp GBNF)."""
    if constrain not in CONSTRAIN:
        raise ValueError(f"llm: constrain must be one of '', 'grammar'; got {constrain!r}")
    if not constrain:
        return {}
    if ctx.task == "intent":
        return {"grammar": grammar.intent_grammar(tuple(ctx.labels))}
    if ctx.task == "similarity":
        _, _, high = scale_template(ctx.score_range, scale)
        return {"grammar": grammar.rating_grammar(high)}
    return {"grammar": grammar.entities_grammar(tuple(ctx.labels))}


@MODELS.register("llm", tasks=("intent", "similarity", "ner"))
def llm(
    ctx: TaskContext,
    fuzzy_threshold: float = DEFAULT_THRESHOLD,
    scale: str = "",
    constrain: str = "",
    **params: Any,
) -> Predictor:
    """A zero-shot chat LLM through any registered backend (see the module docstring)."""
    from harness.backends import build_client

    if not 0 <= float(fuzzy_threshold) <= 100:
        raise ValueError(f"llm: fuzzy_threshold must lie in [0, 100], got {fuzzy_threshold}")
    prompt, parse = _task_io(ctx, float(fuzzy_threshold), scale)
    extra = _constraint(ctx, str(constrain), scale)
    client, defaults = build_client(params, who="llm")
    return LLMPredictor(client, defaults, prompt, parse, extra)
