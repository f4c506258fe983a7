"""``synthbench report``: the session's report again, from stored results, without pytest.

Inputs, any number and mixed: stores written by runs (``--synth-report-dir``: case
files plus ``run.json``), or JSON Lines files of score rows
``{"task", "dataset", "generator", "model", "metric", "score"}`` such as a paper's
published table. Several stores merge, so CI shards or machines report as one run.
The settings of the (last) run are used unless an option here overrides them: with
no option the report and the verdicts are the session's.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from harness.analysis.agreement import ScoreRow
from harness.core.textsafe import json_dumps
from harness.report.model import Report

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


def parse_families(
    groups: list[str], members: list[str], same_as: dict[str, str], base: Any = None
) -> Any:
    """``--family NAME=G1,G2`` and ``--family-of MODEL=NAME`` on top of a run's families.

    A model declared ``--same-as`` a family's generator belongs to that family, as in
    a suite. Errors say which option and value.
    """
    from harness.core.families import Families

    base = base or Families()
    gens = dict(base.generators)
    for spec in groups:
        name, sep, rest = spec.partition("=")
        listed = [g for g in rest.split(",") if g]
        if not sep or not name or not listed:
            raise ValueError(f"--family {spec!r}: expected NAME=GENERATOR[,GENERATOR...]")
        gens[name] = tuple(listed)
    owner: dict[str, str] = {}
    for name, listed in gens.items():
        for g in listed:
            if g in owner:
                raise ValueError(f"--family {name}: generator {g!r} is also in family {owner[g]!r}")
            owner[g] = name
    models = dict(base.models)
    models.update({m: owner[g] for m, g in same_as.items() if g in owner})
    for spec in members:
        model, sep, name = spec.partition("=")
        if not sep or not model or not name:
            raise ValueError(f"--family-of {spec!r}: expected MODEL=FAMILY")
        if name not in gens:
            known = ", ".join(sorted(gens)) or "none (declare one with --family)"
            raise ValueError(f"--family-of {spec!r}: unknown family {name!r}; known: {known}")
        models[model] = name
    return Families(gens, models)


def load_inputs(paths: list[Path]) -> tuple[list[tuple[Path, Any]], list[ScoreRow]]:
    """Stores with their latest run record, and score rows; errors name the path."""
    from harness.store.files import check_store
    from harness.store.runs import read_run_record

    stores: list[tuple[Path, Any]] = []
    rows: list[ScoreRow] = []
    for path in paths:
        if path.is_dir():
            check_store(path)
            record = read_run_record(path)
            if record is None:
                raise ValueError(
                    f"{path}: no run.json: not a store a run finished in "
                    "(run pytest with --synth-report-dir pointing there first)"
                )
            stores.append((path, record))
        elif path.is_file():
            rows.extend(read_score_rows(path))
        else:
            raise ValueError(f"{path}: no such results directory or score-row file")
    return stores, rows


def settings_of(stores: list[tuple[Path, Any]], args: argparse.Namespace) -> Any:
    """The last run's report settings, with the options given here on top."""
    import dataclasses
    import tomllib

    from harness.report.finish import ReportSettings

    base = ReportSettings.from_dict(stores[-1][1].report) if stores else ReportSettings()
    over: dict[str, Any] = {}
    for flag, name in (("bootstrap", "resamples"), ("ci_level", "level"), ("seed", "seed")):
        if getattr(args, flag) is not None:
            over[name] = getattr(args, flag)
    if args.gates or args.gate:
        over["gate_options"] = tuple(args.gate)
        over["gates"], over["gates_from"] = (), "command line"
        if args.gates:
            raw = tomllib.loads(Path(args.gates).read_text(encoding="utf-8"))
            over["gates"], over["gates_from"] = tuple(raw.get("gates") or ()), args.gates
    if args.compare:
        over["compare"] = args.compare
    if args.junit_xml:
        over["junit_xml"] = args.junit_xml
    settings = dataclasses.replace(base, **over)
    settings.parsed_gates()  # a bad gate stops here, naming file and key
    settings.bootstrap()
    return settings


