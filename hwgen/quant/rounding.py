"""Rounding of real values to integer codes.

Named tie rules (the same strings are used by every quantizer and by the compiler's config):

``"half_even"``
    Round to nearest, ties to the even integer (IEEE 754 default, numpy ``rint``, ONNX
    QuantizeLinear and onnxruntime). 0.5 -> 0, 1.5 -> 2, -2.5 -> -2.
``"half_away"``
    Round to nearest, ties away from zero (C ``round``, gemmlowp/TFLite, microxcaling).
    0.5 -> 1, -0.5 -> -1, 2.5 -> 3.

Stochastic rounding rounds up with probability equal to the fractional part, so its
expectation is the input (unbiased); it is always seeded.
"""

from __future__ import annotations

import numpy as np

from hwgen.errors import QuantizationError
from hwgen.quant._validate import as_finite_array, check_choice, make_rng

#: Tie rules understood by :func:`round_to_int` (and the ``rounding=`` option of the quantizers).
ROUNDING_RULES = ("half_even", "half_away")

# Integers up to 2**53 are exact in float64; beyond that there is nothing left to round and the
# int64 conversion could overflow, so such inputs are refused instead of silently wrapped.
_INT_LIMIT = 2.0**53


def _check_int_range(x: np.ndarray, name: str) -> None:
    if x.size and np.max(np.abs(x)) > _INT_LIMIT:
        raise QuantizationError(
            f"{name} has magnitude {float(np.max(np.abs(x))):.6g} > 2**53; such values cannot be "
            "rounded to int64 exactly; rescale the input"
        )


def round_half_away(x: np.ndarray) -> np.ndarray:
    """Round float array ``x`` to nearest, ties away from zero, returned as float64.

    ``floor(|x| + 0.5)`` is wrong for 0.49999999999999994 (the sum rounds up to 1.0), so the
    fraction is taken exactly with ``x - trunc(x)`` and compared with 0.5 instead.
    """
    t = np.trunc(x)
    frac = x - t  # exact in float64 for |x| < 2**52
    return t + np.sign(x) * (np.abs(frac) >= 0.5)


def round_float(x: np.ndarray, rule: str) -> np.ndarray:
    """Round float array ``x`` with the named tie ``rule``; returns float64 (internal helper)."""
    if rule == "half_even":
        return np.rint(x)
    return round_half_away(x)


def round_to_int(x, rule: str = "half_even") -> np.ndarray:
    """Round to the nearest integer with a named tie rule.

    Parameters
    ----------
    x : array_like
        Finite real values (NaN and Inf are refused).
    rule : {"half_even", "half_away"}
        What to do with exact ties (see the module docstring).

    Returns
    -------
    numpy.ndarray of int64, same shape as ``x``.
    """
    check_choice(rule, ROUNDING_RULES, name="rule")
    arr = as_finite_array(x, name="x", allow_empty=True)
    _check_int_range(arr, "x")
    return round_float(arr, rule).astype(np.int64)


def stochastic_round(x, rng_or_seed) -> np.ndarray:
    """Round down or up at random, up with probability ``x - floor(x)`` (unbiased).

    Parameters
    ----------
    x : array_like
        Finite real values.
    rng_or_seed : int or numpy.random.Generator
        Seed or generator; required (hwgen uses seeded randomness only). An int seed gives the
        same result on every call.

    Returns
    -------
    numpy.ndarray of int64, same shape as ``x``. ``E[result] = x`` exactly.
    """
    rng = make_rng(rng_or_seed, name="rng_or_seed")
    arr = as_finite_array(x, name="x", allow_empty=True)
    _check_int_range(arr, "x")
    low = np.floor(arr)
    frac = arr - low  # in [0, 1): exact
    # u < frac happens with probability frac (u uniform on [0, 1)); integers never move.
    up = rng.random(arr.shape) < frac
    return (low + up).astype(np.int64)
