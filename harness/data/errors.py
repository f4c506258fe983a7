"""The two errors of reading benchmark data: malformed input and missing input."""

from __future__ import annotations

# The two error types live in the core (tasks read labels and raise them too).
from harness.core.errors import FIX_MISSING, DataError, DataMissing

__all__ = ["FIX_MISSING", "DataError", "DataMissing"]
