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

import contextlib
import csv
import io
import json
import pickle
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from harness.core.registry import Registry
from harness.core.textsafe import json_dumps
from harness.data.unpickle import ForbiddenGlobal, safe_loads

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


#: Most characters one conversion may write. The converted release is about 12 MB;
#: pickles can point many times at one string (a token list naming one 8 MB string
#: 3,000 times is 24 GB when joined), so the archive's size alone bounds nothing.
MAX_OUTPUT_CHARS = 256 * 2**20


class _Budget:
    """Characters left for this conversion; charged *before* anything is built."""

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.limit = limit

    def charge(self, n: int, source: str) -> None:
        self.left -= n
        if self.left < 0:
            raise ConvertError(
                f"{source}: converting it would write more than {self.limit} characters; "
                "refusing (the release's data is a few MB: this file is damaged or hostile)"
            )


_budget = _Budget(MAX_OUTPUT_CHARS)


@contextlib.contextmanager
def _reading(source: str) -> Iterator[None]:
    """Any failure while converting ``source`` becomes a ConvertError naming it."""
    try:
        yield
    except ConvertError:
        raise
    except RecursionError:
        raise ConvertError(f"{source}: nested too deeply to convert") from None
    except MemoryError:
        raise ConvertError(f"{source}: too large to convert in memory") from None
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, csv.Error) as exc:
        why = f"{type(exc).__name__}: {exc}"[:300]
        raise ConvertError(f"{source}: unexpected content ({why})") from None


def _text(value: Any, source: str, what: str) -> str:
    """A string field of a record, its length charged to the conversion's budget."""
    if not isinstance(value, str):
        got = type(value).__name__
        raise ConvertError(f"{source}: field {what!r}: expected a string, got {got}")
    _budget.charge(len(value), source)
    return value


