"""Request-level failures of a case, counted apart from unparseable answers.

A prediction whose request failed (authentication, an HTTP error, a timeout, a
dropped connection, a response without a choice) carries the failure's kind in
``Prediction.failure``; an answer that was read but does not parse has none. A case
with any failure a later run can fix (every kind but ``length``, an answer cut off at
``max_tokens``, which the same request repeats) is not a result: the runner stores it
as ``incomplete``, with these counts and no metrics, and never reuses it. The next
run asks again; the response cache answers what was already received and never
holds a failure, so only the failed examples reach the server again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.core.records import Prediction

INCOMPLETE = "incomplete"
#: The failure kind of an answer cut off at ``max_tokens`` (harness.backends.base.LENGTH).
LENGTH = "length"
AUTH = "auth"


@dataclass(frozen=True)
class RequestFailures:
    """The failure counts of one case's predictions."""

    #: Failures by kind (``harness.backends.base.FAILURE_KINDS``), cut-offs included.
    kinds: dict[str, int]
    #: Invalid predictions that are no failure: answers that do not parse.
    unparseable: int
    #: The first error of a failure that a rerun can fix, and of an authentication one.
    first: str = ""
    auth: str = ""

    @property
    def failed(self) -> int:
        """Requests without an answer: the ones a later run asks again."""
        return sum(n for k, n in self.kinds.items() if k != LENGTH)

    @property
    def incomplete(self) -> bool:
        return self.failed > 0

    def extra(self) -> dict[str, Any]:
        """The counts for ``CaseResult.extra`` (only the non-zero ones)."""
        out: dict[str, Any] = {}
        if self.failed:
            out["failed_requests"] = self.failed
        if self.kinds:
            out["failures"] = dict(sorted(self.kinds.items()))
        if self.unparseable:
            out["unparseable"] = self.unparseable
        return out

    @classmethod
    def from_extra(cls, extra: Mapping[str, Any]) -> RequestFailures:
        """The counts ``extra()`` wrote into a case record (what a report reads back);
        a count that is not a whole number is not one this harness wrote: left out."""
        failures = extra.get("failures")
        kinds = (
            {str(k): v for k, v in failures.items() if isinstance(v, int)}
            if isinstance(failures, Mapping)
            else {}
        )
        unparseable = extra.get("unparseable")
        return cls(kinds, unparseable if isinstance(unparseable, int) else 0)

    def reason(self, model: str, n: int) -> str:
        """One line for an incomplete case: how many failed, the first error, what to do."""
        kinds = ", ".join(f"{c} {k}" for k, c in sorted(self.kinds.items()) if k != LENGTH)
        if self.auth:
            return (
                f"model {model!r}: {self.auth}; {self.failed} of {n} requests not answered "
                "(fix the key and run again: only those are asked again)"
            )
        return (
            f"{self.failed} of {n} requests failed ({kinds}; first: {self.first}); run again "
            "to ask only those (the answers received are cached)"
        )


def count_failures(preds: Sequence[Prediction], n_invalid: int) -> RequestFailures:
    """The failures of ``preds`` by kind; the other ``n_invalid`` are unparseable answers
    (or values the task refused)."""
    kinds: Counter[str] = Counter()
    first = auth = ""
    for p in preds:
        if not p.failure:
            continue
        kinds[p.failure] += 1
        if p.failure != LENGTH and not first:
            first = p.error or p.failure
        if p.failure == AUTH and not auth:
            auth = _bare(p.error or "authentication failed")
    return RequestFailures(dict(kinds), max(0, n_invalid - sum(kinds.values())), first, auth)


def _bare(error: str) -> str:
    """An authentication error without the per-request prefix, the same on every example."""
    for prefix in ("not sent: ",):
        error = error.removeprefix(prefix)
    head, sep, tail = error.partition(": ")
    return tail if sep and head.startswith("request failed after") else error
