"""The generation loop: plans in windows, attempts, records, counts, provenance.

``run_generation`` works a window of plan indices at a time (all of them on a
provider batch backend, so a generation is one batch plus one per retry round): it
sends one request per pending index (concurrently, through the chat client), appends each accepted
record in index order (fsync per record), gives a rejected index another attempt
(up to ``max_attempts``, each with its own seed) and abandons it after that. After
each round the provenance sidecar is rewritten with cumulative counts, so a killed
run resumes with the indices neither written nor abandoned, in order.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.backends.base import ChatRequest
from harness.generate.writer import (
    META,
    GenerateError,
    ResumableWriter,
    provenance_path,
    read_provenance,
    write_json_atomic,
)
from harness.tasks import TASKS, RecordError
from harness.tasks.kit.base import dedup_key
from harness.tasks.kit.generation.base import (
    Accepted,
    Fields,
    GenContext,
    GenSettings,
    Messages,
    Rejected,
    TaskGenerator,
    request_seed,
)

PROVENANCE_SCHEMA = 1
#: Keys of the provenance that must match for a run to resume another.
IDENTITY = ("task", "dataset", "generator", "backend", "templates", "parameters")


@dataclass
class Counts:
    """What a run did, added to the provenance (cumulative over resumed runs)."""

    records: int = 0
    requests: int = 0
    retries: int = 0
    failures: int = 0
    cached: int = 0
    repairs: int = 0
    abandoned: int = 0
    truncated_lines: int = 0
    rejections: dict[str, int] = field(default_factory=dict)

    def reject(self, reason: str) -> None:
        self.rejections[reason] = self.rejections.get(reason, 0) + 1

    def add(self, other: dict[str, Any]) -> None:
        for k, v in other.items():
            if k == "rejections":
                for r, n in v.items():
                    self.rejections[r] = self.rejections.get(r, 0) + int(n)
            elif hasattr(self, k):
                setattr(self, k, getattr(self, k) + int(v))

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["rejections"] = dict(sorted(self.rejections.items()))
        return d


@dataclass(frozen=True)
class BackendInfo:
    """Who answers: registry name, provider, endpoint (no secrets), model and revision."""

    name: str
    model: str
    provider: str = ""
    endpoint: str = ""
    revision: str = ""

    def to_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


class Sender:
    """Sends message lists through a ``ChatClient`` and keeps the counts honest."""

    def __init__(self, client: Any, info: BackendInfo, counts: Counts, temperature: float,
                 max_tokens: int, defaults: Any = None) -> None:
        self.client, self.info, self.counts = client, info, counts
        self.temperature, self.max_tokens = temperature, max_tokens
        self.defaults = defaults
        #: Called after a batch is pre-counted and before it is sent (saves provenance).
        self.on_send: Any = None

    def _precount(self, n: int) -> None:
        """Count a batch's first attempts *before* sending it, and save that: a run
        killed mid-batch must not record fewer requests than the server received."""
        self.counts.requests += n
        if self.on_send is not None:
            self.on_send()

    def _requests(self, batch: Sequence[Messages], seeds: Sequence[int | None],
                  fields: Sequence[Fields] | None) -> list[Any]:
        per = list(fields) if fields is not None else [{}] * len(batch)
        if self.defaults is not None:  # keeps the suite's extra parameters (top_p, stop, ...)
            return [self.defaults.request(m, seed=s, temperature=self.temperature,
                                          max_tokens=self.max_tokens, **f)
                    for m, s, f in zip(batch, seeds, per, strict=True)]
        return [ChatRequest.of(m, self.info.model, temperature=self.temperature,
                               max_tokens=self.max_tokens, seed=s, **f)
                for m, s, f in zip(batch, seeds, per, strict=True)]

    def _texts(self, completions: Sequence[Any], before: tuple[int, int],
               precounted: int = 0) -> list[str | None]:
        self.counts.requests += self.client.stats.requests - before[0] - precounted
        self.counts.retries += self.client.stats.retries - before[1]
        out: list[str | None] = []
        for c in completions:
            self.counts.cached += bool(c.cached)
            if not c.ok:
                self.counts.failures += 1
                self.counts.reject("request_failed")
            out.append(c.text if c.ok else None)
        return out

    def send(self, batch: Sequence[Messages], seeds: Sequence[int | None],
             fields: Sequence[Fields] | None = None) -> list[str | None]:
        """Answer texts in order; None for a request that failed after its retries.
        ``fields``: each request's extra fields (a grammar), when there are any."""
        if not batch:
            return []
        before = (self.client.stats.requests, self.client.stats.retries)
        requests = self._requests(batch, seeds, fields)
        self._precount(len(requests))
        return self._texts(self.client.complete_many(requests), before, len(requests))

    async def asend(
        self, batch: Sequence[Messages], seeds: Sequence[int | None],
        fields: Sequence[Fields] | None = None,
    ) -> list[str | None]:
        """``send`` inside a running event loop: the backend's connections are reused
        from one round to the next (a new client per round costs a TLS setup)."""
        if not batch:
            return []
        before = (self.client.stats.requests, self.client.stats.retries)
        requests = self._requests(batch, seeds, fields)
        self._precount(len(requests))
        completions = await self.client.acomplete_many(requests)
        return self._texts(completions, before, len(requests))


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _identity_mismatch(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    diffs = []
    for key in IDENTITY:
        a, b = old.get(key), new.get(key)
        if key == "parameters" and isinstance(a, dict) and isinstance(b, dict):
            # n may grow: plans are per index, so 300 extends a run of 200. A setting
            # added since the earlier run had its default value then.
            known = GenSettings().to_dict()
            a = {k: v for k, v in {**known, **a}.items() if k != "n"}
            b = {k: v for k, v in {**known, **b}.items() if k != "n"}
        if key == "backend" and isinstance(a, dict) and isinstance(b, dict):
            # Where the answers come from may move (another port, a proxy); who answers may not.
            a, b = {k: v for k, v in a.items() if k != "endpoint"}, \
                {k: v for k, v in b.items() if k != "endpoint"}
        if isinstance(a, dict) and isinstance(b, dict):
            diffs += [f"{key}.{k}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        elif a != b:
            diffs.append(key)
    return diffs


def provider_batch(client: Any) -> bool:
    """The client sends each ``complete_many`` as one provider batch (``batch = true``)."""
    return getattr(getattr(client, "backend", None), "batch_api", None) is not None


def _hopeless(written: int, abandoned: int, n: int) -> bool:
    """Give up once n plans were abandoned while fewer than 1 in 4 plans succeed: a broken
    backend or template costs at most n x max_attempts requests, not an endless loop."""
    return abandoned >= n and abandoned > 3 * written


def run_generation(
    gen: TaskGenerator,
    ctx: GenContext,
    client: Any,
    info: BackendInfo,
    path: Path,
    *,
    generator_name: str,
    overwrite: bool = False,
    progress: bool = True,
    extra: dict[str, Any] | None = None,
    defaults: Any = None,
) -> dict[str, Any]:
    """Generate ``ctx.settings.n`` records into ``path`` (resuming), return the provenance."""
    # Lazy for import-time cost (listed in tests/test_layers.py): the run imports this
    # engine for on-demand sources, and the chat client brings asyncio and sqlite3 into
    # every pytest session that loads the plugin.
    from tqdm import tqdm

    from harness.backends.client import run_sync

    s = ctx.settings
    task = TASKS.get(ctx.task)
    head = {
        "schema": PROVENANCE_SCHEMA,
        "task": ctx.task,
        "dataset": ctx.dataset,
        "generator": generator_name,
        "backend": info.to_dict(),
        "templates": {t.name: t.sha256 for t in ctx.templates.values()},
        "parameters": {**s.to_dict(), "examples_split": ctx.pool_split},
    }
    old = None if overwrite else read_provenance(path)
    writer = ResumableWriter(path)
    existing = [] if overwrite else writer.existing()
    if existing and old is None:
        raise GenerateError(f"{path}: has records but no {provenance_path(path).name}; "
                            "pass --overwrite to start again or choose another generator name")
    if old is not None:
        diffs = _identity_mismatch(old, head)
        if diffs:
            raise GenerateError(
                f"{path}: an earlier run used other settings ({', '.join(diffs)}); pass "
                "--overwrite to start again, or use another generator name")
    counts = Counts()
    if old is not None:
        counts.add({k: v for k, v in old.get("counts", {}).items() if k != "records"})
    counts.truncated_lines += writer.truncated
    written = {int(r[META]["index"]) for r in existing}
    abandoned = set(old.get("abandoned", [])) if old else set()
    seen = set()
    for r in existing:
        seen.add(dedup_key(task, task.parse_record(r)))
    prov: dict[str, Any] = {
        **head,
        "started": old["started"] if old else _now(),
        "runs": (old or {}).get("runs", []) + [{"started": _now(), "resumed_with": len(existing)}],
        **(extra or {}),
    }
    sender = Sender(client, info, counts, s.temperature, s.max_tokens, defaults)

    def save(complete: bool) -> None:
        counts.records = len(written)
        prov.update(updated=_now(), complete=complete, counts=counts.to_dict(),
                    abandoned=sorted(abandoned))
        path.parent.mkdir(parents=True, exist_ok=True)  # saved from the first request on
        write_json_atomic(provenance_path(path), prov)

    sender.on_send = lambda: save(False)
    def ask(batch: Sequence[Messages], fields: Fields | None = None) -> list[str | None]:
        return sender.send(batch, [s.seed] * len(batch), [fields or {}] * len(batch))

    state = gen.prepare(ask, (old or {}).get("stage_one", {}))
    prov["stage_one"] = state
    writer.open(overwrite=overwrite)
    bar = tqdm(total=s.n, initial=min(len(written), s.n), disable=not progress, unit="rec",
               desc=f"{ctx.dataset}/{generator_name}", file=sys.stderr, dynamic_ncols=True)
    # A provider batch backend gets the whole generation at once: every plan's first
    # attempt in one batch, each retry round one more (a window per batch would wait
    # one poll cycle, minutes to hours, per window).
    size = s.n if provider_batch(client) else s.window

    async def rounds() -> None:
        try:
            index = 0
            while len(written) < s.n and not _hopeless(len(written), len(abandoned), s.n):
                window: list[int] = []
                while len(window) < min(size, s.n - len(written)):
                    if index not in written and index not in abandoned:
                        window.append(index)
                    index += 1
                await _work_window(gen, ctx, sender, writer, window, written, abandoned, seen,
                                   counts, bar)
                save(False)
        finally:
            await client.aclose()

    try:
        save(False)
        run_sync(rounds)
        save(len(written) >= s.n)
    finally:
        bar.close()
        writer.close()
    if len(written) < s.n:
        raise GenerateError(
            f"{path}: only {len(written)} of {s.n} records after {len(abandoned)} plan indices "
            f"were abandoned (rejections: {counts.rejections}); see {provenance_path(path).name}")
    return prov


def _constraint(gen: TaskGenerator, ctx: GenContext, plan: dict[str, Any]) -> dict[str, Any]:
    """The plan's request fields; a generator without ``constraint`` (a task from
    outside the package) sends none, and is refused only when a grammar is asked for."""
    own = getattr(gen, "constraint", None)
    if own is not None:
        fields: dict[str, Any] = own(plan)
        return fields
    if ctx.settings.constrain:
        raise GenerateError(
            f"task {ctx.task!r}: its generator has no constraint(plan); generate it "
            f"without constrain = {ctx.settings.constrain!r}"
        )
    return {}


async def _work_window(
    gen: TaskGenerator, ctx: GenContext, sender: Sender, writer: ResumableWriter,
    window: list[int], written: set[int], abandoned: set[int], seen: set[Any],
    counts: Counts, bar: Any,
) -> None:
    s = ctx.settings
    task = TASKS.get(ctx.task)
    plans = {i: gen.plan(i) for i in window}
    attempt = dict.fromkeys(window, 0)
    pending = list(window)
    while pending:
        answers = await sender.asend(
            [gen.messages(plans[i]) for i in pending],
            [request_seed(s.seed, ctx.dataset, i, attempt[i]) for i in pending],
            [_constraint(gen, ctx, plans[i]) for i in pending])
        retry = []
        for i, answer in zip(pending, answers, strict=True):
            outcome = gen.accept(plans[i], answer) if answer is not None else None
            key: Any = None
            if isinstance(outcome, Accepted):
                try:
                    key = dedup_key(task, task.parse_record(outcome.record))  # the task's own key
                except RecordError as exc:
                    outcome = Rejected("invalid_record", str(exc))
                else:
                    if key in seen:
                        outcome = Rejected("duplicate")
                    elif key in set(gen.shown(plans[i])):
                        outcome = Rejected("copied_example")
            if isinstance(outcome, Accepted):
                seen.add(key)
                counts.repairs += outcome.repairs
                writer.append({**outcome.record, META: {"index": i, "attempt": attempt[i]}})
                written.add(i)
                bar.update(1)
                continue
            if isinstance(outcome, Rejected):
                counts.reject(outcome.reason)
            attempt[i] += 1
            if attempt[i] < s.max_attempts:
                retry.append(i)
            else:
                abandoned.add(i)
                counts.abandoned += 1
        pending = retry
