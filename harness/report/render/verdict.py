"""The answer first: one verdict card per (task, dataset), and the dataset x generator table.

Built from the typed report only (``harness.report.model.Report``, read by attribute), as
plain data that the terminal, Markdown, HTML and ``synthbench card`` renderers each format
their own way (and escape their own way). The functions other modules call also take a
report's JSON form (a stored ``report.json``), read and checked by ``as_report``.

The card restates figures and the gates' verdicts; it decides nothing. Its one-line
answer is read off the gates when a gate covers the group, and otherwise only says
where the ensemble's interval lies relative to chance (0), which is a description of
the interval, not a threshold of our own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.analysis.robustness import MIN_VERDICT_MODELS

# ENSEMBLES: agreement rows that are ensembles of the generators, not one generator's data.
from harness.core.names import ENSEMBLE, ENSEMBLES
from harness.gates import Check
from harness.report.figures import (
    AgreementIntervals,
    BiasFigure,
    Group,
    Interval,
    OwnedInterval,
    ReferenceSection,
    SourceReference,
    as_group,
)
from harness.report.model import Report, as_report
from harness.report.sections import BootstrapSection
from harness.report.verdicts import GateResult

COEFFICIENT = "spearman"
#: A bias factor (or the ensemble's agreement) is called significant when its p-value,
#: when the report has one, is below this; else when its interval excludes 0.
BIAS_ALPHA = 0.05


@dataclass(frozen=True)
class Figure:
    """One figure with its interval (``low``/``high`` None when the report has none)."""

    value: float | None
    low: float | None = None
    high: float | None = None
    p_value: float | None = None

    @staticmethod
    def of(point: float | None, ci: Interval | None) -> Figure:
        """The point figure (the interval's own point when the report has none) and the
        interval's bounds and p-value."""
        if ci is None:
            return Figure(_num(point))
        if point is None:
            point = ci.value
        return Figure(_num(point), _num(ci.low), _num(ci.high), _num(ci.p_value))

    @property
    def has_ci(self) -> bool:
        return self.low is not None and self.high is not None


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool) or not isinstance(v, int | float) or v != v:
        return None
    return float(v)


@dataclass(frozen=True)
class LeaveOneOut:
    """The coefficient's range with each model left out in turn, and the model it leans on."""

    low: float
    high: float
    lowest_without: str


def _leave_one_model_out(ci: Interval | None) -> LeaveOneOut | None:
    """The interval's leave-one-model-out range (``Interval.leave_one_model_out``)."""
    node = None if ci is None else ci.leave_one_model_out
    if node is None:
        return None
    low, high = _num(node.low), _num(node.high)
    if low is None or high is None:
        return None
    return LeaveOneOut(low, high, node.lowest_without)


@dataclass(frozen=True)
class LeaveOneOutP:
    """Spearman's permutation p without the model whose absence lowers it most."""

    without: str
    p_value: float


def _leave_one_out_p(ci: AgreementIntervals | None) -> LeaveOneOutP | None:
    """``robustness.leave_one_out`` of one source's agreement intervals."""
    robustness = None if ci is None else ci.robustness
    node = None if robustness is None else robustness.leave_one_out
    if node is None:
        return None
    p = _num(node.p_value)
    return None if p is None else LeaveOneOutP(node.without, p)


@dataclass(frozen=True)
class Ranked:
    """A generator (or ensemble) and its agreement with real data.

    ``over_models`` is the statistics' hierarchical interval (examples and models
    resampled) and ``leave_one_out`` its leave-one-model-out range, when the report
    has them.
    """

    name: str
    agreement: Figure
    over_models: Figure | None = None
    leave_one_out: LeaveOneOut | None = None
    #: ``ci.agreement[g].robustness.leave_one_out``, when the report has it.
    leave_one_out_p: LeaveOneOutP | None = None


