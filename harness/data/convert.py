"""Converting the SG4NLP release into the data directory's JSONL layout.

Table-driven: each kind of release file is one ``FILE_KINDS`` entry (a path pattern
and a converter), and the release's names live in the tables below. The layout was
learned from the release's code: ``data/generated/<dataset>_<llm>_<k>_<n>.pkl``
(lists of ``src/config.py`` dataclasses, written by ``src/generate_datasets``) and
the real-data readers in ``src/parse_datasets`` (intent ``seq.in``/``label``
folders, STS ``.tsv`` files, CrossNER JSON). Only the generated pickles' layout is
certain; the patterns accept both folder spellings the release uses
(``intent_dataset`` in its README, ``intent_datasets`` in its code). If the release
changes, edit a table or add a kind; the pinned checksums (``pins.py``) catch drift.
"""

from __future__ import annotations

import csv
import io
import json
import pickle
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.data.unpickle import ForbiddenGlobal, safe_loads
from harness.registry import Registry
from harness.textsafe import json_dumps

#: dataset -> task, for the six datasets of the paper.
DATASETS: Mapping[str, str] = {
    "atis": "intent",
    "snips": "intent",
    "headlines": "similarity",
    "tweet-news": "similarity",
    "crossner_politics": "ner",
    "crossner_literature": "ner",
}
#: The release's LLM name (``/`` written as ``_``) -> (file stem, model id).
GENERATORS: Mapping[str, tuple[str, str]] = {
    "gpt-4o": ("gpt-4o", "gpt-4o"),
    "gpt-4o-mini": ("gpt-4o-mini", "gpt-4o-mini"),
    "meta-llama_Meta-Llama-3-70B-Instruct": ("llama-3-70b", "meta-llama/Meta-Llama-3-70B-Instruct"),
    "meta-llama_Meta-Llama-3-8B-Instruct": ("llama-3-8b", "meta-llama/Meta-Llama-3-8B-Instruct"),
    "mistralai_Mixtral-8x22B-Instruct-v0.1": (
        "mixtral-8x22b", "mistralai/Mixtral-8x22B-Instruct-v0.1"),
    "mistralai_Mixtral-8x7B-Instruct-v0.1": (
        "mixtral-8x7b", "mistralai/Mixtral-8x7B-Instruct-v0.1"),
}
#: Real examples shown to the generator per class (intent, similarity) or in all (ner):
#: the release holds several settings; the paper's benchmark uses these.
SHOTS: Mapping[str, int] = {"intent": 1, "similarity": 1, "ner": 5}
#: Examples per generated set in the paper's benchmark.
GENERATED_SIZE = 200
#: CrossNER folder domain -> dataset name.
CROSSNER: Mapping[str, str] = {"politics": "crossner_politics", "literature": "crossner_literature"}


class ConvertError(ValueError):
    """A release file that cannot be converted; the message names it."""


Matches = list[tuple["re.Match[str]", bytes]]
Outputs = dict[str, bytes]


@dataclass(frozen=True)
class FileKind:
    """One kind of release file: which paths, and how they become data files."""

    pattern: re.Pattern[str]
    convert: Callable[[Matches], Outputs]
    description: str


FILE_KINDS: Registry[FileKind] = Registry("release file kind")


def _jsonl(rows: Iterable[Mapping[str, Any]]) -> bytes:
    return "".join(json_dumps(r) + "\n" for r in rows).encode("utf-8")


def _attr(obj: Any, name: str, source: str) -> Any:
    try:
        return obj.__dict__[name]
    except (AttributeError, KeyError):
        raise ConvertError(f"{source}: a record lacks field {name!r}") from None


def _intent_row(o: Any, src: str) -> dict[str, Any]:
    return {"text": _attr(o, "text", src), "label": _attr(o, "label", src)}


def _similarity_row(o: Any, src: str) -> dict[str, Any]:
    return {
        "text1": _attr(o, "text1", src),
        "text2": _attr(o, "text2", src),
        "score": float(_attr(o, "score", src)),
    }