def run_report(args: argparse.Namespace) -> int:
    import dataclasses
    import tomllib

    from harness.gates import GateError
    from harness.report.finish import build, write_files
    from harness.report.render.terminal import render_terminal
    from harness.store.files import atomic_write_text, parse_once, write_failure
    from harness.store.runs import RunRecord

    try:
        stores, rows = load_inputs([Path(p) for p in args.paths])
        extra_same = parse_same_as(args.same_as)
        settings = settings_of(stores, args)
        if args.family or args.family_of:
            if not stores:
                stores = [(Path("."), RunRecord("", ()))]
            last = stores[-1]
            same = {**last[1].same_as, **extra_same}
            fams = parse_families(args.family, args.family_of, same, last[1].families)
            stores[-1] = (last[0], dataclasses.replace(last[1], families=fams))
    except (ValueError, OSError, GateError, tomllib.TOMLDecodeError) as exc:
        print(f"synthbench report: {exc}", file=sys.stderr)
        return 2
    if extra_same:
        if not stores:
            stores = [(Path("."), RunRecord("", ()))]
        last = stores[-1]
        merged = {**last[1].same_as, **extra_same}
        stores[-1] = (last[0], dataclasses.replace(last[1], same_as=merged))
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with parse_once():  # the view, the bootstrap and the example browser: one parse
        done = build(stores, settings, rows, None, stamp)
        report = done.report.to_dict()
        store = done.report.store
        for line in (*store.damaged, *store.conflicts, *store.superseded):
            print(f"synthbench report: {line}", file=sys.stderr)
        if args.out:
            done = write_files(done, Path(args.out), settings, stamp)
    failures = list(done.failures)
    # Each file on its own: one that cannot be written is a line, the rest still come.
    outputs: list[tuple[str, Any]] = [
        (args.json, lambda: json_dumps(report, indent=1) + "\n"),
        (args.md, lambda: _render(
            "harness.report.render.markdown", "render_markdown", report, stamp)),
        (args.html, lambda: _render("harness.report.render.html", "render_html", report, stamp)),
    ]
    if settings.junit_xml and not args.out:
        junit = ("harness.report.render.junit", "render_junit")
        outputs.append((settings.junit_xml, lambda: _render(*junit, report, stamp)))
    for target, text in outputs:
        if target:
            try:
                atomic_write_text(Path(target), text())
            except OSError as exc:
                failures.append(write_failure(Path(target), exc))
    from harness.core.redaction import redact_tree
    from harness.core.textsafe import scrub_tree

    print(render_terminal(redact_tree(scrub_tree(report)[0]), width=args.width))
    if note := _text_safety_note(done.report):
        print(note)
    for line in failures:
        print(f"synthbench report: {line}", file=sys.stderr)
    if failures:
        return 2  # the verdicts above stand, but a file asked for is missing
    return 1 if done.failed else 0


def _text_safety_note(report: Report) -> str | None:
    """What the report says of text it could not write exactly (None: nothing to say)."""
    note = None if report.text_safety is None else report.text_safety.note
    return note or None


def _render(module: str, func: str, report: dict[str, Any], stamp: str) -> str:
    render = getattr(__import__(module, fromlist=[func]), func)
    return str(render(report, timestamp=stamp))


def add_report_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report",
        help="rebuild the report from stored results (the session's settings by default)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="results store (.synthbench) or JSONL file of score rows",
    )
    p.add_argument(
        "--same-as",
        action="append",
        default=[],
        metavar="MODEL=GENERATOR",
        help="declare a model to be the same LLM as a generator (bias factor)",
    )
    p.add_argument(
        "--family",
        action="append",
        default=[],
        metavar="NAME=GEN[,GEN...]",
        help="declare a family of generators (family bias, mean-lfo); repeatable",
    )
    p.add_argument(
        "--family-of",
        action="append",
        default=[],
        metavar="MODEL=NAME",
        help="put a model in a family (a --same-as model joins its generator's family)",
    )
    p.add_argument("--out", metavar="DIR", help="write report.json and the run's formats to DIR")
    p.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    p.add_argument("--md", metavar="FILE", help="also write the report as Markdown")
    p.add_argument("--html", metavar="FILE", help="also write the report as self-contained HTML")
    p.add_argument("--junit-xml", metavar="FILE", help="write the gate verdicts as JUnit XML")
    p.add_argument("--gates", metavar="SUITE", help="judge the [[gates]] of this suite instead")
    p.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="SPEC",
        help="a one-off gate 'KIND key=value ...' (repeatable; replaces the run's gates)",
    )
    p.add_argument("--compare", metavar="FILE", help="saved baseline file for max_drop gates")
    p.add_argument("--bootstrap", type=int, metavar="N", help="bootstrap resamples (0: none)")
    p.add_argument("--ci-level", type=float, help="confidence level of the intervals")
    p.add_argument("--seed", type=int, help="bootstrap seed")
    p.add_argument("--width", type=int, default=100, help="terminal width (default 100)")
    p.set_defaults(func=run_report)