@dataclass(frozen=True)
class Bias:
    model: str
    generator: str
    factor: Figure
    #: Why the factor is undefined (the analysis' reason), '' when it is defined.
    reason: str = ""

    @property
    def testable(self) -> bool:
        """A defined factor with a p-value or an interval: significance can be asked."""
        f = self.factor
        return f.value is not None and (f.p_value is not None or f.has_ci)

    @property
    def significant(self) -> bool:
        f = self.factor
        if f.p_value is not None:
            return f.p_value < BIAS_ALPHA
        return f.has_ci and f.low is not None and f.high is not None and (f.low > 0 or f.high < 0)


@dataclass(frozen=True)
class GateLine:
    name: str
    status: str
    description: str
    reason: str
    #: An agreement gate that passed, but whose point coefficient falls below its
    #: threshold with this model left out: the model the pass leans on ('' if none).
    leans_on: str = ""


@dataclass(frozen=True)
class Reference:
    """One synthetic source against real subsamples of its size (``ci.reference``), or
    the real-vs-real agreement with another dataset of the task (``source`` is then
    that dataset, ``cross`` True). ``figures`` holds digits and fixed words only; the
    renderer escapes ``source`` as a name and ``reason`` as prose."""

    source: str
    figures: str = ""
    reason: str = ""
    n_examples: int | None = None
    cross: bool = False


def _fig(x: Any, digits: int = 2) -> str:
    return "n/a" if not isinstance(x, int | float) else f"{x:.{digits}f}"


def _size(x: Any, censored: str = "") -> str:
    sign = {"above": ">=", "below": "<="}.get(censored, "")
    return "n/a" if not isinstance(x, int | float) else f"{sign}{x:.0f}"


def _coef(name: Any) -> str:
    """One of the known coefficient names (a report file is data), else ``COEFFICIENT``."""
    return name if name in ("spearman", "kendall", "pearson") else COEFFICIENT


def references(group: Group | Mapping[str, Any]) -> tuple[Reference, ...]:
    """The group's real-data reference in words, built once for every renderer."""
    group = as_group(group)
    ref = group.ci.reference if group.ci is not None else None
    if ref is None:
        return ()
    out = []
    for gen, e in ref.sources.items():
        if e.reason:
            out.append(Reference(str(gen), reason=e.reason, n_examples=e.n_examples))
            continue
        pct, eff = e.percentile, e.effective
        figures, z = _source_rest(e)
        like = (
            "n/a"
            if eff is None
            else f"like {_size(eff.value, str(eff.censored or ''))} "
            f"[{_size(eff.low)}, {_size(eff.high)}] real examples"
        )
        out.append(
            Reference(
                str(gen),
                f"{_coef(e.coefficient)} {figures}; percentile "
                f"{_fig(None if pct is None else pct.value, 0)} (z {z}); {like}",
                n_examples=e.n_examples,
            )
        )
    return (*out, *_cross_dataset(ref))


def _source_rest(e: SourceReference) -> tuple[str, str]:
    """The synthetic coefficient against the real subsamples', and its z among them, in
    words (``SourceReference``: ``synthetic``, ``reference``, ``z``, ...)."""
    r = e.reference
    scheme = "split-half" if e.scheme == "split-half" else "complement"
    z = e.z
    return (
        f"{_fig(e.synthetic)} vs held-out real; real subsamples "
        f"of {_size(e.reference_size)}: {_fig(None if r is None else r.median)} "
        f"[{_fig(None if r is None else r.low)}, {_fig(None if r is None else r.high)}] "
        f"({scheme})",
        "n/a" if z is None else f"{z:+.2f}",
    )


def _cross_dataset(ref: ReferenceSection) -> list[Reference]:
    """Real vs real with each other dataset of the task (``ReferenceSection.cross_dataset``)."""
    out = []
    for c in ref.cross_dataset or ():
        if c.reason:
            out.append(Reference(c.dataset, reason=c.reason, cross=True))
        else:
            out.append(
                Reference(
                    c.dataset,
                    f"{_coef(c.coefficient)} {_fig(c.value)} [{_fig(c.low)}, "
                    f"{_fig(c.high)}] ({_size(c.n_models)} models)",
                    cross=True,
                )
            )
    return out


