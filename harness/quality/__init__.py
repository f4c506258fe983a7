"""Data-quality reports for any source, real or synthetic (``synthbench data check``).

Rows, label coverage and distribution against the real test set, duplicates,
contamination of the real test set (exact and MiniLM near-duplicates), distinct-1/2,
length statistics and task checks. See ``docs/generate.md``.
"""

from __future__ import annotations

from harness.quality.contamination import NEAR_THRESHOLD, Encoder, default_encoder
from harness.quality.render import render_quality
from harness.quality.report import QUALITY_SCHEMA, assess, check_file, check_source, read_records

__all__ = [
    "NEAR_THRESHOLD",
    "QUALITY_SCHEMA",
    "Encoder",
    "assess",
    "check_file",
    "check_source",
    "default_encoder",
    "read_records",
    "render_quality",
]
