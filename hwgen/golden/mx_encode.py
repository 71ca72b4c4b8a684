"""Exact MX encoding of fixed-point integers: the golden model of the output quantizer.

Values are integers ``z`` standing for ``z * 2**g``; a block of ``k`` of them becomes a shared
exponent and ``k`` element codes, with integer operations only (bit length, shifts,
comparisons) in the order the hardware performs them. Rule: :mod:`hwgen.ir.mx.rules`
("Requantization to an MX output"); on values that float64 holds exactly it agrees with
:func:`hwgen.quant.mx.mx_quantize` under the "floor" scale rule (a test checks that).
"""

from __future__ import annotations

import numpy as np

from ..quant.mx import E8M0_BIAS, E8M0_NAN, ElementFormat, mx_format

__all__ = ["round_shift", "encode_fixed_point"]


def round_shift(a: int, r: int, rounding: str) -> int:
    """``a / 2**r`` rounded with the tie rule, for ``a >= 0`` (exact left shift if r <= 0)."""
    if r <= 0:
        return a << -r
    q = a >> r
    rem = a & ((1 << r) - 1)
    half = 1 << (r - 1)
    if rem > half or (rem == half and (rounding == "half_away" or q & 1)):
        q += 1
    return q


def _float_code(a: int, d: int, elem: ElementFormat, rounding: str) -> int:
    """Magnitude code of ``a * 2**d`` (a >= 0) in a float element format, saturating."""
    m = elem.mbits
    if a == 0:
        return 0
    ee = a.bit_length() - 1 + d                    # floor(log2) of the scaled value
    qe = max(ee, elem.emin) - m                    # weight of the last mantissa bit
    n = round_shift(a, qe - d, rounding)           # mantissa count of quanta 2**qe
    top = elem.max_exp + elem.base                 # weight of the largest value's LSB
    over = n << (qe - top) > elem.max_mant if qe >= top else False
    if over:
        return ((elem.max_exp + 1) << m) | (elem.max_mant - (1 << m))
    if n == 0:
        return 0
    length = n.bit_length() - 1
    if qe + length < elem.emin:                    # subnormal: qe == emin - m
        return n
    e2 = qe + length
    mant = n >> (length - m) if length >= m else n << (m - length)
    return ((e2 + elem.bias) << m) | (mant - (1 << m))


def encode_fixed_point(z, g: int, fmt, block_size: int, rounding: str = "half_even",
                       nan=None):
    """Encode integers ``z`` (``z * 2**g`` real) in blocks along the last axis.

    Parameters
    ----------
    z : array_like of int (object arrays for wide values)
        Shape ``(..., n)``, ``n`` a multiple of ``block_size``.
    g : int
        Binary point: ``z * 2**g`` is the value.
    fmt : MxFormat or str
    block_size : int
    rounding : {"half_even", "half_away"}
    nan : array_like of bool, optional
        NaN flags of the values; a block holding one becomes a NaN block.

    Returns
    -------
    codes, micro, scales : numpy.ndarray
        int64 codes and micro-exponent bits of shape ``(..., n)``, E8M0 codes
        ``(..., n / block_size)``.
    """
    fmt = mx_format(fmt)
    elem = fmt.element
    z = np.asarray(z, dtype=object)
    shape = z.shape
    k = block_size
    flat = z.reshape(-1, shape[-1] // k, k)
    flags = np.zeros(flat.shape, dtype=bool) if nan is None else \
        np.asarray(nan, dtype=bool).reshape(flat.shape)
    codes = np.zeros(flat.shape, dtype=np.int64)
    micro = np.zeros(flat.shape, dtype=np.int64)
    scales = np.zeros(flat.shape[:-1], dtype=np.int64)
    for r in range(flat.shape[0]):
        for b in range(flat.shape[1]):
            values = [int(v) for v in flat[r, b].tolist()]
            result = _encode_block(values, g, elem, rounding, bool(flags[r, b].any()))
            scales[r, b], codes[r, b], micro[r, b] = result
    return (codes.reshape(shape), micro.reshape(shape),
            scales.reshape(shape[:-1] + (shape[-1] // k,)))


def _encode_block(values, g, elem: ElementFormat, rounding, nan):
    k = len(values)
    zeros = [0] * k
    if nan:
        return E8M0_NAN, zeros, zeros
    mags = [abs(v) for v in values]
    amax = max(mags)
    if amax == 0:
        return 0, zeros, zeros
    e_a = amax.bit_length() - 1                      # leading-one detection
    e = e_a + g - elem.emax + E8M0_BIAS              # the "floor" rule
    if e > 2 * E8M0_BIAS:
        return E8M0_NAN, zeros, zeros
    e = max(e, 0)
    x = e - E8M0_BIAS                                # the block scale is 2**x
    d = g - x                                        # z * 2**d is the scaled element
    signs = [1 if v < 0 else 0 for v in values]
    codes, micro = [], []
    if elem.kind == "float":
        for a, s in zip(mags, signs, strict=True):
            codes.append((s << (elem.bits - 1)) | _float_code(a, d, elem, rounding))
        return e, codes, [0] * k
    if elem.kind == "int":
        for a, s in zip(mags, signs, strict=True):
            n = min(round_shift(a, -(d + elem.mbits), rounding), elem.max_mant)
            codes.append(((-n) & 0xFF) if s else n)
        return e, codes, [0] * k
    for p in range(0, k, 2):
        mu = 1 if mags[p] < (1 << e_a) and mags[p + 1] < (1 << e_a) else 0
        for a, s in zip(mags[p:p + 2], signs[p:p + 2], strict=True):
            n = min(round_shift(a, -(d + mu), rounding), elem.max_mant)
            codes.append((s << elem.mbits) | n)
            micro.append(mu)
    return e, codes, micro