def reference_text(ref: Reference, name: Callable[[str], str], prose: Callable[[str], str]) -> str:
    """One reference in words, the renderer's escaping applied to the name and reason."""
    if ref.cross:
        head = f"real vs real {name(ref.source)}: "
    else:
        size = f" ({ref.n_examples} examples)" if isinstance(ref.n_examples, int) else ""
        head = f"reference {name(ref.source)}{size}: "
    return head + (f"not testable ({prose(ref.reason)})" if ref.reason else ref.figures)


@dataclass(frozen=True)
class Card:
    """What a reader needs first about one (task, dataset)."""

    task: str
    dataset: str
    metric: str
    n_models: int
    ensemble: Ranked | None
    best: Ranked | None
    worst: Ranked | None
    bias: tuple[Bias, ...]
    gates: tuple[GateLine, ...]
    answer: str
    generators: tuple[Ranked, ...] = field(default=())
    #: The joint permutation test of all models that are generators (``self_preference``).
    self_preference: Figure | None = None
    #: With suite families: each model's family bias (``generator`` holds the family).
    family_bias: tuple[Bias, ...] = ()
    #: The joint permutation test of the family biases (``family_preference``).
    family_preference: Figure | None = None
    #: Each synthetic source against real data's own noise (``ci.reference``).
    reference: tuple[Reference, ...] = ()

    @property
    def title(self) -> str:
        return f"{self.task} / {self.dataset}"

    @property
    def significant_bias(self) -> tuple[Bias, ...]:
        return tuple(b for b in self.bias if b.significant)

    @property
    def significant_family_bias(self) -> tuple[Bias, ...]:
        return tuple(b for b in self.family_bias if b.significant)


def _agreements(group: Group) -> list[Ranked]:
    ci = group.ci.agreement if group.ci is not None else {}
    out = []
    for gen in dict.fromkeys([*group.agreement, *ci]):
        a, c = group.agreement.get(gen), ci.get(gen)
        interval = None if c is None else c.of(COEFFICIENT)
        hier = None if interval is None else interval.hierarchical
        out.append(
            Ranked(
                gen,
                Figure.of(None if a is None else a.figure(COEFFICIENT), interval),
                None if hier is None else Figure.of(None, hier),
                _leave_one_model_out(interval),
                _leave_one_out_p(c),
            )
        )
    return out


def _n_models(group: Group) -> int:
    for a in group.agreement.values():
        return a.n_models
    return len({m for row in group.scores.values() for m in row})


def _bias(
    bias: Mapping[str, BiasFigure] | None, ci: Mapping[str, OwnedInterval] | None
) -> tuple[Bias, ...]:
    """The bias factors (or the family biases) with their intervals and p-values."""
    bias, ci = bias or {}, ci or {}
    out = []
    for m in dict.fromkeys([*bias, *ci]):
        b, c = bias.get(m), ci.get(m)
        interval = None if c is None else c.interval
        if b is not None:
            owner, point, reason = b.owner, b.value, b.reason
        else:  # an interval without its point figure: the interval's owner and point
            owner, point, reason = (c.owner if c is not None else ""), None, ""
        out.append(Bias(m, owner, Figure.of(point, interval), reason))
    return tuple(out)


def group_gates(
    report: Report | Mapping[str, Any], group: Group | Mapping[str, Any]
) -> tuple[GateLine, ...]:
    """The gates with at least one checked cell in this group, with their overall status."""
    report, group = as_report(report), as_group(group)
    prefix = f"{group.task}/{group.dataset}/"
    out = []
    for g in report.gates.gates if report.gates is not None else ():
        checks = [c for c in g.checks if c.cell.startswith(prefix)]
        if not checks:
            continue
        failed = [c for c in checks if c.status == "failed"]
        status = "failed" if failed else checks[0].status
        if not failed and any(c.status == "passed" for c in checks):
            status = "passed"
        elif not failed and g.status == "failed":
            # No check of this group was judged, and the gate failed for it (say, over
            # cells that errored or never ran): the card says FAILED, as the gate table.
            status = "failed"
        reason = failed[0].reason if failed else g.reason
        leans = _leans_on(group, g, checks) if status == "passed" else ""
        out.append(GateLine(g.name, status, g.description, reason, leans))
    return tuple(out)