def _ner_row(o: Any, src: str) -> dict[str, Any]:
    tokens = _attr(o, "text", src)
    text = " ".join(tokens) if isinstance(tokens, list) else str(tokens)
    entities = [
        {
            "start": _attr(m, "start", src),
            "end": _attr(m, "end", src),
            "label": _attr(m, "label", src),
            "text": _attr(m, "text", src),
        }
        for m in _attr(o, "ners", src)
    ]
    return {"text": text, "entities": entities}


ROW_CONVERTERS: Mapping[str, Callable[[Any, str], dict[str, Any]]] = {
    "intent": _intent_row,
    "similarity": _similarity_row,
    "ner": _ner_row,
}


def _unpickle(data: bytes, source: str) -> Any:
    if data.startswith(b"version https://git-lfs"):
        raise ConvertError(
            f"{source}: is a Git LFS pointer, not the file; the archive lacks LFS objects"
        )
    try:
        return safe_loads(data, source)
    except ForbiddenGlobal as exc:
        raise ConvertError(str(exc)) from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as exc:
        raise ConvertError(f"{source}: not a readable pickle: {exc}") from None


def _split_generated_stem(stem: str) -> tuple[str, str, int, int] | None:
    """``atis_gpt-4o_1_200`` -> (dataset, release llm name, k, n); None if not ours."""
    m = re.fullmatch(r"(?P<rest>.+)_(?P<k>\d+)_(?P<n>\d+)", stem)
    if m is None:
        return None
    for dataset in DATASETS:
        if m["rest"].startswith(dataset + "_"):
            return dataset, m["rest"][len(dataset) + 1 :], int(m["k"]), int(m["n"])
    return None


def _convert_generated(matches: Matches) -> Outputs:
    out: Outputs = {}
    for m, data in matches:
        parts = _split_generated_stem(m["stem"])
        if parts is None:
            continue
        dataset, llm, k, n = parts
        task = DATASETS[dataset]
        if llm not in GENERATORS or k != SHOTS[task] or n != GENERATED_SIZE:
            continue  # another setting of the release, not the paper's benchmark
        records = _unpickle(data, m.string)
        if not isinstance(records, list):
            kind = type(records).__name__
            raise ConvertError(f"{m.string}: expected a list of records, got {kind}")
        row = ROW_CONVERTERS[task]
        out[f"synthetic/{dataset}/{GENERATORS[llm][0]}.jsonl"] = _jsonl(
            row(r, m.string) for r in records
        )
    return out


def _convert_intent(matches: Matches) -> Outputs:
    parts: dict[tuple[str, str], dict[str, list[str]]] = {}
    for m, data in matches:
        lines = data.decode("utf-8").split("\n")
        parts.setdefault((m["dataset"], m["split"]), {})[m["part"]] = lines
    out: Outputs = {}
    for (dataset, split), files in sorted(parts.items()):
        if set(files) != {"seq.in", "label"}:
            raise ConvertError(f"{dataset}/{split}: needs both seq.in and label files")
        rows = [
            {"text": text.strip(), "label": label.strip()}
            for text, label in zip(files["seq.in"], files["label"], strict=False)
            if label.strip() and text.strip()
        ]
        out[f"real/{dataset}/{split}.jsonl"] = _jsonl(rows)
    return out


def _convert_sts(matches: Matches) -> Outputs:
    out: Outputs = {}
    for m, data in matches:
        reader = csv.reader(io.StringIO(data.decode("utf-8")), delimiter="\t")
        next(reader, None)  # header
        rows = []
        for lineno, rec in enumerate(reader, 2):
            if not rec:
                continue
            try:
                rows.append({"text1": rec[1], "text2": rec[2], "score": float(rec[0])})
            except (IndexError, ValueError):
                raise ConvertError(f"{m.string}:{lineno}: expected score, text1, text2") from None
        out[f"real/{m['dataset']}/test.jsonl"] = _jsonl(rows)
    return out


