"""``synthbench report``: recompute the report from stored results, without pytest.

Inputs, any number and mixed: results directories of earlier runs (``cases/*.jsonl``
plus ``run.json``), or JSON Lines files of score rows
``{"task", "dataset", "generator", "model", "metric", "score"}`` such as a paper's
published table. Several inputs merge, so CI shards or machines report as one run.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from harness.analysis import ScoreRow
from harness.records import CaseKey, CaseResult
from harness.results import read_case_results, read_run
from harness.textsafe import json_dumps

ROW_KEYS = ("task", "dataset", "generator", "model", "metric", "score")


def read_score_rows(path: Path) -> list[ScoreRow]:
    """Score rows from JSONL; an error names the file, line and key."""
    rows = []
    try:
        raw_lines = path.read_bytes().split(b"\n")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    for n, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw.decode("utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not JSON: {exc.msg}") from None
        except (ValueError, RecursionError) as exc:  # not UTF-8, too deep, huge integer
            raise ValueError(f"{path}:{n}: unreadable line ({type(exc).__name__})") from None
        if not isinstance(obj, dict):
            raise ValueError(f"{path}:{n}: expected an object with keys {', '.join(ROW_KEYS)}")
        for key in ROW_KEYS:
            if key not in obj:
                raise ValueError(
                    f"{path}:{n}: missing key {key!r} (a score row needs {', '.join(ROW_KEYS)})"
                )
        for key in ROW_KEYS[:-1]:
            if not isinstance(obj[key], str):
                got = type(obj[key]).__name__
                raise ValueError(f"{path}:{n}: key {key!r}: expected a string, got {got}")
        score = obj["score"]
        if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
            raise ValueError(f"{path}:{n}: key 'score': expected a number or null, got {score!r}")
        rows.append(
            ScoreRow(
                task=str(obj["task"]),
                dataset=str(obj["dataset"]),
                generator=str(obj["generator"]),
                model=str(obj["model"]),
                metric=str(obj["metric"]),
                score=math.nan if score is None else float(score),
            )
        )
    return rows


def parse_same_as(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        model, sep, gen = pair.partition("=")
        if not sep or not model or not gen:
            raise ValueError(f"--same-as {pair!r}: expected MODEL=GENERATOR")
        out[model] = gen
    return out


def load_inputs(
    paths: list[Path],
) -> tuple[list[CaseResult], list[ScoreRow], dict[str, str], set[CaseKey]]:
    """Merge results directories and score-row files; later inputs win on a clash."""
    results: dict[CaseKey, CaseResult] = {}
    rows: list[ScoreRow] = []
    same_as: dict[str, str] = {}
    expected: set[CaseKey] = set()
    for path in paths:
        if path.is_dir():
            for r in read_case_results(path):
                if r.key in results:
                    print(
                        f"synthbench: {r.key.id} appears twice; keeping the one in {path}",
                        file=sys.stderr,
                    )
                results[r.key] = r
            run = read_run(path)
            same_as.update(run.get("same_as", {}))
            try:
                expected.update(CaseKey.from_dict(k) for k in run.get("expected", []))
            except (KeyError, TypeError, AttributeError) as exc:
                raise ValueError(f"{path}/run.json: key 'expected': bad cell {exc!r}") from None
        elif path.is_file():
            rows.extend(read_score_rows(path))
        else:
            raise ValueError(f"{path}: no such results directory or score-row file")
    return list(results.values()), rows, same_as, expected


def run_report(args: argparse.Namespace) -> int:
    from harness.report.terminal import render_terminal
    from harness.reporting import build_run_report
    from harness.results import atomic_write_text

    try:
        results, rows, same_as, expected = load_inputs([Path(p) for p in args.paths])
        same_as.update(parse_same_as(args.same_as))
    except ValueError as exc:
        print(f"synthbench report: {exc}", file=sys.stderr)
        return 2
    report: dict[str, Any] = build_run_report(
        results,
        same_as=same_as,
        expected=expected or None,
        run={"inputs": [str(p) for p in args.paths]},
        rows=rows,
    )
    from harness.postrun import run_report_extras

    status = run_report_extras(report, args, results, same_as)
    if args.json:
        atomic_write_text(Path(args.json), json_dumps(report, indent=1) + "\n")
    from harness.redaction import redact_tree
    from harness.textsafe import scrub_tree

    print(render_terminal(redact_tree(scrub_tree(report)[0]), width=args.width))
    if note := report.get("text_safety", {}).get("note"):
        print(note)
    return status


def add_report_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report",
        help="recompute the report from stored results",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="results directory (.synthbench) or JSONL file of score rows",
    )
    p.add_argument(
        "--same-as",
        action="append",
        default=[],
        metavar="MODEL=GENERATOR",
        help="declare a model to be the same LLM as a generator (bias factor)",
    )
    p.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    p.add_argument("--width", type=int, default=100, help="terminal width (default 100)")
    from harness.postrun import add_report_arguments

    add_report_arguments(p)
    p.set_defaults(func=run_report)