def _leans_on(group: Group, gate: GateResult, checks: Sequence[Check]) -> str:
    """The model a passed ``min_agreement`` gate leans on: its coefficient with that
    model left out (the lowest of the leave-one-out values) is below the threshold.
    A point check, so a necessary condition for the interval too."""
    threshold = _num(gate.threshold)
    if gate.kind != "min_agreement" or threshold is None:
        return ""
    # The report's gate carries its coefficient only in its description ("kendall >= ...").
    coef = gate.description.split(" ", 1)[0] or COEFFICIENT
    ci = group.ci.agreement if group.ci is not None else {}
    for c in checks:
        agreement = ci.get(c.cell.rsplit("/", 1)[-1])
        lomo = _leave_one_model_out(None if agreement is None else agreement.of(coef))
        if lomo is not None and lomo.low < threshold:
            return lomo.lowest_without
    return ""


def _no_ensemble(ensemble: Ranked | None) -> bool:
    return ensemble is None or ensemble.agreement.value is None


def _alone(single: Ranked, group: Group, n_models: int) -> str:
    """A one-generator suite has no ensemble: its one source is judged by its own
    agreement (the same test as the ensemble's), and pointed to the real-data reference
    when the report has one."""
    head = f"one generator ({single.name}), judged by its own agreement"
    tail = "; compare with the real-data reference" if _has_reference(group) else ""
    if single.agreement.value is None:
        return f"{head}: cannot tell (its agreement is undefined){tail}"
    return f"{head}: {_evidence(single, n_models)}{tail}"


def _has_reference(group: Group) -> bool:
    """The group's ``ci`` has a real-data reference (a section with anything in it)."""
    ref = group.ci.reference if group.ci is not None else None
    return ref is not None and bool(
        "sources" in ref.keys or ref.sources or ref.cross_dataset is not None
    )


def _evidence(ensemble: Ranked | None, n_models: int = MIN_VERDICT_MODELS) -> str:
    """Whether the ensemble ranks the models better than chance: the permutation p when
    the report has one (it asks exactly that), else where the interval lies. No
    verdict below ``MIN_VERDICT_MODELS`` models; a significant p that does not
    survive leaving one model out names the model it leans on."""
    if ensemble is None or ensemble.agreement.value is None:
        return "cannot tell (no ensemble agreement)"
    if n_models < MIN_VERDICT_MODELS:
        return f"no verdict: {n_models} models, fewer than the {MIN_VERDICT_MODELS} it needs"
    f = ensemble.agreement
    if f.p_value is not None:
        if f.p_value >= BIAS_ALPHA:
            return f"not shown better than chance (p={f.p_value:.3f})"
        loo = ensemble.leave_one_out_p
        if loo is not None and loo.p_value >= BIAS_ALPHA:
            return (
                f"ranks models better than chance only with `{loo.without}` "
                f"(p={f.p_value:.3f}; without it p={loo.p_value:.3f})"
            )
        if loo is not None:
            return (
                f"ranks models better than chance (p={f.p_value:.3f}; "
                f"with any one model left out p<={loo.p_value:.3f})"
            )
        return f"ranks models better than chance (p={f.p_value:.3f})"
    if f.has_ci and f.low is not None and f.low > 0:
        return "ranks models better than chance (interval above 0)"
    if f.has_ci:
        return "not shown better than chance (interval includes 0)"
    return "no interval or p-value"


