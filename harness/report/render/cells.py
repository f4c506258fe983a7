"""The cells of the report's tables as plain text, shared by the Markdown and HTML
renderers (each escapes them its own way): one place decides what a table shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from harness.store.view import NOT_SELECTED

#: The columns of an agreement table, in every renderer.
AGREEMENT_COLUMNS = ("spearman", "kendall", "pearson", "mae", "mse", "n_models")



def num(v: Any, signed: bool = False) -> str:
    """A figure with 3 decimals; ``n/a`` for undefined."""
    if isinstance(v, Mapping):
        v = v.get("value")
    if v is None or isinstance(v, bool) or not isinstance(v, int | float) or v != v:
        return "n/a"
    return f"{v:+.3f}" if signed else f"{v:.3f}"


def with_ci(point: Any, ci: Mapping[str, Any] | None, signed: bool = False) -> str:
    """``0.812 [0.790, 0.834]``, or just the point when there is no interval."""
    text = num(point, signed)
    if ci and ci.get("low") is not None and ci.get("high") is not None and text != "n/a":
        text += f" [{num(ci['low'], signed)}, {num(ci['high'], signed)}]"
    return text


def score_cells(group: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Models, and one row per source: ``[source, "0.812 [0.790, 0.834]", ...]``."""
    scores = group.get("scores", {})
    ci = group.get("ci", {}).get("scores", {})
    sources = list(dict.fromkeys([*scores, *ci]))
    models = sorted({m for s in sources for m in [*scores.get(s, {}), *ci.get(s, {})]})
    rows = [
        [
            s,
            *(
                with_ci(scores.get(s, {}).get(m, ci.get(s, {}).get(m)), ci.get(s, {}).get(m))
                for m in models
            ),
        ]
        for s in sources
    ]
    return models, rows


def agreement_cells(group: Mapping[str, Any], p_format: str = " (p={:.3f})") -> list[list[str]]:
    """One row per synthetic source or ensemble, columns ``AGREEMENT_COLUMNS``."""
    agreement = group.get("agreement", {})
    ci = group.get("ci", {}).get("agreement", {})
    rows = []
    for gen in dict.fromkeys([*agreement, *ci]):
        a, c = agreement.get(gen, {}), ci.get(gen, {})
        cells = []
        for col in AGREEMENT_COLUMNS:
            if col == "n_models":
                cells.append(str(a.get(col, c.get(col, "n/a"))))
                continue
            p = (c.get(col) or {}).get("p_value")
            cells.append(
                with_ci(a.get(col, c.get(col)), c.get(col))
                + (p_format.format(p) if p is not None else "")
            )
        rows.append([gen, *cells])
    return rows


#: Columns of the family-bias table; the text ones are 0, 1, 2 and 5 (renderers escape).
FAMILY_COLUMNS = ("model", "family data", "family bias", "p", "note")


def family_cells(
    group: Mapping[str, Any], fmt: Callable[..., str] | None = None
) -> list[list[str]]:
    """One row per model with a family: model, ``family (its generators)``, bias, p, note.

    Empty for a group without ``family_bias`` (a suite without families). ``fmt`` is
    the renderer's ``with_ci`` (the terminal writes intervals tighter).
    """
    fmt = fmt or with_ci
    point = group.get("family_bias", {})
    ci = group.get("ci", {}).get("family_bias", {})
    rows = []
    for m in dict.fromkeys([*point, *ci]):
        b, c = point.get(m) or {}, ci.get(m) or {}
        family = str(b.get("family", c.get("family", "")))
        gens = ", ".join(str(g) for g in b.get("generators", []))
        p = c.get("p_value")
        rows.append(
            [
                str(m),
                f"{family} ({gens})" if gens else family,
                fmt(b.get("value", c.get("value")), c, signed=True),
                "n/a" if p is None else f"{p:.3f}",
                str(b.get("reason") or ""),
            ]
        )
    return rows


def all_models(n: Any, rest: str, rest_plural: str) -> str:
    """``all 3 models that are generators`` / ``the 1 model that is a generator``."""
    if n == 1:
        return f"the 1 model {rest}"
    return f"all {n} models {rest_plural}"


def family_preference_note(group: Mapping[str, Any]) -> str:
    """The joint test in words, '' when the group has none (plain text; numbers only)."""
    fp = group.get("ci", {}).get("family_preference")
    if not isinstance(fp, Mapping) or fp.get("p_value") is None:
        return ""
    kind = "exact" if fp.get("exact") else "sampled"
    return (
        f"family preference of {all_models(fp.get('models', ''), 'with a family', 'with a family')}"
        ": mean family "
        f"bias {num(fp.get('statistic'), signed=True)}, permutation p={fp['p_value']:.3f} "
        f"({kind}, generator families permuted)"
    )


def never_reported(cases: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], int]:
    """The missing cells a run selected (they never arrived), and how many others a
    ``-k``/``-m`` selection left out with no stored result: two different stories."""
    missing = cases.get("missing", [])
    lost = [m for m in missing if m.get("reason") != NOT_SELECTED]
    return lost, len(missing) - len(lost)

