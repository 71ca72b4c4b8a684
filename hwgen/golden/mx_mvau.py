"""Golden model of the MX MVAU: exact integer accumulation, then int or MX outputs.

Rules: :mod:`hwgen.ir.mx.rules`. Values wider than int64 are Python integers (numpy object
arrays); everything narrower goes through int64 numpy.
"""

from __future__ import annotations

import numpy as np

from ..errors import IRError
from ..ir.blocks.mx_mvau import MxMvauParams
from ..ir.mx.types import is_mx_format
from .matmul import exact_int_matmul
from .mx_encode import encode_fixed_point

__all__ = ["mx_mvau", "mx_accumulators", "exact_matmul"]

_INT63 = 1 << 62


def _max_abs(a: np.ndarray) -> int:
    return max((abs(int(v)) for v in a.reshape(-1).tolist()), default=0)


def exact_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` of integer arrays (int64 or Python-int object arrays), exact."""
    bound = _max_abs(a) * _max_abs(b) * max(a.shape[-1], 1)
    if bound < _INT63:
        return exact_int_matmul(a.astype(np.int64), b.astype(np.int64)).astype(object)
    return a.astype(object) @ b.astype(object)


def mx_accumulators(x, p: MxMvauParams):
    """Accumulators ``(N, MH)`` (Python ints) and their NaN flags, for inputs ``x``."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[-1] != p.mw:
        raise IRError(f"layer {p.name!r} takes vectors of {p.mw} inputs, not {x.shape}")
    xal, x_nan = p.decode_inputs(x)
    acc = exact_matmul(np.asarray(xal), p.aligned_weights.T) + p.acc_bias[None, :]
    nan = x_nan[:, None] | p.weight_nan_rows[None, :]
    return acc, nan


def _int_outputs(acc, nan, p: MxMvauParams) -> np.ndarray:
    qm = [int(m) for m in p.multiplier]
    t = [int(s) for s in p.shift]
    out = np.empty(acc.shape, dtype=np.int64)
    qmin = p.output_type.qmin
    for (n, i), a in np.ndenumerate(acc):
        if nan[n, i]:
            out[n, i] = qmin
            continue
        y = p.out_zero_point + ((int(a) * qm[i] + (1 << (t[i] - 1))) >> t[i])
        out[n, i] = min(max(y, p.out_min), p.out_max)
    return out


def _mx_outputs(acc, nan, p: MxMvauParams) -> np.ndarray:
    qm = [int(m) for m in p.multiplier]
    ls = [int(s) for s in p.shift]
    z = np.empty(acc.shape, dtype=object)
    for (n, i), a in np.ndenumerate(acc):
        a = int(a)
        if p.relu:
            a = max(a, 0)
        z[n, i] = (a * qm[i]) << ls[i]
    codes, micro, scales = encode_fixed_point(z, p.out_exp, p.output_dtype, p.output_block,
                                              p.rounding, nan)
    element = p.output_type
    e = np.repeat(scales, p.output_block, axis=-1)
    return codes | (micro << element.code_bits) | (e << (element.code_bits + element.micro_bits))


def mx_mvau(x: np.ndarray, p: MxMvauParams) -> np.ndarray:
    """Outputs of the MX MVAU for input vectors ``x`` ``(..., MW)``.

    Int inputs are raw codes; MX inputs are stream elements (code, micro-exponent, shared
    exponent; :mod:`hwgen.ir.mx.types`). Leading dimensions (e.g. ``(N, *spatial)`` of a
    convolution) are independent vectors. Returns int output codes, or MX stream elements,
    int64 ``(..., MH)``.
    """
    x = np.asarray(x)
    if x.ndim == 0 or x.shape[-1] != p.mw:
        raise IRError(f"layer {p.name!r} takes vectors of {p.mw} inputs, not {x.shape}")
    lead = x.shape[:-1]
    acc, nan = mx_accumulators(x.reshape(-1, p.mw), p)
    out = _mx_outputs(acc, nan, p) if is_mx_format(p.output_dtype) else _int_outputs(acc, nan, p)
    return out.reshape(lead + (p.mh,))