def _answer(
    ensemble: Ranked | None,
    gates: Sequence[GateLine],
    n_models: int = MIN_VERDICT_MODELS,
    flags: Sequence[tuple[str, str]] = (),
    evidence: str = "",
) -> str:
    evidence = evidence or _evidence(ensemble, n_models)
    if flags:  # models that separate trivially: any rank coefficient leans on them
        evidence += "; " + ", ".join(f"`{m}` at the score {at} on every source" for m, at in flags)
    failed = sum(g.status == "failed" for g in gates)
    passed = sum(g.status == "passed" for g in gates)
    leaning = "".join(f"; {g.name!r} passes only with `{g.leans_on}`" for g in gates if g.leans_on)
    if failed:
        return f"gates FAILED ({failed} of {len(gates)}{leaning}); {evidence}"
    if passed:
        return f"gates passed ({passed} of {len(gates)}{leaning}); {evidence}"
    return evidence


def _preference(group: Group, key: str = "self_preference") -> Figure | None:
    """The joint permutation test ``ci.self_preference`` (or ``ci.family_preference``)."""
    ci = group.ci
    node = None if ci is None else (
        ci.family_preference if key == "family_preference" else ci.self_preference
    )
    if node is None or node.p_value is None:
        return None
    return Figure(_num(node.statistic), p_value=_num(node.p_value))


def build_card(report: Report | Mapping[str, Any], group: Group | Mapping[str, Any]) -> Card:
    return _card(as_report(report), as_group(group))


def _card(report: Report, group: Group) -> Card:
    ranked = _agreements(group)
    ensembles = {r.name: r for r in ranked if r.name in ENSEMBLES}
    single = [r for r in ranked if r.name not in ENSEMBLES]
    defined = sorted(
        (r for r in single if r.agreement.value is not None),
        key=lambda r: (-(r.agreement.value or 0.0), r.name),
    )
    ensemble = ensembles.get(ENSEMBLE) or next(iter(ensembles.values()), None)
    gates = group_gates(report, group)
    n = _n_models(group)
    ci = group.ci
    return Card(
        task=group.task,
        dataset=group.dataset,
        metric=group.metric,
        n_models=n,
        ensemble=ensemble,
        best=defined[0] if defined else None,
        worst=defined[-1] if len(defined) > 1 else None,
        bias=_bias(group.bias, None if ci is None else ci.bias),
        gates=gates,
        answer=_answer(
            ensemble,
            gates,
            n,
            _floor_ceiling(group),
            _alone(single[0], group, n) if _no_ensemble(ensemble) and len(single) == 1 else "",
        ),
        generators=tuple(single),
        self_preference=_preference(group),
        family_bias=_bias(group.family_bias, None if ci is None else ci.family_bias),
        family_preference=_preference(group, "family_preference"),
        reference=references(group),
    )


def _floor_ceiling(group: Group) -> tuple[tuple[str, str], ...]:
    """``(model, "floor"|"ceiling")`` of ``ci.robustness.floor_ceiling``, when present."""
    robustness = group.ci.robustness if group.ci is not None else None
    node = () if robustness is None else robustness.floor_ceiling
    return tuple((f.model, f.at) for f in node)


def build_cards(report: Report | Mapping[str, Any]) -> list[Card]:
    report = as_report(report)
    return [_card(report, g) for g in report.groups]


@dataclass(frozen=True)
class Recommendation:
    """Which generator to use for one task: the sentence ``harness.analysis.whichgen`` built once
    (``report["generators"]["tasks"][task]``), printed as is by every renderer."""

    task: str
    sentence: str
    best: str = ""
    not_worse: tuple[str, ...] = ()
    worse: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()


def recommendations(report: Report | Mapping[str, Any]) -> tuple[Recommendation, ...]:
    """One recommendation per task of the report's ``generators`` section (none without)."""
    node = as_report(report).generators
    if node is None:
        return ()
    return tuple(
        Recommendation(task, t.recommendation, t.best, t.not_worse, t.worse, t.datasets)
        for task, t in node.tasks.items()
        if t.recommendation
    )


