"""The ``synthbench`` command line (also ``python -m harness``).

Each sub-command is a module of ``harness.cli`` (the top floor) and contributes an
``add_*_parser`` function; this module only assembles them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

#: (module, function) pairs; each function adds one sub-command to the parser.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("harness.cli.report", "add_report_parser"),
    ("harness.cli.data", "add_data_parser"),
    ("harness.cli.generate", "add_generate_parser"),
    ("harness.cli.cache", "add_cache_parser"),
    ("harness.cli.plan", "add_plan_parser"),
    ("harness.cli.card", "add_card_parser"),
    ("harness.cli.store", "add_store_parser"),
    ("harness.cli.export", "add_export_parser"),
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
    try:
        try:
            args = build_parser().parse_args(argv)
            status = int(args.func(args))
        except SystemExit:  # --help, --version, a usage error: printed, then exit
            sys.stdout.flush()
            raise
        sys.stdout.flush()  # a closed pipe shows here, inside the handler
    except BrokenPipeError:
        return _closed_pipe()
    return status


def _closed_pipe() -> int:
    """The reader of our output went away (``synthbench ... | head``): stop quietly.

    Python would print a traceback, and again at exit when it flushes stdout; pointing
    stdout at /dev/null first silences that second attempt. 141 is what a shell reports
    for a command killed by SIGPIPE (128 + 13), so pipelines read it as usual.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # no real file descriptor (captured output in tests): nothing to flush
    return 141


if __name__ == "__main__":
    sys.exit(main())
