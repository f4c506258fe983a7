"""``synthbench generate``: imitate a dataset with an LLM, resumably, with provenance."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _param(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with VALUE read as JSON when it parses (numbers, booleans), else text."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


class BackendNames:
    """The registered chat backends (``harness.backends.BACKENDS``, plugins included),
    looked up only when argparse needs them: to check a value or to print ``--help``
    (importing every backend costs every other command ~0.4 s)."""

    def __contains__(self, name: object) -> bool:
        from harness.backends import BACKENDS

        return name in BACKENDS

    def __iter__(self) -> Iterator[str]:
        from harness.backends import BACKENDS

        return iter(BACKENDS.names())


def backend_params_from(args: argparse.Namespace) -> dict[str, Any]:
    """The backend parameters named on the command line (see docs/llm.md)."""
    params: dict[str, Any] = {"backend": args.backend, "model": args.model}
    if args.base_url:
        params["base_url"] = args.base_url
    if args.api_key_env is not None:
        params["api_key_env"] = args.api_key_env
    if args.concurrency:
        params["concurrency"] = args.concurrency
    params.update(dict(args.param or []))
    return params


def run_generate(args: argparse.Namespace) -> int:
    """Handler of ``generate``; 0 when the set is complete, 1 on a generation error."""
    from harness.cli.quality import _suite
    from harness.data.errors import DataError, DataMissing
    from harness.data.location import ENV_VAR, resolve_data_dir
    from harness.generate import GenerateError, GenSettings, generate
    from harness.models.base import MissingDependency, NotConfigured
    from harness.quality.sources import find_spec

    def fail(msg: str, code: int = 1) -> int:
        print(f"synthbench generate: error: {msg}", file=sys.stderr)
        return code

    data_dir = resolve_data_dir(args.data_dir, None, os.environ)
    if data_dir is None:
        return fail(f"no data directory: pass --data-dir or set {ENV_VAR}", 2)
    try:
        spec = find_spec(data_dir, args.dataset, _suite(args.suite), args.task)
        settings = GenSettings(
            n=args.n, shots=args.shots, seed=args.seed, labels=args.labels,
            temperature=args.temperature, max_tokens=args.max_tokens,
            max_attempts=args.max_attempts, window=args.window,
            entities_per_label=args.entities_per_label, domain=args.domain or "",
            constrain=args.constrain,
        )
        prov = generate(data_dir, spec, args.generator, backend_params_from(args), settings,
                        out=Path(args.out) if args.out else None, templates_dir=args.templates,
                        overwrite=args.overwrite, progress=not args.no_progress)
    except (GenerateError, DataError, DataMissing, NotConfigured, MissingDependency,
            ValueError) as exc:
        return fail(str(exc))
    c = prov["counts"]
    rejected = ", ".join(f"{k} {v}" for k, v in c["rejections"].items()) or "none"
    print(f"wrote {c['records']} records ({c['requests']} requests, {c['retries']} retries, "
          f"{c['failures']} failed, {c['repairs']} repaired, {c['abandoned']} abandoned; "
          f"rejected: {rejected})")
    if args.push_to_hub:
        from harness.data.hub import HubError
        from harness.generate.card import push_generated
        from harness.generate.writer import GenerateError as PushError

        out = Path(args.out) if args.out else None
        try:
            res = push_generated(data_dir, spec, args.generator, args.push_to_hub, out=out,
                                 endpoint=args.hub_endpoint, private=args.private)
        except (HubError, PushError) as exc:
            return fail(str(exc))
        print(f"pushed to {res['url']}")
    return 0


def add_generate_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``generate``: write a synthetic copy of a dataset with an LLM."""
    p = sub.add_parser(
        "generate",
        help="write a synthetic copy of a dataset with an LLM (resumable, with provenance)",
        description=(
            "Imitate DATASET with an LLM: few-shot prompts from the real train split (the "
            "test split when there is none), answers validated, repaired or rejected and "
            "counted. Writes synthetic/<dataset>/<generator>.jsonl and a provenance sidecar; "
            "an interrupted run resumes where it stopped."
        ),
    )
    from harness.generate.plans import GENERATORS

    # The tasks that have a generation plan, not every registered task.
    p.add_argument("--task", choices=GENERATORS.names(), default="",
                   help="the dataset's task (checked against the suite / manifest)")
    p.add_argument("--dataset", required=True)
    p.add_argument("--generator", required=True, help="name of the generated source (file stem)")
    p.add_argument("--n", type=int, default=200, help="records to write (default: %(default)s)")
    p.add_argument("--shots", type=int, default=1, help="real examples shown per request")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--labels", choices=("real", "uniform"), default="real",
                   help="draw labels/scores in the real test proportions or uniformly")
    p.add_argument("--backend", default="openai", choices=BackendNames(), metavar="NAME",
                   help="chat backend: %(choices)s (default: %(default)s)")
    p.add_argument("--model", required=True, help="the backend's model id or local path")
    p.add_argument("--base-url", default="", help="OpenAI-compatible server URL")
    p.add_argument("--api-key-env", default=None,
                   help="environment variable holding the API key ('none' for local servers)")
    p.add_argument("--concurrency", type=int, default=0, help="requests in flight")
    p.add_argument("--param", type=_param, action="append", metavar="KEY=VALUE",
                   help="further backend parameter (repeatable), e.g. cache=off, timeout=30")
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--max-tokens", type=int, default=256)
    p.add_argument("--max-attempts", type=int, default=3,
                   help="attempts per planned record before it is abandoned")
    p.add_argument("--window", type=int, default=8, help="planned records worked at once")
    p.add_argument("--entities-per-label", type=int, default=20, help="ner stage one list size")
    p.add_argument("--domain", help="ner theme (default: from the dataset name)")
    p.add_argument("--constrain", choices=("", "grammar"), default="",
                   help="'grammar': decode answers under a llama.cpp grammar (local servers)")
    p.add_argument("--templates", help="directory of prompt templates replacing the packaged ones")
    p.add_argument("--data-dir", help="data directory (default: $SYNTHBENCH_DATA_DIR)")
    p.add_argument("--suite", help="suite file (default: benchmarks/suite.toml when present)")
    p.add_argument("--out", help="output JSONL (default: the data directory's synthetic path)")
    p.add_argument("--overwrite", action="store_true", help="start again instead of resuming")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--push-to-hub", metavar="ORG/NAME",
                   help="publish the set, its provenance and a dataset card to the Hub")
    p.add_argument("--hub-endpoint", help="Hub URL (default: HF_ENDPOINT or huggingface.co)")
    p.add_argument("--private", action="store_true", help="create the Hub repository private")
    p.set_defaults(func=run_generate)
