"""``synthbench data ...``: sub-commands about the data directory.

``add_data_parser`` adds the ``data`` command; each action is one ``add_*`` function
in ``DATA_COMMANDS`` that receives the ``data`` command's sub-parsers, so a new
action (e.g. ``data check``) is one function plus one entry in that tuple.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from harness.cli.quality import add_check_parser
from harness.data import pins
from harness.data.location import ENV_VAR, resolve_data_dir


def _run_fetch(args: argparse.Namespace) -> int:
    """Handler of ``data fetch``; returns the exit status."""
    from harness.data.fetch import FetchError, fetch

    data_dir = resolve_data_dir(args.data_dir, None, os.environ)
    if data_dir is None:
        print(
            f"synthbench data fetch: error: no data directory: pass --data-dir or set {ENV_VAR}",
            file=sys.stderr,
        )
        return 2
    try:
        result = fetch(
            data_dir, commit=args.commit, url=args.url, sha256=args.sha256, force=args.force
        )
    except FetchError as exc:
        print(f"synthbench data fetch: error: {exc}", file=sys.stderr)
        return 1
    for warning in result.warnings:
        print(f"synthbench data fetch: warning: {warning}", file=sys.stderr)
    print(
        f"wrote {len(result.written)} files to {result.data_dir} "
        f"({result.verified} verified against pinned SHA-256)"
    )
    return 0


def add_fetch_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``data fetch``: download and convert the paper's public release."""
    p = sub.add_parser(
        "fetch",
        help="download the paper's public release (SG4NLP) and convert it to JSONL",
        description=(
            f"Download {pins.REPOSITORY} at a pinned commit, convert its pickles (read with a "
            "whitelist unpickler) and data files to the JSONL layout, verify them against "
            "pinned SHA-256 checksums and install them into the data directory."
        ),
    )
    p.add_argument("--data-dir", help=f"target directory (default: ${ENV_VAR})")
    p.add_argument("--commit", default=pins.PINNED_COMMIT,
                   help="release commit (default: the pinned %(default)s)")
    p.add_argument("--url",
                   help="archive URL or local path (default: GitHub's archive of --commit)")
    p.add_argument("--sha256", help="expected SHA-256 of the archive itself")
    p.add_argument("--force", action="store_true", help="replace data already in the directory")
    p.set_defaults(func=_run_fetch)


#: The actions of ``synthbench data``; each adds one sub-parser.
DATA_COMMANDS: tuple[
    Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None], ...
] = (
    add_fetch_parser,
    add_check_parser,
)


def add_data_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``data`` (with its actions, see ``DATA_COMMANDS``) to the main CLI."""
    data = subparsers.add_parser("data", help="fetch and check the benchmark data")
    sub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    # Reachable for later actions that want to add themselves at run time.
    data.set_defaults(data_subparsers=sub)
    for add in DATA_COMMANDS:
        add(sub)


def data_dir_from(args: argparse.Namespace) -> Path | None:
    """The data directory an action should use: ``--data-dir`` or the environment."""
    return resolve_data_dir(getattr(args, "data_dir", None), None, os.environ)
