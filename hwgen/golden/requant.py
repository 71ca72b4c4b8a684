"""Integer-only requantization (gemmlowp / TFLite), int64 numpy, exact.

The rule names and their definitions live in :mod:`hwgen.ir.rules`.
"""

from __future__ import annotations

import numpy as np

from ..ir.rules import RequantRounding

__all__ = [
    "INT32_MIN", "INT32_MAX",
    "saturating_rounding_doubling_high_mul", "rounding_divide_by_pot",
    "requantize", "requantize_and_clamp",
]

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1


def _check_int32(x: np.ndarray, what: str) -> None:
    if x.size and (x.min() < INT32_MIN or x.max() > INT32_MAX):
        raise OverflowError(f"{what} leaves the int32 range: [{x.min()}, {x.max()}]")


def saturating_rounding_doubling_high_mul(a, b) -> np.ndarray:
    """gemmlowp ``SaturatingRoundingDoublingHighMul`` on int32 values (as int64 arrays).

    ``round_half_away(a * b / 2**31)``, with the single overflowing case
    ``a == b == INT32_MIN`` saturated to ``INT32_MAX``.
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    _check_int32(a, "SRDHM operand a")
    _check_int32(b, "SRDHM operand b")
    ab = a * b  # |ab| <= 2**62: exact in int64
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    s = ab + nudge
    # C++ integer division truncates toward zero; numpy's >> floors, so work on |s|.
    high = np.where(s >= 0, s >> 31, -((-s) >> 31))
    overflow = (a == INT32_MIN) & (b == INT32_MIN)
    return np.where(overflow, INT32_MAX, high)


def rounding_divide_by_pot(x, exponent) -> np.ndarray:
    """gemmlowp ``RoundingDivideByPOT``: ``x / 2**exponent`` rounded half away from zero."""
    x = np.asarray(x, dtype=np.int64)
    exponent = np.asarray(exponent, dtype=np.int64)
    if np.any(exponent < 0) or np.any(exponent > 31):
        raise ValueError(f"RoundingDivideByPOT exponent must be in [0, 31], got {exponent}")
    mask = (np.int64(1) << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> exponent) + (remainder > threshold)


def requantize(acc, multiplier, shift, rounding: RequantRounding) -> np.ndarray:
    """Scale int32 accumulators by ``multiplier * 2**(shift - 31)`` under the named rule.

    ``multiplier`` and ``shift`` broadcast against ``acc`` (one pair per output channel on the
    last axis). Raises OverflowError if ``acc << max(shift, 0)`` leaves int32 (the compiler
    rules this out before hardware is built).
    """
    acc = np.asarray(acc, dtype=np.int64)
    multiplier = np.asarray(multiplier, dtype=np.int64)
    shift = np.asarray(shift, dtype=np.int64)
    rounding = RequantRounding(rounding)
    _check_int32(acc, "accumulator")
    if rounding is RequantRounding.GEMMLOWP:
        left = np.maximum(shift, 0)
        right = np.maximum(-shift, 0)
        shifted = acc << left
        _check_int32(shifted, "left-shifted accumulator")
        return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier), right)
    t = 31 - shift
    if np.any(t < 1):
        raise ValueError("single rounding needs shift <= 30")
    if rounding is RequantRounding.SINGLE:
        return (acc * multiplier + (np.int64(1) << (t - 1))) >> t
    product = acc * multiplier
    floor = product >> t
    remainder = product - (floor << t)
    half = np.int64(1) << (t - 1)
    return floor + ((remainder > half) | ((remainder == half) & (floor & 1 == 1)))


def requantize_and_clamp(acc, multiplier, shift, rounding, zero_point, out_min, out_max):
    """:func:`requantize`, add the output zero point, saturate to ``[out_min, out_max]``."""
    y = requantize(acc, multiplier, shift, rounding) + np.int64(zero_point)
    return np.clip(y, out_min, out_max)
