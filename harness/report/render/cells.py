"""The cells of the report's tables as plain text, shared by the Markdown and HTML
renderers (each escapes them its own way): one place decides what a table shows.

They read the typed report (``harness.report.model``, ``harness.report.figures``) by
attribute; the functions other modules call also take the JSON form (a stored or
hand-made ``report.json``), read and checked on the way in (``as_report`` / ``as_group``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from harness.core.textsafe import visible_tree
from harness.report.figures import Group, Interval, as_group
from harness.report.model import Cases, MissingCell, Report, as_report
from harness.store.view import NOT_SELECTED

#: The columns of an agreement table, in every renderer.
AGREEMENT_COLUMNS = ("spearman", "kendall", "pearson", "mae", "mse", "n_models")


class Bounded(Protocol):
    """A figure with an interval (``Interval``, ``ReferenceFigure``, a gate's check)."""

    @property
    def low(self) -> float | None: ...

    @property
    def high(self) -> float | None: ...


def visible_report(report: Report | Mapping[str, Any]) -> Report:
    """``report`` typed, every string of it (names used as keys too) spelled visibly
    (``harness.core.textsafe.visible_tree``), for a renderer that prints them as they are.

    Through the JSON form: it is the one form that lists every string, whichever typed
    value holds it, and a report read from it and written again is the same.
    """
    return as_report(visible_tree(report.to_dict() if isinstance(report, Report) else report))


def visible_group(group: Group | Mapping[str, Any]) -> Group:
    """``visible_report`` for one group."""
    return as_group(visible_tree(group.to_dict() if isinstance(group, Group) else group))


def num(v: float | Interval | None, signed: bool = False) -> str:
    """A figure with 3 decimals (an interval's point); ``n/a`` for undefined."""
    if isinstance(v, Interval):
        v = v.value
    if v is None or isinstance(v, bool) or not isinstance(v, int | float) or v != v:
        return "n/a"
    return f"{v:+.3f}" if signed else f"{v:.3f}"


def with_ci(point: float | Interval | None, ci: Bounded | None, signed: bool = False) -> str:
    """``0.812 [0.790, 0.834]``, or just the point when there is no interval."""
    text = num(point, signed)
    if ci is not None and ci.low is not None and ci.high is not None and text != "n/a":
        text += f" [{num(ci.low, signed)}, {num(ci.high, signed)}]"
    return text


def score_cells(group: Group | Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Models, and one row per source: ``[source, "0.812 [0.790, 0.834]", ...]``."""
    group = as_group(group)
    scores = group.scores
    ci = group.ci.scores if group.ci is not None else {}
    sources = list(dict.fromkeys([*scores, *ci]))
    models = sorted({m for s in sources for m in [*scores.get(s, {}), *ci.get(s, {})]})
    rows = []
    for s in sources:
        row, intervals = scores.get(s, {}), ci.get(s, {})
        # A score the point grid lacks (a source only resampled) shows the interval's point.
        rows.append(
            [
                s,
                *(
                    with_ci(row[m] if m in row else intervals.get(m), intervals.get(m))
                    for m in models
                ),
            ]
        )
    return models, rows


def agreement_cells(
    group: Group | Mapping[str, Any], p_format: str = " (p={:.3f})"
) -> list[list[str]]:
    """One row per synthetic source or ensemble, columns ``AGREEMENT_COLUMNS``."""
    group = as_group(group)
    agreement = group.agreement
    ci = group.ci.agreement if group.ci is not None else {}
    rows = []
    for gen in dict.fromkeys([*agreement, *ci]):
        a, c = agreement.get(gen), ci.get(gen)
        cells = []
        for col in AGREEMENT_COLUMNS:
            if col == "n_models":
                n = a.n_models if a is not None else c.n_models if c is not None else "n/a"
                cells.append(str(n))
                continue
            interval = c.of(col) if c is not None else None
            point = a.figure(col) if a is not None else interval
            p = interval.p_value if interval is not None else None
            cells.append(with_ci(point, interval) + (p_format.format(p) if p is not None else ""))
        rows.append([gen, *cells])
    return rows


#: Columns of the family-bias table; the text ones are 0, 1, 2 and 5 (renderers escape).
FAMILY_COLUMNS = ("model", "family data", "family bias", "p", "note")


def family_cells(
    group: Group | Mapping[str, Any], fmt: Callable[..., str] | None = None
) -> list[list[str]]:
    """One row per model with a family: model, ``family (its generators)``, bias, p, note.

    Empty for a group without ``family_bias`` (a suite without families). ``fmt`` is
    the renderer's ``with_ci`` (the terminal writes intervals tighter): it is given the
    point, the ``Interval`` (or None) and ``signed=True``.
    """
    group = as_group(group)
    fmt = fmt or with_ci
    point = group.family_bias or {}
    ci = (group.ci.family_bias if group.ci is not None else None) or {}
    rows = []
    for m in dict.fromkeys([*point, *ci]):
        b, c = point.get(m), ci.get(m)
        interval = c.interval if c is not None else None
        family = b.owner if b is not None else c.owner if c is not None else ""
        gens = ", ".join(b.generators or ()) if b is not None else ""
        value = b.value if b is not None else interval.value if interval is not None else None
        p = interval.p_value if interval is not None else None
        rows.append(
            [
                m,
                f"{family} ({gens})" if gens else family,
                fmt(value, interval, signed=True),
                "n/a" if p is None else f"{p:.3f}",
                b.reason if b is not None else "",
            ]
        )
    return rows


def all_models(n: Any, rest: str, rest_plural: str) -> str:
    """``all 3 models that are generators`` / ``the 1 model that is a generator``."""
    if n == 1:
        return f"the 1 model {rest}"
    return f"all {n} models {rest_plural}"


def _family_preference(group: Group) -> tuple[float, bool, Any, Any] | None:
    """The joint family-preference test as ``(p, exact, models, statistic)``; None when
    the group has none or it has no p."""
    fp = group.ci.family_preference if group.ci is not None else None
    if fp is None or fp.p_value is None:
        return None
    return fp.p_value, fp.exact, fp.models, fp.statistic


def family_preference_note(group: Group | Mapping[str, Any]) -> str:
    """The joint test in words, '' when the group has none (plain text; numbers only)."""
    found = _family_preference(as_group(group))
    if found is None:
        return ""
    p, exact, models, statistic = found
    kind = "exact" if exact else "sampled"
    return (
        f"family preference of {all_models(models, 'with a family', 'with a family')}"
        ": mean family "
        f"bias {num(statistic, signed=True)}, permutation p={p:.3f} "
        f"({kind}, generator families permuted)"
    )


def never_reported(cases: Cases | Mapping[str, Any]) -> tuple[list[MissingCell], int]:
    """The missing cells a run selected (they never arrived), and how many others a
    ``-k``/``-m`` selection left out with no stored result: two different stories."""
    missing = (cases if isinstance(cases, Cases) else Cases.from_dict(cases)).missing
    lost = [m for m in missing if m.reason != NOT_SELECTED]
    return lost, len(missing) - len(lost)
