"""Real multipliers as integer multiplier and shift (gemmlowp ``QuantizeMultiplier``)."""

from __future__ import annotations

import numpy as np

from ..errors import QuantizationError

__all__ = ["quantize_multiplier"]


def quantize_multiplier(m) -> tuple[np.ndarray, np.ndarray]:
    """Write each real ``m >= 0`` as ``multiplier * 2**(shift - 31)``.

    ``(q, shift) = frexp(m)`` with ``q`` in [0.5, 1); ``multiplier = round_half_away(q * 2**31)``;
    a multiplier of ``2**31`` becomes ``2**30`` with ``shift + 1``; a shift below -31 makes
    the multiplier 0 (the real value underflows). ``m == 0`` gives ``(0, 0)``.

    Parameters
    ----------
    m : array_like
        Non-negative finite reals.

    Returns
    -------
    multiplier, shift : numpy.ndarray
        int64 arrays of the shape of ``m``; ``multiplier`` lies in [2**30, 2**31) or is 0.

    Raises
    ------
    QuantizationError
        If a value is negative, not finite, or needs a shift above 30 (``m >= 2**30``).
    """
    m = np.asarray(m, dtype=np.float64)
    if not np.all(np.isfinite(m)) or np.any(m < 0):
        raise QuantizationError(f"requantization multipliers must be finite and >= 0, got {m}")
    q, shift = np.frexp(m)
    # frexp is exact, and q * 2**31 is exact in float64, so this rounding is exact too.
    qm = np.floor(q * 2.0**31 + 0.5).astype(np.int64)
    shift = shift.astype(np.int64)
    carry = qm == (1 << 31)
    qm = np.where(carry, qm // 2, qm)
    shift = np.where(carry, shift + 1, shift)
    underflow = (shift < -31) | (m == 0)
    qm = np.where(underflow, 0, qm)
    shift = np.where(underflow, 0, shift)
    if np.any(shift > 30):
        raise QuantizationError(
            f"requantization multiplier {m.max():g} is too large (needs a shift above 30); "
            "check the scales of this layer")
    return qm, shift
