"""``synthbench data check [PATH]``: the data-quality report of sources, as text or JSON."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


def _suite(path: str | None) -> Any:
    from harness.run.suite import ConfigError, load_suite

    candidate = Path(path or "benchmarks/suite.toml")
    if not candidate.is_file():
        if path:
            raise ValueError(f"{candidate}: suite file not found")
        return None
    try:
        return load_suite(candidate, resolve_models=False)
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


def _targets(args: argparse.Namespace) -> tuple[Path, list[tuple[Any, str, str | None]]]:
    """(data dir, [(spec, generator, explicit file or None)]) named by the arguments."""
    from harness.data.location import ENV_VAR, resolve_data_dir
    from harness.quality.sources import all_sources, find_spec

    suite = _suite(args.suite)
    data_dir = resolve_data_dir(args.data_dir, None, os.environ)
    target = args.path
    if target and not target.startswith("hf://") and Path(target).is_dir():
        data_dir, target = Path(target), None
    if target and not target.startswith("hf://") and not Path(target).is_file():
        raise ValueError(f"{target}: no such file or directory")
    if target and not target.startswith("hf://"):
        # A file inside a data layout (.../synthetic/<dataset>/<gen>.jsonl or
        # .../real/<dataset>/<split>.jsonl) is checked against its own directory's real data.
        f = Path(target).resolve()
        root = f.parents[2] if len(f.parents) > 2 else None
        if root is not None and (root / "real" / f.parent.name).is_dir():
            data_dir = root
    if data_dir is None:
        raise ValueError(f"no data directory: pass PATH or --data-dir, or set {ENV_VAR}")
    if not target:
        found: list[tuple[Any, str, str | None]] = [
            (s, g, None) for s, g in all_sources(data_dir, suite)
                 if (not args.dataset or s.name == args.dataset)
                 and (not args.generator or g == args.generator)]
        if not found:
            raise ValueError(f"{data_dir}: no sources found (see docs/data.md for the layout)")
        return data_dir, found
    p = Path(target)
    dataset = args.dataset or (p.parent.name if not target.startswith("hf://") else "")
    if not dataset:
        raise ValueError(f"{target}: pass --dataset to name the dataset it imitates")
    generator = args.generator or (p.stem if p.parent.parent.name == "synthetic" else "")
    spec = find_spec(data_dir, dataset, suite, args.task or "")
    if not generator:
        is_test = (data_dir / spec.test).resolve() == p.resolve() if p.exists() else False
        generator = "real" if is_test else p.stem
    source = target if target.startswith("hf://") else str(p.resolve())
    return data_dir, [(spec, generator, source)]


def run_check(args: argparse.Namespace) -> int:
    """Handler of ``data check``; 0 when every report was made, 1 on a data error."""
    from harness.data.errors import DataError, DataMissing
    from harness.quality import check_source, default_encoder, render_quality
    from harness.quality.report import check_against

    try:
        data_dir, targets = _targets(args)
    except ValueError as exc:
        print(f"synthbench data check: error: {exc}", file=sys.stderr)
        return 2
    encoder = None if args.no_embed else default_encoder()
    reports = []
    status = 0
    said: set[str] = set()
    for spec, generator, explicit in targets:
        try:
            if explicit is None:
                q = check_source(data_dir, spec, generator, encoder=encoder,
                                 threshold=args.threshold)
            else:
                q = check_against(data_dir, spec, generator, explicit, encoder=encoder,
                                  threshold=args.threshold)
        except (DataMissing, DataError, ValueError) as exc:
            # Every source of a dataset reads its real test set: a broken one would
            # otherwise be reported once per source.
            if str(exc) not in said:
                said.add(str(exc))
                print(f"synthbench data check: error: {exc}", file=sys.stderr)
            status = 1
            continue
        reports.append(q)
        print(render_quality(q))
        print()
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote {args.json}")
    return status


def add_check_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``data check``: the data-quality report of one file, or every source of a data dir."""
    from harness.quality.contamination import NEAR_THRESHOLD

    p = sub.add_parser(
        "check",
        help="data-quality report: duplicates, labels vs real, contamination, diversity, checks",
        description=(
            "Report rows, duplicates, label coverage and distribution against the real test "
            "set, exact and MiniLM near-duplicates of the real test set, distinct-1/2, "
            "lengths and task checks, for one source file (PATH), an hf:// source, or every "
            "source of a data directory (PATH or --data-dir or $SYNTHBENCH_DATA_DIR)."
        ),
    )
    p.add_argument("path", nargs="?", help="a JSONL file, an hf:// URI, or a data directory")
    p.add_argument("--data-dir", help="data directory (default: $SYNTHBENCH_DATA_DIR)")
    p.add_argument("--suite", help="suite file for dataset specs (default: benchmarks/suite.toml "
                   "when present, else the data directory's layout and manifest.json)")
    p.add_argument("--dataset", help="only this dataset (or: the dataset PATH imitates)")
    p.add_argument("--generator", help="only this generator (real for the real test set)")
    from harness.tasks import TASKS

    p.add_argument("--task", choices=TASKS.names(),
                   help="the task, for a dataset neither the suite nor the manifest knows")
    p.add_argument("--threshold", type=float, default=NEAR_THRESHOLD,
                   help="cosine similarity of a near-duplicate (default: %(default)s)")
    p.add_argument("--no-embed", action="store_true",
                   help="skip the MiniLM near-duplicate search (exact matches still counted)")
    p.add_argument("--json", help="also write the reports as a JSON list to this file")
    p.set_defaults(func=run_check)
