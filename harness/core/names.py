"""The reserved source names and the minimum counts of every derived figure: one place.

``harness.analysis.agreement`` (point figures with reasons),
``harness.analysis.intervals`` (resampled arrays), ``harness.gates`` and the renderers
read these, so the ensembles and the rules for "undefined" cannot drift apart between the engines.
"""

from __future__ import annotations

from harness.core.records import ENSEMBLE, REAL

#: The leave-own-out ensemble: a model that is a generator skips its own data.
LEAVE_OWN_OUT = "mean-loo"
#: The leave-family-out ensemble: a model of a suite family skips its family's data.
LEAVE_FAMILY_OUT = "mean-lfo"
#: Every ensemble row, in report order; never a generator of the bias factor.
ENSEMBLES = (ENSEMBLE, LEAVE_OWN_OUT, LEAVE_FAMILY_OUT)
#: Names a score row may not use as its generator.
RESERVED = ENSEMBLES
#: Models needed on both sides for a rank or correlation coefficient.
MIN_MODELS = 3
#: Synthetic generators needed for an ensemble and for a bias factor.
MIN_GENERATORS = 2

__all__ = [
    "ENSEMBLE",
    "ENSEMBLES",
    "LEAVE_FAMILY_OUT",
    "LEAVE_OWN_OUT",
    "MIN_GENERATORS",
    "MIN_MODELS",
    "REAL",
    "RESERVED",
]
