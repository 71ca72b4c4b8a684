"""Integer code ranges and the affine parameters (scale S, zero point Z) of r = S (q - Z).

The rules are onnxruntime's ``quant_utils.compute_scale_zp`` (checked against it in the tests):

1. Widen the real range to contain 0: ``rmin <- min(rmin, 0)``, ``rmax <- max(rmax, 0)``, so that
   real 0 is exactly representable (zero padding, ReLU outputs).
2. Symmetric: ``rmin, rmax <- -|r|max, +|r|max``; the zero point is the midpoint of the code
   range rounded half to even: 0 for signed codes, 2**(N-1) for unsigned ones.
3. ``S = (rmax - rmin) / (qmax - qmin)`` in float64; asymmetric
   ``Z = round_half_even(qmin - rmin/S)``.
4. A scale below the smallest normal of the input's float type (e.g. rmin == rmax == 0) gives
   ``S = 1.0, Z = 0`` instead of a zero or NaN scale.

With ``symmetric=True`` and ``narrow_range=True`` this is the lecture's ``S = |r|max / qmax``
(codes -qmax..qmax); with the full signed range S is ``2 |r|max / (2**N - 1)``.
"""

from __future__ import annotations

import numpy as np

from hwgen.errors import QuantizationError
from hwgen.quant._validate import as_finite_array, check_bits, check_bool


def code_range(bits: int, *, signed: bool, narrow_range: bool = False) -> tuple[int, int]:
    """Return ``(qmin, qmax)`` of ``bits``-bit integer codes.

    Signed: ``[-2**(N-1), 2**(N-1) - 1]``; unsigned: ``[0, 2**N - 1]``. ``narrow_range`` drops the
    most negative signed code (``[-(2**(N-1) - 1), 2**(N-1) - 1]``) so the range is symmetric; it
    needs signed codes of at least 2 bits.
    """
    bits = check_bits(bits)
    signed = check_bool(signed, name="signed")
    narrow_range = check_bool(narrow_range, name="narrow_range")
    if narrow_range and not signed:
        raise QuantizationError(
            "narrow_range=True drops the most negative code and needs signed=True; "
            "unsigned codes have no negative code to drop"
        )
    if narrow_range and bits < 2:
        raise QuantizationError(
            "narrow_range=True needs bits >= 2: "
            "1-bit signed codes {-1, 0} have no symmetric narrow range"
        )
    if signed:
        qmax = 2 ** (bits - 1) - 1
        qmin = -qmax if narrow_range else -(2 ** (bits - 1))
    else:
        qmin, qmax = 0, 2**bits - 1
    return qmin, qmax


def _range_dtype(rmin, rmax) -> np.dtype:
    """Float type whose smallest normal decides a degenerate scale (onnxruntime uses the
    input's)."""
    dtypes = [np.asarray(r).dtype for r in (rmin, rmax)]
    floats = [d for d in dtypes if np.issubdtype(d, np.floating)]
    return np.result_type(*floats) if floats else np.dtype(np.float64)


def scale_zero_point(rmin, rmax, *, bits: int, signed: bool, symmetric: bool,
                     narrow_range: bool = False):
    """Scale and zero point mapping the real range ``[rmin, rmax]`` onto ``bits``-bit codes.

    Parameters
    ----------
    rmin, rmax : array_like
        Range ends, broadcast together (one pair per channel for per-channel quantization).
        Must be finite with ``rmin <= rmax``.
    bits : int
        Code width, 1..16.
    signed : bool
        Signed (two's complement) or unsigned codes.
    symmetric : bool
        Symmetric range around 0 (see the module docstring for the zero point).
    narrow_range : bool
        Drop the most negative signed code (``qmin = -qmax``).

    Returns
    -------
    scale : numpy.ndarray of float64
        Broadcast shape of ``rmin`` and ``rmax`` (0-d for scalars); always positive and finite.
    zero_point : numpy.ndarray of int64
        Same shape, inside ``[qmin, qmax]``.
    """
    qmin, qmax = code_range(bits, signed=signed, narrow_range=narrow_range)
    symmetric = check_bool(symmetric, name="symmetric")
    dtype = _range_dtype(rmin, rmax)
    lo = as_finite_array(rmin, name="rmin", allow_empty=True)
    hi = as_finite_array(rmax, name="rmax", allow_empty=True)
    try:
        lo, hi = np.broadcast_arrays(lo, hi)
    except ValueError:
        raise QuantizationError(
            f"rmin (shape {lo.shape}) and rmax (shape {hi.shape}) do not broadcast together"
        ) from None
    if (lo > hi).any():
        i = tuple(int(k) for k in np.argwhere(lo > hi)[0])
        raise QuantizationError(
            f"rmin > rmax at index {i} ({float(lo[i])} > {float(hi[i])}); pass rmin <= rmax"
        )
    lo = np.minimum(lo, 0.0)
    hi = np.maximum(hi, 0.0)
    if symmetric:
        absmax = np.maximum(np.abs(lo), np.abs(hi))
        lo, hi = -absmax, absmax
    with np.errstate(over="ignore"):
        scale = (hi - lo) / float(qmax - qmin)
    if not np.isfinite(scale).all():
        raise QuantizationError(
            f"range [{float(lo.min())}, {float(hi.max())}] is too wide for float64 scales; "
            "rescale the tensor"
        )
    finfo = np.finfo(dtype)
    if dtype == np.float16:
        # onnxruntime keeps float16 subnormal scales: only a scale that rounds below them
        # degenerates.
        degenerate = scale.astype(np.float16) < finfo.smallest_subnormal
    else:
        degenerate = scale < finfo.tiny
    safe = np.where(degenerate, 1.0, scale)
    if symmetric:
        zp = np.full(scale.shape, np.rint((qmin + qmax) / 2.0))
    else:
        zp = np.rint(qmin - lo / safe)
    zp = np.where(degenerate, 0.0, zp).astype(np.int64)
    return np.asarray(safe, dtype=np.float64), np.asarray(zp)
