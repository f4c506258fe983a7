"""``synthbench card``: write (and optionally publish) the validity card of a synthetic source.

Reads a run's ``report.json`` (or the results directory that holds it). The
provenance comes from ``<data dir>/synthetic/<dataset>/<source>.provenance.json`` when
present (``--data-dir``, else the run's own data dir), the generator's model id from
the suite file the run used. ``--push-to-hub ORG/NAME`` commits the card as the dataset
repository's ``README.md`` beside the source's data files, in one commit.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

from harness.report.model import Report, read_report
from harness.report.render.card import CardInputs, render_card, sources


def _load_report(path: Path) -> Report:
    """report.json through its reader (``ReportFormatError`` names the bad key)."""
    return read_report(path)


def _run_paths(report: Report) -> tuple[str | None, str | None]:
    """The run's suite file and data folder, as recorded (None when not)."""
    return report.run.suite, report.run.data_dir


def _model_id(report: Report, source: str) -> str:
    suite, _ = _run_paths(report)
    try:
        doc = tomllib.loads(Path(str(suite)).read_text(encoding="utf-8")) if suite else {}
    except (OSError, tomllib.TOMLDecodeError):
        return ""  # the card still has every figure; only the model id is left out
    entry = doc.get("generators", {}).get(source, {})
    return str(entry.get("model_id", "")) if isinstance(entry, dict) else ""


def _data(report: Report, source: str, data_dir: Path | None) -> dict[str, Path]:
    """dataset -> the source's local data file (default layout), for those that exist."""
    _, run_data = _run_paths(report)
    root = data_dir or (Path(run_data) if run_data else None)
    if root is None:
        return {}
    out = {}
    for g in report.groups:
        path = root / "synthetic" / g.dataset / f"{source}.jsonl"
        if source in g.scores and path.is_file():
            out[g.dataset] = path
    return out


def card_inputs(
    report: Report, source: str, data_dir: Path | None
) -> tuple[CardInputs, dict[str, bytes]]:
    """The card's provenance inputs and the files to publish beside it."""
    from harness.generate.writer import GenerateError, provenance_path, read_provenance

    provenance: dict[str, dict[str, Any]] = {}
    files: dict[str, bytes] = {}
    data_files: dict[str, str] = {}
    for dataset, path in _data(report, source, data_dir).items():
        repo_path = f"{dataset}/{source}.jsonl"
        files[repo_path] = path.read_bytes()
        data_files[dataset] = repo_path
        try:
            prov = read_provenance(path)
        except GenerateError as exc:
            print(f"synthbench card: {exc}; provenance left out", file=sys.stderr)
            prov = None
        if prov is not None:
            provenance[dataset] = prov
            files[f"{dataset}/{source}.provenance.json"] = provenance_path(path).read_bytes()
    inputs = CardInputs(_model_id(report, source), provenance, data_files)
    return inputs, files


def run_card(args: argparse.Namespace) -> int:
    try:
        report = _load_report(Path(args.report))
        known = sources(report)
        if args.source not in known:
            raise ValueError(
                f"no synthetic source {args.source!r} in the report; known: "
                f"{', '.join(known) or 'none'}"
            )
        inputs, files = card_inputs(
            report, args.source, Path(args.data_dir) if args.data_dir else None
        )
        text = render_card(report, args.source, inputs)
    except ValueError as exc:
        print(f"synthbench card: {exc}", file=sys.stderr)
        return 2
    if args.out:
        from harness.store.files import atomic_write_text

        atomic_write_text(Path(args.out), text)
        print(f"card: {args.out}")
    elif not args.push_to_hub:
        sys.stdout.write(text)
    if args.push_to_hub:
        from harness.core.redaction import redact
        from harness.data.hub import HubError, push_files

        files["README.md"] = redact(text).encode("utf-8")  # as every artifact writer does
        try:
            res = push_files(
                args.push_to_hub,
                files,
                message=f"synthbench: validity card of {args.source}",
                endpoint=args.hub_endpoint,
                private=args.private,
            )
        except HubError as exc:
            print(f"synthbench card: {exc}", file=sys.stderr)
            return 1
        print(f"pushed to {res['url']} ({len(files)} files)")
    return 0


def add_card_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "card",
        help="write the validity card of a synthetic source (a Hub dataset README)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("report", metavar="REPORT", help="report.json, or the results dir holding it")
    p.add_argument("--source", required=True, help="the synthetic source (generator name)")
    p.add_argument("--out", metavar="FILE", help="write the card here (default: stdout)")
    p.add_argument("--data-dir", metavar="DIR", help="data directory (default: the run's)")
    p.add_argument(
        "--push-to-hub",
        metavar="ORG/NAME",
        help="commit the card as README.md beside the source's data files",
    )
    p.add_argument("--hub-endpoint", metavar="URL", help="Hub API endpoint (default: the Hub)")
    p.add_argument("--private", action="store_true", help="create the repository private")
    p.set_defaults(func=run_card)
