"""The quality dict as text, for ``synthbench data check``."""

from __future__ import annotations

from typing import Any


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def render_quality(q: dict[str, Any]) -> str:
    """A few lines per source: counts, labels, diversity, lengths, checks, contamination."""
    title = q.get("path", "")
    if "dataset" in q:
        title = f"{q['dataset']} / {q['generator']}  ({title})"
    lines = [title]
    dup = q["duplicates"]
    lines.append(
        f"  rows {q['rows']}  valid {q['valid']}  malformed {q['malformed']}  "
        f"duplicates {dup['count']} (in {dup['groups']} groups)"
    )
    for m in q.get("malformed_lines", []):
        where = f"line {m['line']}" if "line" in m else f"row {m.get('row')}"
        lines.append(f"    {where}: {m['error']}")
    for d in dup["top"][:3]:
        lines.append(f"    x{d['copies']}: {d['text'][:80]}")
    lab = q["labels"]
    parts = [f"  labels {len(lab['counts'])}"]
    if "coverage" in lab:
        parts.append(f"coverage of real {_fmt(lab['coverage'])}")
        parts.append(f"TVD vs real {_fmt(lab['tvd'])}")
    if "label_set_coverage" in lab:
        parts.append(f"of label set {_fmt(lab['label_set_coverage'])}")
    lines.append("  ".join(parts))
    if lab.get("missing"):
        lines.append(f"    missing: {', '.join(lab['missing'][:10])}")
    if lab.get("extra"):
        lines.append(f"    not in real test: {', '.join(lab['extra'][:10])}")
    ln = q["length"]
    lines.append(
        f"  distinct-1 {_fmt(q['distinct_1'])}  distinct-2 {_fmt(q['distinct_2'])}  "
        f"words/text mean {_fmt(ln['mean'], 1)} median {_fmt(ln['median'], 1)} "
        f"min {_fmt(ln['min'])} max {_fmt(ln['max'])}"
    )
    chk = q["checks"]
    probs = ", ".join(f"{k} {v}" for k, v in chk["problems"].items()) or "none"
    lines.append(f"  task checks: {chk['examples_with_problems']} examples with problems ({probs})")
    con = q.get("contamination")
    if con is not None:
        near = (f"near (cos >= {con['threshold']}) {con['near']}" if con.get("near") is not None
                else "near: not computed")
        lines.append(f"  contamination of real test: exact {con['exact']}  {near}")
        for n in con.get("nearest", [])[:1]:
            lines.append(f"    nearest {n['similarity']:.3f}: {n['text'][:60]!r} "
                         f"~ {n['real'][:60]!r}")
    return "\n".join(lines)