@dataclass(frozen=True)
class AgreementTable:
    """The README's headline table: rows (task, dataset), columns generators + ensemble."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Card, tuple[Figure | None, ...]], ...]


def agreement_table(cards: Sequence[Card]) -> AgreementTable:
    gens = list(dict.fromkeys(r.name for c in cards for r in c.generators))
    ens = [e for e in ENSEMBLES[:1] if any(c.ensemble and c.ensemble.name == e for c in cards)]
    columns = (*gens, *ens)
    rows = []
    for c in cards:
        by_name = {r.name: r.agreement for r in c.generators}
        if c.ensemble is not None:
            by_name[c.ensemble.name] = c.ensemble.agreement
        rows.append((c, tuple(by_name.get(col) for col in columns)))
    return AgreementTable(tuple(columns), tuple(rows))


def best_names(card: Card) -> list[str]:
    """Every generator tied for the best agreement (the README's ``best`` column)."""
    if card.best is None:
        return []
    top = card.best.agreement.value
    return [r.name for r in card.generators if r.agreement.value == top]


def figure(f: Figure | None, signed: bool = False) -> str:
    """``0.77 [0.71, 0.83]`` (two decimals: the answer, not the ledger); plain text."""
    if f is None or f.value is None:
        return "n/a"
    spec = "+.2f" if signed else ".2f"
    text = format(f.value, spec)
    if f.has_ci:
        text += f" [{format(f.low, spec)}, {format(f.high, spec)}]"
    return text


def bias_line(
    card: Card,
    escape: Callable[[str], str],
    unmeasured: str,
    prose: Callable[[str], str] | None = None,
) -> str:
    """The card's bias figures in words; names go through the renderer's ``escape``,
    reasons (prose, not names) through ``prose`` (default: ``escape``).

    The figures are digits, signs and brackets only: safe in HTML, and left unescaped
    in Markdown, where escaping would print ``\\[``.
    """
    if not card.bias:
        line = unmeasured
    elif not any(b.testable for b in card.bias):
        line = untestable(card.bias, prose or escape)
    elif card.significant_bias:
        line = "; ".join(
            f"{escape(b.model)} on {escape(b.generator)} {figure(b.factor, signed=True)}"
            for b in card.significant_bias
        )
    else:
        line = none_significant(card.bias)
    if card.bias and card.self_preference is not None and card.self_preference.p_value is not None:
        line += f"; self-preference p={card.self_preference.p_value:.3f}"
    return line + family_line(card, escape)


def untestable(bias: Sequence[Bias], escape: Callable[[str], str]) -> str:
    """``not testable (why)``: no factor has a value with a p-value or an interval."""
    reasons = list(dict.fromkeys(b.reason or "no interval or p-value" for b in bias))
    return f"not testable ({escape('; '.join(reasons))})"


def none_significant(bias: Sequence[Bias]) -> str:
    """``none significant (k checked)``, counting only the factors that could be tested."""
    tested = sum(b.testable for b in bias)
    text = f"none significant ({tested} checked"
    if tested < len(bias):
        text += f"; {len(bias) - tested} not testable"
    return text + ")"


def family_line(card: Card, escape: Callable[[str], str]) -> str:
    """``"; family bias: ..."`` for a card with suite families; '' without (no change)."""
    if not card.family_bias:
        return ""
    sig = card.significant_family_bias
    if sig:
        text = "; ".join(
            f"{escape(b.model)} on family {escape(b.generator)} {figure(b.factor, signed=True)}"
            for b in sig
        )
    elif not any(b.testable for b in card.family_bias):
        text = untestable(card.family_bias, escape)
    else:
        text = none_significant(card.family_bias)
    pref = card.family_preference
    if pref is not None and pref.p_value is not None:
        text += f"; family preference p={pref.p_value:.3f}"
    return f"; family bias: {text}"


def interval_method(boot: BootstrapSection) -> str:
    """The report header's name of the interval methods, exactly, per kind of figure.

    A report of resampling scheme 3 or later names each kind (``bootstrap.described``:
    "scores: jackknife normal ...; agreement: centred bootstrap percentile ..."); an
    older one had one method for all (``"percentile bootstrap"``). Plain text: the
    renderer escapes it.
    """
    described = boot.described
    if described:
        return "; ".join(f"{kind}: {text}" for kind, text in described.items())
    return f"{'percentile' if boot.method is None else boot.method} bootstrap"
