"""The ``synthbench`` command line (also ``python -m harness``).

Each sub-command lives with the code it drives and contributes an ``add_*_parser``
function; this module only assembles them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: (module, function) pairs; each function adds one sub-command to the parser.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("harness.report.cli", "add_report_parser"),
    ("harness.data.cli", "add_data_parser"),
    ("harness.generate.cli", "add_generate_parser"),
    ("harness.cache_cli", "add_cache_parser"),
    ("harness.plan_cli", "add_plan_parser"),
    ("harness.report.card_cli", "add_card_parser"),
    ("harness.store.cli", "add_store_parser"),
    ("harness.interop.cli", "add_export_parser"),
)


def build_parser() -> argparse.ArgumentParser:
    from harness import __version__

    parser = argparse.ArgumentParser(
        prog="synthbench", description="Can you trust a benchmark that an LLM wrote?"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module, func in COMMANDS:
        getattr(importlib.import_module(module), func)(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
