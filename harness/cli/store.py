"""``synthbench store gc DIR``: list (and with ``--delete`` remove) unreferenced results."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run_gc(args: argparse.Namespace) -> int:
    from harness.store.files import StoreError
    from harness.store.gc import plan, prune

    try:
        done = prune(Path(args.dir)) if args.delete else plan(Path(args.dir))
    except StoreError as exc:
        print(f"synthbench store gc: {exc}", file=sys.stderr)
        return 2
    verb = "removed" if args.delete else "would remove"
    for path in done.drop:
        print(f"{verb} {path}")
    tail = "" if args.delete or not done.drop else " (run again with --delete)"
    print(f"{len(done.keep)} case file(s) kept, {len(done.drop)} {verb}{tail}")
    return 0


def add_store_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("store", help="inspect and prune a results store")
    sub = p.add_subparsers(dest="store_command", metavar="COMMAND", required=True)
    gc = sub.add_parser(
        "gc",
        help="list case files no suite cell of the latest run points to (dry run)",
        description=__doc__,
    )
    gc.add_argument("dir", metavar="DIR", help="the results store (--synth-report-dir)")
    gc.add_argument("--delete", action="store_true", help="remove them instead of listing")
    gc.set_defaults(func=run_gc)
