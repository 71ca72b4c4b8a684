"""Element codes <-> values, exact (numpy, vectorized).

:func:`element_fields` splits codes into the integers the hardware decoder produces (sign,
integer mantissa, exponent offset, NaN / Inf flags); :func:`decode_elements` turns them into
float64 values; :func:`encode_elements` rounds real values (already divided by the block
scale) to codes under a named tie rule, saturating to the largest finite value. Every step
is exact in float64: the values are scaled by powers of two and rounded to at most 8
significant bits.
"""

from __future__ import annotations

import numpy as np

from hwgen.errors import QuantizationError
from hwgen.quant._validate import check_choice
from hwgen.quant.rounding import ROUNDING_RULES, round_float

from .formats import ElementFormat, element_format

__all__ = ["ElementFields", "element_fields", "decode_elements", "encode_elements",
           "nan_code"]


class ElementFields:
    """Integer fields of element codes (int64 arrays of one shape)."""

    def __init__(self, sign, mant, exp, nan, inf):
        self.sign, self.mant, self.exp, self.nan, self.inf = sign, mant, exp, nan, inf

    @property
    def special(self) -> np.ndarray:
        return self.nan | self.inf

    def signed_mant(self) -> np.ndarray:
        """``(-1)**sign * mant`` (0 for NaN / Inf codes)."""
        return np.where(self.special, 0, np.where(self.sign == 1, -self.mant, self.mant))


def _codes(codes, fmt: ElementFormat) -> np.ndarray:
    codes = np.asarray(codes)
    if codes.dtype.kind not in "iu":
        raise QuantizationError(f"{fmt.name} codes must be integers, not {codes.dtype}")
    codes = codes.astype(np.int64)
    if codes.size and (codes.min() < 0 or codes.max() >= 1 << fmt.bits):
        raise QuantizationError(
            f"{fmt.name} codes must lie in [0, {(1 << fmt.bits) - 1}] (unsigned bit patterns), "
            f"got [{codes.min()}, {codes.max()}]")
    return codes


def element_fields(codes, fmt, micro=None) -> ElementFields:
    """Sign, integer mantissa and exponent offset of each code (see ``formats``).

    Parameters
    ----------
    codes : array_like of int
        Unsigned bit patterns of ``fmt.bits`` bits (MXINT8: the two's complement byte).
    fmt : ElementFormat or str
    micro : array_like of int, optional
        Micro-exponent bit of each element (micro formats only; same shape as ``codes``).
    """
    fmt = element_format(fmt)
    c = _codes(codes, fmt)
    zeros = np.zeros_like(c)
    if fmt.kind == "int":
        q = np.where(c >= 1 << (fmt.bits - 1), c - (1 << fmt.bits), c)
        return ElementFields((q < 0).astype(np.int64), np.abs(q), zeros, zeros.astype(bool),
                             zeros.astype(bool))
    sign = c >> (fmt.bits - 1)
    if fmt.kind == "micro":
        if micro is None:
            raise QuantizationError(f"{fmt.name} elements need their micro-exponent bits")
        mu = np.broadcast_to(np.asarray(micro, dtype=np.int64), c.shape)
        if mu.size and (mu.min() < 0 or mu.max() > 1):
            raise QuantizationError("micro-exponent bits must be 0 or 1")
        return ElementFields(sign, c & ((1 << fmt.mbits) - 1), 1 - mu, zeros.astype(bool),
                             zeros.astype(bool))
    e = (c >> fmt.mbits) & ((1 << fmt.ebits) - 1)
    f = c & ((1 << fmt.mbits) - 1)
    mant = np.where(e > 0, f | (1 << fmt.mbits), f)
    exp = np.maximum(e, 1) - 1
    top = (1 << fmt.ebits) - 1
    if fmt.nan == "e4m3":
        nan = (e == top) & (f == (1 << fmt.mbits) - 1)
        inf = zeros.astype(bool)
    elif fmt.nan == "ieee":
        nan = (e == top) & (f != 0)
        inf = (e == top) & (f == 0)
    else:
        nan = inf = zeros.astype(bool)
    return ElementFields(sign, mant, exp, nan, inf)


def decode_elements(codes, fmt, micro=None) -> np.ndarray:
    """float64 values of element codes relative to the block scale (``2**(E-127)`` = 1)."""
    fmt = element_format(fmt)
    fields = element_fields(codes, fmt, micro)
    magnitude = np.ldexp(fields.mant.astype(np.float64), fields.exp + fmt.base)
    value = np.where(fields.sign == 1, -magnitude, magnitude)
    value = np.where(fields.inf, np.where(fields.sign == 1, -np.inf, np.inf), value)
    return np.where(fields.nan, np.nan, value)