def _int(value: Any, source: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2**31:
        raise ConvertError(f"{source}: field {what!r}: expected a character offset")
    return value


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
    return {"text": _text(_attr(o, "text", src), src, "text"),
            "label": _text(_attr(o, "label", src), src, "label")}


def _similarity_row(o: Any, src: str) -> dict[str, Any]:
    score = _attr(o, "score", src)
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise ConvertError(f"{src}: field 'score': expected a number, got {type(score).__name__}")
    return {
        "text1": _text(_attr(o, "text1", src), src, "text1"),
        "text2": _text(_attr(o, "text2", src), src, "text2"),
        "score": float(score),
    }


def _ner_row(o: Any, src: str) -> dict[str, Any]:
    tokens = _attr(o, "text", src)
    if isinstance(tokens, list):
        # Charge every token before joining: the join is where a bomb would explode.
        parts = [_text(t, src, "text") for t in tokens]
        text = " ".join(parts)
    else:
        text = _text(tokens, src, "text")
    ners = _attr(o, "ners", src)
    if not isinstance(ners, list):
        raise ConvertError(f"{src}: field 'ners': expected a list, got {type(ners).__name__}")
    entities = [
        {
            "start": _int(_attr(m, "start", src), src, "start"),
            "end": _int(_attr(m, "end", src), src, "end"),
            "label": _text(_attr(m, "label", src), src, "label"),
            "text": _text(_attr(m, "text", src), src, "text"),
        }
        for m in ners
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
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            KeyError, IndexError, RecursionError, MemoryError, OverflowError) as exc:
        why = f"{type(exc).__name__}: {exc}"
        raise ConvertError(f"{source}: not a readable pickle: {why}") from None


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
        with _reading(m.string):
            out[f"synthetic/{dataset}/{GENERATORS[llm][0]}.jsonl"] = _jsonl(
                row(r, m.string) for r in records
            )
    return out


def _convert_intent(matches: Matches) -> Outputs:
    parts: dict[tuple[str, str], dict[str, list[str]]] = {}
    for m, data in matches:
        with _reading(m.string):
            lines = data.decode("utf-8").split("\n")
        parts.setdefault((m["dataset"], m["split"]), {})[m["part"]] = lines
    out: Outputs = {}
    for (dataset, split), files in sorted(parts.items()):
        if set(files) != {"seq.in", "label"}:
            raise ConvertError(f"{dataset}/{split}: needs both seq.in and label files")
        # seq.in is a token sequence: the release has runs of spaces where a token was
        # dropped (snips: "june 13  2038"); the reference conversion joins the tokens
        # with one space, so runs collapse and the ends are trimmed.
        rows = [
            {"text": " ".join(text.split()), "label": label.strip()}
            for text, label in zip(files["seq.in"], files["label"], strict=False)
            if label.strip() and text.strip()
        ]
        out[f"real/{dataset}/{split}.jsonl"] = _jsonl(rows)
    return out


def _convert_sts(matches: Matches) -> Outputs:
    out: Outputs = {}
    for m, data in matches:
        with _reading(m.string):
            # No header: the release's files start with a pair (its own reader, pandas,
            # took that pair for a header and lost it; the reference keeps all 750).
            # No quoting either: tweets hold stray '"' that are part of the text.
            reader = csv.reader(io.StringIO(data.decode("utf-8")), delimiter="\t",
                                quoting=csv.QUOTE_NONE)
            rows = []
            for lineno, rec in enumerate(reader, 1):
                if not rec:
                    continue
                try:
                    rows.append({"text1": rec[1], "text2": rec[2], "score": float(rec[0])})
                except (IndexError, ValueError):
                    raise ConvertError(
                        f"{m.string}:{lineno}: expected score, text1, text2"
                    ) from None
            out[f"real/{m['dataset']}/test.jsonl"] = _jsonl(rows)
    return out


def _convert_crossner(matches: Matches) -> Outputs:
    out: Outputs = {}
    for m, data in matches:
        with _reading(m.string):
            out.update(_crossner_file(m, data))
    return out


def _crossner_file(m: re.Match[str], data: bytes) -> Outputs:
    """One CrossNER JSON file (a split, or the label list)."""
    dataset = CROSSNER[m["domain"]]
    _budget.charge(len(data), m.string)
    value = json.loads(data.decode("utf-8"))
    if m["split"] == "labels":
        labels = [_text(v, m.string, "label").lower() for v in value]
        return {f"real/{dataset}/labels.json": (json.dumps(labels) + "\n").encode("utf-8")}
    rows = []
    for item in value:
        text = _text(item["sentence"], m.string, "sentence")
        ents = []
        for e in item["entities"]:
            start, end = (_int(p, m.string, "pos") for p in e["pos"])
            ents.append({"start": start, "end": end, "label": e["type"].lower(),
                         "text": text[start:end]})
        rows.append({"text": text, "entities": ents})
    return {f"real/{dataset}/{m['split']}.jsonl": _jsonl(rows)}


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
    "similarity test sets: TSV score, text1, text2, no header",
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


def convert_release(files: Mapping[str, bytes], max_chars: int = MAX_OUTPUT_CHARS) -> Outputs:
    """All data files converted from ``files`` (release path -> bytes).

    At most ``max_chars`` characters are written in all (see ``MAX_OUTPUT_CHARS``).
    """
    global _budget
    _budget = _Budget(max_chars)
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


#: Order of a real dataset's keys in the manifest (the reference's): splits in the
#: order they are used, anything else after them.
_REAL_KEY_ORDER = ("task", "labels", "train", "valid", "dev", "test", "score_range")


def _manifest_order(path: str) -> tuple[int, str, str]:
    """Sort key of a converted file: datasets in ``DATASETS`` order, then by name."""
    parts = path.split("/")
    dataset = parts[1] if len(parts) > 1 else ""
    known = list(DATASETS)
    rank = known.index(dataset) if dataset in known else len(known)
    return rank, dataset, parts[-1].removesuffix(".jsonl")


def build_manifest(outputs: Mapping[str, bytes], repository: str, commit: str) -> dict[str, Any]:
    """``manifest.json`` for converted ``outputs``: tasks, splits, counts, generators.

    Keys come in a fixed order (datasets as in ``DATASETS``, generators by file stem,
    splits train/valid/dev/test), so the JSON written is byte-identical to the
    reference conversion's whatever order the archive lists its files in.
    """
    real: dict[str, Any] = {}
    synthetic: dict[str, Any] = {}
    by_stem = {stem: model for stem, model in GENERATORS.values()}
    for path in sorted(outputs, key=_manifest_order):
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
    rank = {key: i for i, key in enumerate(_REAL_KEY_ORDER)}
    ordered: dict[str, Any] = {}
    for name, entry in real.items():
        if entry["task"] == "similarity":
            entry["score_range"] = [0, 5]
        ordered[name] = dict(sorted(entry.items(),
                                    key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))
    return {"source": f"github.com/{repository}", "commit": commit, "real": ordered,
            "synthetic": synthetic}
