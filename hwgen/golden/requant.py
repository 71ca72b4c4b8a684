"""Integer-only requantization (gemmlowp / TFLite), int64 numpy, exact.

The rule names and their definitions live in :mod:`hwgen.ir.rules`.
"""

from __future__ import annotations

import numpy as np

from ..ir.rules import RequantRounding

__all__ = [
    "INT32_MIN", "INT32_MAX", "Requantizer",
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
        return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier),
                                      right)
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


def _two_adic(value: int) -> int:
    """Largest ``e`` with ``2**e`` dividing ``value`` (``value != 0``)."""
    return (value & -value).bit_length() - 1


class Requantizer:
    """:func:`requantize_and_clamp` for the accumulators of one block, fast where proven exact.

    ``multiplier`` and ``shift`` are per channel (the last axis of ``acc``) or scalars;
    ``acc_range`` bounds every accumulator the block can produce (the block's ``acc_range``,
    checked against int32 when the block was built).

    The float64 path (SINGLE and SINGLE_EVEN rules only). With ``t = 31 - shift`` the rule
    rounds ``r = a * m / 2**t`` to the nearest integer, and the two rules differ only at ties,
    ``a * m = (odd) * 2**(t - 1)``. A tie needs ``v2(a) = t - 1 - v2(m)`` (``v2``: the exponent
    of the largest power of two dividing a number), so ``|a| >= 2**(t - 1 - v2(m))``; when that
    exceeds every ``|a|`` of ``acc_range`` (or ``t - 1 - v2(m) < 0``, or ``m = 0``) no tie can
    occur. Then ``r = N / 2**t`` with ``N`` an integer that is not an odd multiple of
    ``2**(t - 1)``, so ``r`` lies at least ``2**-t`` from every half-integer. float64 holds
    ``a`` (``|a| < 2**31``) and ``s = m * 2**-t`` (``m < 2**31``) exactly and rounds ``a * s``
    to within half an ulp of ``r``. Let ``L = max(zero_point - out_min, out_max - zero_point)``
    and ``c = ceil(log2(L + 1))``. For ``|r| < L + 1 <= 2**c`` half an ulp is at most
    ``2**(c - 54)``, below ``2**-t`` when ``t <= 53 - c``: the float lies strictly between
    the same two half-integers as ``r`` and rounds to the same integer. For ``|r| >= L + 1``
    the exact and the float value (more than ``L + 1/2`` in magnitude) both round beyond the
    saturation bound on the same side and clamp to the same code. When every channel meets
    both conditions the float path runs; otherwise the int64 functions above do.
    """

    def __init__(self, *, acc_range, multiplier, shift, rounding, zero_point, out_min, out_max):
        self.multiplier = np.asarray(multiplier, dtype=np.int64)
        self.shift = np.asarray(shift, dtype=np.int64)
        self.rounding = RequantRounding(rounding)
        self.zero_point, self.out_min, self.out_max = int(zero_point), int(out_min), int(out_max)
        self.scale = self._float_scale(max(abs(int(acc_range[0])), abs(int(acc_range[1]))))
        self._tiled = None

    def _float_scale(self, a_max: int):
        """``m * 2**-t`` per channel as float64 when the float path is proven, else None."""
        if self.rounding is RequantRounding.GEMMLOWP:
            return None
        spread = max(self.zero_point - self.out_min, self.out_max - self.zero_point) + 1
        c = (spread - 1).bit_length()           # ceil(log2(L + 1))
        for m, shift in zip(self.multiplier.reshape(-1).tolist(), self.shift.reshape(-1).tolist(),
                            strict=True):
            t = 31 - shift
            if t < 1 or t > 53 - c:
                return None
            tie_exponent = t - 1 - _two_adic(m) if m else -1
            if tie_exponent >= 0 and (1 << tie_exponent) <= a_max:
                return None
        return np.ldexp(self.multiplier.astype(np.float64), (self.shift - 31).astype(np.int32))

    @property
    def exact_in_float(self) -> bool:
        """Whether :meth:`__call__` takes the float64 path."""
        return self.scale is not None

    def __call__(self, acc: np.ndarray, out: np.ndarray, exponent: int = 0) -> np.ndarray:
        """Write ``clamp(zero_point + requant(acc))`` into ``out`` (an integer array of
        ``acc``'s shape) and return it. ``acc`` holds exact integers (float or integer).

        With ``exponent`` ``e > 0``, ``acc`` holds the accumulators times ``2**e`` (exact
        multiples). The float path then scales by ``s * 2**-e``: both factors are exact, so
        the float product of ``2**e * a`` and ``s * 2**-e`` is the product of ``a`` and ``s``,
        rounded once, the same float as without the factor. The int64 path divides exactly.
        """
        if self.scale is None:
            a = np.asarray(acc).astype(np.int64)
            if exponent:
                a >>= exponent                      # exact multiples: an exact division
            y = requantize_and_clamp(a, self.multiplier, self.shift, self.rounding,
                                     self.zero_point, self.out_min, self.out_max)
            np.copyto(out, y, casting="unsafe")
            return out
        r = np.empty(np.shape(acc), dtype=np.float64)
        np.copyto(r, acc)                       # exact: integers of magnitude below 2**53
        np.multiply(r, self._scale_like(r, exponent), out=r)
        np.rint(r, out=r)                       # no ties (see above): any rounding to nearest
        lo, hi = self.out_min - self.zero_point, self.out_max - self.zero_point
        if r.size > 1 << 14:
            np.clip(r, lo, hi, out=r)
        else:                                   # np.clip's Python wrapper costs more here
            np.maximum(r, lo, out=r)
            np.minimum(r, hi, out=r)
        if self.zero_point:
            np.add(r, self.zero_point, out=r)
        np.copyto(out, r, casting="unsafe")     # integers within the output type: exact
        return out

    def _scale_like(self, r: np.ndarray, exponent: int = 0) -> np.ndarray:
        """The per-channel scale (times ``2**-exponent``) laid out like ``r`` (channels
        last): a repeated copy, because numpy runs a contiguous product much faster than one
        broadcast over short rows."""
        if self._tiled is None:
            self._tiled = {}
        scale = np.ldexp(self.scale, -exponent) if exponent else self.scale
        if scale.ndim == 0 or r.ndim == 0:
            return scale
        tiled = self._tiled.get(exponent)
        if tiled is None or tiled.size < r.size:
            tiled = self._tiled[exponent] = np.tile(scale, -(-r.size // scale.size))
        return tiled[:r.size].reshape(r.shape)
