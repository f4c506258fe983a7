"""The plugin's options: one table, each option with its ini twin, read one way.

The kinds (bool, list, str, int, path) are small objects, so adding an option is a
table row and adding a kind is one object, not another branch. The command line beats
the ini file, which beats the default; ini paths are relative to the rootdir.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class OptionKind:
    """How one kind of option is declared and how its ini value is read."""

    #: keyword arguments of ``group.addoption`` beyond the name, dest and help
    cli: Callable[[], dict[str, Any]]
    #: pytest's ini type, and the help suffix saying how to write it
    ini_type: str
    ini_help: str
    #: the ini's default as pytest wants it, from the table's default
    ini_default: Callable[[Any], Any]
    #: the value of a non-empty ini entry (``config``, ``ini name``, raw value)
    from_ini: Callable[[pytest.Config, str, Any], Any]
    #: the value of a command-line entry
    from_cli: Callable[[Any], Any] = lambda value: value
    #: whether an empty ini entry means "not set" (None) rather than a value
    empty_is_unset: bool = True


def _int(config: pytest.Config, ini: str, raw: Any) -> int:
    try:
        return int(raw)
    except ValueError:
        raise pytest.UsageError(f"ini option {ini}: expected a whole number, got {raw!r}") from None


def _text_default(default: Any) -> str:
    return "" if default is None else str(default)


KINDS: dict[str, OptionKind] = {
    "bool": OptionKind(
        cli=lambda: {"action": "store_true"}, ini_type="bool", ini_help=" (bool)",
        ini_default=lambda d: d, from_ini=lambda c, i, raw: bool(raw), empty_is_unset=False,
    ),
    "list": OptionKind(
        cli=lambda: {"action": "append"}, ini_type="linelist", ini_help=" (one per line)",
        ini_default=lambda d: [], from_ini=lambda c, i, raw: list(raw), empty_is_unset=False,
    ),
    "str": OptionKind(
        cli=lambda: {"type": str}, ini_type="string", ini_help="",
        ini_default=_text_default, from_ini=lambda c, i, raw: str(raw),
    ),
    "int": OptionKind(
        cli=lambda: {"type": int}, ini_type="string", ini_help="",
        ini_default=_text_default, from_ini=_int,
    ),
    "path": OptionKind(
        cli=lambda: {"type": str}, ini_type="string", ini_help="",
        ini_default=_text_default,
        from_ini=lambda c, i, raw: (c.rootpath / str(raw)).resolve(),
        from_cli=lambda value: Path(value).resolve(),
    ),
}


# (option, ini name, kind, default, help): one table so every option has its ini twin.
OPTIONS: tuple[tuple[str, str, str, Any, str], ...] = (
    (
        "--synth-suite",
        "synth_suite",
        "path",
        "benchmarks/suite.toml",
        "suite file declaring tasks, datasets, generators and models",
    ),
    (
        "--synth-data-dir",
        "synth_data_dir",
        "path",
        None,
        "data directory (else the SYNTHBENCH_DATA_DIR environment variable)",
    ),
    (
        "--synth-report-dir",
        "synth_report_dir",
        "path",
        ".synthbench",
        "results directory: per-case JSONL files and report.json",
    ),
    (
        "--synth-max-examples",
        "synth_max_examples",
        "int",
        None,
        "evaluate a seeded sample of at most N examples per source (0: all)",
    ),
    ("--synth-seed", "synth_seed", "int", None, "seed for sampling and models"),
    ("--synth-strict", "synth_strict", "bool", False, "missing data files are errors, not skips"),
    (
        "--synth-generate",
        "synth_generate",
        "str",
        "missing",
        "sources of kind generate: never, missing (write when absent) or always (rewrite)",
    ),
    (
        "--synth-bootstrap",
        "synth_bootstrap",
        "int",
        1000,
        "bootstrap resamples for confidence intervals and gates (0: no intervals)",
    ),
    ("--synth-ci-level", "synth_ci_level", "str", "0.95", "confidence level of the intervals"),
    (
        "--synth-gate",
        "synth_gates",
        "list",
        None,
        "one-off gate 'KIND key=value ...', repeatable (e.g. 'min_agreement generator=mean "
        "threshold=0.6'); kinds: min_score, max_drop, min_agreement, max_bias, max_family_bias, "
        "max_invalid_rate",
    ),
    (
        "--synth-save-baseline",
        "synth_save_baseline",
        "str",
        None,
        "save this run's scores as baseline NAME (a file meant to be committed)",
    ),
    (
        "--synth-compare",
        "synth_compare",
        "str",
        None,
        'compare with saved baseline NAME (max_drop gates with baseline = "saved")',
    ),
    (
        "--synth-baseline-dir",
        "synth_baseline_dir",
        "path",
        "benchmarks/baselines",
        "folder of saved baselines",
    ),
    (
        "--synth-junit-xml",
        "synth_junit_xml",
        "path",
        None,
        "write the gate verdicts as JUnit XML, one test case per gate",
    ),
    (
        "--synth-fresh",
        "synth_fresh",
        "bool",
        False,
        "ignore stored results: evaluate every selected case again",
    ),
    (
        "--synth-shard",
        "synth_shard",
        "str",
        None,
        "run shard I of N (I/N, 1-based): whole (dataset, model) groups, balanced by cost",
    ),
    (
        "--synth-formats",
        "synth_formats",
        "str",
        "md,html",
        "extra report files in the report dir: md, html, both (md,html) or none",
    ),
    (
        "--synth-export",
        "synth_export",
        "str",
        None,
        "also export the store's cells under <report dir>/export: inspect, eee, hub "
        "(comma-separated; see docs/interop.md)",
    ),
    (
        "--synth-allow-empty",
        "synth_allow_empty",
        "bool",
        False,
        "accept a run whose every selected case was skipped (missing data, models or keys) "
        "or a suite that declares no case; without it such a run fails",
    ),
    (
        "--synth-summary",
        "synth_summary",
        "str",
        "card",
        "terminal summary: card (one screen: verdicts, agreement, gates) or full (-v)",
    ),
)




def _dest(opt: str) -> str:
    return opt.lstrip("-").replace("-", "_")


def add_options(parser: pytest.Parser) -> None:
    """Every option of the table, in one named group, each with its ini twin."""
    group = parser.getgroup("synthbench", "synthbench: synthetic-vs-real benchmark harness")
    for opt, ini, kind_name, default, help_ in OPTIONS:
        kind = KINDS[kind_name]
        group.addoption(opt, dest=_dest(opt), default=None, help=help_, **kind.cli())
        parser.addini(
            ini, help_ + kind.ini_help, type=kind.ini_type,  # type: ignore[arg-type]
            default=kind.ini_default(default),
        )


def setting(config: pytest.Config, opt: str) -> Any:
    """Command line beats ini beats the default; ini paths are relative to rootdir."""
    _, ini, kind_name, _, _ = next(o for o in OPTIONS if o[0] == opt)
    kind = KINDS[kind_name]
    value = config.getoption(_dest(opt))
    if value is not None:
        return kind.from_cli(value)
    raw = config.getini(ini)
    if kind.empty_is_unset and raw in ("", None):
        return None
    return kind.from_ini(config, ini, raw)
