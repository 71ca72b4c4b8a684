"""Quantization error metrics: Frobenius norm, mean squared error, SQNR in dB.

Both arguments must have the same shape: a silent broadcast (e.g. (4, 1) against (4,)) would
measure the wrong thing.
"""

from __future__ import annotations

import numpy as np

from hwgen.errors import QuantizationError
from hwgen.quant._validate import as_finite_array


def _pair(reference, approx) -> tuple[np.ndarray, np.ndarray]:
    a = as_finite_array(reference, name="reference")
    b = as_finite_array(approx, name="approx")
    if a.shape != b.shape:
        raise QuantizationError(
            f"reference has shape {a.shape} but approx has shape {b.shape}; "
            "pass arrays of the same shape"
        )
    return a, b


def frobenius_error(reference, approx) -> float:
    """``||reference - approx||_F``: square root of the sum of squared differences (any rank)."""
    a, b = _pair(reference, approx)
    return float(np.sqrt(np.sum((a - b) ** 2)))


def mse(reference, approx) -> float:
    """Mean of the squared differences."""
    a, b = _pair(reference, approx)
    return float(np.mean((a - b) ** 2))


def sqnr_db(reference, approx) -> float:
    """Signal to quantization noise ratio ``10 log10(sum r^2 / sum (r - a)^2)`` in dB.

    Returns ``inf`` when ``approx`` equals ``reference``; an all-zero reference has no signal
    power and is refused.
    """
    a, b = _pair(reference, approx)
    signal = float(np.sum(a**2))
    if signal == 0.0:
        raise QuantizationError("reference is all zeros: SQNR is undefined without signal power")
    noise = float(np.sum((a - b) ** 2))
    if noise == 0.0:
        return float("inf")
    return float(10.0 * np.log10(signal / noise))
