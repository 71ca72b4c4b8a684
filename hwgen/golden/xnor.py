"""Golden model of the binary and ternary MVAUs (rules in :mod:`hwgen.ir.binary`).

int64 numpy throughout. The XNOR kind computes its dot products the hardware way,
``2 * popcount(XNOR(b_w, b_x)) - n``; the binary-weight and ternary kinds add and subtract
inputs (an integer matrix product with coefficients in {-L_n, 0, +L_p}).
"""

from __future__ import annotations

import numpy as np

from ..errors import IRError
from ..ir.binary import Activation
from ..ir.blocks.binary_mvau import BinaryMvauParams, XnorMvauParams
from .matmul import exact_int_matmul
from .requant import requantize_and_clamp

__all__ = ["xnor_popcount_dot", "multithreshold", "binary_mvau"]


def xnor_popcount_dot(w_bits, x_bits) -> np.ndarray:
    """Bipolar dot products from stored bits: ``2 * popcount(XNOR(w, x)) - n``.

    Parameters
    ----------
    w_bits : array_like
        Weight bits ``(..., n)`` (or ``(M, n)`` rows for a matrix product, see below).
    x_bits : array_like
        Input bits ``(N, n)``.

    Returns
    -------
    numpy.ndarray
        ``(N, M)`` for ``w_bits`` of shape ``(M, n)``: row ``k`` of ``x`` against every row of
        ``w``. For 1-D ``w_bits`` and ``x_bits`` a scalar.
    """
    w = np.asarray(w_bits, dtype=np.int64)
    x = np.asarray(x_bits, dtype=np.int64)
    for name, bits in (("w_bits", w), ("x_bits", x)):
        if bits.size and not np.isin(bits, (0, 1)).all():
            raise IRError(f"{name} must hold bits 0 and 1")
    n = w.shape[-1]
    if x.shape[-1] != n:
        raise IRError(f"bit vectors differ in length: {n} weights, {x.shape[-1]} inputs")
    if w.ndim == 1 and x.ndim == 1:
        return 2 * int(np.sum(1 - (w ^ x))) - n
    # popcount(XNOR) = (both 1) + (both 0), two exact integer matrix products.
    agree = exact_int_matmul(x, w.T) + exact_int_matmul(1 - x, (1 - w).T)
    return 2 * agree - n


def multithreshold(acc, thresholds, descending, out_offset: int = 0) -> np.ndarray:
    """FINN's MultiThreshold with per-channel direction (rule in :mod:`hwgen.ir.binary`).

    ``out = out_offset + sum_k [acc >= t_k]`` on ascending channels and
    ``out_offset + sum_k [acc <= t_k]`` on descending ones; channels on the last axis.
    """
    acc = np.asarray(acc, dtype=np.int64)[..., None]
    t = np.asarray(thresholds, dtype=np.int64)
    down = np.asarray(descending, dtype=np.int64)[:, None] == 1
    hits = np.where(down, acc <= t, acc >= t)
    return out_offset + hits.sum(axis=-1).astype(np.int64)


def binary_mvau(x: np.ndarray, p: BinaryMvauParams) -> np.ndarray:
    """Outputs of a binary or ternary MVAU for input codes ``x``.

    Parameters
    ----------
    x : numpy.ndarray
        Input codes ``(..., MW)``: bits for bipolar inputs, integer codes otherwise.
    p : BinaryMvauParams
        An XNOR, binary-weight or ternary MVAU.

    Returns
    -------
    numpy.ndarray
        int64 output codes ``(..., MH)``.
    """
    x = np.asarray(x)
    if x.shape[-1] != p.mw:
        raise IRError(f"layer {p.name!r} takes vectors of {p.mw} inputs, not {x.shape[-1]}")
    p.input_type.check_codes(x, f"layer {p.name!r}: input")
    lead = x.shape[:-1]
    rows = x.reshape(-1, p.mw).astype(np.int64)
    if isinstance(p, XnorMvauParams):
        acc = (xnor_popcount_dot((p.weights + 1) // 2, rows) << p.acc_shift) + p.bias
    else:
        values = 2 * rows - 1 if p.input_bipolar else rows
        acc = exact_int_matmul(values, p.coefficients.T) + p.bias
    if p.activation is Activation.THRESHOLD:
        out = multithreshold(acc, p.thresholds, p.descending, p.out_offset)
    else:
        out = requantize_and_clamp(acc, p.multiplier, p.shift, p.rounding, p.out_zero_point,
                                   p.out_min, p.out_max)
    return out.reshape(lead + (p.mh,))
