"""NER generation in two stages (the paper's procedure).

Stage one asks, per entity label, for a list of entity names (real and fictional)
themed on the dataset's domain; the lists are kept in the provenance, so a resumed
run draws from the same ones. Stage two draws one to three entities (labels in the
real test set's proportions, or uniformly), shows k real texts and asks for a text
that mentions all of them. Spans are found by locating each entity in the answer:
exactly, else ignoring case and spacing (a *repair*, counted, with the entity text
taken from the answer); an entity that cannot be found rejects the answer
(``missing_entity``). With ``constrain = "grammar"`` both stages are decoded under a
grammar: names as a JSON list (``harness.tasks.kit.generation.grammar``), and a text
that holds every planned entity verbatim (``entity_text_grammar``); the span check
is the same. Every occurrence of an entity is annotated; longer entities are placed
first and an occurrence overlapping a placed one is skipped.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.tasks.kit.generation.answers import json_value, strip_fences, unquote
from harness.tasks.kit.generation.base import (
    Accepted,
    Ask,
    GenContext,
    Messages,
    Outcome,
    Rejected,
    bullet_list,
    plan_rng,
    weighted_keys,
)
from harness.tasks.kit.generation.grammar import TEXT_CHAR, literal, names_grammar
from harness.tasks.ner.records import NerExample

MAX_ENTITIES = 3
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def domain_of(dataset: str) -> str:
    """``crossner_politics`` -> ``politics``: the theme named in the prompts."""
    return dataset.split("_", 1)[1].replace("_", " ") if "_" in dataset else dataset


def parse_names(answer: str) -> list[str]:
    """Entity names from a JSON list (or one name per line), de-duplicated, in order."""
    obj = json_value(answer)
    if isinstance(obj, dict) and len(obj) == 1:
        obj = next(iter(obj.values()))
    if isinstance(obj, list):
        items = [str(x) for x in obj if isinstance(x, str | int | float)]
    elif strip_fences(answer).lstrip().startswith("["):
        # A JSON list cut off by max_tokens: its complete strings, not its lines.
        items = [x for m in _STRING.findall(strip_fences(answer)) if (x := _json_str(m))]
    else:
        items = [re.sub(r"^\s*(?:[-*]|\d+[.)])\s*", "", ln)
                 for ln in strip_fences(answer).splitlines()]
    names: list[str] = []
    for item in items:
        name = unquote(item.strip()).strip()
        if name and len(name) <= 80 and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return names


def _json_str(quoted: str) -> str:
    """A JSON string literal's value; "" for one with a broken escape."""
    try:
        return str(json.loads(quoted))
    except json.JSONDecodeError:
        return ""


def _pattern(name: str, exact: bool) -> re.Pattern[str]:
    """A name on word boundaries (where it starts / ends with a word character), so
    "York" does not match inside "Yorkshire"; not ``exact``: any case and spacing."""
    left = r"(?<!\w)" if name[:1].isalnum() else ""
    right = r"(?!\w)" if name[-1:].isalnum() else ""
    if exact:
        return re.compile(left + re.escape(name) + right)
    body = r"\s+".join(re.escape(w) for w in name.split())
    return re.compile(left + body + right, re.IGNORECASE)


def locate(text: str, entities: list[list[str]]) -> tuple[list[dict[str, Any]], int, str]:
    """Spans of every occurrence of each ``[name, label]``; ``(spans, repairs, missing)``.

    ``missing`` names the first entity that could not be found ("" when all were).
    """
    placed: list[dict[str, Any]] = []
    repairs = 0
    for name, label in sorted(entities, key=lambda e: -len(e[0])):
        exact = [(m.start(), m.end()) for m in _pattern(name, True).finditer(text)]
        spans = exact or [(m.start(), m.end()) for m in _pattern(name, False).finditer(text)]
        if not spans:
            return [], repairs, name
        repairs += not exact
        for start, end in spans:
            if any(start < p["end"] and p["start"] < end for p in placed):
                continue
            placed.append({"start": start, "end": end, "label": label, "text": text[start:end]})
    return sorted(placed, key=lambda p: p["start"]), repairs, ""


