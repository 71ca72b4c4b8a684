"""Exact integer matrix products through float64 BLAS."""

from __future__ import annotations

import numpy as np

__all__ = ["exact_int_matmul"]

_FLOAT64_EXACT = 1 << 53


def exact_int_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for integer arrays, exact, as int64.

    float64 represents every integer of magnitude below 2**53 exactly, and the sum of two
    such integers is exact when the result is below 2**53 too. If every operand entry is
    below 2**26 and the inner dimension times the largest product stays below 2**53, every
    partial sum is an exact integer whatever order BLAS adds in, so the float64 product is
    exact. Otherwise this falls back to int64 numpy (slower, also exact for |result| < 2**63).
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    amax = int(np.abs(a).max(initial=0))
    bmax = int(np.abs(b).max(initial=0))
    if amax * bmax * max(a.shape[-1], 1) < _FLOAT64_EXACT:
        return (a.astype(np.float64) @ b.astype(np.float64)).astype(np.int64)
    return a @ b
