"""``synthbench plan REPORT``: expected interval widths for other sizes.

The figures are ``harness.analysis.plan``'s.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected whole numbers like 100,200, got {text!r}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive whole numbers, got {text!r}")
    return sizes


def add_plan_parser(subparsers: Any) -> None:
    """Add the ``plan`` sub-command."""
    p = subparsers.add_parser(
        "plan", help="expected interval widths for other numbers of examples and models"
    )
    p.add_argument("report", type=Path, help="a report.json with intervals (ci)")
    p.add_argument(
        "--examples", type=_sizes, default=[100, 200, 500, 1000], help="e.g. 100,200,500"
    )
    p.add_argument("--models", type=_sizes, default=[], help="e.g. 6,12 (default: as measured)")
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--json", action="store_true", help="print JSON rows")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from harness.report.model import read_report
    from harness.report.plan import plan

    try:
        report = read_report(args.report)
    except ValueError as exc:  # ReportFormatError: names the file and the bad key
        print(f"synthbench plan: cannot read {args.report}: {exc}", file=sys.stderr)
        return 2
    rows = plan(report, args.examples, args.models, args.level)
    if not rows:
        print(
            f"synthbench plan: {args.report} has no intervals of synthetic sources "
            "(run with --synth-bootstrap N > 0)",
            file=sys.stderr,
        )
        return 1
    if args.json:
        print(json.dumps([r.to_dict() for r in rows], indent=1))
        return 0
    print(
        f"expected {args.level:.0%} interval widths (score: mean over models; spearman: "
        "simulated, of these models / of models like these)"
    )
    head = ("task/dataset/source", "n now", "n", "models", "score", "spearman", "models-like")
    print(
        f"{head[0]:<40} {head[1]:>6} {head[2]:>6} {head[3]:>6} {head[4]:>7} {head[5]:>9} "
        f"{head[6]:>11}"
    )
    for r in rows:
        name = f"{r.task}/{r.dataset}/{r.generator}"
        rho, rho_m = _fmt(r.spearman_width), _fmt(r.spearman_width_models)
        print(
            f"{name:<40} {r.examples_now:>6} {r.examples:>6} {r.models:>6} "
            f"{r.score_width:>7.3f} {rho:>9} {rho_m:>11}"
        )
    return 0


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"