class NerGenerator:
    template_names: tuple[str, ...] = ("ner_entities", "ner_text")
    #: The packaged templates, beside this module.
    template_dir = Path(__file__).parent / "templates"

    def __init__(self, ctx: GenContext) -> None:
        self.ctx = ctx
        self.texts = [ex.text for ex in ctx.pool if isinstance(ex, NerExample)]
        self.pools: dict[str, list[str]] = {}
        self.domain = ctx.settings.domain or domain_of(ctx.dataset)

    def prepare(self, ask: Ask, state: dict[str, Any]) -> dict[str, Any]:
        """Stage one: entity names per label, asked once and kept in the provenance."""
        pools: dict[str, list[str]] = {k: list(v) for k, v in state.get("entities", {}).items()}
        attempts: Counter[str] = Counter(state.get("attempts", {}))
        count = self.ctx.settings.entities_per_label
        fields = {"grammar": names_grammar(count)} if self.ctx.settings.constrain else None
        for _ in range(self.ctx.settings.max_attempts):
            todo = [lab for lab in self.ctx.labels
                    if not pools.get(lab) and attempts[lab] < self.ctx.settings.max_attempts]
            if not todo:
                break
            answers = ask([self.ctx.templates["ner_entities"].render(
                domain=self.domain, label=lab, count=count) for lab in todo], fields)
            for lab, ans in zip(todo, answers, strict=True):
                attempts[lab] += 1
                names = parse_names(ans) if ans is not None else []
                if names:
                    pools[lab] = names
        self.pools = {k: v for k, v in pools.items() if v}
        if not self.pools:
            raise RuntimeError("stage one gave no entity names for any label")
        return {"entities": self.pools, "attempts": dict(attempts), "domain": self.domain,
                "labels_without_entities": sorted(set(self.ctx.labels) - set(self.pools))}

    def plan(self, index: int) -> dict[str, Any]:
        rng = plan_rng(self.ctx, index)
        keys, weights = weighted_keys(
            list(self.pools), self.ctx.real_counts, self.ctx.settings.labels
        )
        chosen: list[list[str]] = []
        for _ in range(rng.randint(1, MAX_ENTITIES)):
            label = rng.choices(keys, weights)[0]
            name = rng.choice(self.pools[label])
            if all(name.casefold() != c[0].casefold() for c in chosen):
                chosen.append([name, label])
        shots = rng.sample(self.texts, min(self.ctx.settings.shots, len(self.texts)))
        return {"entities": chosen, "shots": shots}

    def messages(self, plan: dict[str, Any]) -> Messages:
        return self.ctx.templates["ner_text"].render(
            k=len(plan["shots"]), dataset=self.ctx.dataset, domain=self.domain,
            examples=bullet_list(plan["shots"]),
            entities=bullet_list([f"{name} ({label})" for name, label in plan["entities"]]),
        )

    def constraint(self, plan: dict[str, Any]) -> dict[str, Any]:
        if not self.ctx.settings.constrain:
            return {}
        return {"grammar": entity_text_grammar([name for name, _ in plan["entities"]])}

    def accept(self, plan: dict[str, Any], answer: str) -> Outcome:
        obj = json_value(answer)
        body = obj["text"] if isinstance(obj, dict) and isinstance(obj.get("text"), str) else answer
        text = " ".join(unquote(strip_fences(body)).split())
        if not text:
            return Rejected("format", "empty text")
        spans, repairs, missing = locate(text, plan["entities"])
        if missing:
            return Rejected("missing_entity", f"{missing!r} is not in the text")
        return Accepted({"text": text, "entities": spans}, repairs)

    def shown(self, plan: dict[str, Any]) -> list[Any]:
        return list(plan["shots"])


def entity_text_grammar(names: Sequence[str], gap_chars: int = 40) -> str:
    """One line holding every name of ``names`` verbatim, in order.

    Between two names is free text of at most ``gap_chars`` characters; a name is
    followed by a space or punctuation and preceded by a space (or starts the line),
    so the span finder, which wants whole words, finds it exactly.
    """
    if not names:
        raise ValueError("entity_text_grammar: no entity names")
    parts = ["( gap " + '" " )?']
    for i, name in enumerate(names):
        if not name.strip() or "\n" in name:
            raise ValueError(f"entity_text_grammar: entity name {name!r} is empty or multi-line")
        if i:
            parts.append('after ( gap " " )?')
        parts.append(literal(name))
    parts.append('( "." | after gap )?')
    return (
        "root ::= " + " ".join(parts) + "\n"
        f"gap ::= {TEXT_CHAR}{{1,{gap_chars}}}\n"
        "after ::= [,;:]? \" \"\n"
    )
