"""``synthbench export STORE --format inspect|eee|hub --out DIR``: a store in other formats."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run_export(args: argparse.Namespace) -> int:
    from harness.data import DataError, DataMissing
    from harness.interop.cells import ExportError
    from harness.interop.export import export_store, parse_formats
    from harness.run.suite import ConfigError
    from harness.store.files import CaseFileError, StoreError

    try:
        formats = parse_formats(args.format)
        done = export_store(
            Path(args.store), formats, Path(args.out),
            Path(args.data_dir) if args.data_dir else None,
            Path(args.suite) if args.suite else None,
        )
    except (ExportError, ConfigError, DataError, DataMissing, CaseFileError, StoreError) as exc:
        print(f"synthbench export: {exc}", file=sys.stderr)
        return 2
    for name, files in done.written:
        print(f"{name}: {len(files)} file(s) under {Path(args.out) / name}")
    for key in done.undefined:
        print(f"note: {key.id}: its primary score is undefined (constant predictions?): "
              "no Hub entry, no Every Eval Ever primary result", file=sys.stderr)
    for key, why in done.left_out:
        print(f"not exported: {key.id}: {why}", file=sys.stderr)
    print(f"manifest: {done.manifest}")
    if done.left_out:
        print(
            f"synthbench export: {len(done.left_out)} cell(s) have no ok result; the export "
            "covers the others only",
            file=sys.stderr,
        )
        return 1
    return 0


def add_export_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export", help="write a store's results as Inspect logs, Every Eval Ever or Hub files",
        description=(
            "Write every ok cell of a store as Inspect eval logs (inspect), Every Eval Ever "
            "v0.2.0 aggregate and instance files (eee) or Hugging Face Hub .eval_results "
            "YAML (hub), under OUT/<format>/; cells without an ok result are named and make "
            "the command exit 1 (docs/interop.md)"
        ),
    )
    p.add_argument("store", metavar="STORE", help="the results store (--synth-report-dir)")
    p.add_argument(
        "--format", action="append", required=True,
        help="inspect, eee or hub; repeatable or comma-separated",
    )
    p.add_argument("--out", required=True, help="output folder (one subfolder per format)")
    p.add_argument(
        "--data-dir", default=None,
        help="the data directory (default: the run's, from run.json): the inputs of samples",
    )
    p.add_argument("--suite", default=None, help="the suite file (default: the run's)")
    p.set_defaults(func=run_export)
