"""The reserved source names and the minimum counts of every derived figure: one place.

``harness.analysis`` (point figures with reasons), ``harness.intervals`` (resampled
arrays), ``harness.gates`` and the renderers read these, so the ensembles and the
rules for "undefined" cannot drift apart between the engines.
"""

from __future__ import annotations

from harness.records import ENSEMBLE, REAL

#: The leave-own-out ensemble: a model that is a generator skips its own data.
LEAVE_OWN_OUT = "mean-loo"
#: Every ensemble row, in report order; never a generator of the bias factor.
ENSEMBLES = (ENSEMBLE, LEAVE_OWN_OUT)
#: Names a score row may not use as its generator.
RESERVED = ENSEMBLES
#: Models needed on both sides for a rank or correlation coefficient.
MIN_MODELS = 3
#: Synthetic generators needed for an ensemble and for a bias factor.
MIN_GENERATORS = 2

__all__ = [
    "ENSEMBLE",
    "ENSEMBLES",
    "LEAVE_OWN_OUT",
    "MIN_GENERATORS",
    "MIN_MODELS",
    "REAL",
    "RESERVED",
]
