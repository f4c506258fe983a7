"""Tiny datasets and a deterministic loopback 'LLM' for the generation tests."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from harness.run.suite import DatasetSpec

INTENTS = ("play", "weather", "book", "alarm")


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def write_data(root: Path) -> dict[str, DatasetSpec]:
    """Three datasets: intent (train+test), similarity (test only), ner (train+test+labels)."""
    write_jsonl(root / "real/toy/train.jsonl",
                [{"text": f"{lab} request {i}", "label": lab} for lab in INTENTS for i in range(3)])
    write_jsonl(root / "real/toy/test.jsonl",
                [{"text": f"{lab} test {i}", "label": lab} for lab in INTENTS for i in range(2)])
    write_jsonl(root / "real/toysim/test.jsonl",
                [{"text1": f"first {i}", "text2": f"second {i}", "score": float(i % 6)}
                 for i in range(12)])
    write_jsonl(root / "real/toy_politics/train.jsonl", [
        {"text": "Ada Lovelace spoke in Paris .", "entities": [
            {"start": 0, "end": 12, "label": "person", "text": "Ada Lovelace"},
            {"start": 22, "end": 27, "label": "location", "text": "Paris"}]},
        {"text": "Alan Turing left Berlin .", "entities": [
            {"start": 0, "end": 11, "label": "person", "text": "Alan Turing"},
            {"start": 17, "end": 23, "label": "location", "text": "Berlin"}]},
    ])
    write_jsonl(root / "real/toy_politics/test.jsonl", [
        {"text": "Grace Hopper visited Rome .", "entities": [
            {"start": 0, "end": 12, "label": "person", "text": "Grace Hopper"},
            {"start": 21, "end": 25, "label": "location", "text": "Rome"}]},
    ])
    (root / "real/toy_politics/labels.json").write_text(json.dumps(["person", "location"]))
    return {
        "intent": DatasetSpec("toy", "intent", "real/toy/test.jsonl", "real/toy/train.jsonl"),
        "similarity": DatasetSpec("toysim", "similarity", "real/toysim/test.jsonl"),
        "ner": DatasetSpec("toy_politics", "ner", "real/toy_politics/test.jsonl",
                           "real/toy_politics/train.jsonl", "real/toy_politics/labels.json"),
    }


def user_text(body: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content", "")) for m in body.get("messages", []))


def responder(body: dict[str, Any]) -> str:
    """A well-behaved generator LLM whose answers depend only on the request (its seed)."""
    text = user_text(body)
    seed = body.get("seed")
    if m := re.search(r'with the intent "(\w+)"', text):
        return f'"{m.group(1)} utterance {seed}"'
    if m := re.search(r"rated (\d+)", text):
        pair = {"text1": f"left {seed}", "text2": f"right {seed} {m.group(1)}"}
        return "```json\n" + json.dumps(pair) + "\n```"
    if m := re.search(r'entities of type "([\w ]+)"', text):
        base = {"person": ["Mara Voss", "John Smith", "Lena Ortiz"],
                "location": ["Northvale", "Lisbon", "Port Ellis"]}[m.group(1)]
        return json.dumps(base)
    if "mentions every one of these entities" in text:
        names = re.findall(r"^- (.+) \((\w+)\)$", text.split("spelled exactly as given:")[1], re.M)
        return f"Report {seed}: " + " and ".join(n for n, _ in names) + " were seen ."
    return "?"