def _convert_crossner(matches: Matches) -> Outputs:
    out: Outputs = {}
    for m, data in matches:
        dataset = CROSSNER[m["domain"]]
        value = json.loads(data.decode("utf-8"))
        if m["split"] == "labels":
            out[f"real/{dataset}/labels.json"] = (
                json.dumps([str(v).lower() for v in value]) + "\n"
            ).encode("utf-8")
            continue
        rows = []
        for item in value:
            text = item["sentence"]
            ents = []
            for e in item["entities"]:
                start, end = e["pos"]
                ents.append({"start": start, "end": end, "label": e["type"].lower(),
                             "text": text[start:end]})
            rows.append({"text": text, "entities": ents})
        out[f"real/{dataset}/{m['split']}.jsonl"] = _jsonl(rows)
    return out


FILE_KINDS.add("generated", FileKind(
    re.compile(r"data/generated/(?P<stem>[^/]+)\.pkl"),
    _convert_generated,
    "generated sets: pickled lists of config.*DataPoint",
))
FILE_KINDS.add("intent", FileKind(
    re.compile(r"data/intent_datasets?/(?P<dataset>atis|snips)/(?P<split>train|valid|test)/"
               r"(?P<part>seq\.in|label)"),
    _convert_intent,
    "intent splits: seq.in (texts) and label, one per line",
))
FILE_KINDS.add("sts", FileKind(
    re.compile(r"data/sts_datasets?/(?P<dataset>headlines|tweet-news)\.test\.tsv"),
    _convert_sts,
    "similarity test sets: TSV score, text1, text2 with a header",
))
FILE_KINDS.add("crossner", FileKind(
    re.compile(r"data/ner_datasets?/cross_?ner/CrossNER_(?P<domain>politics|literature)/"
               r"(?P<split>train|dev|test|labels)\.json"),
    _convert_crossner,
    "CrossNER: JSON lists of {sentence, entities: [{pos, type}]}, and labels",
))


def wanted(path: str) -> str | None:
    """The kind of release file at ``path`` (relative to the repository root), if any."""
    for entry in FILE_KINDS:
        if entry.obj.pattern.fullmatch(path):
            return entry.name
    return None


def convert_release(files: Mapping[str, bytes]) -> Outputs:
    """All data files converted from ``files`` (release path -> bytes)."""
    out: Outputs = {}
    for entry in FILE_KINDS:
        matches = [
            (m, data) for path, data in sorted(files.items())
            if (m := entry.obj.pattern.fullmatch(path)) is not None
        ]
        if matches:
            out.update(entry.obj.convert(matches))
    return out


def offsets_not_matching(jsonl: bytes) -> int:
    """Entities whose ``text[start:end]`` differs from their text (for the manifest)."""
    n = 0
    for line in jsonl.decode("utf-8").splitlines():
        rec = json.loads(line)
        n += sum(rec["text"][e["start"] : e["end"]] != e["text"] for e in rec["entities"])
    return n


def build_manifest(outputs: Mapping[str, bytes], repository: str, commit: str) -> dict[str, Any]:
    """``manifest.json`` for converted ``outputs``: tasks, splits, counts, generators."""
    real: dict[str, Any] = {}
    synthetic: dict[str, Any] = {}
    by_stem = {stem: model for stem, model in GENERATORS.values()}
    for path in sorted(outputs):
        parts = path.split("/")
        data = outputs[path]
        if parts[0] == "real" and path.endswith(".jsonl"):
            entry = real.setdefault(parts[1], {"task": DATASETS.get(parts[1], "")})
            entry[parts[2].removesuffix(".jsonl")] = data.count(b"\n")
        elif parts[0] == "real" and parts[2] == "labels.json":
            entry = real.setdefault(parts[1], {"task": DATASETS.get(parts[1], "")})
            entry["labels"] = json.loads(data)
        elif parts[0] == "synthetic":
            dataset, stem = parts[1], parts[2].removesuffix(".jsonl")
            task = DATASETS[dataset]
            synthetic.setdefault(dataset, {})[stem] = {
                "file": path,
                "generator": by_stem.get(stem, stem),
                "task": task,
                "examples_shown_per_class": SHOTS[task],
                "n": data.count(b"\n"),
                "entity_offsets_not_matching_text": (
                    offsets_not_matching(data) if task == "ner" else 0
                ),
            }
    for entry in real.values():
        if entry["task"] == "similarity":
            entry["score_range"] = [0, 5]
    return {"source": f"github.com/{repository}", "commit": commit, "real": real,
            "synthetic": synthetic}