def nan_code(fmt) -> int | None:
    """The canonical positive NaN code of ``fmt`` (None if it has no NaN)."""
    fmt = element_format(fmt)
    if fmt.nan == "e4m3":
        return (1 << (fmt.bits - 1)) - 1                       # 0.1111.111
    if fmt.nan == "ieee":
        return (((1 << fmt.ebits) - 1) << fmt.mbits) | (1 << (fmt.mbits - 1))   # 0.11111.10
    return None


def encode_elements(values, fmt, *, rounding: str = "half_even", micro=None,
                    saturate: bool = True) -> np.ndarray:
    """Round real values (relative to the block scale) to element codes.

    Rounding is to the nearest representable value with ``rounding``'s tie rule (a tie
    between two codes: ``"half_even"`` takes the one with an even mantissa, ``"half_away"``
    the larger magnitude). Subnormals are kept. Values beyond the largest finite value
    saturate to it (``saturate=True``, the OCP MX conversion rule); with ``saturate=False``
    they become Inf (E5M2) or NaN (E4M3), as an IEEE-style cast does. A negative value that
    rounds to zero keeps its sign (``-0``), as ml_dtypes does; MXINT8 has no ``-0``.

    Parameters
    ----------
    values : array_like of float
        Finite values, or NaN / Inf for formats that encode them.
    fmt : ElementFormat or str
    rounding : {"half_even", "half_away"}
    micro : array_like of int, optional
        Micro formats: each element's micro-exponent bit (the element's quantum is
        ``2**-mu``); required for them.
    saturate : bool

    Returns
    -------
    numpy.ndarray of int64
        Unsigned bit patterns.
    """
    fmt = element_format(fmt)
    check_choice(rounding, ROUNDING_RULES, name="rounding")
    x = np.asarray(values, dtype=np.float64)
    nan_in = np.isnan(x)
    if nan_in.any() and nan_code(fmt) is None:
        raise QuantizationError(f"{fmt.name} has no NaN; NaN inputs cannot be encoded")
    neg = np.signbit(x)
    a = np.where(nan_in, 0.0, np.abs(x))
    if fmt.kind == "int":
        n = round_float(np.ldexp(np.minimum(a, 4.0), fmt.mbits), rounding)
        n = np.minimum(n, fmt.max_mant)
        q = np.where(neg, -n, n).astype(np.int64)
        return np.where(q < 0, q + (1 << fmt.bits), q)
    if fmt.kind == "micro":
        if micro is None:
            raise QuantizationError(f"{fmt.name} elements need their micro-exponent bits")
        mu = np.broadcast_to(np.asarray(micro, dtype=np.int64), x.shape)
        limit = float(1 << (fmt.mbits + 2))
        n = round_float(np.ldexp(np.minimum(a, limit), mu), rounding)
        n = np.minimum(n, fmt.max_mant).astype(np.int64)
        return (neg.astype(np.int64) << fmt.mbits) | n
    return _encode_float(a, neg, nan_in, fmt, rounding, saturate)


def _encode_float(a, neg, nan_in, fmt: ElementFormat, rounding, saturate):
    m = fmt.mbits
    inf_in = np.isinf(a)
    # Clip far beyond the range first so the arithmetic below stays small; the result
    # saturates either way.
    big = np.ldexp(1.0, fmt.max_exp + fmt.base + m + 3)
    a = np.minimum(a, big)
    _, ex = np.frexp(a)
    ee = np.where(a > 0, ex - 1, fmt.emin)               # floor(log2 a)
    qe = np.maximum(ee, fmt.emin) - m                    # exponent of the last mantissa bit
    n = round_float(np.ldexp(a, -qe), rounding)          # exact: a * 2**-qe < 2**(m+2)
    value = np.ldexp(n, qe)
    over = (value > fmt.max_normal) | inf_in
    # Split the rounded value into exponent and mantissa fields.
    _, ex2 = np.frexp(value)
    e2 = np.where(value > 0, ex2 - 1, fmt.emin)
    normal = (e2 >= fmt.emin) & (value > 0)
    efield = np.where(normal, e2 + fmt.bias, 0)
    ffield = np.where(normal, np.ldexp(value, m - e2) - (1 << m), np.ldexp(value, m - fmt.emin))
    code = (efield.astype(np.int64) << m) | ffield.astype(np.int64)
    max_code = ((fmt.max_exp + 1) << m) | (fmt.max_mant - (1 << m))
    if saturate:
        code = np.where(over, max_code, code)
    elif fmt.has_inf:
        code = np.where(over, ((1 << fmt.ebits) - 1) << m, code)
    else:
        code = np.where(over, nan_code(fmt), code) if nan_code(fmt) is not None else \
            np.where(over, max_code, code)
    code = np.where(nan_in, nan_code(fmt) if nan_code(fmt) is not None else 0, code)
    sign = np.where(nan_in, 0, neg.astype(np.int64))
    return (sign << (fmt.bits - 1)) | code
